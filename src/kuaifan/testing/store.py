"""``check_store``: the contract every event store backend keeps (``kuaifan.store``).

    from kuaifan.testing import check_store
    check_store(lambda: MyStore(...))                  # each call: a new, empty store
    check_store(make, reopen=lambda: MyStore(same))    # also: the log survives closing

Checked: dedup on (tenant, platform, msg_id) within and across appends, ``append_new``'s mask,
tenant scoping of every read, the filters, event-time order with ties in arrival order, ``scan``
(batches, columns, arrival-time filter) equal to ``read``, arrival times, stats, the latest event
time, dead letters, the two caches (tags, product names), events and their tags committed together
(``append_tagged``), and dedup across small and large appends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from kuaifan.errors import InputError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter, now_ms
from kuaifan.store import LOG_COLUMNS, AppendResult, Store, TagRows, event_filter

TS = 1_791_000_000_000
_TAGS: dict[str, pl.DataType] = {"intent": pl.String(), "size": pl.String(), "score": pl.Float64()}


def row(msg_id: str, **values: Any) -> dict[str, Any]:
    """A comment event of tenant demo (any field overridden by ``values``)."""
    r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    r.update(
        kind="comment", tenant="demo", platform="sim", room_id="r1", stream_id="s1", ts_ms=TS, msg_id=msg_id,
        text="有M码吗",
    )  # fmt: skip
    r.update(values)
    return r


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


def check_store(make: Callable[[], Store], *, reopen: Callable[[], Store] | None = None) -> None:
    """Run every check on fresh stores from ``make`` (closed after); see the module doc."""
    for check in CHECKS:
        store = make()
        try:
            check(store)
        except AssertionError as exc:
            raise AssertionError(f"{check.__name__}: {exc}") from exc
        finally:
            store.close()
    if reopen is not None:
        store = reopen()
        try:
            store.append(frame(row("kept-a"), row("kept-b")))
        finally:
            store.close()
        store = reopen()
        try:
            got = store.append(frame(row("kept-a"), row("kept-z")))
            assert got == AppendResult(accepted=1, duplicates=1), f"dedup after reopening: {got}"
        finally:
            store.close()


def dedup_within_and_across_appends(s: Store) -> None:
    assert s.append(frame(row("a"), row("b"))) == AppendResult(accepted=2, duplicates=0)
    got = s.append(frame(row("b"), row("c", text="first"), row("c", text="second")))
    assert got == AppendResult(accepted=1, duplicates=2), got
    events = s.read("demo")
    assert sorted(events["msg_id"].to_list()) == ["a", "b", "c"]
    assert events.filter(pl.col("msg_id") == "c")["text"].to_list() == ["first"], "the first arrival wins"


def dedup_key_is_tenant_platform_msg_id(s: Store) -> None:
    got = s.append(
        frame(row("a"), row("a", platform="douyin"), row("a", tenant="other"), row("a", kind="like"))
    )
    assert got == AppendResult(accepted=3, duplicates=1), got  # another kind, same message
    assert s.stats()["events"] == 3


def append_new_marks_each_row(s: Store) -> None:
    s.append(frame(row("a")))
    tagged = frame(row("a"), row("b"), row("b"), row("c")).with_columns(pl.Series("file", [0, 0, 1, 1]))
    assert s.append_new(tagged).to_list() == [False, True, False, True]
    assert "file" not in s.read("demo").columns, "extra columns are not stored"
    assert s.append_new(frame()).to_list() == []
    assert s.append(frame()) == AppendResult()


def reads_are_scoped_by_tenant(s: Store) -> None:
    s.append(frame(row("a"), row("b", tenant="acme"), row("c", tenant="acme", kind="like", text=None)))
    assert s.read("demo")["msg_id"].to_list() == ["a"]
    assert sorted(s.read("acme")["msg_id"].to_list()) == ["b", "c"]
    assert s.read("nobody").height == 0
    assert s.stats("acme") == {"events": 2, "by_kind": {"comment": 1, "like": 1}, "dead_letter": 0}
    assert s.stats()["events"] == 3
    try:
        s.read("")
    except InputError:
        pass
    else:
        raise AssertionError("a read without a tenant must be refused")


def filters(s: Store) -> None:
    s.append(
        frame(
            row("a", ts_ms=TS), row("b", ts_ms=TS + 10, room_id="r2"),
            row("c", ts_ms=TS + 20, stream_id="s2"),
            row("d", ts_ms=TS + 30, kind="like", text=None),
        )
    )  # fmt: skip

    def ids(**kw: Any) -> list[str]:
        return list(s.read("demo", **kw)["msg_id"].to_list())

    assert ids(room_id="r2") == ["b"]
    assert ids(stream_id="s2") == ["c"]
    assert ids(kinds=["like"]) == ["d"]
    assert ids(kinds=["like", "comment"]) == ["a", "b", "c", "d"]
    assert ids(kinds=[]) == []
    assert ids(start_ms=TS + 10, end_ms=TS + 30) == ["b", "c"], "start inclusive, end exclusive"


def event_time_order_ties_by_arrival(s: Store) -> None:
    s.append(frame(row("m3", ts_ms=TS + 3000), row("m1", ts_ms=TS + 1000), row("t1", ts_ms=TS + 5)))
    s.append(frame(row("m0", ts_ms=TS), row("m2", ts_ms=TS + 2000), row("t0", ts_ms=TS + 5)))
    assert s.read("demo")["msg_id"].to_list() == ["m0", "t1", "t0", "m1", "m2", "m3"]


def log_columns_and_arrival_time(s: Store) -> None:
    before = now_ms()
    s.append(frame(row("a", spec='{"尺码":"M"}', qty=None)))
    after = now_ms()
    events = s.read("demo")
    assert tuple(events.columns) == LOG_COLUMNS
    assert events.schema["ts_ms"] == pl.Int64 and events.schema["text"] == pl.String
    assert before <= events["ingest_ms"][0] <= after
    assert events["spec"][0] == '{"尺码":"M"}'
    empty = s.read("nobody")
    assert tuple(empty.columns) == LOG_COLUMNS and empty.schema["ingest_ms"] == pl.Int64


def append_needs_every_column(s: Store) -> None:
    try:
        s.append(frame(row("a")).drop("msg_id"))
    except TypeError:
        return
    raise AssertionError("a frame without msg_id must be refused")


def scan_is_read_in_batches(s: Store) -> None:
    s.append(frame(*[row(f"m{i:03d}", ts_ms=TS + (i * 7919) % 250) for i in range(250)]))
    whole = s.read("demo")
    parts = list(s.scan(event_filter("demo"), batch_rows=64))
    assert len(parts) >= 4 and all(p.height <= 64 for p in parts)
    assert pl.concat(parts).equals(whole)
    texts = pl.concat(list(s.scan(event_filter("demo", kinds=["comment"]), columns=["msg_id", "ts_ms"])))
    assert texts.columns == ["msg_id", "ts_ms"] and texts["msg_id"].to_list() == whole["msg_id"].to_list()
    assert all(p.height == 0 for p in s.scan(event_filter("nobody"))), "nothing of another tenant"


def scan_by_arrival_time(s: Store) -> None:
    s.append(frame(row("early")))
    cut = int(s.read("demo")["ingest_ms"].max()) + 1  # type: ignore[arg-type]
    while now_ms() < cut:
        pass
    s.append(frame(row("late", ts_ms=TS - 1)))
    later = pl.concat(list(s.scan(event_filter("demo", ingested_since_ms=cut))))
    assert later["msg_id"].to_list() == ["late"]


def last_event_time_per_tenant(s: Store) -> None:
    assert s.last_event_ms("demo") is None
    s.append(frame(row("a", ts_ms=TS), row("b", ts_ms=TS + 9), row("c", ts_ms=TS + 7)))
    s.append(frame(row("d", tenant="t2", ts_ms=TS + 99)))
    assert s.last_event_ms("demo") == TS + 9, "event time, not arrival order"
    assert s.last_event_ms("t2") == TS + 99


def dead_letters_keep_everything(s: Store) -> None:
    assert (
        s.add_dead_letters(
            [
                DeadLetter("a.jsonl", "malformed JSON: unexpected end", '{"kind":', 7, "demo"),
                DeadLetter("b.jsonl", "unknown kind 'x'", '{"kind":"x"}', 2, "acme"),
            ]
        )
        == 2
    )
    dead = s.dead_letters("demo")
    assert dead.select("source", "line", "reason", "raw").rows() == [
        ("a.jsonl", 7, "malformed JSON: unexpected end", '{"kind":')
    ]
    assert dead["received_ms"][0] > 0
    assert s.dead_letters().height == 2
    assert s.dead_letters(limit=1)["source"].to_list() == ["a.jsonl"]
    assert s.stats("acme")["dead_letter"] == 1 and s.stats()["dead_letter"] == 2
    assert s.add_dead_letters([]) == 0


def tag_cache(s: Store) -> None:
    tags = pl.DataFrame(
        {"text": ["有M码吗", "已拍", "有M码吗"], "intent": ["size_fit", "purchased", "other"],
         "size": ["M", None, None], "score": [0.5, 1.0, 0.0]}, schema={"text": pl.String(), **_TAGS},
    )  # fmt: skip
    assert s.tags.add("demo", "t1", tags) == 2, "one row per text: the first wins"
    assert s.tags.add("demo", "t1", tags) == 0, "texts already tagged are kept as they are"
    got = s.tags.lookup("demo", "t1", ["有M码吗", "已拍", "没见过"], _TAGS).sort("text")
    assert got.columns == ["text", *_TAGS] and got.schema["score"] == pl.Float64
    assert got.rows() == [("已拍", "purchased", None, 1.0), ("有M码吗", "size_fit", "M", 0.5)]
    assert s.tags.lookup("other", "t1", ["已拍"], _TAGS).height == 0, "scoped by tenant"
    assert s.tags.lookup("demo", "t2", ["已拍"], _TAGS).height == 0, "scoped by tagger"
    assert s.tags.lookup("demo", "t1", [], _TAGS).height == 0


def append_tagged_commits_events_and_tags_together(s: Store) -> None:
    tags = pl.DataFrame(
        {"text": ["有M码吗", "已拍"], "intent": ["size_fit", "purchased"], "size": ["M", None],
         "score": [0.5, 1.0]}, schema={"text": pl.String(), **_TAGS},
    )  # fmt: skip
    new = s.append_tagged(frame(row("a"), row("b", text="已拍"), row("a")), [TagRows("demo", "t1", tags)])
    assert new.to_list() == [True, True, False], new.to_list()
    got = s.tags.lookup("demo", "t1", ["有M码吗", "已拍"], _TAGS).sort("text")
    assert got.rows() == [("已拍", "purchased", None, 1.0), ("有M码吗", "size_fit", "M", 0.5)]
    again = s.append_tagged(frame(row("b"), row("c")), [TagRows("demo", "t1", tags)])
    assert again.to_list() == [False, True], again.to_list()
    assert s.tags.lookup("demo", "t1", ["有M码吗"], _TAGS).height == 1, "a text is tagged once"
    assert s.append_tagged(frame(), [TagRows("other", "t1", tags)]).len() == 0, "tags alone"
    assert s.tags.lookup("other", "t1", ["已拍"], _TAGS).height == 1
    assert s.stats()["events"] == 3


def dedup_across_batch_sizes(s: Store) -> None:
    """Small appends (pushes) and large ones (file ingests) see each other's keys."""
    big = [row(f"big{i}", ts_ms=TS + i) for i in range(10_000)]
    assert s.append(frame(*big)).accepted == 10_000
    for start in range(0, 200, 20):  # pushes, each redelivering two messages of the big batch
        batch = [row(f"push{i}") for i in range(start, start + 20)] + [big[start], big[start + 1]]
        got = s.append(frame(*batch))
        assert got == AppendResult(accepted=20, duplicates=2), got
    again = [row(f"push{i}") for i in range(0, 200, 7)] + [row(f"late{i}") for i in range(9_000)]
    got = s.append(frame(*again))
    assert got == AppendResult(accepted=9_000, duplicates=len(range(0, 200, 7))), got
    assert s.append(frame(row("late1"), row("big9999"), row("push199"), row("fresh"))).accepted == 1
    assert s.stats()["events"] == 10_000 + 200 + 9_000 + 1


def name_cache(s: Store) -> None:
    assert s.names.get("acme") == {}
    assert s.names.add("acme", {"p1": "阔腿裤", "p2": "坚果礼盒", "": "no id", "p3": ""}) == 2
    assert s.names.add("acme", {"p1": "高腰阔腿裤"}) == 1, "a later name replaces the earlier one"
    assert s.names.add("other", {"p1": "别家的裤子"}) == 1
    assert s.names.add("acme", {}) == 0
    assert s.names.get("acme") == {"p1": "高腰阔腿裤", "p2": "坚果礼盒"}
    assert s.names.get("other") == {"p1": "别家的裤子"}


CHECKS: tuple[Callable[[Store], None], ...] = (
    dedup_within_and_across_appends,
    dedup_key_is_tenant_platform_msg_id,
    append_new_marks_each_row,
    reads_are_scoped_by_tenant,
    filters,
    event_time_order_ties_by_arrival,
    log_columns_and_arrival_time,
    append_needs_every_column,
    scan_is_read_in_batches,
    scan_by_arrival_time,
    last_event_time_per_tenant,
    dead_letters_keep_everything,
    tag_cache,
    append_tagged_commits_events_and_tags_together,
    dedup_across_batch_sizes,
    name_cache,
)
