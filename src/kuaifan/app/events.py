"""Use cases on the stored log itself: counts (``kuaifan stats``) and exports (``kuaifan export``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from kuaifan.config import TextSettings
from kuaifan.errors import InputError
from kuaifan.events import EVENT_SCHEMA
from kuaifan.store import Store, event_filter

DEAD_LETTER_LIMIT = 10_000_000


class StatsReport(BaseModel):
    """``kuaifan stats --json`` and ``GET /v1/stats``."""

    model_config = ConfigDict(frozen=True)

    events: int
    by_kind: dict[str, int]
    dead_letter: int


class ExportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    rows: int
    content: Literal["events", "dead_letters"]


def stats(store: Store, tenant: str) -> StatsReport:
    return StatsReport.model_validate(store.stats(tenant))


def export(
    store: Store,
    out: Path,
    *,
    tenant: str,
    room: str | None = None,
    kinds: Sequence[str] | None = None,
    tags: TextSettings | None = None,
    dead_letter: bool = False,
) -> ExportResult:
    """Write a tenant's events (or its dead letters) as one Parquet file, streamed batch by batch and
    renamed into place when complete; with ``tags`` (the tenant's text settings), each comment's
    intent and attributes."""
    if dead_letter:
        df = store.dead_letters(tenant, limit=DEAD_LETTER_LIMIT)
        _write(out, [df.to_arrow()], df.to_arrow().schema)
        return ExportResult(path=str(out), rows=df.height, content="dead_letters")
    from kuaifan.signals.tags import with_tags
    from kuaifan.text.tagging import TAG_SCHEMA

    fields = [*EVENT_SCHEMA, pa.field("ingest_ms", pa.int64(), nullable=False)]
    if tags is not None:
        fields += list(pl.DataFrame(schema=TAG_SCHEMA).to_arrow().schema)
    schema = pa.schema(fields)
    tables = (
        (with_tags(store, tenant, part, tags) if tags is not None else part).to_arrow().cast(schema)
        for part in store.scan(event_filter(tenant, room_id=room, kinds=kinds))
    )
    rows = _write(out, tables, schema)
    return ExportResult(path=str(out), rows=rows, content="events")


def _write(out: Path, tables: Iterable[pa.Table], schema: pa.Schema) -> int:
    """Write Arrow tables to ``out`` through a ``.part`` file; the row count. InputError when the
    place cannot be written."""
    tmp = out.with_name(out.name + ".part")
    rows = 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(tmp, schema) as writer:
            for table in tables:
                writer.write_table(table)
                rows += table.num_rows
        tmp.replace(out)
    except OSError as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise InputError(
            f"无法写入导出文件 {out}：{exc.strerror or exc}",
            f"cannot write the export file {out}: {exc.strerror or exc}",
            path=str(out),
        ) from None
    return rows
