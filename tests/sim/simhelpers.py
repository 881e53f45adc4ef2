"""Readers shared by the simulator tests (a plain module; fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, spec_text


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def to_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """JSONL rows → the log's canonical frame (all columns, spec as canonical JSON text)."""
    canon = [{c: (spec_text(r.get(c)) if c == "spec" else r.get(c)) for c in EVENT_COLUMNS} for r in rows]
    return pl.DataFrame(canon, schema=POLARS_SCHEMA)


def load_events(out: Path) -> pl.DataFrame:
    """Every room's events, with the file name and line index (file order) added."""
    frames = []
    for path in sorted((out / "events").glob("*.jsonl")):
        df = to_frame(read_lines(path))
        frames.append(df.with_columns(pl.lit(path.stem).alias("file"), pl.int_range(pl.len()).alias("line")))
    return pl.concat(frames)


def digests(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }
