"""Canonical event files: JSONL (one event object per line, the simulator's output) and Parquet.

Both stream in bounded batches. A JSONL chunk (a few MB of whole lines) is parsed in bulk by
pyarrow, which infers a type per column and fails on a malformed line or a column whose type
changes; the result is accepted only if every column is a known key of the expected type. If
not, the chunk is split in halves until the bad lines are isolated and parsed one by one, so
each becomes a DeadLetter with its line number and a precise reason while its neighbours
still take the fast path. Every parsed row then goes through one vectorised normalisation
(tenant scoping, user id pseudonymisation, nickname policy, spec canonical text) and
``events.validate_frame``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import FileIO
from pathlib import Path
from typing import Any, Final

import numpy as np
import orjson
import polars as pl
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

from kuaifan.errors import InputError
from kuaifan.events import (
    INT_FIELDS,
    POLARS_SCHEMA,
    STRING_FIELDS,
    DeadLetter,
    now_ms,
)
from kuaifan.events import spec_text as canonical_spec
from kuaifan.sources.base import Batch
from kuaifan.sources.gate import TenantGate

# Input keys besides the canonical columns: the raw platform id (pseudonymised, never stored),
# avatars (always dropped) and ingest_ms (set by the store; present when re-importing an export).
_STR_INPUT: Final = (*(f for f in STRING_FIELDS if f != "spec"), "user_id", "avatar", "avatar_url")
_INT_INPUT: Final = (*INT_FIELDS, "ingest_ms")
KNOWN_FIELDS: Final = frozenset((*_STR_INPUT, *_INT_INPUT, "spec"))
_INPUT_SCHEMA: Final[dict[str, pl.DataType]] = {
    **{n: pl.String() for n in (*_STR_INPUT, "spec")},
    **{n: pl.Int64() for n in _INT_INPUT},
}
_LINE = "_line"  # 1-based line (row) number carried through normalisation
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

CHUNK_BYTES: Final = 8 << 20
SMALL_SEGMENT_LINES: Final = 64  # below this a failing segment is parsed line by line
MAX_LINE_BYTES: Final = 16 << 20
RAW_LIMIT: Final = 64 << 10  # raw kept of an over-long line
_BOM: Final = b"\xef\xbb\xbf"
# pyarrow infers the types (measured 1.2-1.5x faster than an explicit schema). A chunk is parsed
# as one block on the calling thread: ~15 % less CPU than 1 MB blocks on a thread pool, and the
# ingest pipeline already overlaps parsing with the store's writes.


@dataclass(frozen=True, slots=True)
class Normaliser:
    """Per-file normalisation context: the tenant's gate, the file (for dead letters) and the clock."""

    gate: TenantGate
    source: str
    now: int

    @property
    def tenant(self) -> str:
        return self.gate.tenant


# -- shared normalisation ------------------------------------------------------------------------


