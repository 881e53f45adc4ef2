"""The event log contract: what every store backend (DuckDB embedded, PostgreSQL server) provides.

An append-only log of canonical events plus ``ingest_ms`` (arrival time). Events are
deduplicated on ``(tenant, platform, msg_id)``: the first arrival wins, later copies are
counted as duplicates, both inside one batch and across batches and runs. Everything a
source refused lands in the dead-letter table with its reason and raw payload.

Every read is scoped by tenant. Reads come back ordered by event time (``ts_ms``), ties in
arrival order, because late and out-of-order events are normal. ``scan`` streams the same rows
in batches, so a reader of a large log (an export) holds one batch at a time.

``kuaifan.testing.check_store`` is the contract suite every backend passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Protocol, Self, TypedDict

import polars as pl

from kuaifan.errors import InputError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter

DEDUP_COLUMNS: Final = ("tenant", "platform", "msg_id")
# Columns of a read: the canonical event plus its arrival time.
LOG_COLUMNS: Final = (*EVENT_COLUMNS, "ingest_ms")
LOG_SCHEMA: Final[dict[str, pl.DataType]] = {**POLARS_SCHEMA, "ingest_ms": pl.Int64()}
DEAD_LETTER_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.Int64(),
    "tenant": pl.String(),
    "source": pl.String(),
    "line": pl.Int64(),
    "reason": pl.String(),
    "raw": pl.String(),
    "received_ms": pl.Int64(),
}
SCAN_BATCH_ROWS: Final = 100_000


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What happened to the records of one append (or, summed, of a whole ingest)."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0

    def __add__(self, other: AppendResult) -> AppendResult:
        return AppendResult(
            self.accepted + other.accepted,
            self.duplicates + other.duplicates,
            self.rejected + other.rejected,
        )

    @property
    def total(self) -> int:
        return self.accepted + self.duplicates + self.rejected


class StoreStats(TypedDict):
    events: int
    by_kind: dict[str, int]
    dead_letter: int


@dataclass(frozen=True, slots=True)
class EventFilter:
    """The selection of a read or scan. ``start_ms`` inclusive, ``end_ms`` exclusive (event time);
    ``ingested_since_ms``: only rows that arrived at or after it (arrival time)."""

    tenant: str
    room_id: str | None = None
    stream_id: str | None = None
    kinds: tuple[str, ...] | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    ingested_since_ms: int | None = None

    def __post_init__(self) -> None:
        if not self.tenant:
            raise InputError("读取事件必须指定租户", "every read must name a tenant")


class EventLog(Protocol):
    """An append-only, tenant-scoped event log with a dead-letter table."""

    def append(self, df: pl.DataFrame) -> AppendResult:
        """Append validated rows (EVENT_SCHEMA columns); duplicates are counted, not stored."""
        ...

    def append_new(self, df: pl.DataFrame) -> pl.Series:
        """Append like ``append``; return one Boolean per input row: True if it was stored now.

        Extra columns are ignored, so a caller can tag rows (e.g. with their file) and count
        the duplicates of each tag from the mask.
        """
        ...

    def add_dead_letters(self, items: Sequence[DeadLetter]) -> int: ...

    def scan(
        self, where: EventFilter, *, columns: Sequence[str] | None = None, batch_rows: int = SCAN_BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        """The selected rows in time order, ``batch_rows`` at a time (LOG_SCHEMA types; only
        ``columns`` of LOG_COLUMNS when given). Writers may go on while a scan runs."""
        ...

    def read(
        self,
        tenant: str,
        *,
        room_id: str | None = None,
        stream_id: str | None = None,
        kinds: Sequence[str] | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> pl.DataFrame:
        """All selected events in time order, as one frame (LOG_SCHEMA)."""
        ...

    def stats(self, tenant: str | None = None) -> StoreStats: ...

    def last_event_ms(self, tenant: str) -> int | None:
        """The latest event time of a tenant (None: no events)."""
        ...

    def dead_letters(self, tenant: str | None = None, limit: int = 1000) -> pl.DataFrame: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class ScannedLog:
    """What every backend of EventLog does the same way on top of its own ``scan`` and ``close``:
    ``read`` (a scan gathered into one frame) and the context manager."""

    def scan(
        self, where: EventFilter, *, columns: Sequence[str] | None = None, batch_rows: int = SCAN_BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def read(
        self,
        tenant: str,
        *,
        room_id: str | None = None,
        stream_id: str | None = None,
        kinds: Sequence[str] | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> pl.DataFrame:
        """Events of one tenant in event-time order (ties in arrival order), as one frame."""
        where = event_filter(
            tenant, room_id=room_id, stream_id=stream_id, kinds=kinds, start_ms=start_ms, end_ms=end_ms
        )
        parts = list(self.scan(where, batch_rows=1_000_000))
        return pl.concat(parts, rechunk=False) if parts else empty_log_frame()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def event_filter(
    tenant: str,
    *,
    room_id: str | None = None,
    stream_id: str | None = None,
    kinds: Sequence[str] | None = None,
    start_ms: int | None = None,
    end_ms: int | None = None,
    ingested_since_ms: int | None = None,
) -> EventFilter:
    """An EventFilter from keyword arguments (kinds as a tuple)."""
    return EventFilter(
        tenant, room_id, stream_id, tuple(kinds) if kinds is not None else None, start_ms, end_ms,
        ingested_since_ms,
    )  # fmt: skip


def filter_sql(f: EventFilter, param: Callable[[str], str], kind_in: str) -> tuple[str, dict[str, Any]]:
    """The SQL condition of an EventFilter and its parameters, for a backend whose placeholder for a
    parameter ``name`` is ``param(name)`` and whose "kind among the list ``kinds``" is ``kind_in``."""
    clauses = [f"tenant = {param('tenant')}"]
    params: dict[str, Any] = {"tenant": f.tenant}
    for name in ("room_id", "stream_id"):
        value = getattr(f, name)
        if value is not None:
            clauses.append(f"{name} = {param(name)}")
            params[name] = value
    if f.kinds is not None:
        clauses.append(kind_in)
        params["kinds"] = list(f.kinds)
    for column, name, op in (
        ("ts_ms", "start_ms", ">="),
        ("ts_ms", "end_ms", "<"),
        ("ingest_ms", "ingested_since_ms", ">="),
    ):
        value = getattr(f, name)
        if value is not None:
            clauses.append(f"{column} {op} {param(name)}")
            params[name] = value
    return " AND ".join(clauses), params


def empty_log_frame(columns: Sequence[str] | None = None) -> pl.DataFrame:
    names = LOG_COLUMNS if columns is None else tuple(columns)
    return pl.DataFrame(schema={c: LOG_SCHEMA[c] for c in names})


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """The frame in EVENT_SCHEMA column order and types; a missing column is a programming error."""
    missing = [c for c in EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise TypeError(f"append: frame lacks columns {missing}")
    return df.select([pl.col(c).cast(POLARS_SCHEMA[c], strict=True) for c in EVENT_COLUMNS])


def first_of_each_key(df: pl.DataFrame) -> pl.Series:
    """True for the first row of each (tenant, platform, msg_id) in the batch: the first arrival wins."""
    if df.height < 2:
        return pl.Series("first", [True] * df.height, dtype=pl.Boolean)
    # Distinct msg_id hashes imply distinct keys: one pass over 64-bit numbers, ~10x cheaper than
    # hashing the struct of strings. A repeat (or a hash collision) takes the exact way.
    if df["msg_id"].hash().n_unique() == df.height:
        return pl.Series("first", [True], dtype=pl.Boolean).new_from_index(0, df.height)
    return df.select(pl.struct(*DEDUP_COLUMNS).is_first_distinct().alias("first")).to_series()
