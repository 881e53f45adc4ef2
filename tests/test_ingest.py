"""ingest_paths end to end on a real DuckDB store: counts, duplicates, dead letters, odd inputs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuaifan.app.events import export
from kuaifan.app.ingest import SAMPLE_REJECTS, IngestProgress, IngestReport, ingest_paths
from kuaifan.config import TenantConfig
from kuaifan.errors import ConfigError, InputError
from kuaifan.events import EVENT_COLUMNS
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.jsonl import JsonlSource, ParquetSource
from kuaifan.store.duckdb import DuckStore

TENANT = TenantConfig(api_key="test-api-key-0123456789", salt="test-salt-0123456789")
SOURCES = [JsonlSource(), ParquetSource()]
TS = 1_791_000_000_000


def ev(msg_id: str, **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "kind": "comment",
        "platform": "sim",
        "room_id": "r1",
        "stream_id": "s1",
        "ts_ms": TS,
        "msg_id": msg_id,
        "text": "有M码吗",
    }
    e.update(kw)
    return e


def jsonl(path: Path, events: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join((e if isinstance(e, bytes) else orjson.dumps(e)) + b"\n" for e in events))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with DuckStore(tmp_path / "store" / "kuaifan.duckdb") as s:
        yield s


def ingest(store: DuckStore, *paths: Path, **kw: Any) -> IngestReport:
    return ingest_paths(
        store, store.names, list(paths), gate=TenantGate.of("demo", TENANT), sources=SOURCES, **kw
    )


def test_ingest_then_rerun_counts_duplicates(store: DuckStore, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", [ev(f"m{i}", ts_ms=TS + i) for i in range(50)])
    first = ingest(store, path)
    assert first.summary() == {"accepted": 50, "duplicates": 0, "rejected": 0}
    assert [(f.source, f.accepted) for f in first.files] == [("jsonl", 50)]
    again = ingest(store, path)
    assert again.summary() == {"accepted": 0, "duplicates": 50, "rejected": 0}
    assert store.stats("demo")["events"] == 50


def test_duplicates_across_files_and_inside_one_file(store: DuckStore, tmp_path: Path) -> None:
    a = jsonl(tmp_path / "a.jsonl", [ev("m1"), ev("m2"), ev("m1")])
    b = jsonl(tmp_path / "b.jsonl", [ev("m2"), ev("m3")])
    report = ingest(store, a, b)
    assert report.summary() == {"accepted": 3, "duplicates": 2, "rejected": 0}
    assert [(f.accepted, f.duplicates) for f in report.files] == [(2, 1), (1, 1)]


def test_rejects_are_dead_letters_with_file_line_and_reason(store: DuckStore, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "a.jsonl",
        [ev("m1"), b"{not json", ev("m3", kind="dance"), ev("m4", amount_fen=-1), ev("m5", tenant="acme")],
    )
    report = ingest(store, path)
    assert report.summary() == {"accepted": 1, "duplicates": 0, "rejected": 4}
    assert [(r.file, r.line) for r in report.rejects] == [(str(path), n) for n in (2, 3, 4, 5)]
    dead = store.dead_letters("demo")
    assert dead["line"].to_list() == [2, 3, 4, 5]
    assert dead["raw"][0] == "{not json"
    assert dead["reason"][2] == "amount_fen must be >= 0"
    assert dead["reason"][3] == "tenant mismatch: record is for 'acme', ingesting for 'demo'"
    assert store.stats("demo") == {"events": 1, "by_kind": {"comment": 1}, "dead_letter": 4}
    assert store.stats("acme")["dead_letter"] == 0  # the reject belongs to the ingesting tenant


def test_only_the_first_rejects_are_sampled(store: DuckStore, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "a.jsonl", [b"{"] * (SAMPLE_REJECTS + 5))
    report = ingest(store, path)
    assert report.rejected == SAMPLE_REJECTS + 5
    assert len(report.rejects) == SAMPLE_REJECTS
    assert store.stats()["dead_letter"] == SAMPLE_REJECTS + 5


def test_directory_of_mixed_files(store: DuckStore, tmp_path: Path) -> None:
    d = tmp_path / "drop"
    jsonl(d / "room1.jsonl", [ev("a1"), ev("a2")])
    jsonl(d / "sub" / "room2.ndjson", [ev("b1"), b"oops"])
    events = pl.DataFrame([{c: ev("c1").get(c) for c in EVENT_COLUMNS}])
    events.write_parquet(d / "sub" / "room3.parquet")
    (d / "notes.txt").write_text("这不是事件文件\nnot events\n", encoding="utf-8")
    (d / "empty.jsonl").write_bytes(b"")
    (d / "blank.jsonl").write_bytes(b"\n  \n")
    (d / ".DS_Store").write_bytes(b"\0\1\2")
    pq.write_table(pa.table({"sku": ["x"]}), d / "truth.parquet")
    report = ingest(store, d)
    assert report.summary() == {"accepted": 4, "duplicates": 0, "rejected": 3}
    by_name = {Path(f.path).name: f for f in report.files}
    assert sorted(by_name) == [
        "blank.jsonl",
        "empty.jsonl",
        "notes.txt",
        "room1.jsonl",
        "room2.ndjson",
        "room3.parquet",
        "truth.parquet",
    ]
    assert by_name["room3.parquet"].source == "parquet" and by_name["room3.parquet"].accepted == 1
    assert (
        by_name["empty.jsonl"].note is not None and by_name["empty.jsonl"].note.en == "empty file: no events"
    )
    assert by_name["blank.jsonl"].note is not None and "blank lines" in by_name["blank.jsonl"].note.en
    notes = by_name["notes.txt"].note
    assert notes is not None and notes.en.startswith("unrecognised file format") and "无法识别" in notes.zh
    assert by_name["truth.parquet"].rejected == 1
    assert any("hidden" in n.en for n in report.notes)
    dead = store.dead_letters("demo")
    unknown = dead.filter(pl.col("source") == str(d / "notes.txt"))
    assert unknown["line"].to_list() == [None] and unknown["raw"][0].startswith("这不是事件文件")
    assert sorted(store.read("demo")["msg_id"].to_list()) == ["a1", "a2", "b1", "c1"]


def test_missing_path_is_an_input_error_before_anything_lands(store: DuckStore, tmp_path: Path) -> None:
    good = jsonl(tmp_path / "a.jsonl", [ev("m1")])
    with pytest.raises(InputError) as info:
        ingest(store, good, tmp_path / "nope.jsonl")
    assert "nope.jsonl" in info.value.en and "路径不存在" in info.value.zh
    assert info.value.exit_code == 65
    assert store.stats()["events"] == 0


def test_empty_directory_and_bad_tenant(store: DuckStore, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = ingest(store, tmp_path / "empty")
    assert report.summary() == {"accepted": 0, "duplicates": 0, "rejected": 0}
    assert [n.en for n in report.notes] == ["no files found"]
    with pytest.raises(ConfigError):
        ingest_paths(
            store,
            store.names,
            [tmp_path / "empty"],
            gate=TenantGate.of("bad tenant!", TENANT),
            sources=SOURCES,
        )


def test_broken_and_unreadable_files_fail_alone(store: DuckStore, tmp_path: Path) -> None:
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 64)
    fine = jsonl(tmp_path / "fine.jsonl", [ev("m1")])
    locked = jsonl(tmp_path / "locked.jsonl", [ev("m2")])
    locked.chmod(0)
    try:
        report = ingest(store, broken, fine, locked)
    finally:
        locked.chmod(0o644)
    failed = [Path(f.path).name for f in report.failed_files]
    expected = ["broken.parquet"] if os.geteuid() == 0 else ["broken.parquet", "locked.jsonl"]
    assert failed == expected  # root reads anything, so only the broken file fails then
    assert report.files[0].note is not None and "Parquet" in report.files[0].note.en
    assert "m1" in store.read("demo")["msg_id"].to_list()


def test_progress_is_reported(store: DuckStore, tmp_path: Path) -> None:
    a = jsonl(tmp_path / "a.jsonl", [ev("m1"), ev("m2")])
    b = jsonl(tmp_path / "b.jsonl", [ev("m3")])
    seen: list[IngestProgress] = []
    ingest(store, a, b, on_progress=seen.append)
    assert [(p.file_index, p.file_count, p.records) for p in seen] == [(1, 2, 2), (2, 2, 1)]


def test_late_events_read_back_in_event_time_order(store: DuckStore, tmp_path: Path) -> None:
    first = jsonl(tmp_path / "live.jsonl", [ev(f"m{i}", ts_ms=TS + i * 1000) for i in (5, 1, 4)])
    late = jsonl(tmp_path / "late.jsonl", [ev(f"m{i}", ts_ms=TS + i * 1000) for i in (3, 0, 2)])
    ingest(store, first)
    ingest(store, late)
    assert store.read("demo")["msg_id"].to_list() == [f"m{i}" for i in range(6)]


def test_export_round_trip_through_the_parquet_source(store: DuckStore, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "a.jsonl",
        [
            ev("m1", spec={"颜色": "黑色"}),
            ev(
                "m2",
                kind="order_paid",
                text=None,
                sku_id="k",
                order_id="o",
                qty=1,
                amount_fen=990,
                ts_ms=TS - 5,
            ),
        ],
    )
    ingest(store, path)
    out = tmp_path / "export.parquet"
    assert export(store, out, tenant="demo").rows == 2
    with DuckStore(tmp_path / "other.duckdb") as other:
        report = ingest_paths(other, other.names, [out], gate=TenantGate.of("demo", TENANT), sources=SOURCES)
        assert report.summary() == {"accepted": 2, "duplicates": 0, "rejected": 0}
        cols = list(EVENT_COLUMNS)
        assert other.read("demo").select(cols).equals(store.read("demo").select(cols))


def test_simulator_output_lands_without_rejects(store: DuckStore, tmp_path: Path) -> None:
    sim = pytest.importorskip("kuaifan.sim")
    out = tmp_path / "sim"
    sim.simulate(sim.SimConfig(seed=3, rooms=1, minutes=5, viewers=300, format="both"), out)
    report = ingest(store, out / "events")
    assert report.rejected == 0 and report.accepted > 0
    assert report.duplicates == report.accepted  # the JSONL and the Parquet copy hold the same events


_LINES = st.lists(
    st.one_of(
        st.integers(0, 40).map(lambda i: orjson.dumps(ev(f"m{i}", ts_ms=TS + i))),
        st.integers(0, 40).map(lambda i: orjson.dumps(ev(f"m{i}", qty="x"))),
        st.integers(0, 40).map(lambda i: orjson.dumps(ev(f"m{i}", kind="dance"))),
        st.sampled_from([b"{", b"[]", b'{"kind":"like"}']),
    ),
    max_size=40,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(_LINES, min_size=1, max_size=3))
def test_every_line_is_counted_once_and_valid_ones_are_readable(
    tmp_path: Path, files: list[list[bytes]]
) -> None:
    run = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
    paths = [jsonl(run / f"f{i}.jsonl", lines) for i, lines in enumerate(files)]
    with DuckStore(run / "k.duckdb") as s:
        report = ingest(s, *paths)
        lines = [x for f in files for x in f]
        assert report.accepted + report.duplicates + report.rejected == len(lines)
        valid_ids = {
            orjson.loads(x)["msg_id"]
            for x in lines
            if b'"text"' in x and b'"qty"' not in x and b"dance" not in x
        }
        assert sorted(s.read("demo")["msg_id"].to_list()) == sorted(valid_ids)
        assert report.accepted == len(valid_ids)
        assert s.stats()["dead_letter"] == report.rejected
