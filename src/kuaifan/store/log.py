"""The event log contract: what every store (DuckDB embedded, PostgreSQL server) provides.

An append-only log of canonical events plus ``ingest_ms`` (arrival time). Events are
deduplicated on ``(tenant, platform, msg_id)``: the first arrival wins, later copies are
counted as duplicates, both inside one batch and across batches and runs. Everything a
source refused lands in the dead-letter table with its reason and raw payload.

Every read is scoped by tenant. Reads come back ordered by event time (``ts_ms``), ties in
arrival order, because late and out-of-order events are normal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, Protocol, Self, TypedDict

import polars as pl

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter

if TYPE_CHECKING:
    from kuaifan.config import Settings

DEDUP_COLUMNS: Final = ("tenant", "platform", "msg_id")
# Columns of a read: the canonical event plus its arrival time.
LOG_COLUMNS: Final = (*EVENT_COLUMNS, "ingest_ms")
LOG_SCHEMA: Final[dict[str, pl.DataType]] = {**POLARS_SCHEMA, "ingest_ms": pl.Int64()}
# What a comment classifier said about a comment text (kuaifan.text.Comment), kept per tenant and
# tagger (a fingerprint of the classifier and its lexicon) and joined to comment events on read.
# ``comment_link_no`` is the link the comment named ("3号链接"), not the event's own link_no.
TAG_SCHEMA: Final[dict[str, pl.DataType]] = {
    "intent": pl.String(),
    "height_cm": pl.Int64(),
    "weight_kg": pl.Float64(),
    "size": pl.String(),
    "color": pl.String(),
    "comment_link_no": pl.Int64(),
    "confidence": pl.Float64(),
    "sentiment": pl.Float64(),
    "spam": pl.Boolean(),
}
DEAD_LETTER_SCHEMA: Final[dict[str, pl.DataType]] = {
    "id": pl.Int64(),
    "tenant": pl.String(),
    "source": pl.String(),
    "line": pl.Int64(),
    "reason": pl.String(),
    "raw": pl.String(),
    "received_ms": pl.Int64(),
}


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
    """The filters every read/export accepts; ``start_ms`` inclusive, ``end_ms`` exclusive."""

    tenant: str
    room_id: str | None = None
    stream_id: str | None = None
    kinds: tuple[str, ...] | None = None
    start_ms: int | None = None
    end_ms: int | None = None


class EventStore(Protocol):
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

    def read(
        self,
        tenant: str,
        *,
        room_id: str | None = None,
        stream_id: str | None = None,
        kinds: Sequence[str] | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        tagger: str | None = None,
    ) -> pl.DataFrame:
        """Events in time order; with ``tagger``, plus the TAG_SCHEMA columns that tagger stored for
        comment texts (null for other kinds and for texts it has not tagged)."""
        ...

    def stats(self, tenant: str | None = None) -> StoreStats: ...

    def last_event_ms(self, tenant: str) -> int | None:
        """The latest event time of a tenant (None: no events)."""
        ...

    def untagged_texts(self, tenant: str, tagger: str, *, since_ms: int = 0) -> tuple[list[str], int | None]:
        """Distinct comment texts ingested at or after ``since_ms`` that ``tagger`` has not tagged,
        and the latest ``ingest_ms`` of the tenant's events at or after ``since_ms`` (the next
        ``since_ms``; None if there are none)."""
        ...

    def add_comment_tags(self, tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        """Store tags (``text`` + TAG_SCHEMA columns) of texts not tagged yet; return rows added."""
        ...

    def add_product_names(self, tenant: str, names: Mapping[str, str]) -> int:
        """Remember product names (product id → name, e.g. 商品名称 of an order export); a later
        name for the same product replaces the earlier one. Returns how many were given."""
        ...

    def product_names(self, tenant: str) -> dict[str, str]:
        """The product names known for a tenant (product id → name)."""
        ...

    def dead_letters(self, tenant: str | None = None, limit: int = 1000) -> pl.DataFrame: ...

    def export(
        self,
        path: Path,
        tenant: str,
        *,
        room_id: str | None = None,
        stream_id: str | None = None,
        kinds: Sequence[str] | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        tagger: str | None = None,
    ) -> int: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """The frame in EVENT_SCHEMA column order and types; a missing column is a programming error."""
    missing = [c for c in EVENT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"append: frame lacks columns {missing}")
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


def open_store(settings: Settings, *, memory_limit: str | None = None) -> EventStore:
    """The store the settings name: the embedded DuckDB file under KUAIFAN_HOME."""
    from kuaifan.store.duckdb import DEFAULT_MEMORY_LIMIT, DuckStore

    return DuckStore(settings.db_path, memory_limit=memory_limit or DEFAULT_MEMORY_LIMIT)