def normalise(df: pl.DataFrame, ctx: Normaliser) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Input-shaped rows (``_INPUT_SCHEMA`` columns + ``_line``) to canonical rows: the spec as
    canonical text, then the tenant-and-privacy gate and the event rules.

    Returns ``(good, bad_rows)``: good rows in EVENT_SCHEMA columns; ``bad_rows`` holds
    ``_line`` and ``reason`` of the rejects so the caller can attach the raw text.
    """
    df = df.with_columns(
        [pl.lit(None, dtype=t).alias(n) for n, t in _INPUT_SCHEMA.items() if n not in df.columns]
    )
    spec_map, spec_bad = _spec_table(df["spec"])
    bad_spec = pl.col("spec").is_in(spec_bad).fill_null(False)
    spec_reason = pl.format(
        "spec: expected a JSON object of strings, got {}", pl.col("spec").str.slice(0, 60)
    )
    pre_bad = df.filter(bad_spec).select(_LINE, spec_reason.alias("reason"))
    rows = df if pre_bad.height == 0 else df.filter(~bad_spec)
    rows = rows.with_columns(pl.col("spec").replace_strict(spec_map, default=None, return_dtype=pl.String))
    good, bad = ctx.gate.admit_frame(rows, line=_LINE, now=ctx.now)
    return good, pl.concat([pre_bad, bad]).sort(_LINE) if pre_bad.height else bad


def _spec_table(spec: pl.Series) -> tuple[dict[str, str | None], list[str]]:
    """Canonical text for each distinct spec text (few per file), and the invalid ones."""
    mapping: dict[str, str | None] = {}
    invalid: list[str] = []
    for text in spec.drop_nulls().unique().to_list():
        value = _spec_value(text)
        if isinstance(value, _Invalid):
            invalid.append(text)
        else:
            mapping[text] = value
    return mapping, invalid


class _Invalid:
    pass


def _spec_value(text: str) -> str | _Invalid | None:
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _Invalid()
    if obj is None:
        return None
    if not isinstance(obj, dict) or not all(isinstance(v, str) or v is None for v in obj.values()):
        return _Invalid()
    # Keys whose value is null are absent (a bulk-parsed struct has every key of the chunk).
    return canonical_spec({k: v for k, v in obj.items() if v is not None})


# -- JSONL ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Chunk:
    data: bytes | memoryview  # whole lines
    first_line: int
    too_long: tuple[int, bytes] | None = None  # (line, first bytes) of a line over MAX_LINE_BYTES
    newlines: np.ndarray | None = None  # positions of b"\n" in data, when already found


def iter_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[_Chunk]:
    """Whole-line chunks of about ``chunk_bytes``; an over-long line is reported, not buffered.

    A chunk's data is a view of a buffer that the next chunk reuses (reading into one buffer saves
    allocating and copying every chunk): finish with a chunk before asking for the next.
    """
    line = 1
    buf = bytearray(max(chunk_bytes, 4))
    have = 0  # bytes of an unfinished line kept at the start of buf
    skipping: tuple[int, bytes] | None = None  # (line, first bytes) of an over-long line
    first = True
    with path.open("rb", buffering=0) as f:
        while True:
            if have == len(buf):  # one unfinished line fills the buffer
                if have > MAX_LINE_BYTES:
                    skipping, have = (line, bytes(buf[:RAW_LIMIT])), 0
                else:  # a new, bigger buffer: views of the old one (the last chunk) stay valid
                    bigger = bytearray(2 * len(buf))
                    bigger[:have] = buf[:have]
                    buf = bigger
            got = _read_into(f, memoryview(buf)[have:])
            if not got:
                break
            end = have + got
            if first:
                first = False
                if buf.startswith(_BOM):
                    buf[: end - 3] = buf[3:end]
                    end -= 3
            if skipping is not None:
                nl = buf.find(b"\n", 0, end)
                if nl < 0:
                    have = 0
                    continue
                yield _Chunk(b"", skipping[0], skipping)
                line, skipping = skipping[0] + 1, None
                buf[: end - nl - 1] = buf[nl + 1 : end]
                end -= nl + 1
            cut = buf.rfind(b"\n", 0, end)
            if cut < 0:
                have = end
                continue
            piece = memoryview(buf)[: cut + 1]
            newlines = _newlines(piece)  # found once: they count lines here and split rows in _bulk
            yield _Chunk(piece, line, newlines=newlines)
            line += len(newlines)
            have = end - cut - 1
            buf[:have] = buf[cut + 1 : end]
        if skipping is not None:
            yield _Chunk(b"", skipping[0], skipping)
        elif have > MAX_LINE_BYTES:
            yield _Chunk(b"", line, (line, bytes(buf[:RAW_LIMIT])))
        elif have:
            yield _Chunk(bytes(buf[:have]), line)


def _read_into(f: FileIO, view: memoryview) -> int:
    """Fill ``view`` from ``f`` as far as the file goes (a raw read may return less than asked)."""
    total = 0
    while total < len(view):
        n = f.readinto(view[total:])
        if not n:
            break
        total += n
    return total


def _newlines(data: bytes | memoryview) -> np.ndarray:
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)


def _raw(line: bytes) -> str:
    return line.rstrip(b"\r").decode("utf-8", errors="backslashreplace")


class _Segment:
    """Whole lines of a chunk, numbered from ``first_line``."""

    def __init__(self, data: bytes | memoryview, first_line: int, newlines: np.ndarray | None = None) -> None:
        self.data = data  # a view on the fast path: copied to bytes only when lines are needed
        self.first_line = first_line
        self.newlines = newlines
        self._lines: list[bytes] | None = None

    def _bytes(self) -> bytes:
        if isinstance(self.data, memoryview):
            self.data = self.data.tobytes()
        return self.data

    @property
    def lines(self) -> list[bytes]:
        if self._lines is None:
            lines = self._bytes().split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            self._lines = lines
        return self._lines

    def raw(self, line_no: int) -> str:
        return _raw(self.lines[line_no - self.first_line])

    def split(self) -> tuple[_Segment, _Segment] | None:
        data = self._bytes()
        half = len(data) // 2
        mid = data.find(b"\n", half)
        if mid < 0 or mid + 1 >= len(data):
            mid = data.rfind(b"\n", 0, half)
        if mid < 0:
            return None
        left = data[: mid + 1]
        return _Segment(left, self.first_line), _Segment(data[mid + 1 :], self.first_line + left.count(b"\n"))


def _bulk(seg: _Segment) -> pl.DataFrame | None:
    """The segment parsed in one go, or None when any line needs the careful path."""
    data = seg.data
    if not data:
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    starts = (seg.newlines if seg.newlines is not None else _newlines(data)) + 1
    starts = np.concatenate(([0], starts[starts < len(data)]))
    # One object per line is only provable when every line starts with '{' (no blank lines).
    if not bool((arr[starts] == 123).all()):
        return None
    try:
        table = pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(False, len(data) + 1))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows != len(starts) or not all(_bulk_type_ok(f) for f in table.schema):
        return None
    try:
        table.validate(full=True)  # pyarrow does not check UTF-8 while parsing
    except pa.ArrowInvalid:
        return None
    names = table.column_names
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    if "spec" in names:
        spec = pl.col("spec")
        if df.schema["spec"] == pl.Null:
            spec = spec.cast(pl.String)
        elif isinstance(df.schema["spec"], pl.Struct):
            spec = spec.struct.json_encode()
        df = df.with_columns(spec.alias("spec"))
    nulls = [pl.col(n).cast(_INPUT_SCHEMA[n]) for n, t in df.schema.items() if t == pl.Null]
    if nulls:
        df = df.with_columns(nulls)
    return df.with_columns(
        pl.int_range(seg.first_line, seg.first_line + df.height, dtype=pl.Int64).alias(_LINE)
    )


def _bulk_type_ok(f: pa.Field) -> bool:
    """Inferred column types the fast path takes as they are; anything else goes the careful way."""
    t = f.type
    if pa.types.is_null(t):
        return f.name in KNOWN_FIELDS
    if f.name == "spec":
        if pa.types.is_struct(t):
            kids = [t.field(i).type for i in range(t.num_fields)]
            return bool(kids) and all(pa.types.is_string(k) or pa.types.is_null(k) for k in kids)
        return bool(pa.types.is_string(t))
    if f.name in _STR_INPUT:
        return bool(pa.types.is_string(t))
    if f.name in _INT_INPUT:
        return bool(pa.types.is_int64(t))
    return False  # an unknown key


def _type_error(name: str, value: Any, expected: str) -> str:
    shown = orjson.dumps(value).decode() if not isinstance(value, str) else repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{name}: expected {expected}, got {shown}"


def parse_line(line: bytes) -> dict[str, Any] | str:
    """One JSONL line to an input row, or the reason it cannot be one."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return f"malformed JSON: {exc}"
    if not isinstance(obj, dict):
        return f"expected a JSON object, got {type(obj).__name__ if obj is not None else 'null'}"
    unknown = sorted(k for k in obj if k not in KNOWN_FIELDS)
    if unknown:
        names = ", ".join(repr(k) for k in unknown[:5])
        return f"unknown field {names}" if len(unknown) == 1 else f"unknown fields {names}"
    row: dict[str, Any] = {}
    for name, value in obj.items():
        if value is None:
            continue
        if name == "spec":
            if isinstance(value, dict):
                if not all(isinstance(v, str) or v is None for v in value.values()):
                    return _type_error("spec", value, "a JSON object of strings")
                row["spec"] = canonical_spec({k: v for k, v in value.items() if v is not None})
            elif isinstance(value, str):
                row["spec"] = value
            else:
                return _type_error("spec", value, "a JSON object of strings")
        elif name in _INPUT_SCHEMA and _INPUT_SCHEMA[name] == pl.Int64:
            if not isinstance(value, int) or isinstance(value, bool):
                return _type_error(name, value, "integer")
            if not _INT64_MIN <= value <= _INT64_MAX:
                return f"{name}: integer out of range: {value}"
            row[name] = value
        else:
            if not isinstance(value, str):
                return _type_error(name, value, "string")
            row[name] = value
    return row


