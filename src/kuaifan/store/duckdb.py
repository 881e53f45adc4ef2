"""The embedded event log: one DuckDB file under KUAIFAN_HOME.

Dedup: each row carries ``key = md5_number(tenant ␟ platform ␟ msg_id)`` (128-bit UHUGEINT)
and an append inserts only keys the log does not hold yet, found with one semi-join of the
batch against the key column. Measured choices (DuckDB 2.0, one thread):

- no PRIMARY KEY: DuckDB keeps its ART index wholly in memory (~64 bytes per key, counted
  against memory_limit and not evictable: a 300 MB limit ran out after a few million events)
  and inserts through it ran at ~150-200 k rows/s against ~500 k rows/s for the join;
- the hashed key rather than joining on the three strings: the dedup scan at 10 M stored
  events took 0.7 s per 250 k-row batch instead of 1.1 s, for 16 bytes more per event on disk.

The join streams the key column and builds its hash table on the batch, so memory stays
bounded by the batch. Its cost grows with the log: one pass over the stored keys per append,
about 3 µs per appended event at 10 M stored events; logs far larger than that belong in the
server mode's PostgreSQL, whose B-tree index does not live in RAM.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from kuaifan.errors import InputError, StoreError
from kuaifan.events import EVENT_COLUMNS, EVENT_SCHEMA, DeadLetter, now_ms
from kuaifan.store.log import (
    DEAD_LETTER_SCHEMA,
    LOG_COLUMNS,
    LOG_SCHEMA,
    TAG_SCHEMA,
    AppendResult,
    EventFilter,
    StoreStats,
    conform,
    first_of_each_key,
)

# DuckDB keeps freshly written blocks cached up to this limit; 256 MB keeps a 5 GB ingest under
# 1 GB of RSS (benchmarks/bench_ingest_memory.py). Callers that run big queries can raise it.
DEFAULT_MEMORY_LIMIT: Final = "256MB"
SCHEMA_VERSION: Final = "1"
_KEY_SQL: Final = "md5_number(tenant || chr(31) || platform || chr(31) || msg_id)"
_EXPORT_BATCH_ROWS: Final = 100_000


_TAG_SQL: Final = {"String": "VARCHAR", "Int64": "BIGINT", "Float64": "DOUBLE", "Boolean": "BOOLEAN"}
_TAG_ARROW: Final = {
    "String": pa.string(),
    "Int64": pa.int64(),
    "Float64": pa.float64(),
    "Boolean": pa.bool_(),
}


def _sql_type(t: pa.DataType) -> str:
    return "BIGINT" if pa.types.is_integer(t) else "VARCHAR"


_EVENT_DDL: Final = ",\n  ".join(
    f"{f.name} {_sql_type(f.type)}{'' if f.nullable else ' NOT NULL'}" for f in EVENT_SCHEMA
)
_TAG_DDL: Final = ",\n  ".join(f"{n} {_TAG_SQL[str(t)]}" for n, t in TAG_SCHEMA.items())
_DDL: Final = f"""
CREATE TABLE IF NOT EXISTS kuaifan_meta (name VARCHAR NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  key UHUGEINT NOT NULL,
  {_EVENT_DDL},
  ingest_ms BIGINT NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS dead_letter_seq;
CREATE TABLE IF NOT EXISTS dead_letter (
  id BIGINT NOT NULL DEFAULT nextval('dead_letter_seq'),
  tenant VARCHAR,
  source VARCHAR NOT NULL,
  line BIGINT,
  reason VARCHAR NOT NULL,
  raw VARCHAR NOT NULL,
  received_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS product_names (
  tenant VARCHAR NOT NULL,
  item VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS comment_tags (
  tenant VARCHAR NOT NULL,
  tagger VARCHAR NOT NULL,
  text VARCHAR NOT NULL,
  {_TAG_DDL}
);
"""
# An append computes each batch row's key once (into a temp table, in batch order), finds the
# positions of rows whose key the log already holds (a semi-join: DuckDB builds the hash table on
# the batch's keys and streams the log's key column), then inserts the others.
_KEYS: Final = f"CREATE OR REPLACE TEMP TABLE kf_keys AS SELECT {_KEY_SQL} AS key, kf_pos FROM kf_batch"
_STORED: Final = (
    "SELECT k.kf_pos FROM kf_keys AS k WHERE EXISTS (SELECT 1 FROM events AS e WHERE e.key = k.key)"
)
_INSERT: Final = (
    f"INSERT INTO events SELECT k.key, {', '.join(f'b.{c}' for c in EVENT_COLUMNS)}, $ingest_ms "
    "FROM kf_batch AS b POSITIONAL JOIN kf_keys AS k"
)
_INSERT_NEW: Final = f"{_INSERT} WHERE NOT EXISTS (SELECT 1 FROM kf_stored AS s WHERE s.kf_pos = b.kf_pos)"
_UNTAGGED: Final = """
SELECT DISTINCT e.text FROM events AS e
WHERE e.tenant = $tenant AND e.kind = 'comment' AND e.text IS NOT NULL AND e.ingest_ms >= $since
  AND NOT EXISTS (
    SELECT 1 FROM comment_tags AS t WHERE t.tenant = $tenant AND t.tagger = $tagger AND t.text = e.text
  )
"""
_ADD_TAGS: Final = f"""
INSERT INTO comment_tags SELECT $tenant, $tagger, n.text, {", ".join(f"n.{c}" for c in TAG_SCHEMA)}
FROM (SELECT DISTINCT ON (text) * FROM kf_tags) AS n
WHERE NOT EXISTS (
  SELECT 1 FROM comment_tags AS t WHERE t.tenant = $tenant AND t.tagger = $tagger AND t.text = n.text
)
"""
_LOCK_PID = re.compile(r"PID (\d+)")


class DuckStore:
    """EventStore on one DuckDB file (``":memory:"`` for a throw-away store).

    One connection, guarded by a lock: DuckDB allows a single writing process per file, and
    the dedup check and the insert must not interleave between threads.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        memory_limit: str = DEFAULT_MEMORY_LIMIT,
        threads: int | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = path if path == ":memory:" else Path(path)
        config: dict[str, Any] = {"memory_limit": memory_limit}
        if threads is not None:
            config["threads"] = threads
        target = str(self.path)
        if isinstance(self.path, Path) and not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"无法创建事件库目录 {self.path.parent}：{exc.strerror}",
                    f"cannot create the store directory {self.path.parent}: {exc.strerror}",
                    path=str(self.path),
                ) from None
        try:
            self._con = duckdb.connect(target, read_only=read_only, config=config)
        except duckdb.Error as exc:
            raise _open_error(target, exc) from None
        # No progress bar: DuckDB would draw it on our stdout during long statements.
        self._con.execute("SET enable_progress_bar = false")
        self._lock = threading.Lock()
        self._closed = False
        if not read_only:
            with self._lock:
                self._con.execute(_DDL)
                if self._con.execute("SELECT count(*) FROM kuaifan_meta").fetchall() == [(0,)]:
                    self._con.execute(
                        "INSERT INTO kuaifan_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
                    )

    # -- writing -------------------------------------------------------------------------------

    def append(self, df: pl.DataFrame) -> AppendResult:
        """Append validated rows; return how many were new and how many were duplicates."""
        new = self.append_new(df)
        accepted = int(new.sum())
        return AppendResult(accepted=accepted, duplicates=df.height - accepted)

    def append_new(self, df: pl.DataFrame) -> pl.Series:
        """Append validated rows; True for each row stored now, False for a duplicate."""
        if df.height == 0:
            return pl.Series("new", [], dtype=pl.Boolean)
        rows = conform(df).with_row_index("kf_pos")
        first = first_of_each_key(rows)
        batch = rows if first.all() else rows.filter(first)  # filtering copies: only on a repeat
        with self._lock, _store_errors(self.path), self._transaction():
            self._con.register("kf_batch", batch.to_arrow(compat_level=pl.CompatLevel.newest()))
            try:
                self._con.execute(_KEYS)
                stored = _frame(self._con.sql(_STORED).to_arrow_table(), {"kf_pos": pl.UInt32()})["kf_pos"]
                if stored.len():
                    self._con.register("kf_stored", stored.to_frame().to_arrow())
                    self._con.execute(_INSERT_NEW, {"ingest_ms": now_ms()}).fetchall()
                    self._con.unregister("kf_stored")
                else:
                    self._con.execute(_INSERT, {"ingest_ms": now_ms()}).fetchall()
                self._con.execute("DROP TABLE kf_keys")
            finally:
                self._con.unregister("kf_batch")
        return (first & ~rows["kf_pos"].is_in(stored)).alias("new") if stored.len() else first.alias("new")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def add_dead_letters(self, items: Sequence[DeadLetter]) -> int:
        if not items:
            return 0
        received = now_ms()
        table = pa.table(
            {
                "tenant": pa.array([d.tenant for d in items], pa.string()),
                "source": pa.array([d.source for d in items], pa.string()),
                "line": pa.array([d.line for d in items], pa.int64()),
                "reason": pa.array([d.reason for d in items], pa.string()),
                "raw": pa.array([d.raw for d in items], pa.string()),
            }
        )
        with self._lock, _store_errors(self.path):
            self._con.register("kf_dead", table)
            try:
                self._con.execute(
                    "INSERT INTO dead_letter (tenant, source, line, reason, raw, received_ms) "
                    "SELECT tenant, source, line, reason, raw, $received FROM kf_dead",
                    {"received": received},
                )
            finally:
                self._con.unregister("kf_dead")
        return len(items)

    # -- reading -------------------------------------------------------------------------------

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
        """Events of one tenant in event-time order (ties in arrival order); with ``tagger``, the
        comment tags it stored joined on."""
        sql, params = _select(_filter(tenant, room_id, stream_id, kinds, start_ms, end_ms), tagger)
        with self._lock, _store_errors(self.path):
            table = self._con.sql(sql, params=params).to_arrow_table()
        return _frame(table, {**LOG_SCHEMA, **TAG_SCHEMA} if tagger is not None else LOG_SCHEMA)

    def stats(self, tenant: str | None = None) -> StoreStats:
        where, params = ("tenant = $tenant", {"tenant": tenant}) if tenant is not None else ("true", {})
        with self._lock, _store_errors(self.path):
            by_kind_rows = self._con.execute(
                f"SELECT kind, count(*) FROM events WHERE {where} GROUP BY kind ORDER BY kind", params
            ).fetchall()
            dead = self._con.execute(f"SELECT count(*) FROM dead_letter WHERE {where}", params).fetchall()
        by_kind = {str(k): int(n) for k, n in by_kind_rows}
        return {
            "events": sum(by_kind.values()),
            "by_kind": by_kind,
            "dead_letter": int(dead[0][0]),
        }

    def last_event_ms(self, tenant: str) -> int | None:
        with self._lock, _store_errors(self.path):
            got = self._con.execute(
                "SELECT max(ts_ms) FROM events WHERE tenant = $tenant", {"tenant": tenant}
            )
            value = got.fetchall()[0][0]
        return None if value is None else int(value)

    # -- comment tags ----------------------------------------------------------------------------

    def untagged_texts(self, tenant: str, tagger: str, *, since_ms: int = 0) -> tuple[list[str], int | None]:
        params = {"tenant": tenant, "tagger": tagger, "since": since_ms}
        with self._lock, _store_errors(self.path):
            # only rows at or after the watermark: ingest_ms grows with the log, so zone maps skip the rest
            latest = self._con.execute(
                "SELECT max(ingest_ms) FROM events WHERE tenant = $tenant AND ingest_ms >= $since",
                {"tenant": tenant, "since": since_ms},
            ).fetchall()[0][0]
            texts = self._con.sql(_UNTAGGED, params=params).to_arrow_table().column("text").to_pylist()
        return [str(x) for x in texts], None if latest is None else int(latest)

    def add_comment_tags(self, tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        if tags.height == 0:
            return 0
        frame = tags.select(
            pl.col("text").cast(pl.String), *[pl.col(c).cast(t) for c, t in TAG_SCHEMA.items()]
        )
        with self._lock, _store_errors(self.path), self._transaction():
            self._con.register("kf_tags", frame.to_arrow())
            try:
                added = self._con.execute(_ADD_TAGS, {"tenant": tenant, "tagger": tagger}).fetchall()
            finally:
                self._con.unregister("kf_tags")
        return int(added[0][0])

    # -- product names -------------------------------------------------------------------------

    def add_product_names(self, tenant: str, names: Mapping[str, str]) -> int:
        """Remember each product's name (the latest wins); return how many were given."""
        rows = {str(k): str(v) for k, v in names.items() if k and v}
        if not rows:
            return 0
        table = pa.table({"item": list(rows), "name": list(rows.values())})
        with self._lock, _store_errors(self.path), self._transaction():
            self._con.register("kf_names", table)
            try:
                params = {"tenant": tenant}
                self._con.execute(
                    "DELETE FROM product_names "
                    "WHERE tenant = $tenant AND item IN (SELECT item FROM kf_names)",
                    params,
                )
                self._con.execute(
                    "INSERT INTO product_names SELECT $tenant, item, name, $now FROM kf_names",
                    {**params, "now": now_ms()},
                )
            finally:
                self._con.unregister("kf_names")
        return len(rows)

    def product_names(self, tenant: str) -> dict[str, str]:
        with self._lock, _store_errors(self.path):
            known = self._con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'product_names'"
            ).fetchall()
            if known == [(0,)]:  # a store written before names were kept, opened read-only
                return {}
            rows = self._con.execute(
                "SELECT item, name FROM product_names WHERE tenant = $tenant ORDER BY item",
                {"tenant": tenant},
            ).fetchall()
        return {str(item): str(name) for item, name in rows}

    def dead_letters(self, tenant: str | None = None, limit: int = 1000) -> pl.DataFrame:
        where, params = ("tenant = $tenant", {"tenant": tenant}) if tenant is not None else ("true", {})
        sql = (
            f"SELECT {', '.join(DEAD_LETTER_SCHEMA)} FROM dead_letter WHERE {where} ORDER BY id LIMIT $limit"
        )
        with self._lock, _store_errors(self.path):
            table = self._con.sql(sql, params={**params, "limit": limit}).to_arrow_table()
        return _frame(table, DEAD_LETTER_SCHEMA)

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
    ) -> int:
        """Write the selected events (with ``tagger``: and their comment tags) to a Parquet file
        (streamed, atomic rename); return the row count."""
        sql, params = _select(_filter(tenant, room_id, stream_id, kinds, start_ms, end_ms), tagger)
        fields = [*EVENT_SCHEMA, pa.field("ingest_ms", pa.int64(), nullable=False)]
        if tagger is not None:
            fields += [pa.field(n, _TAG_ARROW[str(t)]) for n, t in TAG_SCHEMA.items()]
        schema = pa.schema(fields)
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        rows = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, _store_errors(self.path), pq.ParquetWriter(tmp, schema) as writer:
                reader: pa.RecordBatchReader = self._con.sql(sql, params=params).to_arrow_reader(
                    _EXPORT_BATCH_ROWS
                )
                for rb in reader:
                    writer.write_table(pa.Table.from_batches([rb]).cast(schema))
                    rows += rb.num_rows
            tmp.replace(path)
        except OSError as exc:
            with suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise InputError(
                f"无法写入导出文件 {path}：{exc.strerror or exc}",
                f"cannot write the export file {path}: {exc.strerror or exc}",
                path=str(path),
            ) from None
        return rows

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _filter(
    tenant: str,
    room_id: str | None,
    stream_id: str | None,
    kinds: Sequence[str] | None,
    start_ms: int | None,
    end_ms: int | None,
) -> EventFilter:
    if not tenant:
        raise InputError("读取事件必须指定租户", "every read must name a tenant")
    return EventFilter(
        tenant, room_id, stream_id, tuple(kinds) if kinds is not None else None, start_ms, end_ms
    )


def _select(f: EventFilter, tagger: str | None) -> tuple[str, dict[str, Any]]:
    """The SQL of a read or an export: the log's columns, and a tagger's comment tags joined on."""
    where, params = _where(f, prefix="e.")
    columns = ", ".join(f"e.{c}" for c in LOG_COLUMNS)
    source = "events AS e"
    if tagger is not None:
        columns += ", " + ", ".join(f"t.{c}" for c in TAG_SCHEMA)
        source += (
            " LEFT JOIN comment_tags AS t ON e.kind = 'comment' AND t.tenant = e.tenant"
            " AND t.tagger = $tagger AND t.text = e.text"
        )
        params["tagger"] = tagger
    return f"SELECT {columns} FROM {source} WHERE {where} ORDER BY e.ts_ms, e.rowid", params


def _where(f: EventFilter, prefix: str = "") -> tuple[str, dict[str, Any]]:
    p = prefix
    clauses = [f"{p}tenant = $tenant"]
    params: dict[str, Any] = {"tenant": f.tenant}
    for name in ("room_id", "stream_id"):
        value = getattr(f, name)
        if value is not None:
            clauses.append(f"{p}{name} = ${name}")
            params[name] = value
    if f.kinds is not None:
        clauses.append(f"list_contains($kinds, {p}kind)")
        params["kinds"] = list(f.kinds)
    if f.start_ms is not None:
        clauses.append(f"{p}ts_ms >= $start_ms")
        params["start_ms"] = f.start_ms
    if f.end_ms is not None:
        clauses.append(f"{p}ts_ms < $end_ms")
        params["end_ms"] = f.end_ms
    return " AND ".join(clauses), params


def _frame(table: pa.Table, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return df.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def _open_error(target: str, exc: duckdb.Error) -> StoreError:
    text = str(exc)
    if "lock" in text.lower():
        m = _LOCK_PID.search(text)
        who_zh = f"（进程 {m.group(1)}）" if m else ""
        who_en = f" (process {m.group(1)})" if m else ""
        return StoreError(
            f"事件库 {target} 正被另一个进程使用{who_zh}；请先停止它（例如正在运行的 kuaifan serve）再重试",
            f"the store {target} is in use by another process{who_en}; stop it "
            "(e.g. a running `kuaifan serve`) and try again",
            path=target,
        )
    return StoreError(
        f"无法打开事件库 {target}：{text}",
        f"cannot open the store {target}: {text}",
        path=target,
    )


class _store_errors:
    """Turn DuckDB I/O and memory failures during a statement into a StoreError (zh + en)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if isinstance(ev, duckdb.IOException | duckdb.OutOfMemoryException):
            raise StoreError(
                f"事件库 {self.path} 读写失败：{ev}",
                f"store {self.path}: read/write failed: {ev}",
                path=self.path,
            ) from None
