"""How a store's frames, filters and schemas travel between a ``kuaifan serve`` and a command on the
same machine (``kuaifan.store.remote`` and the server's local link): frames as Arrow IPC streams
(columnar, no conversion of the values), filters and schemas as JSON."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import polars as pl
import pyarrow as pa

from kuaifan.store.base import LOG_SCHEMA, EventFilter

ARROW_STREAM: Final = "application/vnd.apache.arrow.stream"
# The header that carries the local link's secret (from the server's run file).
LINK_HEADER: Final = "X-Kuaifan-Link"


def frame_to_ipc(df: pl.DataFrame) -> bytes:
    """A frame as one Arrow IPC stream."""
    table = df.to_arrow(compat_level=pl.CompatLevel.oldest())
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def ipc_to_frame(data: bytes | memoryview) -> pl.DataFrame:
    """The frame of one Arrow IPC stream."""
    with pa.ipc.open_stream(pa.BufferReader(data)) as reader:
        table = reader.read_all()
    return _polars(table)


def ipc_batches(frames: Iterable[pl.DataFrame], schema: Mapping[str, pl.DataType]) -> Iterator[bytes]:
    """An Arrow IPC stream of ``frames`` in pieces, one per frame (the schema first, even when none)."""
    arrow_schema = pl.DataFrame(schema=dict(schema)).to_arrow(compat_level=pl.CompatLevel.oldest()).schema
    sink = io.BytesIO()
    writer = pa.ipc.new_stream(sink, arrow_schema)

    def take() -> bytes:
        out = sink.getvalue()
        sink.seek(0)
        sink.truncate()
        return out

    yield take()
    for df in frames:
        writer.write_table(df.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(arrow_schema))
        yield take()
    writer.close()
    yield take()


def read_ipc_batches(source: Any, schema: Mapping[str, pl.DataType]) -> Iterator[pl.DataFrame]:
    """The frames of an Arrow IPC stream read from a file-like ``source``, in ``schema``'s types."""
    with pa.ipc.open_stream(source) as reader:
        for batch in reader:
            if batch.num_rows:
                df = _polars(pa.Table.from_batches([batch]))
                yield df.select([pl.col(c).cast(t) for c, t in schema.items()])


def filter_to_json(f: EventFilter) -> dict[str, Any]:
    return {
        "tenant": f.tenant, "room_id": f.room_id, "stream_id": f.stream_id,
        "kinds": list(f.kinds) if f.kinds is not None else None, "start_ms": f.start_ms, "end_ms": f.end_ms,
        "ingested_since_ms": f.ingested_since_ms,
    }  # fmt: skip


def filter_from_json(data: Mapping[str, Any]) -> EventFilter:
    kinds = data.get("kinds")
    return EventFilter(
        str(data["tenant"]), data.get("room_id"), data.get("stream_id"),
        tuple(str(k) for k in kinds) if kinds is not None else None, data.get("start_ms"), data.get("end_ms"),
        data.get("ingested_since_ms"),
    )  # fmt: skip


def log_schema(columns: Sequence[str] | None) -> dict[str, pl.DataType]:
    """The schema of a scan of ``columns`` (all of LOG_COLUMNS when None); TypeError on an unknown one."""
    names = tuple(LOG_SCHEMA) if columns is None else tuple(columns)
    unknown = [c for c in names if c not in LOG_SCHEMA]
    if unknown:
        raise TypeError(f"scan: unknown columns {unknown}")
    return {c: LOG_SCHEMA[c] for c in names}


def schema_to_text(schema: Mapping[str, pl.DataType]) -> str:
    """A polars schema as text (its Arrow schema, serialised and base64'd)."""
    arrow = pl.DataFrame(schema=dict(schema)).to_arrow(compat_level=pl.CompatLevel.oldest()).schema
    return base64.b64encode(arrow.serialize().to_pybytes()).decode()


def schema_from_text(text: str) -> dict[str, pl.DataType]:
    arrow = pa.ipc.read_schema(pa.BufferReader(base64.b64decode(text)))
    return dict(_polars(arrow.empty_table()).schema)


def _polars(table: pa.Table) -> pl.DataFrame:
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return df
