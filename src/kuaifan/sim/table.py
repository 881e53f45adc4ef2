"""Collects a room's events column-wise, kind by kind, and fixes their file order and msg_ids.

Only the fields that vary are stored; the ones fixed for a room (tenant, platform, room_id,
stream_id, channel, author_id) are added by the writer. Events are never gathered into one
wide frame: each part keeps its own columns, and ``RoomEvents.order`` says which row comes
where in the file. The file order is arrival order: event time for everything except orders
re-attributed hours after the stream; ties keep the order in which parts were added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.events import EVENT_COLUMNS, INT_FIELDS

ROOM_FIELDS = ("tenant", "platform", "room_id", "stream_id", "channel", "author_id")
VARYING = tuple(c for c in EVENT_COLUMNS if c not in ROOM_FIELDS and c not in ("kind", "ts_ms", "msg_id"))
I64 = npt.NDArray[np.int64]
Column = npt.NDArray[Any] | pl.Series | list[Any] | str | int


@dataclass(frozen=True, slots=True)
class RoomIdentity:
    tenant: str
    room_id: str | None  # None: shelf orders (货架), outside any live room
    stream_id: str | None
    channel: str
    author_id: str | None
    platform: str = "sim"

    def constants(self) -> dict[str, str | None]:
        return {
            "tenant": self.tenant,
            "platform": self.platform,
            "room_id": self.room_id,
            "stream_id": self.stream_id,
            "channel": self.channel,
            "author_id": self.author_id,
        }


@dataclass(frozen=True, slots=True)
class Part:
    """Events of one kind added together: ``ts_ms``, ``msg_id`` and the kind's own fields."""

    kind: str
    frame: pl.DataFrame


@dataclass(frozen=True, slots=True)
class RoomEvents:
    parts: tuple[Part, ...]
    order: I64  # file line i holds row order[i] of the parts stacked in order

    @property
    def height(self) -> int:
        return int(self.order.size)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.parts:
            out[p.kind] = out.get(p.kind, 0) + p.frame.height
        return dict(sorted(out.items()))

    def of_kind(self, kind: str) -> pl.DataFrame:
        """The events of one kind, in the order they were added."""
        frames = [p.frame for p in self.parts if p.kind == kind]
        if not frames:
            return pl.DataFrame(schema={"ts_ms": pl.Int64, "msg_id": pl.String})
        return pl.concat(frames, how="diagonal_relaxed")

    def ts_range(self) -> tuple[int, int]:
        lo = min(int(p.frame["ts_ms"].min()) for p in self.parts)  # type: ignore[arg-type]
        hi = max(int(p.frame["ts_ms"].max()) for p in self.parts)  # type: ignore[arg-type]
        return lo, hi


@dataclass(slots=True)
class EventTable:
    """Append kinds as columns; ``finish()`` orders them and assigns ``{stream_id}-{n:07d}`` ids."""

    stream_id: str
    start_ms: int
    _parts: list[tuple[str, dict[str, pl.Series]]] = field(default_factory=list)
    _arrivals: list[I64] = field(default_factory=list)

    def add(self, kind: str, t_ms: I64, arrival_ms: I64 | None = None, /, **cols: Column) -> None:
        """``t_ms`` is relative to the stream start; ``arrival_ms`` (relative) defaults to it."""
        n = int(t_ms.size)
        if n == 0:
            return
        ts = np.asarray(t_ms, dtype=np.int64) + self.start_ms
        data = {"ts_ms": pl.Series("ts_ms", ts, pl.Int64)}
        for name, value in cols.items():
            if name not in VARYING:
                raise KeyError(f"unknown event field {name}")
            dtype = pl.Int64 if name in INT_FIELDS else pl.String
            if isinstance(value, str | int):
                data[name] = pl.Series(name, [value], dtype).new_from_index(0, n)
            elif isinstance(value, pl.Series):
                data[name] = value.alias(name).cast(dtype)
            else:
                data[name] = pl.Series(name, value, dtype)
            if data[name].len() != n:
                raise ValueError(f"{kind}.{name}: {data[name].len()} values for {n} events")
        self._parts.append((kind, data))
        self._arrivals.append(
            ts if arrival_ms is None else np.asarray(arrival_ms, dtype=np.int64) + self.start_ms
        )

    def finish(self) -> RoomEvents:
        arrival = np.concatenate(self._arrivals)
        order = np.argsort(arrival, kind="stable").astype(np.int64)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size, dtype=np.int64)
        parts: list[Part] = []
        lo = 0
        prefix = pl.lit(self.stream_id + "-")
        for kind, data in self._parts:
            n = data["ts_ms"].len()
            number = pl.Series("n", rank[lo : lo + n] + 1).cast(pl.String).str.zfill(7)
            msg = pl.select(pl.concat_str([prefix, pl.lit(number)]).alias("msg_id")).to_series()
            frame = pl.DataFrame([data["ts_ms"], msg, *(s for k, s in data.items() if k != "ts_ms")])
            parts.append(Part(kind, frame))
            lo += n
        return RoomEvents(tuple(parts), order)
