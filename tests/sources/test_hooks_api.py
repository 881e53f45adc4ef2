"""The hooks through a real server on loopback, with a real DuckDB store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pushkit import (
    API_KEY,
    OWN_AUTHOR,
    doudian_message,
    doudian_request,
    douyin_message,
    douyin_request,
    kuaishou_message,
    kuaishou_request,
    tiktok_request,
    write_settings,
)

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.events import now_ms, pseudonymise
from kuaifan.store.duckdb import DuckStore


@dataclass
class Hooked:
    store: DuckStore
    http: httpx.Client
    api: httpx.Client


def _serve(home: Path, **kw: bool) -> Iterator[Hooked]:
    settings = write_settings(home, **kw)
    store = DuckStore(home / "kuaifan.duckdb", threads=1)
    app = create_app(settings, store=store, use_text_classifier=False)
    with BackgroundServer(app) as server:
        http = httpx.Client(base_url=server.url, timeout=20.0)
        api = httpx.Client(base_url=server.url, timeout=20.0, headers={"X-API-Key": API_KEY})
        try:
            yield Hooked(store, http, api)
        finally:
            http.close()
            api.close()
    store.close()


@pytest.fixture
def hooked(tmp_path: Path) -> Iterator[Hooked]:
    yield from _serve(tmp_path / "home")


def test_douyin_comments_are_stored_pseudonymised_and_shown_live(hooked: Hooked) -> None:
    messages = [douyin_message("live_comment", i) for i in range(5)]
    headers, body = douyin_request(messages, room="room-9")
    r = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"err_no": 0, "err_msg": "success"}
    df = hooked.store.read("acme")
    assert df.height == 5
    assert set(df["kind"]) == {"comment"} and set(df["platform"]) == {"douyin"}
    assert df["user_key"][0] == pseudonymise("acme-salt-0123456789", "open_0")
    assert df["nickname"].null_count() == 5  # the tenant does not keep nicknames
    assert "open_0" not in str(df.to_dicts())
    rooms = hooked.api.get("/v1/rooms").json()["rooms"]
    assert [r["room_id"] for r in rooms] == ["room-9"] and rooms[0]["live"] is True
    state = hooked.api.get("/v1/rooms/room-9/state").json()
    assert "room-9" in str(state)


def test_bad_signature_is_401_and_stores_nothing(hooked: Hooked) -> None:
    headers, body = douyin_request([douyin_message("live_comment", 1)], secret="wrong-secret")
    r = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "bad_signature"
    assert "douyin-secret-demo" not in r.text
    assert hooked.store.stats("acme") == {"events": 0, "by_kind": {}, "dead_letter": 0}


def test_tampered_body_is_401(hooked: Hooked) -> None:
    headers, body = douyin_request([douyin_message("live_comment", 1)])
    r = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body.replace(b"M", b"L"))
    assert r.status_code == 401
    assert hooked.store.stats("acme")["events"] == 0


def test_stale_timestamp_is_401(hooked: Hooked) -> None:
    headers, body = douyin_request([douyin_message("live_comment", 1)], sent_ms=now_ms() - 6 * 60_000)
    r = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body)
    assert r.status_code == 401 and "stale" in r.json()["error"]["message_en"]
    assert hooked.store.stats("acme")["events"] == 0


def test_replayed_request_is_409_and_a_redelivery_is_a_duplicate(hooked: Hooked) -> None:
    messages = [douyin_message("live_comment", 1)]
    headers, body = douyin_request(messages)
    assert hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body).status_code == 200
    replay = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body)
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed"
    # The platform pushing the same message again (a new nonce) is fine: stored once.
    headers2, body2 = douyin_request(messages)
    assert hooked.http.post("/hooks/douyin/live/acme", headers=headers2, content=body2).status_code == 200
    assert hooked.store.stats("acme")["events"] == 1


def test_unknown_tenant_or_disabled_platform_is_404(hooked: Hooked) -> None:
    headers, body = douyin_request([douyin_message("live_comment", 1)])
    assert hooked.http.post("/hooks/douyin/live/nobody", headers=headers, content=body).status_code == 404
    assert hooked.http.post("/hooks/douyin/live/beta", headers=headers, content=body).status_code == 404


def test_malformed_body_with_a_valid_signature_is_a_dead_letter(hooked: Hooked) -> None:
    headers, body = douyin_request(b"[{not json")
    r = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body)
    assert r.status_code == 200
    dead = hooked.store.dead_letters("acme")
    assert dead.height == 1 and dead["source"][0] == "douyin_live"
    assert dead["reason"][0].startswith("malformed JSON")


def test_doudian_refund_is_stored_and_a_paid_notice_waits_for_detail(hooked: Hooked) -> None:
    refund = doudian_message(
        "206", "7300000000000000002",
        {"s_id": 6900000000000000011, "p_id": 6900000000000000010, "refund_amount": 12900,
         "success_time": now_ms() // 1000, "aftersale_id": 1, "aftersale_type": 1},
    )  # fmt: skip
    paid = doudian_message("101", "7300000000000000001", {"p_id": 6900000000000000010, "pay_amount": 12900})
    shipped = doudian_message("102", "7300000000000000003", {"p_id": 6900000000000000010})
    headers, body = doudian_request([refund, paid, shipped])
    r = hooked.http.post("/hooks/doudian/acme", headers=headers, content=body)
    assert r.status_code == 200 and r.json() == {"code": 0, "msg": "success"}
    df = hooked.store.read("acme")
    assert df.select("kind", "order_id", "amount_fen", "msg_id").rows() == [
        ("order_refund", "6900000000000000011", 12900, "order_refund:6900000000000000011")
    ]
    dead = hooked.store.dead_letters("acme")
    assert dead.height == 1 and dead["reason"][0].startswith("needs order detail: tag 101")


def test_doudian_bad_sign_is_401(hooked: Hooked) -> None:
    headers, body = doudian_request([doudian_message("102", "1", {})], secret="nope")
    assert hooked.http.post("/hooks/doudian/acme", headers=headers, content=body).status_code == 401


def test_tiktok_webhook_reply_and_signature(hooked: Hooked) -> None:
    envelope = {
        "type": 1, "tts_notification_id": "7380066284010030890", "shop_id": "7495540735365777507",
        "timestamp": now_ms() // 1000,
        "data": {"order_id": "576653688135258178", "order_status": "AWAITING_SHIPMENT", "update_time": 1},
    }  # fmt: skip
    headers, body = tiktok_request(envelope)
    r = hooked.http.post("/hooks/tiktok/acme", headers=headers, content=body)
    assert r.status_code == 200 and r.content == b""
    assert hooked.store.dead_letters("acme")["reason"][0].startswith("needs order detail")
    bad_headers, _ = tiktok_request(envelope, secret="x")
    assert hooked.http.post("/hooks/tiktok/acme", headers=bad_headers, content=body).status_code == 401


def test_kuaishou_heartbeat_and_encrypted_message(hooked: Hooked) -> None:
    r = hooked.http.post("/hooks/kuaishou/acme", content=b'{"test":true}')
    assert r.status_code == 200 and r.json() == {"result": 1}
    headers, body = kuaishou_request(kuaishou_message("kwaishop_order_delivering", "243_1"))
    r = hooked.http.post("/hooks/kuaishou/acme", headers=headers, content=body)
    assert r.status_code == 200 and r.json() == {"result": 1}
    wrong = kuaishou_request(kuaishou_message("kwaishop_order_paySuccess", "243_2"), key="A" * 43 + "=")
    assert hooked.http.post("/hooks/kuaishou/acme", headers=wrong[0], content=wrong[1]).status_code == 401
    assert hooked.store.stats("acme") == {"events": 0, "by_kind": {}, "dead_letter": 0}


def test_nicknames_kept_only_when_the_tenant_says_so(tmp_path: Path) -> None:
    for hooked in _serve(tmp_path / "keep", store_nicknames=True):
        headers, body = douyin_request([douyin_message("live_gift", 1)], msg_type="live_gift")
        assert hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body).status_code == 200
        row = hooked.store.read("acme").row(0, named=True)
        assert row["nickname"] == "测试用户" and row["kind"] == "gift" and row["amount_fen"] == 200
        assert OWN_AUTHOR  # the doudian own accounts are configured for the same tenant


def test_body_over_4_mb_is_413_and_empty_body_a_dead_letter(hooked: Hooked) -> None:
    headers, body = douyin_request(b"[" + b" " * (4 << 20) + b"]")
    r = hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    headers, body = douyin_request(b"")
    assert hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body).status_code == 200
    assert hooked.store.dead_letters("acme")["reason"].to_list() == ["empty body"]
    assert hooked.store.stats("acme")["events"] == 0


def test_the_live_stream_shows_a_pushed_room_like_any_other(hooked: Hooked) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
    from apihelpers import SseReader

    first, body = douyin_request([douyin_message("live_comment", 0)], room="room-live")
    assert hooked.http.post("/hooks/douyin/live/acme", headers=first, content=body).status_code == 200
    url = str(hooked.api.base_url) + "/v1/rooms/room-live/live"
    sse = SseReader(url, {"X-API-Key": API_KEY})
    try:
        snap = sse.next("snapshot")
        assert snap["room_id"] == "room-live" and snap["state"]["overall"]["comments"] == 1
        gifts = [douyin_message("live_gift", i) for i in range(1, 4)]
        headers, body = douyin_request(gifts, msg_type="live_gift", room="room-live")
        assert hooked.http.post("/hooks/douyin/live/acme", headers=headers, content=body).status_code == 200
        likes, body = douyin_request([douyin_message("live_like", 9)], msg_type="live_like", room="room-live")
        assert hooked.http.post("/hooks/douyin/live/acme", headers=likes, content=body).status_code == 200
        delta = sse.next("metrics", where=lambda d: d["overall"].get("likes", 0) >= 3)
        assert delta["overall"]["comments"] == 1
    finally:
        sse.close()
