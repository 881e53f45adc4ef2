"""The embedded event log on a real DuckDB file: dedup, tenant scoping, dead letters, export, locking."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kuaifan.config import load_settings
from kuaifan.errors import InputError, StoreError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter, now_ms
from kuaifan.store.duckdb import DuckStore
from kuaifan.store.log import LOG_COLUMNS, AppendResult, EventStore, open_store

TS = 1_791_000_000_000


def row(msg_id: str, **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    r.update(
        kind="comment",
        tenant="demo",
        platform="sim",
        room_id="r1",
        stream_id="s1",
        ts_ms=TS,
        msg_id=msg_id,
        text="有M码吗",
    )
    r.update(kw)
    return r


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with DuckStore(tmp_path / "kuaifan.duckdb") as s:
        yield s


def test_duckstore_satisfies_the_protocol(store: DuckStore) -> None:
    s: EventStore = store
    assert s.stats() == {"events": 0, "by_kind": {}, "dead_letter": 0}


def test_dedup_across_batches_and_within_one(store: DuckStore) -> None:
    assert store.append(frame(row("a"), row("b"))) == AppendResult(accepted=2, duplicates=0)
    # "b" is already stored, "c" arrives twice in this batch: one accepted, two duplicates.
    result = store.append(frame(row("b"), row("c", text="first"), row("c", text="second")))
    assert result == AppendResult(accepted=1, duplicates=2)
    events = store.read("demo")
    assert sorted(events["msg_id"].to_list()) == ["a", "b", "c"]
    assert events.filter(pl.col("msg_id") == "c")["text"].to_list() == ["first"]


def test_append_new_marks_each_row_and_ignores_extra_columns(store: DuckStore) -> None:
    store.append(frame(row("a")))
    tagged = frame(row("a"), row("b"), row("b"), row("c")).with_columns(pl.Series("file", [0, 0, 1, 1]))
    new = store.append_new(tagged)
    assert new.to_list() == [False, True, False, True]
    assert "file" not in store.read("demo").columns
    assert store.append_new(frame()).to_list() == []


def test_dedup_key_is_tenant_platform_msg_id(store: DuckStore) -> None:
    result = store.append(
        frame(row("a"), row("a", platform="douyin"), row("a", tenant="other"), row("a", kind="like"))
    )
    # Same (tenant, platform, msg_id) with another kind is still the same message.
    assert result == AppendResult(accepted=3, duplicates=1)
    assert store.stats()["events"] == 3


def test_dedup_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    with DuckStore(path) as s:
        s.append(frame(row("a"), row("b")))
    with DuckStore(path) as s:
        assert s.append(frame(row("a"), row("b"), row("z"))) == AppendResult(accepted=1, duplicates=2)
        assert s.stats()["events"] == 3


def test_reads_are_scoped_by_tenant(store: DuckStore) -> None:
    store.append(frame(row("a"), row("b", tenant="acme"), row("c", tenant="acme", kind="like", text=None)))
    assert store.read("demo")["msg_id"].to_list() == ["a"]
    assert sorted(store.read("acme")["msg_id"].to_list()) == ["b", "c"]
    assert store.read("nobody").height == 0
    assert store.stats("acme") == {"events": 2, "by_kind": {"comment": 1, "like": 1}, "dead_letter": 0}
    assert store.stats()["events"] == 3
    with pytest.raises(InputError):
        store.read("")


def test_read_filters(store: DuckStore) -> None:
    store.append(
        frame(
            row("a", ts_ms=TS),
            row("b", ts_ms=TS + 10, room_id="r2"),
            row("c", ts_ms=TS + 20, stream_id="s2"),
            row("d", ts_ms=TS + 30, kind="like", text=None),
        )
    )
    ids = lambda **kw: store.read("demo", **kw)["msg_id"].to_list()  # noqa: E731
    assert ids(room_id="r2") == ["b"]
    assert ids(stream_id="s2") == ["c"]
    assert ids(kinds=["like"]) == ["d"]
    assert ids(kinds=["like", "comment"]) == ["a", "b", "c", "d"]
    assert ids(kinds=[]) == []
    assert ids(start_ms=TS + 10, end_ms=TS + 30) == ["b", "c"]  # start inclusive, end exclusive


def test_late_events_read_back_in_event_time_order(store: DuckStore) -> None:
    store.append(frame(row("m3", ts_ms=TS + 3000), row("m1", ts_ms=TS + 1000)))
    store.append(frame(row("m0", ts_ms=TS), row("m2", ts_ms=TS + 2000)))  # arrive later, happened earlier
    events = store.read("demo")
    assert events["msg_id"].to_list() == ["m0", "m1", "m2", "m3"]
    assert events["ts_ms"].is_sorted()


def test_read_returns_log_columns_with_arrival_time(store: DuckStore) -> None:
    before = now_ms()
    store.append(frame(row("a", spec='{"尺码":"M"}', qty=None)))
    after = now_ms()
    events = store.read("demo")
    assert tuple(events.columns) == LOG_COLUMNS
    assert events.schema["ts_ms"] == pl.Int64 and events.schema["text"] == pl.String
    assert before <= events["ingest_ms"][0] <= after
    assert events["spec"][0] == '{"尺码":"M"}'
    empty = store.read("nobody")
    assert tuple(empty.columns) == LOG_COLUMNS and empty.schema["ingest_ms"] == pl.Int64


def test_append_needs_every_column(store: DuckStore) -> None:
    with pytest.raises(ValueError, match="lacks columns"):
        store.append(frame(row("a")).drop("msg_id"))
    assert store.append(frame()) == AppendResult()


def test_dead_letters_keep_reason_raw_and_line(store: DuckStore) -> None:
    n = store.add_dead_letters(
        [
            DeadLetter("a.jsonl", "malformed JSON: unexpected end", '{"kind":', 7, "demo"),
            DeadLetter("b.jsonl", "unknown kind 'x'", '{"kind":"x"}', 2, "acme"),
        ]
    )
    assert n == 2
    dead = store.dead_letters("demo")
    assert dead.select("source", "line", "reason", "raw").rows() == [
        ("a.jsonl", 7, "malformed JSON: unexpected end", '{"kind":')
    ]
    assert dead["received_ms"][0] > 0
    assert store.dead_letters().height == 2
    assert store.dead_letters(limit=1)["source"].to_list() == ["a.jsonl"]
    assert store.stats("acme")["dead_letter"] == 1
    assert store.stats()["dead_letter"] == 2


def test_export_round_trip(store: DuckStore, tmp_path: Path) -> None:
    store.append(
        frame(
            row("b", ts_ms=TS + 5, spec='{"颜色":"黑色"}'),
            row("a", ts_ms=TS, kind="order_paid", text=None, sku_id="k1", order_id="o1", qty=2, amount_fen=1),
            row("x", tenant="acme"),
        )
    )
    out = tmp_path / "exports" / "demo.parquet"
    assert store.export(out, "demo") == 2
    back = pl.read_parquet(out)
    assert back.equals(store.read("demo"))
    assert store.export(tmp_path / "paid.parquet", "demo", kinds=["order_paid"]) == 1
    assert pl.read_parquet(tmp_path / "paid.parquet")["amount_fen"].to_list() == [1]
    assert not list(tmp_path.glob("**/*.part"))


def test_open_store_puts_the_file_under_home(tmp_path: Path) -> None:
    settings = load_settings({"KUAIFAN_HOME": str(tmp_path / "home")})
    store = open_store(settings)
    try:
        store.append(frame(row("a")))
    finally:
        store.close()
    assert settings.db_path.exists()
    assert settings.db_path.parent == tmp_path / "home"


def test_store_locked_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    DuckStore(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError) as info:
            DuckStore(path)
        err = info.value
        assert "另一个进程" in err.zh and "another process" in err.en
        assert str(holder.pid) in err.en
        assert err.exit_code == 74
    finally:
        holder.communicate("")
    deadline = time.monotonic() + 10
    while True:  # the lock goes with the process
        try:
            DuckStore(path).close()
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    path.write_bytes(b"this is not a duckdb file" * 200)
    with pytest.raises(StoreError) as info:
        DuckStore(path)
    assert info.value.zh.startswith("无法打开事件库")


def test_export_to_an_unwritable_place_is_an_input_error(store: DuckStore, tmp_path: Path) -> None:
    store.append(frame(row("a")))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError) as info:
        store.export(blocker / "out.parquet", "demo")
    assert "导出" in info.value.zh and "export" in info.value.en


def test_last_event_ms_is_per_tenant_event_time(store: DuckStore) -> None:
    assert store.last_event_ms("demo") is None
    store.append(frame(row("a", ts_ms=TS), row("b", ts_ms=TS + 9), row("c", ts_ms=TS + 7)))
    store.append(frame(row("d", tenant="t2", ts_ms=TS + 99)))
    assert store.last_event_ms("demo") == TS + 9  # event time, not arrival order
    assert store.last_event_ms("t2") == TS + 99


def test_product_names_latest_wins_and_are_scoped_by_tenant(tmp_path: Path) -> None:
    path = tmp_path / "names.duckdb"
    with DuckStore(path) as store:
        assert store.product_names("acme") == {}
        assert store.add_product_names("acme", {"p1": "阔腿裤", "p2": "坚果礼盒", "": "no id", "p3": ""}) == 2
        assert store.add_product_names("acme", {"p1": "高腰阔腿裤"}) == 1  # a later export renames it
        assert store.add_product_names("other", {"p1": "别家的裤子"}) == 1
        assert store.add_product_names("acme", {}) == 0
        assert store.product_names("acme") == {"p1": "高腰阔腿裤", "p2": "坚果礼盒"}
    with DuckStore(path, read_only=True) as store:  # kept in the file
        assert store.product_names("other") == {"p1": "别家的裤子"}


def test_a_store_from_before_product_names_reads_none(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with DuckStore(path) as store:
        store._con.execute("DROP TABLE product_names")  # as a store written by an earlier version
    with DuckStore(path, read_only=True) as store:
        assert store.product_names("acme") == {}
    with DuckStore(path) as store:  # opening it for writing adds the table
        assert store.add_product_names("acme", {"p1": "阔腿裤"}) == 1
