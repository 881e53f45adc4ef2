"""kuaifan replay into a real server: the live numbers equal batch numbers over the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from apihelpers import KEY_A, T0, Api, ev, running_api

from kuaifan.app.events import export as export_events
from kuaifan.app.replay import as_new_broadcast, load_events, replay_events, replay_paths
from kuaifan.live import batch_snapshot
from kuaifan.live.metrics import classifier_tagger
from kuaifan.sim import SimConfig, simulate
from kuaifan.text import classify


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("sim") / "out"
    simulate(SimConfig(seed=5, rooms=2, minutes=8, viewers=400, tenant="acme"), out)
    yield out


def _assert_equals_batch(api: Api, room: str) -> dict[str, Any]:
    view = api.a.get(f"/v1/rooms/{room}/state").json()
    live = dict(view["state"])
    live.pop("late_events")
    stored = api.store.read("acme", room_id=room, stream_id=view["stream_id"])
    batch = orjson.loads(orjson.dumps(batch_snapshot(stored, tagger=classifier_tagger(classify))))
    assert live.keys() == batch.keys()
    for key in live:
        assert live[key] == batch[key], key
    return view


def test_replay_equals_batch_and_is_idempotent(api: Api, sim_dir: Path) -> None:
    events, rejects = load_events([sim_dir])
    assert rejects == [] and len(events) > 1000
    report = replay_events(events, url=api.url, api_key=KEY_A, speed=0, batch_max=97)
    assert (report.sent, report.accepted, report.rejected) == (len(events), len(events), 0)
    assert report.batches >= len(events) // 97
    views = {room: _assert_equals_batch(api, room) for room in ("room-001", "room-002")}
    assert all(v["state"]["overall"]["orders"] > 0 for v in views.values())

    again = replay_paths([sim_dir], url=api.url, api_key=KEY_A, speed=0)
    assert (again.accepted, again.duplicates) == (0, len(events))
    for room, view in views.items():
        assert api.a.get(f"/v1/rooms/{room}/state").json()["state"] == view["state"]

    # As a new broadcast starting now: same counts, new stream ids, the room shows the new one.
    fresh = replay_paths([sim_dir], url=api.url, api_key=KEY_A, speed=0, as_new=True)
    assert fresh.accepted == len(events)
    now_view = api.a.get("/v1/rooms/room-001/state").json()
    assert now_view["stream_id"].startswith(views["room-001"]["stream_id"] + "~r")
    assert len(now_view["streams"]) == 2
    old, new = views["room-001"]["state"]["overall"], now_view["state"]["overall"]
    assert new == old
    _assert_equals_batch(api, "room-001")


def test_restart_mid_broadcast_keeps_the_numbers(tmp_path: Path, sim_dir: Path) -> None:
    events, _ = load_events([sim_dir / "events" / "room-002.jsonl"])
    half = len(events) // 2
    home = tmp_path / "home"
    with running_api(home) as api:
        assert replay_events(events[:half], url=api.url, api_key=KEY_A, speed=0).accepted == half
    with running_api(home) as api:  # a new process: the stream is rebuilt from the store first
        rest = replay_events(events[half - 50 :], url=api.url, api_key=KEY_A, speed=0, batch_max=60)
        assert (rest.accepted, rest.duplicates) == (len(events) - half, 50)
        _assert_equals_batch(api, "room-002")


def test_replay_paces_by_event_time(api: Api) -> None:
    events = [ev("enter", T0 + i * 1000, user_key=f"u{i}") for i in range(4)]  # 3 s of event time
    report = replay_events(events, url=api.url, api_key=KEY_A, speed=2.0, tick_s=0.05)
    assert report.accepted == 4
    assert 1.4 <= report.wall_s < 6.0  # 3 s / speed 2 = 1.5 s
    assert report.batches >= 3


def test_bad_lines_are_reported_and_parquet_exports_replay(api: Api, tmp_path: Path) -> None:
    good = [ev("enter", T0, user_key="u1"), ev("enter", T0 + 5, user_key="u2")]
    f = tmp_path / "mixed.jsonl"
    f.write_bytes(orjson.dumps(good[0]) + b"\n{oops\n[1]\n\n" + orjson.dumps(good[1]) + b"\n")
    events, rejects = load_events([f])
    assert [e["msg_id"] for e in events] == [good[0]["msg_id"], good[1]["msg_id"]]
    assert [(r.line, r.reason.split(":")[0]) for r in rejects] == [
        (2, "malformed JSON"),
        (3, "not a JSON object"),
    ]
    assert replay_paths([f], url=api.url, api_key=KEY_A, speed=0).accepted == 2

    export = tmp_path / "export.parquet"
    assert export_events(api.store, export, tenant="acme").rows == 2
    with running_api(tmp_path / "other") as other:
        assert replay_paths([export], url=other.url, api_key=KEY_A, speed=0).accepted == 2
        assert other.store.read("acme")["msg_id"].to_list() == api.store.read("acme")["msg_id"].to_list()


def test_as_new_broadcast_shifts_and_tags() -> None:
    events = [ev("stream_start", T0), {**ev("order_refund", T0 + 500), "order_id": "o1"}]
    shifted = as_new_broadcast(events, start_ms=T0 + 10_000)
    assert [e["ts_ms"] for e in shifted] == [T0 + 10_000, T0 + 10_500]
    tag = f"~r{T0 + 10_000}"
    assert all(e["stream_id"] == "s1" + tag and e["msg_id"].endswith(tag) for e in shifted)
    assert shifted[1]["order_id"] == "o1" + tag
    assert events[0]["ts_ms"] == T0  # the input is not changed
