"""Canonical JSONL and Parquet event files: every line lands or becomes a precise dead letter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuaifan.errors import InputError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter, now_ms, pseudonymise
from kuaifan.sources import jsonl
from kuaifan.sources.base import Batch, FileSource
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.jsonl import JsonlSource, ParquetSource

SALT = "0123456789abcdef-salt"
TS = 1_791_000_000_000


def ev(msg_id: str = "m1", **kw: Any) -> dict[str, Any]:
    e: dict[str, Any] = {
        "kind": "comment",
        "tenant": "demo",
        "platform": "douyin",
        "room_id": "r1",
        "stream_id": "s1",
        "ts_ms": TS,
        "msg_id": msg_id,
        "user_key": "u" * 32,
        "text": "有M码吗",
    }
    e.update(kw)
    return {k: v for k, v in e.items() if v is not ...}


def line(obj: Any) -> bytes:
    return orjson.dumps(obj)


def write(path: Path, lines: list[bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(b"".join(x + end for x in lines))
    return path


def read_all(source: FileSource, path: Path, **kw: Any) -> tuple[pl.DataFrame, list[DeadLetter]]:
    batches: list[Batch] = list(source.read(path, TenantGate("demo", SALT, **kw)))
    good = pl.concat([b.good for b in batches]) if batches else pl.DataFrame(schema=POLARS_SCHEMA)
    return good, [d for b in batches for d in b.bad]


def reasons(dead: list[DeadLetter]) -> dict[int, str]:
    return {d.line or 0: d.reason for d in dead}


def test_sources_satisfy_the_protocol() -> None:
    sources: list[FileSource] = [JsonlSource(), ParquetSource()]
    assert [s.name for s in sources] == ["jsonl", "parquet"]


def test_valid_lines_become_canonical_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.jsonl",
        [
            line(ev("m1")),
            line(
                ev(
                    "m2",
                    kind="order_paid",
                    text=...,
                    sku_id="k1",
                    order_id="o1",
                    qty=2,
                    amount_fen=19900,
                    spec={"颜色": "黑色", "尺码": "M"},
                    link_no=3,
                )
            ),
            line(ev("m3", kind="like", text=..., channel="influencer", author_id="a9")),
        ],
    )
    good, dead = read_all(JsonlSource(), path)
    assert dead == []
    assert tuple(good.columns) == EVENT_COLUMNS
    assert good.schema == pl.Schema(POLARS_SCHEMA)
    paid = good.row(1, named=True)
    assert paid["spec"] == '{"尺码":"M","颜色":"黑色"}'  # canonical: keys sorted, no escaping
    assert (paid["qty"], paid["amount_fen"], paid["link_no"]) == (2, 19900, 3)
    assert good["msg_id"].to_list() == ["m1", "m2", "m3"]


def test_each_bad_line_is_a_dead_letter_and_the_rest_lands(tmp_path: Path) -> None:
    lines = [
        line(ev("ok1")),
        b'{"kind": "comment", "msg_id": ',  # 2 malformed
        line(ev("x3", kind="dance")),  # 3 unknown kind
        line(ev("x4", qty="abc")),  # 4 wrong type
        line(ev("x5", kind="order_paid", text=..., sku_id="k", order_id="o", qty=1, amount_fen=-5)),  # 5
        line(ev("x6", ts_ms=now_ms() + 3 * 24 * 3600 * 1000)),  # 6 far future
        line(ev("x7", text=...)),  # 7 comment without text
        line(ev("x8", colour="red")),  # 8 unknown key
        line(ev(...)),  # 9 no msg_id
        line(ev("x10", room_id=12)),  # 10 id as a number
        line(ev("x11", kind=...)),  # 11 no kind
        line(ev("x12", tenant="acme")),  # 12 another tenant
        b"[1, 2, 3]",  # 13 not an object
        line(ev("x14", ts_ms=1_700_000_000)),  # 14 seconds, not ms
        line(ev("x15", spec=["M"])),  # 15 spec not an object
        line(ev("x16", qty=2.5)),  # 16 float
        line(ev("ok17")),
    ]
    path = write(tmp_path / "mixed.jsonl", lines)
    good, dead = read_all(JsonlSource(), path)
    assert good["msg_id"].to_list() == ["ok1", "ok17"]
    got = reasons(dead)
    assert got[2].startswith("malformed JSON")
    assert got[3] == "unknown kind 'dance'"
    assert got[4] == "qty: expected integer, got 'abc'"
    assert got[5] == "amount_fen must be >= 0"
    assert got[6] == "ts_ms is more than 24 h in the future"
    assert got[7] == "text is required for kind comment"
    assert got[8] == "unknown field 'colour'"
    assert got[9] == "msg_id is required"
    assert got[10] == "room_id: expected string, got 12"
    assert got[11] == "kind is required"
    assert got[12] == "tenant mismatch: record is for 'acme', ingesting for 'demo'"
    assert got[13] == "expected a JSON object, got list"
    assert got[14].startswith("ts_ms is before 2015-01-01")
    assert got[15] == 'spec: expected a JSON object of strings, got ["M"]'
    assert got[16] == "qty: expected integer, got 2.5"
    assert sorted(got) == list(range(2, 17))
    for d in dead:  # raw is the line as received, tenant and source are set
        assert d.raw == lines[(d.line or 0) - 1].decode()
        assert d.tenant == "demo" and d.source == str(path)


def test_tenant_is_filled_in_when_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "e.jsonl", [line(ev("m1", tenant=...))])
    good, dead = read_all(JsonlSource(), path)
    assert dead == [] and good["tenant"].to_list() == ["demo"]


def test_user_ids_are_pseudonymised_and_never_stored(tmp_path: Path) -> None:
    raw_id = "douyin-user-998877"
    path = write(
        tmp_path / "e.jsonl",
        [
            line(ev("m1", user_key=..., user_id=raw_id, nickname="小明", avatar="http://a/b.png")),
            line(ev("m2", user_key=..., user_id=raw_id, avatar_url="http://a/c.png")),
            line(ev("m3", user_key="k1", user_id="other")),
        ],
    )
    good, dead = read_all(JsonlSource(), path)
    assert good["user_key"].to_list() == [pseudonymise(SALT, raw_id)] * 2
    assert good["nickname"].to_list() == [None, None]
    assert raw_id not in str(good.rows())
    assert reasons(dead) == {3: "both user_id and user_key given (send one)"}
    kept, _ = read_all(JsonlSource(), path, store_nicknames=True)
    assert kept["nickname"].to_list() == ["小明", None]


def test_spec_as_text_is_canonicalised_and_bad_spec_text_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.jsonl",
        [
            line(ev("m1", spec='{"颜色": "白色", "尺码": "L"}')),
            line(ev("m2", spec={})),
            line(ev("m3", spec="black, M")),
            line(ev("m4", spec={"颜色": None, "尺码": "S"})),
        ],
    )
    good, dead = read_all(JsonlSource(), path)
    assert good["spec"].to_list() == ['{"尺码":"L","颜色":"白色"}', None, '{"尺码":"S"}']
    assert reasons(dead) == {3: "spec: expected a JSON object of strings, got black, M"}


def test_blank_lines_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + line(ev("m1"))
        + b"\r\n\r\n   \r\n"
        + line(ev("m2"))
        + b"\r\n"
        + b"{bad\r\n"
        + line(ev("m3"))
    )
    good, dead = read_all(JsonlSource(), path)
    assert good["msg_id"].to_list() == ["m1", "m2", "m3"]
    assert [(d.line, d.raw) for d in dead] == [(5, "{bad")]


def test_line_numbers_survive_chunking_and_bisection(tmp_path: Path) -> None:
    n, bad_lines = 1000, (7, 500, 999)
    lines = [line(ev(f"m{i}", ts_ms=TS + i)) for i in range(1, n + 1)]
    for bad in bad_lines:
        lines[bad - 1] = b'{"kind": oops}'
    path = write(tmp_path / "e.jsonl", lines)
    for chunk in (8192, 1 << 20):  # ~50 lines a chunk, and one chunk bisected around each bad line
        good, dead = read_all(JsonlSource(chunk_bytes=chunk), path)
        assert [d.line for d in dead] == list(bad_lines)
        assert good["msg_id"].to_list() == [f"m{i}" for i in range(1, n + 1) if i not in bad_lines]


def test_a_line_over_the_limit_is_one_dead_letter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(jsonl, "RAW_LIMIT", 50)
    huge = line(ev("big", text="长" * 2000))
    path = write(tmp_path / "e.jsonl", [line(ev("m1")), huge, line(ev("m3"))])
    good, dead = read_all(JsonlSource(chunk_bytes=256), path)
    assert good["msg_id"].to_list() == ["m1", "m3"]
    assert len(dead) == 1 and dead[0].line == 2
    assert dead[0].reason.startswith("line longer than 1000 bytes")
    assert dead[0].raw == huge[:50].decode("utf-8", errors="backslashreplace")


def test_invalid_utf8_is_a_dead_letter_with_visible_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "e.jsonl", [line(ev("m1")), b'{"kind": "comment", "text": "\xff\xfe"}'])
    good, dead = read_all(JsonlSource(), path)
    assert good.height == 1
    assert dead[0].line == 2 and dead[0].reason.startswith("malformed JSON")
    assert "\\xff" in dead[0].raw


def test_sniff(tmp_path: Path) -> None:
    src = JsonlSource()
    assert src.sniff(write(tmp_path / "a.jsonl", [b"anything"]))
    assert src.sniff(write(tmp_path / "a.ndjson", [line(ev())]))
    assert src.sniff(write(tmp_path / "events.txt", [line(ev())]))
    assert not src.sniff(write(tmp_path / "b.txt", [line({"id": "d1", "text": "hi"})]))
    assert not src.sniff(write(tmp_path / "c.csv", [b"order_id,qty", b"1,2"]))
    pq.write_table(pa.table({"kind": ["comment"]}), tmp_path / "d.parquet")
    assert not src.sniff(tmp_path / "d.parquet")


# -- the fast path and the careful path agree --------------------------------------------------

_VALID = st.builds(
    lambda i, kind, ts, spec: ev(
        f"m{i}",
        kind=kind,
        ts_ms=TS + ts,
        text="有M码吗" if kind == "comment" else ...,
        sku_id="k1" if kind == "cart_add" else ...,
        qty=1 if kind == "cart_add" else ...,
        spec=spec if kind == "cart_add" else ...,
    ),
    st.integers(0, 30),
    st.sampled_from(["comment", "like", "cart_add"]),
    st.integers(-10_000, 10_000),
    st.sampled_from([..., {"尺码": "M"}, '{"颜色":"黑"}']),
)
_LINE = st.one_of(
    _VALID.map(line),
    _VALID.map(lambda e: line({**e, "qty": "x"})),
    _VALID.map(lambda e: line({**e, "kind": "nope"})),
    _VALID.map(lambda e: line({**e, "amount_fen": -1})),
    _VALID.map(lambda e: line({**e, "extra": 1})),
    _VALID.map(lambda e: line(e)[:-3]),
    st.sampled_from([b"", b"   ", b"[]", b"null", b"{}", b'{"kind":"like"} {"kind":"like"}']),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_LINE, max_size=60), chunk=st.sampled_from([64, 512, 1 << 20]))
def test_bulk_and_line_by_line_give_the_same_answer(tmp_path: Path, lines: list[bytes], chunk: int) -> None:
    path = write(tmp_path / "p.jsonl", lines)
    good, dead = read_all(JsonlSource(chunk_bytes=chunk), path)
    non_blank = sum(1 for x in lines if x.strip())
    assert good.height + len(dead) == non_blank
    # Reference: every line on its own through the careful path.
    ctx = jsonl.Normaliser(TenantGate("demo", SALT), str(path), now_ms())
    ref_good, ref_dead = [], []
    for no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        parsed = jsonl.parse_line(raw)
        if isinstance(parsed, str):
            ref_dead.append((no, parsed))
            continue
        frame = pl.DataFrame([{**parsed, "_line": no}], schema={**jsonl._INPUT_SCHEMA, "_line": pl.Int64()})
        ok, bad = jsonl.normalise(frame, ctx)
        ref_good.extend(ok.rows())
        ref_dead.extend(bad.rows())
    assert good.rows() == ref_good
    assert [(d.line, d.reason) for d in dead] == sorted(ref_dead)


# -- Parquet --------------------------------------------------------------------------------------


def canonical(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{c: r.get(c) for c in EVENT_COLUMNS} for r in rows], schema=POLARS_SCHEMA)


def test_parquet_round_trip(tmp_path: Path) -> None:
    df = canonical(
        [ev("m1"), ev("m2", kind="like", text=None, spec='{"颜色":"黑色"}'), ev("m3", tenant=None)]
    )
    df.write_parquet(tmp_path / "e.parquet")
    good, dead = read_all(ParquetSource(batch_rows=2), tmp_path / "e.parquet")
    assert dead == []
    assert good.equals(df.with_columns(pl.col("tenant").fill_null("demo")))
    assert ParquetSource().sniff(tmp_path / "e.parquet")


def test_parquet_with_loose_types_struct_spec_and_ingest_ms(tmp_path: Path) -> None:
    table = pa.table(
        {
            "kind": pa.array(["comment", "like"]).dictionary_encode(),
            "platform": ["sim", "sim"],
            "room_id": ["r", "r"],
            "stream_id": ["s", "s"],
            "ts_ms": pa.array([TS, TS + 1], pa.uint64()),
            "msg_id": ["a", "b"],
            "text": ["hi", None],
            "qty": pa.array([None, 3], pa.uint8()),
            "spec": pa.array(
                [{"尺码": "M", "颜色": None}, None], pa.struct([("尺码", pa.string()), ("颜色", pa.string())])
            ),
            "ingest_ms": [1, 2],
        }
    )
    pq.write_table(table, tmp_path / "e.parquet")
    good, dead = read_all(ParquetSource(), tmp_path / "e.parquet")
    assert dead == []
    assert good["spec"].to_list() == ['{"尺码":"M"}', None]
    assert good["qty"].to_list() == [None, 3]


def test_parquet_bad_rows_become_dead_letters_with_row_numbers(tmp_path: Path) -> None:
    table = pa.table(
        {
            "kind": ["comment", "comment", "dance", "comment"],
            "platform": ["sim"] * 4,
            "room_id": ["r"] * 4,
            "stream_id": ["s"] * 4,
            "ts_ms": [TS] * 4,
            "msg_id": ["a", "b", "c", "d"],
            "text": ["hi", "hi", "hi", None],
            "qty": ["1", None, None, None],  # a string column where an integer belongs
            "colour": [None, "red", None, None],
        }
    )
    pq.write_table(table, tmp_path / "e.parquet")
    good, dead = read_all(ParquetSource(), tmp_path / "e.parquet")
    assert good.height == 0
    assert reasons(dead) == {
        1: "qty: expected integer, got String column",
        2: "unknown field 'colour'",
        3: "unknown kind 'dance'",
        4: "text is required for kind comment",
    }
    assert orjson.loads(dead[1].raw)["colour"] == "red"


def test_parquet_sniff_and_broken_files(tmp_path: Path) -> None:
    pq.write_table(pa.table({"sku": ["a"], "qty": [1]}), tmp_path / "truth.parquet")
    assert not ParquetSource().sniff(tmp_path / "truth.parquet")  # Parquet, but not events
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 100)
    assert ParquetSource().sniff(broken)
    with pytest.raises(InputError) as info:
        list(ParquetSource().read(broken, TenantGate("demo", SALT)))
    assert "Parquet" in info.value.en and "Parquet" in info.value.zh
