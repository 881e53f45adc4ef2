"""POST /v1/events: acknowledged after the store append, idempotent on msg_id, rejects dead-lettered.
Every test runs on both backends: the embedded DuckDB file and a PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from apihelpers import KEY_A, MIN, T0, Api, ev, order, running_api

from kuaifan.events import pseudonymise
from kuaifan.store import Store
from kuaifan.store.duckdb import DuckStore
from kuaifan.testing.pgcluster import PgCluster


@pytest.fixture(params=["duckdb", "postgres"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """A fresh, empty store of the backend under test."""
    if request.param == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        from kuaifan.store.postgres import PgStore

        return lambda: PgStore(cluster.create_database())
    return lambda: DuckStore(tmp_path / "kuaifan.duckdb", threads=1)


@pytest.fixture
def api(tmp_path: Path, new_store: Callable[[], Store]) -> Iterator[Api]:
    with running_api(tmp_path / "home", new_store(), alert_interval_s=0.2) as a:
        yield a


def _gmv(api: Api, room: str = "r1") -> int:
    r = api.a.get(f"/v1/rooms/{room}/state")
    assert r.status_code == 200, r.text
    gmv: int = r.json()["state"]["overall"]["gmv_fen"]
    return gmv


def test_accepts_stores_and_counts_duplicates(api: Api) -> None:
    batch = [ev("enter", T0, user_key="u1"), order(T0 + 1000, 1990), order(T0 + 2000, 500, user="u2")]
    assert api.post(batch) == {"accepted": 3, "duplicates": 0, "rejected": 0, "errors": []}
    stored = api.store.read("acme")
    assert stored.height == 3
    assert set(stored["tenant"]) == {"acme"}
    assert _gmv(api) == 2490

    # The same batch again: nothing new, the live numbers do not move.
    assert api.post(batch) == {"accepted": 0, "duplicates": 3, "rejected": 0, "errors": []}
    assert api.store.read("acme").height == 3
    assert _gmv(api) == 2490

    # A mixed batch: one stored copy, one new order, and a copy inside the batch itself.
    fresh = order(T0 + 3000, 700, user="u3")
    res = api.post([batch[1], fresh, fresh])
    assert res == {"accepted": 1, "duplicates": 2, "rejected": 0, "errors": []}
    assert api.store.read("acme").height == 4
    assert _gmv(api) == 2490 + 700


def test_rejects_go_to_dead_letter_with_index_and_reason(api: Api) -> None:
    good = ev("enter", T0, user_key="u1")
    items = [
        good,
        {**ev("like", T0), "qty": "5"},  # wrong type
        42,  # not an object
        {**ev("enter", T0, user_key="u2"), "tenant": "beta"},  # another tenant
        {**ev("enter", T0, user_key="u3"), "kind": "teleport"},  # unknown kind
        ev("order_paid", T0, sku_id="s", qty=1, amount_fen=100),  # order_id missing
        {**ev("enter", T0, user_key="u4"), "ts_ms": (T0 // 1000)},  # seconds, not ms
    ]
    res = api.post(items)
    assert res["accepted"] == 1 and res["rejected"] == 6 and res["duplicates"] == 0
    by_index = {e["index"]: e["reason"] for e in res["errors"]}
    assert sorted(by_index) == [1, 2, 3, 4, 5, 6]
    assert by_index[1].startswith("qty:")
    assert "JSON object" in by_index[2]
    assert "tenant mismatch" in by_index[3] and "'beta'" in by_index[3]
    assert by_index[4].startswith("kind:")
    assert "order_id is required" in by_index[5]
    assert "seconds" in by_index[6]

    dead = api.store.dead_letters("acme")
    assert dead.height == 6
    assert set(dead["source"]) == {"api"}
    # line = 1-based position in the request; raw = the item as sent
    assert sorted(dead["line"].to_list()) == [2, 3, 4, 5, 6, 7]
    raw_by_line = dict(zip(dead["line"].to_list(), dead["raw"].to_list(), strict=True))
    assert raw_by_line[3] == "42"
    assert orjson.loads(raw_by_line[4])["tenant"] == "beta"
    assert api.store.dead_letters("beta").height == 0


def test_tenant_comes_from_the_key(api: Api) -> None:
    same = {**ev("enter", T0, user_key="u1"), "tenant": "acme"}
    missing = ev("enter", T0, user_key="u2")
    assert api.post([same, missing])["accepted"] == 2
    assert set(api.store.read("acme")["tenant"]) == {"acme"}
    assert api.store.read("beta").height == 0


def test_raw_user_ids_are_pseudonymised_and_nicknames_dropped(api: Api) -> None:
    e = {**ev("comment", T0, text="好看"), "user_id": "douyin-123", "nickname": "小王", "avatar": "http://x"}
    assert api.post([e])["accepted"] == 1
    row = api.store.read("acme").row(0, named=True)
    assert row["user_key"] == pseudonymise("acme-salt-0123456789", "douyin-123")
    assert row["nickname"] is None
    assert "douyin-123" not in orjson.dumps(row).decode()
    both = {**ev("comment", T0, text="x"), "user_id": "a", "user_key": "b"}
    assert api.post([both])["errors"][0]["reason"] == "both user_id and user_key given (send one)"


def test_stats_is_the_store_stats_of_the_caller(api: Api) -> None:
    api.post([ev("enter", T0, user_key="u1"), order(T0 + MIN, 100), {"kind": "nope"}])
    api.post([ev("enter", T0, user_key="x")], client=api.b)
    r = api.a.get("/v1/stats")
    assert r.status_code == 200
    assert r.json() == api.store.stats("acme")
    assert r.json() == {"events": 2, "by_kind": {"enter": 1, "order_paid": 1}, "dead_letter": 1}
    assert api.b.get("/v1/stats").json()["events"] == 1


def test_late_event_lands_in_its_own_minute(api: Api) -> None:
    api.post([order(T0 + 10 * MIN, 300)])
    api.post([order(T0 + 2 * MIN + 5, 200)])  # late: eight minutes behind the latest event
    minutes = {m["minute_ms"]: m for m in api.a.get("/v1/rooms/r1/state").json()["state"]["minutes"]}
    assert minutes[T0 + 2 * MIN]["gmv_fen"] == 200
    assert minutes[T0 + 10 * MIN]["gmv_fen"] == 300


def test_key_header_name_is_case_insensitive(api: Api) -> None:
    import httpx

    r = httpx.post(
        api.url + "/v1/events",
        content=b"[]",
        headers={"x-api-key": KEY_A, "content-type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["accepted"] == 0


def test_the_server_tags_stored_comments_with_their_intent(
    tmp_path: Path, new_store: Callable[[], Store]
) -> None:
    from kuaifan.text import classify
    from kuaifan.text.tagging import TAG_SCHEMA, tagger_id

    with running_api(tmp_path / "home", new_store(), alert_interval_s=0.2) as api:
        comments = [ev("comment", T0 + i, text=t) for i, t in enumerate(["有M码吗", "已拍", "有M码吗"])]
        assert api.post(comments)["accepted"] == 3
        texts = ["有M码吗", "已拍"]
        # stored with the events: the tags are there as soon as the request is answered
        got = api.store.tags.lookup("acme", tagger_id({}), texts, TAG_SCHEMA)
        want = {t: classify(t) for t in texts}
        assert sorted(got.select("text", "intent", "size").rows()) == sorted(
            (t, want[t].intent, want[t].size) for t in texts
        )
        assert want["已拍"].intent == "purchased" and want["有M码吗"].size == "M"
        # the other tenant has no tags of them
        assert api.store.tags.lookup("beta", tagger_id({}), texts, TAG_SCHEMA).is_empty()
