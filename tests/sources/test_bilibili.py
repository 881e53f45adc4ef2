"""bilibili: the signed HTTP API, the packet codec and a session against local servers that speak the
documented protocol (a signed live-open HTTP API and a websocket long connection)."""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI, Request
from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.api.server import BackgroundServer, free_port
from kuaifan.events import now_ms
from kuaifan.sources import bilibili
from kuaifan.sources.bilibili_client import (
    BilibiliApiError,
    BilibiliClient,
    check_signature,
    run_session,
    sign_headers,
)
from kuaifan.sources.platforms import BilibiliSettings
from kuaifan.testing.sources import gate

KEY_ID, SECRET, APP_ID, CODE, AUTH = "ak_test", "sk_test", 1234567890123, "ANCHOR-CODE", '{"token":"t0k"}'


def test_platforms_md_signature_example() -> None:
    body = b'{"code":"FAKECODE","app_id":1234567890123}'
    h = sign_headers(
        body, "ak_demo", "sk_demo", nonce="0b6f6f2e-0000-4000-8000-000000000001", timestamp=1767225600
    )
    assert h["x-bili-content-md5"] == "f921b6ee14fd715cdc09c98993da4c8c"
    assert h["Authorization"] == "aa9ee7e980c027eefc7d0166cb45dc6caada338d6ec214bb4856b716946075c9"
    assert check_signature(h, body, "sk_demo") and not check_signature(h, body + b" ", "sk_demo")


