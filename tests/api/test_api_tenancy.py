"""Every query is scoped by the caller's tenant."""

from __future__ import annotations

from apihelpers import T0, Api, ev, order


def test_tenant_b_cannot_see_tenant_a(api: Api) -> None:
    api.post([ev("stream_start", T0), ev("enter", T0, user_key="u1"), order(T0 + 1, 990)])
    rooms_a = api.a.get("/v1/rooms").json()
    assert rooms_a["tenant"] == "acme"
    assert [r["room_id"] for r in rooms_a["rooms"]] == ["r1"]
    assert rooms_a["rooms"][0]["gmv_fen"] == 990

    assert api.b.get("/v1/rooms").json() == {"tenant": "beta", "rooms": []}
    for path in ("/v1/rooms/r1/state", "/v1/rooms/r1/polls", "/v1/rooms/r1/live"):
        assert api.b.get(path).status_code == 404, path
    assert api.b.post("/v1/rooms/r1/polls", content='{"text":"黑色扣1 白色扣2"}'.encode()).status_code == 404
    assert api.b.get("/v1/stats").json() == {"events": 0, "by_kind": {}, "dead_letter": 0}


def test_same_room_id_in_two_tenants_stays_apart(api: Api) -> None:
    api.post([order(T0, 100)])
    api.post([order(T0, 7000, user="v1")], client=api.b)
    assert api.a.get("/v1/rooms/r1/state").json()["state"]["overall"]["gmv_fen"] == 100
    assert api.b.get("/v1/rooms/r1/state").json()["state"]["overall"]["gmv_fen"] == 7000
    # Tenant B cannot write into tenant A by naming it.
    res = api.post([{**order(T0, 5), "tenant": "acme"}], client=api.b)
    assert res["rejected"] == 1 and "tenant mismatch" in res["errors"][0]["reason"]
    assert api.a.get("/v1/rooms/r1/state").json()["state"]["overall"]["gmv_fen"] == 100


def test_stored_rooms_are_listed_and_rebuilt_after_a_restart(api: Api, tmp_path: object) -> None:
    api.post([ev("stream_start", T0, room="old"), order(T0 + 5, 1234, room="old")])
    # Rooms come from the store too: a fresh server (same store) lists and rebuilds them.
    from apihelpers import running_api

    api.server.stop()
    api.store.close()
    with running_api(api.settings.home) as again:
        rooms = again.a.get("/v1/rooms").json()["rooms"]
        assert [r["room_id"] for r in rooms] == ["old"]
        state = again.a.get("/v1/rooms/old/state").json()
        assert state["state"]["overall"]["gmv_fen"] == 1234
        assert again.b.get("/v1/rooms").json()["rooms"] == []