def _careful(seg: _Segment) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    rows: list[dict[str, Any]] = []
    bad: list[tuple[int, str]] = []
    for i, line in enumerate(seg.lines):
        if not line.strip():
            continue
        no = seg.first_line + i
        if len(line) > MAX_LINE_BYTES:
            bad.append((no, f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        parsed = parse_line(line)
        if isinstance(parsed, str):
            bad.append((no, parsed))
        else:
            parsed[_LINE] = no
            rows.append(parsed)
    df = pl.DataFrame(rows, schema={**_INPUT_SCHEMA, _LINE: pl.Int64()})
    return df, bad


def _parse(seg: _Segment, frames: list[pl.DataFrame], early: list[tuple[int, str]]) -> None:
    """Parse a segment: in bulk, or by halves around the bad lines, or (small) line by line."""
    df = _bulk(seg)
    if df is None:
        halves = seg.split() if len(seg.lines) > SMALL_SEGMENT_LINES else None
        if halves is not None:
            for half in halves:
                _parse(half, frames, early)
            return
        df, bad = _careful(seg)
        early.extend(bad)
    frames.append(df.select([pl.col(c) if c in df.columns else pl.lit(None, t).alias(c) for c, t in _FRAME]))


_FRAME: Final = (*_INPUT_SCHEMA.items(), (_LINE, pl.Int64()))


def _chunk_batch(seg: _Segment, ctx: Normaliser) -> Batch:
    frames: list[pl.DataFrame] = []
    early: list[tuple[int, str]] = []
    _parse(seg, frames, early)
    # One normalisation per chunk, however many pieces the bad lines cut it into.
    good, bad_rows = normalise(pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0], ctx)
    rejects = sorted([*early, *bad_rows.iter_rows()])
    return Batch(
        good, [DeadLetter(ctx.source, reason, seg.raw(no), no, ctx.tenant) for no, reason in rejects]
    )


def _empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=POLARS_SCHEMA)


