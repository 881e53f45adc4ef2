"""Hand-made event frames for exact checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.sim import SimConfig, simulate

T0 = 497_223 * 3_600_000  # a UTC hour boundary (2026-09-21T23:00Z)
MIN = 60_000


class Log:
    """Builds an events frame row by row (only the fields a row needs)."""

    def __init__(
        self, tenant: str = "t1", stream: str = "s1", room: str = "r1", channel: str = "store"
    ) -> None:
        self.rows: list[dict[str, Any]] = []
        self.tenant, self.stream, self.room, self.channel = tenant, stream, room, channel
        self._n = 0

    def add(self, kind: str, t_ms: int, **fields: Any) -> Log:
        self._n += 1
        spec = fields.pop("spec", None)
        row = {
            "kind": kind,
            "tenant": self.tenant,
            "platform": "sim",
            "room_id": self.room,
            "stream_id": self.stream,
            "channel": self.channel,
            "ts_ms": T0 + t_ms,
            "msg_id": f"{self.stream}-{self._n}",
            "spec": orjson.dumps(spec).decode() if spec else None,
            **fields,
        }
        self.rows.append(row)
        return self

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame([{c: r.get(c) for c in EVENT_COLUMNS} for r in self.rows], schema=POLARS_SCHEMA)


def concat(*logs: Log) -> pl.DataFrame:
    return pl.concat([log.frame() for log in logs])


@dataclass(frozen=True)
class SimRun:
    out: Path
    events: pl.DataFrame
    truth: pl.DataFrame  # truth/variants.parquet
    comments: pl.DataFrame  # truth/comments/*.parquet


def run_sim(out: Path, seed: int, rooms: int = 3, minutes: int = 60, viewers: int = 8000) -> SimRun:
    simulate(SimConfig(seed=seed, rooms=rooms, minutes=minutes, viewers=viewers, format="parquet"), out)
    events = pl.concat([pl.read_parquet(p) for p in sorted((out / "events").glob("*.parquet"))])
    comments = pl.concat([pl.read_parquet(p) for p in sorted((out / "truth" / "comments").glob("*.parquet"))])
    return SimRun(out, events, pl.read_parquet(out / "truth" / "variants.parquet"), comments)