def cmd(name: str, **data: Any) -> bytes:
    base = {"room_id": 123456, "open_id": "oid_1", "uname": "测试", "uface": "https://example.invalid/f.png",
            "timestamp": now_ms() // 1000}  # fmt: skip
    return orjson.dumps({"cmd": f"LIVE_OPEN_PLATFORM_{name}", "data": base | data})


def message(body: bytes) -> bytes:
    return bilibili.pack(bilibili.OP_MESSAGE, body, ver=bilibili.VER_PLAIN)


def test_codec_round_trip_and_batches() -> None:
    dm, like = cmd("DM", msg="黑色L有吗", msg_id="dm-1"), cmd("LIKE", like_count=5, msg_id="lk-1")
    inner = message(dm) + message(like)
    for ver in (bilibili.VER_ZLIB, bilibili.VER_BROTLI):
        packed = bilibili.pack(bilibili.OP_MESSAGE, bilibili.compress(inner, ver), ver=ver)
        assert [p.body for p in bilibili.unpack(packed)] == [dm, like]
    beat = bilibili.pack(bilibili.OP_HEARTBEAT_REPLY, (42).to_bytes(4, "big"))
    assert bilibili.unpack(beat + message(dm))[0].op == bilibili.OP_HEARTBEAT_REPLY
    with pytest.raises(bilibili.ProtocolError):
        bilibili.unpack(message(dm)[:-1])
    with pytest.raises(bilibili.ProtocolError):
        bilibili.unpack(bilibili.pack(bilibili.OP_MESSAGE, b"not zlib", ver=bilibili.VER_ZLIB))
    bomb = bilibili.pack(bilibili.OP_MESSAGE, zlib.compress(b"\0" * (bilibili.MAX_PACKET + 1)), ver=2)
    with pytest.raises(bilibili.ProtocolError, match="larger than 16 MB"):
        bilibili.unpack(bomb)


@settings(deadline=None, max_examples=60)
@given(st.binary(max_size=512))
def test_unpack_of_any_bytes_raises_only_protocol_errors(data: bytes) -> None:
    try:
        packets = bilibili.unpack(data)
    except bilibili.ProtocolError:
        return
    for p in packets:
        bilibili.message_items(p, "g1")


@settings(deadline=None, max_examples=60)
@given(
    st.sampled_from(["DM", "SEND_GIFT", "LIKE", "LIVE_ROOM_ENTER", "LIVE_START", "GUARD"]),
    st.dictionaries(
        st.sampled_from(
            [
                "room_id",
                "timestamp",
                "msg",
                "gift_num",
                "r_price",
                "paid",
                "open_id",
                "like_count",
                "msg_id",
                "user_info",
            ]
        ),
        st.none() | st.integers(-(2**63), 2**63 - 1) | st.text() | st.booleans(),
        max_size=6,
    ),
)
def test_commands_with_any_field_values_never_crash(name: str, fields: dict[str, Any]) -> None:  # fmt: skip
    item = bilibili.command_item({"cmd": f"{bilibili.PREFIX}{name}", "data": fields}, "g1")
    if isinstance(item, dict):
        try:
            gate([item])
        except AssertionError as exc:  # the gate would dead-letter it: fine
            assert "not a valid event" in str(exc)


def test_commands_map_to_events() -> None:
    cases = [
        (cmd("DM", msg="M码还有吗😀", msg_id="dm-1"), "comment", {"text": "M码还有吗😀"}),
        (
            cmd("SEND_GIFT", gift_num=3, r_price=1000, paid=True, msg_id="g-1"),
            "gift",
            {"qty": 3, "amount_fen": 300},
        ),
        (cmd("SEND_GIFT", gift_num=1, r_price=100, paid=False, msg_id="g-2"), "gift", {"amount_fen": 0}),
        (cmd("LIKE", like_count=7, msg_id="l-1"), "like", {"qty": 7}),
        (cmd("LIVE_ROOM_ENTER"), "enter", {}),
        (cmd("ENTER_ROOM"), "enter", {}),
        (cmd("LIVE_START", title="新品"), "stream_start", {}),
        (cmd("LIVE_OFF"), "stream_end", {}),
    ]
    for body, kind, fields in cases:
        item = bilibili.command_item(orjson.loads(body), "game-1")
        assert isinstance(item, dict), (body, item)
        assert item["kind"] == kind and item["stream_id"] == "game-1" and item["room_id"] == "123456"
        assert {k: item[k] for k in fields} == fields
        gate([item])
    assert bilibili.command_item(orjson.loads(cmd("INTERACTION_END")), "g") is None
    assert bilibili.command_item({"cmd": "SOMETHING_ELSE", "data": {}}, "g") == "unknown cmd 'SOMETHING_ELSE'"


# ---- a local server pair that speaks the documented protocol ---------------------------------------------


class FakeLiveOpen:
    """The signed HTTP API and the websocket server of the open platform, on loopback."""

    def __init__(self) -> None:
        self.ws_port = free_port()
        self.calls: list[str] = []
        self.auth_bodies: list[bytes] = []
        self.heartbeats = 0
        self.ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.app = FastAPI()
        self.app.post("/v2/app/{action}")(self.http)

    async def http(self, action: str, request: Request) -> dict[str, Any]:
        body = await request.body()
        if not check_signature(request.headers, body, SECRET):
            return {"code": -1, "message": "signature invalid", "request_id": "r", "data": {}}
        self.calls.append(action)
        if action == "start":
            assert orjson.loads(body) == {"code": CODE, "app_id": APP_ID}
            return {"code": 0, "message": "0", "request_id": "r", "data": {
                "game_info": {"game_id": "game-42"},
                "websocket_info": {"auth_body": AUTH, "wss_link": [f"ws://127.0.0.1:{self.ws_port}/sub"]},
                "anchor_info": {"room_id": 123456, "uid": 1, "open_id": "anchor", "uname": "主播"},
            }}  # fmt: skip
        return {"code": 0, "message": "0", "request_id": "r", "data": {}}

    async def _ws(self, conn: Any) -> None:
        first = bilibili.unpack(await conn.recv(decode=False))[0]
        self.auth_bodies.append(first.body)
        ok = first.op == bilibili.OP_AUTH and first.body == AUTH.encode()
        await conn.send(bilibili.pack(bilibili.OP_AUTH_REPLY, orjson.dumps({"code": 0 if ok else -101})))
        if not ok:
            return
        gift = cmd("SEND_GIFT", gift_num=2, r_price=500, paid=True, msg_id="g-1")
        batch = message(gift) + message(cmd("LIKE", like_count=4, msg_id="l-1"))
        await conn.send(message(cmd("DM", msg="黑色L有吗", msg_id="dm-1")))
        await conn.send(bilibili.pack(bilibili.OP_MESSAGE, bilibili.compress(batch, 2), ver=2))
        br = message(cmd("LIVE_ROOM_ENTER")) + message(orjson.dumps({"cmd": "LIVE_OPEN_PLATFORM_NEW_THING"}))
        await conn.send(bilibili.pack(bilibili.OP_MESSAGE, bilibili.compress(br, 3), ver=3))
        async for frame in conn:
            for p in bilibili.unpack(frame):
                if p.op == bilibili.OP_HEARTBEAT:
                    self.heartbeats += 1
                    await conn.send(bilibili.pack(bilibili.OP_HEARTBEAT_REPLY, (1).to_bytes(4, "big")))

    def run_ws(self) -> None:
        from websockets.asyncio.server import serve

        async def main() -> None:
            self._stop = asyncio.Event()
            self._loop = asyncio.get_running_loop()
            async with serve(self._ws, "127.0.0.1", self.ws_port):
                self.ready.set()
                await self._stop.wait()

        asyncio.run(main())

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)