def _batch(good: list[pl.DataFrame], dead: list[DeadLetter]) -> Batch:
    frame = pl.concat(good, how="vertical") if good else _empty_events()
    dead.sort(key=lambda d: d.line or 0)
    return Batch(frame, dead)


class JsonlSource:
    """Canonical JSONL: one event object per line (the simulator's output)."""

    name = "jsonl"
    suffixes: Final = (".jsonl", ".ndjson")

    def __init__(self, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.chunk_bytes = chunk_bytes

    def sniff(self, path: Path) -> bool:
        if path.suffix.lower() in self.suffixes:
            return True
        with path.open("rb") as f:
            head = f.read(64 << 10).removeprefix(_BOM)
        first = head.split(b"\n", 1)[0].strip()
        if not first.startswith(b"{"):
            return False
        parsed = parse_line(first)
        return isinstance(parsed, dict) and "kind" in parsed and "msg_id" in parsed

    def read(self, path: Path, gate: TenantGate) -> Iterator[Batch]:
        ctx = Normaliser(gate, str(path), now_ms())
        for chunk in iter_chunks(path, self.chunk_bytes):
            if chunk.too_long is not None:
                no, head = chunk.too_long
                reason = f"line longer than {MAX_LINE_BYTES} bytes (raw keeps the first {RAW_LIMIT} bytes)"
                yield Batch(_empty_events(), [DeadLetter(ctx.source, reason, _raw(head), no, ctx.tenant)])
            if chunk.data:
                yield _chunk_batch(_Segment(chunk.data, chunk.first_line, chunk.newlines), ctx)


# -- Parquet -------------------------------------------------------------------------------------

PARQUET_BATCH_ROWS: Final = 65_536
_CORE: Final = frozenset({"kind", "ts_ms", "msg_id"})


class ParquetSource:
    """Parquet event files (the simulator's, or a store export): one canonical event per row."""

    name = "parquet"

    def __init__(self, batch_rows: int = PARQUET_BATCH_ROWS) -> None:
        self.batch_rows = batch_rows

    def sniff(self, path: Path) -> bool:
        with path.open("rb") as f:
            if f.read(4) != b"PAR1":
                return False
        try:
            names = set(pq.read_schema(path).names)
        except (pa.ArrowException, OSError):
            return True  # a broken Parquet file: read() reports it
        return names >= _CORE

    def read(self, path: Path, gate: TenantGate) -> Iterator[Batch]:
        ctx = Normaliser(gate, str(path), now_ms())
        try:
            pf = pq.ParquetFile(path)
            batches = pf.iter_batches(batch_size=self.batch_rows)
            row = 1
            for rb in batches:
                yield _parquet_batch(pa.Table.from_batches([rb]), row, ctx)
                row += rb.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise InputError(
                f"{path}: 无法读取 Parquet 文件：{exc}",
                f"{path}: cannot read the Parquet file: {exc}",
                path=str(path),
            ) from None


def _parquet_batch(table: pa.Table, first_row: int, ctx: Normaliser) -> Batch:
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    df = df.with_columns(pl.int_range(first_row, first_row + df.height, dtype=pl.Int64).alias(_LINE))
    checks: list[tuple[pl.Expr, str]] = []
    cols: list[pl.Expr] = [pl.col(_LINE)]
    for name, dtype in df.schema.items():
        if name == _LINE:
            continue
        if name not in KNOWN_FIELDS:
            checks.append((pl.col(name).is_not_null(), f"unknown field '{name}'"))
            continue
        want = _INPUT_SCHEMA[name]
        if name == "spec" and isinstance(dtype, pl.Struct):
            cols.append(pl.col(name).struct.json_encode().alias(name))
        elif dtype == want or dtype == pl.Null:
            cols.append(pl.col(name).cast(want))
        elif want == pl.Int64 and dtype.is_integer():
            cast = pl.col(name).cast(pl.Int64, strict=False)
            checks.append((pl.col(name).is_not_null() & cast.is_null(), f"{name}: integer out of range"))
            cols.append(cast)
        elif want == pl.String and dtype == pl.Categorical:
            cols.append(pl.col(name).cast(pl.String))
        else:
            expected = "integer" if want == pl.Int64 else "string"
            checks.append((pl.col(name).is_not_null(), f"{name}: expected {expected}, got {dtype} column"))
            cols.append(pl.lit(None, dtype=want).alias(name))
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, text in reversed(checks):
        reason = pl.when(cond).then(pl.lit(text)).otherwise(reason)
    tagged = df.with_columns(reason.alias("_type_reason"))
    typed = tagged.filter(pl.col("_type_reason").is_null()).select(cols)
    early = tagged.filter(pl.col("_type_reason").is_not_null())
    good, bad_rows = normalise(typed, ctx)
    raw_source = df.filter(pl.col(_LINE).is_in(pl.concat([bad_rows[_LINE], early[_LINE]]).implode()))
    raws = {int(r[_LINE]): _row_json(r) for r in raw_source.iter_rows(named=True)}
    dead = [
        DeadLetter(ctx.source, str(reason), raws[int(line)], int(line), ctx.tenant)
        for line, reason in early.select(_LINE, "_type_reason").iter_rows()
    ]
    dead += [
        DeadLetter(ctx.source, str(reason), raws[int(line)], int(line), ctx.tenant)
        for line, reason in bad_rows.iter_rows()
    ]
    return _batch([good] if good.height else [], dead)


def _row_json(row: dict[str, Any]) -> str:
    clean = {k: v for k, v in row.items() if k != _LINE and v is not None}
    return orjson.dumps(clean, default=str).decode()
