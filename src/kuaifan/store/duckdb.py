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

A small append (a platform push, the server's group commit: up to ``INDEXED_ROWS`` rows) skips
that pass: a per-process index of the stored keys (``kuaifan.store.keyindex``: a Bloom filter and
the recent keys; 3-6 bytes per stored event) says which keys are certainly new, and only the
others are joined against the log. An append of 20 rows then costs one ``INSERT`` and its commit
(~4 ms, the fsync) instead of 16–45 ms at 0–1 M stored events.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import duckdb
import polars as pl
import pyarrow as pa

from kuaifan.errors import StoreError
from kuaifan.events import EVENT_SCHEMA, DeadLetter, now_ms
from kuaifan.store.base import (
    DEAD_LETTER_SCHEMA,
    LOG_COLUMNS,
    LOG_SCHEMA,
    SCAN_BATCH_ROWS,
    AppendResult,
    EventFilter,
    ScannedLog,
    StoreStats,
    conform,
    filter_sql,
    first_of_each_key,
)
from kuaifan.store.caches import TagRows, decode_tags
from kuaifan.store.duckdb_write import INDEXED_ROWS, insert_indexed, insert_joined, insert_tags
from kuaifan.store.keyindex import SharedIndex, release, shared_index

# DuckDB keeps freshly written blocks cached up to this limit; 256 MB keeps a 5 GB ingest under
# 1 GB of RSS (benchmarks/bench_ingest_memory.py). Callers that run big queries can raise it.
DEFAULT_MEMORY_LIMIT: Final = "256MB"
SCHEMA_VERSION: Final = "2"  # 2: comment tags as JSON in text_tags (comment_tags dropped)


def _sql_type(t: pa.DataType) -> str:
    return "BIGINT" if pa.types.is_integer(t) else "VARCHAR"


_EVENT_DDL: Final = ",\n  ".join(
    f"{f.name} {_sql_type(f.type)}{'' if f.nullable else ' NOT NULL'}" for f in EVENT_SCHEMA
)
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
CREATE TABLE IF NOT EXISTS text_tags (
  tenant VARCHAR NOT NULL,
  tagger VARCHAR NOT NULL,
  text VARCHAR NOT NULL,
  tags VARCHAR NOT NULL
);
DROP TABLE IF EXISTS comment_tags;
"""
_LOOKUP_TAGS: Final = """
SELECT t.text, t.tags FROM text_tags AS t
WHERE t.tenant = $tenant AND t.tagger = $tagger AND t.text IN (SELECT text FROM kf_texts)
"""
_LOCK_PID = re.compile(r"PID (\d+)")


class DuckStore(ScannedLog):
    """EventLog on one DuckDB file (``":memory:"`` for a throw-away store).

    One connection for writes, guarded by a lock: DuckDB allows a single writing process per file,
    and the dedup check and the insert must not interleave between threads. A scan reads through a
    cursor of its own, so it neither blocks nor is blocked by appends. ``tags`` and ``names`` are
    the caches kept in the same file.
    """

    tags: DuckTagCache
    names: DuckNameCache

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
        self.read_only = read_only
        if not read_only:
            with self._lock:
                self._con.execute(_DDL)
                if self._con.execute("SELECT count(*) FROM kuaifan_meta").fetchall() == [(0,)]:
                    self._con.execute(
                        "INSERT INTO kuaifan_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
                    )
                else:
                    self._con.execute(
                        "UPDATE kuaifan_meta SET value = ? WHERE name = 'schema_version'", [SCHEMA_VERSION]
                    )
        # Stores of one file in this process share the key index and its lock (DuckDB shares the
        # database between their connections); an in-memory database is each connection's own.
        self._index_key = "" if self.path == ":memory:" or read_only else str(Path(self.path).resolve())
        self._shared = shared_index(self._index_key) if self._index_key else SharedIndex()
        self.tags = DuckTagCache(self)
        self.names = DuckNameCache(self)

    # -- writing -------------------------------------------------------------------------------

    def append(self, df: pl.DataFrame) -> AppendResult:
        """Append validated rows; return how many were new and how many were duplicates."""
        new = self.append_new(df)
        accepted = int(new.sum())
        return AppendResult(accepted=accepted, duplicates=df.height - accepted)

    def append_new(self, df: pl.DataFrame) -> pl.Series:
        """Append validated rows; True for each row stored now, False for a duplicate."""
        return self.append_tagged(df, ())

    def append_tagged(self, df: pl.DataFrame, tags: Sequence[TagRows]) -> pl.Series:
        """``append_new`` and ``tags.add`` of each ``TagRows`` in one transaction (one commit)."""
        rows = conform(df).with_row_index("kf_pos")
        first = first_of_each_key(rows)
        batch = rows if first.all() else rows.filter(first)  # filtering copies: only on a repeat
        after: list[Callable[[], None]] = []
        stored = pl.Series("kf_pos", [], dtype=pl.UInt32)
        if df.height == 0 and not tags:
            return pl.Series("new", [], dtype=pl.Boolean)
        with self._shared.lock, self._lock, _store_errors(self.path), self._transaction():
            if batch.height:
                insert = insert_indexed if batch.height <= INDEXED_ROWS else insert_joined
                stored = insert(self._con, batch, self._shared, after)
            for t in tags:
                insert_tags(self._con, t.tenant, t.tagger, t.tags, self._shared, after)
        for update in after:  # committed: the indexes may hold the new keys now
            update()
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

    def scan(
        self, where: EventFilter, *, columns: Sequence[str] | None = None, batch_rows: int = SCAN_BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        """The selected rows in event-time order (ties in arrival order), ``batch_rows`` at a time."""
        names = LOG_COLUMNS if columns is None else tuple(columns)
        unknown = [c for c in names if c not in LOG_SCHEMA]
        if unknown:
            raise TypeError(f"scan: unknown columns {unknown}")
        schema = {c: LOG_SCHEMA[c] for c in names}
        clause, params = _where(where)
        sql = f"SELECT {', '.join(names)} FROM events WHERE {clause} ORDER BY ts_ms, rowid"
        with self._lock:
            cursor = self._con.cursor()  # its own connection to the same database
        try:
            with _store_errors(self.path):
                reader = cursor.sql(sql, params=params).to_arrow_reader(batch_rows)
                for rb in reader:
                    if rb.num_rows:
                        yield _frame(pa.Table.from_batches([rb]), schema)
        finally:
            cursor.close()

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

    def dead_letters(self, tenant: str | None = None, limit: int = 1000) -> pl.DataFrame:
        where, params = ("tenant = $tenant", {"tenant": tenant}) if tenant is not None else ("true", {})
        sql = (
            f"SELECT {', '.join(DEAD_LETTER_SCHEMA)} FROM dead_letter WHERE {where} ORDER BY id LIMIT $limit"
        )
        with self._lock, _store_errors(self.path):
            table = self._con.sql(sql, params={**params, "limit": limit}).to_arrow_table()
        return _frame(table, DEAD_LETTER_SCHEMA)

    # -- for the caches ------------------------------------------------------------------------

    def _has_table(self, name: str) -> bool:
        got = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = $name", {"name": name}
        ).fetchall()
        return got != [(0,)]

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._con.close()
                if self._index_key:
                    release(self._index_key, self._shared)


@dataclass(frozen=True, slots=True)
class DuckTagCache:
    """TagCache in the store's file: one JSON object of tags per (tenant, tagger, text)."""

    store: DuckStore

    def lookup(
        self, tenant: str, tagger: str, texts: Sequence[str], schema: Mapping[str, pl.DataType]
    ) -> pl.DataFrame:
        empty = pl.DataFrame(schema={"text": pl.String(), **dict(schema)})
        if not texts:
            return empty
        st = self.store
        wanted = pa.table({"text": pa.array(list(dict.fromkeys(texts)), pa.string())})
        with st._lock, _store_errors(st.path):
            if st.read_only and not st._has_table("text_tags"):
                return empty
            st._con.register("kf_texts", wanted)
            try:
                rows = st._con.sql(_LOOKUP_TAGS, params={"tenant": tenant, "tagger": tagger}).to_arrow_table()
            finally:
                st._con.unregister("kf_texts")
        got = _frame(rows, {"text": pl.String(), "tags": pl.String()})
        return decode_tags(got, schema) if got.height else empty

    def add(self, tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        if tags.height == 0:
            return 0
        st = self.store
        after: list[Callable[[], None]] = []
        with st._shared.lock, st._lock, _store_errors(st.path), st._transaction():
            added = insert_tags(st._con, tenant, tagger, tags, st._shared, after)
        for update in after:
            update()
        return added


@dataclass(frozen=True, slots=True)
class DuckNameCache:
    """NameCache in the store's file: the latest name per (tenant, product)."""

    store: DuckStore

    def add(self, tenant: str, names: Mapping[str, str]) -> int:
        rows = {str(k): str(v) for k, v in names.items() if k and v}
        if not rows:
            return 0
        table = pa.table({"item": list(rows), "name": list(rows.values())})
        st = self.store
        with st._lock, _store_errors(st.path), st._transaction():
            st._con.register("kf_names", table)
            try:
                params = {"tenant": tenant}
                st._con.execute(
                    "DELETE FROM product_names "
                    "WHERE tenant = $tenant AND item IN (SELECT item FROM kf_names)",
                    params,
                )
                st._con.execute(
                    "INSERT INTO product_names SELECT $tenant, item, name, $now FROM kf_names",
                    {**params, "now": now_ms()},
                )
            finally:
                st._con.unregister("kf_names")
        return len(rows)

    def get(self, tenant: str) -> dict[str, str]:
        st = self.store
        with st._lock, _store_errors(st.path):
            if not st._has_table("product_names"):  # a store written before names were kept, read-only
                return {}
            rows = st._con.execute(
                "SELECT item, name FROM product_names WHERE tenant = $tenant ORDER BY item",
                {"tenant": tenant},
            ).fetchall()
        return {str(item): str(name) for item, name in rows}


def _where(f: EventFilter) -> tuple[str, dict[str, Any]]:
    return filter_sql(f, lambda name: f"${name}", "list_contains($kinds, kind)")


def _frame(table: pa.Table, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
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
