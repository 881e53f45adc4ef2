"""One stream's outcome: its event files and comment truth written, and the small tables a run keeps.

Shared by a one-stream run (``run``) and a several-days run (``run_days``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from kuaifan.sim.config import SimConfig
from kuaifan.sim.room import RoomResult
from kuaifan.sim.writer import write_jsonl, write_parquet, write_table


@dataclass(frozen=True, slots=True)
class RoomOutcome:
    index: int
    room: dict[str, Any]
    counts: dict[str, int]
    files: list[tuple[str, int]]
    truth_variants: pl.DataFrame
    catalogue: pl.DataFrame
    truth_comments: int
    day: int = 0  # several-days runs: the day of this stream, and its paid GMV per brand (fen)
    brand_gmv: dict[str, int] | None = None


def write_room(config: SimConfig, index: int, result: RoomResult, out_dir: Path, name: str) -> RoomOutcome:
    """Write one stream's event files (``events/NAME.*``) and comment truth; its outcome."""
    files: list[tuple[str, int]] = []
    if config.format in ("jsonl", "both"):
        path = out_dir / "events" / f"{name}.jsonl"
        write_jsonl(result.events, result.ident, path)
        files.append((path.relative_to(out_dir).as_posix(), path.stat().st_size))
    if config.format in ("parquet", "both"):
        path = out_dir / "events" / f"{name}.parquet"
        write_parquet(result.events, result.ident, path)
        files.append((path.relative_to(out_dir).as_posix(), path.stat().st_size))
    path = out_dir / "truth" / "comments" / f"{name}.parquet"
    write_table(result.truth_comments, path)
    files.append((path.relative_to(out_dir).as_posix(), path.stat().st_size))

    counts = result.events.counts()
    first, last = result.events.ts_range()
    room = {
        "room_id": result.ident.room_id,
        "stream_id": result.ident.stream_id,
        "channel": result.ident.channel,
        "author_id": result.ident.author_id,
        "brands": sorted(result.catalogue["brand_id"].unique().to_list()),
        "first_ts_ms": first,
        "last_ts_ms": last,
        "viewers": result.viewers,
        "events": result.events.height,
        "counts": counts,
    }
    return RoomOutcome(
        index=index,
        room=room,
        counts=counts,
        files=files,
        truth_variants=result.truth_variants,
        catalogue=result.catalogue,
        truth_comments=result.truth_comments.height,
    )
