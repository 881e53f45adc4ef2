"""GET /v1/rooms/{room_id}/live: real Server-Sent Events read off the wire."""

from __future__ import annotations

from apihelpers import KEY_A, MIN, T0, Api, SseReader, ev, order

from kuaifan.api.tokens import StreamTokens


def test_snapshot_then_metric_deltas(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u1"), order(T0 + 1000, 1000)])
    sse = SseReader(api.url + "/v1/rooms/r1/live", {"X-API-Key": KEY_A})
    try:
        assert sse.response.headers["content-type"].startswith("text/event-stream")
        snap = sse.next("snapshot")
        assert snap["room_id"] == "r1" and snap["stream_id"] == "s1"
        assert snap["state"]["overall"]["gmv_fen"] == 1000

        second = order(T0 + MIN + 1, 2500, user="u2")
        api.post([ev("enter", T0 + MIN, user_key="u2"), second])
        delta = sse.next("metrics")
        assert delta["stream_id"] == "s1"
        assert delta["overall"]["gmv_fen"] == 3500
        assert delta["overall"]["uv"] == 2 and delta["overall"]["buyers"] == 2
        minute = {m["minute_ms"]: m for m in delta["minutes"]}[T0 + MIN]
        assert minute["gmv_fen"] == 2500
        assert [link["link"] for link in delta["links"]] == ["item-1"]

        # A duplicate changes nothing and sends nothing; the next real event is the next message.
        assert api.post([second])["duplicates"] == 1
        api.post([ev("comment", T0 + MIN + 2, user_key="u3", text="有M码吗")])
        after = sse.next("metrics")
        assert after["overall"]["comments"] == 1 and after["overall"]["gmv_fen"] == 3500
    finally:
        sse.close()


def test_stream_token_opens_the_stream_and_keys_never_go_in_urls(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u1")])
    token = api.a.post("/v1/stream-token").json()["token"]
    ok = SseReader(api.url + "/v1/rooms/r1/live?token=" + token)
    try:
        assert ok.response.status_code == 200
        assert ok.next("snapshot")["room_id"] == "r1"
    finally:
        ok.close()
    forged = token[:-1] + ("1" if token[-1] == "0" else "0")  # another signature (never the same one)
    for query in ("token=acme.99999999999999.bad", "key=" + KEY_A, "token=" + forged):
        r = api.anon.get("/v1/rooms/r1/live?" + query)
        assert r.status_code == 401, query
        assert r.json()["error"]["code"] == "unauthorized"
    assert api.anon.post("/v1/stream-token").status_code == 401


def test_tokens_expire_and_are_bound_to_a_tenant() -> None:
    tokens = StreamTokens.fresh(ttl_s=60)
    token, expires_ms = tokens.issue("acme", now_s=1000.0)
    assert expires_ms == 1_060_000
    assert tokens.verify(token, now_s=1059.0) == "acme"
    assert tokens.verify(token, now_s=1061.0) is None
    assert tokens.verify(token.replace("acme", "beta", 1), now_s=1000.0) is None
    assert StreamTokens.fresh().verify(token, now_s=1000.0) is None  # another process's secret


def test_other_tenants_room_is_not_found_on_the_stream(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u1")])
    r = api.b.get("/v1/rooms/r1/live")
    assert r.status_code == 404
    token_b = api.b.post("/v1/stream-token").json()["token"]
    assert api.anon.get("/v1/rooms/r1/live?token=" + token_b).status_code == 404


def test_alerts_fire_and_resolve_on_the_stream(api: Api) -> None:
    show = ev("product_show", T0, sku_id="sku-1", item_id="item-1", link_no=1, amount_fen=9900)
    api.post([show])
    sse = SseReader(api.url + "/v1/rooms/r1/live", {"X-API-Key": KEY_A})
    try:
        sse.next("snapshot")
        api.post(
            [ev("stock_level", T0 + 1000, sku_id="sku-1", item_id="item-1", stock=3, spec={"尺码": "M"})]
        )
        fired = sse.next("alert", where=lambda a: a["kind"] == "low_stock")
        assert fired["status"] == "firing" and fired["subject"] == "item-1"
        assert fired["numbers"]["min_stock"] == 3
        assert "库存告急" in fired["reason_zh"] and fired["reason_en"].startswith("Low stock")
        state = api.a.get("/v1/rooms/r1/state").json()
        assert [a["kind"] for a in state["alerts"]["active"]] == ["low_stock"]

        api.post([ev("stock_level", T0 + 2000, sku_id="sku-1", item_id="item-1", stock=80)])
        resolved = sse.next("alert", where=lambda a: a["kind"] == "low_stock")
        assert resolved["status"] == "resolved"
        assert api.a.get("/v1/rooms/r1/state").json()["alerts"]["active"] == []
    finally:
        sse.close()


def test_poll_tallies_arrive_on_the_stream(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u0")])
    sse = SseReader(api.url + "/v1/rooms/r1/live", {"X-API-Key": KEY_A})
    try:
        sse.next("snapshot")
        poll = api.a.post("/v1/rooms/r1/polls", content='{"text": "黑色扣1 白色扣2"}'.encode()).json()
        assert sse.next("poll")["poll_id"] == poll["poll_id"]
        api.post([
            ev("comment", T0 + 1000, user_key="u1", text="1"),
            ev("comment", T0 + 1001, user_key="u2", text="扣2"),
            ev("comment", T0 + 1002, user_key="u1", text="2"),  # u1 already voted: ignored
        ])  # fmt: skip
        tally = sse.next("poll", where=lambda p: p["voters"] == 2)
        assert {o["code"]: o["votes"] for o in tally["options"]} == {"1": 1, "2": 1}
        assert tally["repeats"] == 1 and tally["status"] == "open"
    finally:
        sse.close()


def test_stopping_the_server_ends_open_streams(api: Api) -> None:
    import time

    from kuaifan.api.server import GRACEFUL_S

    api.post([ev("enter", T0, user_key="u1")])
    sse = SseReader(api.url + "/v1/rooms/r1/live", {"X-API-Key": KEY_A})
    try:
        sse.next("snapshot")
        started = time.monotonic()
        api.server.stop()
        # Ended by the server, not cancelled after uvicorn's graceful-shutdown timeout.
        assert time.monotonic() - started < GRACEFUL_S
        assert sse.ended.wait(5)
    finally:
        sse.close()
