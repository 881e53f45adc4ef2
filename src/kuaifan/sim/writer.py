"""Writes a room's events (JSONL and/or Parquet) and the run's ground truth and manifest.

JSONL lines are built in polars, part by part: the room's fixed fields and the kind become
one literal prefix; ids and numbers are spliced in as they are (the simulator's ids are
plain ASCII: letters, digits, '-'); comment text is JSON-encoded by polars; ``spec`` is
inlined as a JSON object; null fields are left out. Output bytes depend only on the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import polars as pl

from kuaifan.events import EVENT_COLUMNS, INT_FIELDS, POLARS_SCHEMA
from kuaifan.sim.table import Part, RoomEvents, RoomIdentity


def _field(name: str, first: bool) -> list[pl.Expr]:
    """``,"name":value`` for one column (all non-null)."""
    key = pl.lit(("" if first else ",") + f'"{name}":')
    col = pl.col(name)
    if name == "text":
        encoded = pl.struct(col).struct.json_encode()  # {"text":"…"} with JSON escaping
        return [pl.lit("" if first else ","), encoded.str.strip_prefix("{").str.strip_suffix("}")]
    if name in INT_FIELDS:
        return [key, col.cast(pl.String)]
    if name == "spec":
        return [key, col]  # already JSON object text
    return [key, pl.lit('"'), col, pl.lit('"')]


def _part_lines(part: Part, ident: RoomIdentity) -> pl.Series:
    consts = {"kind": part.kind, **{k: v for k, v in ident.constants().items() if v is not None}}
    head = orjson.dumps(consts).decode()[:-1]  # '{"kind":…' without the closing brace
    df = part.frame
    pieces: list[pl.Expr] = [pl.lit(head)]
    for name in EVENT_COLUMNS:
        if name not in df.columns:
            continue
        nulls = df[name].null_count()
        if nulls == df.height:
            continue
        piece = _field(name, first=False)
        if nulls:  # some rows lack it: leave the key out on those rows
            piece = [pl.when(pl.col(name).is_not_null()).then(pl.concat_str(piece)).otherwise(pl.lit(""))]
        pieces += piece
    pieces.append(pl.lit("}"))
    return df.select(pl.concat_str(pieces).alias("line")).to_series()


def jsonl_lines(events: RoomEvents, ident: RoomIdentity) -> pl.Series:
    """One JSON text per event, in file order."""
    lines = pl.concat([_part_lines(p, ident) for p in events.parts])
    return lines.gather(events.order)


def write_jsonl(events: RoomEvents, ident: RoomIdentity, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    jsonl_lines(events, ident).to_frame().write_csv(tmp, include_header=False, quote_style="never")
    tmp.replace(path)


def read_jsonl_events(out_dir: Path) -> pl.DataFrame:
    """Every ``events/*.jsonl`` file of a run as one frame of EVENT_COLUMNS (the log's types, ``spec``
    left empty), in time order: a run's events for analyses that skip the store."""
    frames = []
    for path in sorted((out_dir / "events").glob("*.jsonl")):
        f = pl.read_ndjson(path, infer_schema_length=None)
        frames.append(
            f.select(
                pl.col(c).cast(POLARS_SCHEMA[c])
                if c in f.columns and c != "spec"
                else pl.lit(None, POLARS_SCHEMA[c]).alias(c)
                for c in EVENT_COLUMNS
            )
        )
    return pl.concat(frames).sort("ts_ms")


def canonical_frame(events: RoomEvents, ident: RoomIdentity) -> pl.DataFrame:
    """The events with every EVENT_COLUMNS column (String / Int64) in file order, as the log stores them."""
    consts = ident.constants()
    frames = []
    for part in events.parts:
        cols: list[pl.Expr] = []
        for name in EVENT_COLUMNS:
            if name == "kind":
                cols.append(pl.lit(part.kind, dtype=pl.String).alias(name))
            elif name in consts:
                cols.append(pl.lit(consts[name], dtype=pl.String).alias(name))
            elif name in part.frame.columns:
                cols.append(pl.col(name).cast(POLARS_SCHEMA[name]))
            else:
                cols.append(pl.lit(None, dtype=POLARS_SCHEMA[name]).alias(name))
        frames.append(part.frame.select(cols))
    return pl.concat(frames)[events.order]


def write_parquet(events: RoomEvents, ident: RoomIdentity, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    canonical_frame(events, ident).write_parquet(tmp, compression="zstd", statistics=False)
    tmp.replace(path)


def write_table(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    df.write_parquet(tmp, compression="zstd", statistics=False)
    tmp.replace(path)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