@pytest.fixture
def live_open() -> Iterator[tuple[FakeLiveOpen, str]]:
    fake = FakeLiveOpen()
    thread = threading.Thread(target=fake.run_ws, daemon=True)
    thread.start()
    assert fake.ready.wait(10)
    with BackgroundServer(fake.app) as server:  # type: ignore[arg-type]
        yield fake, server.url
    fake.stop()
    thread.join(10)


def settings(url: str, secret: str = SECRET) -> BilibiliSettings:
    return BilibiliSettings.model_validate(
        {"app_id": APP_ID, "access_key_id": KEY_ID, "access_key_secret": secret, "api_base": url}
    )


def test_session_against_local_servers(live_open: tuple[FakeLiveOpen, str]) -> None:
    fake, url = live_open
    with httpx.Client(timeout=10) as http:
        client = BilibiliClient(settings(url), http)
        session = client.start(CODE)
        assert (session.game_id, session.room_id) == ("game-42", "123456")
        client.heartbeat(session.game_id)
        got: list[dict[str, Any]] = []
        dead: list[Any] = []

        async def collect(items: list[dict[str, Any]], bad: list[Any]) -> None:
            got.extend(items)
            dead.extend(bad)

        async def main() -> Any:
            stop = asyncio.Event()

            async def stop_when_done() -> None:
                while len(got) < 4 or fake.heartbeats < 1:
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.1)
                stop.set()

            stopper = asyncio.create_task(stop_when_done())
            stats = await asyncio.wait_for(run_session(session, collect, stop, ws_heartbeat_s=0.05), 20)
            await stopper
            return stats

        stats = asyncio.run(main())
        client.end(session.game_id)
    assert fake.calls == ["start", "heartbeat", "end"]
    assert [i["kind"] for i in got] == ["comment", "gift", "like", "enter"]
    assert got[1]["amount_fen"] == 100 and got[0]["text"] == "黑色L有吗"
    assert [d.reason for d in dead] == ["unknown cmd 'LIVE_OPEN_PLATFORM_NEW_THING'"]
    assert stats.heartbeats_answered >= 1 and stats.items == 4
    gate(got)


def test_wrong_secret_is_refused_by_the_platform(live_open: tuple[FakeLiveOpen, str]) -> None:
    _, url = live_open
    with httpx.Client(timeout=10) as http, pytest.raises(BilibiliApiError, match="signature invalid"):
        BilibiliClient(settings(url, secret="wrong"), http).start(CODE)
