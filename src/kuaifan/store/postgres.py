"""The server-mode event log: PostgreSQL, ``KUAIFAN_STORE_URL=postgresql://USER[:PASSWORD]@HOST:PORT/DB``.

Several processes may write at once (``kuaifan serve`` on several machines, ``kuaifan ingest`` while
it runs): dedup is a unique index on ``(tenant, platform, msg_id)``, and an append inserts with
``ON CONFLICT DO NOTHING … RETURNING``, so the rows it reports as new are the rows it stored, whatever
the other writers did. Inside one batch the first arrival wins before anything is sent.

- appends: the batch goes to a temporary table by ``COPY … (FORMAT csv)`` (polars writes the CSV),
  then one ``INSERT … SELECT … ORDER BY pos`` moves it into the log; ``seq`` (an identity column)
  records the arrival order that breaks ties of event time;
- scans: ``COPY (SELECT … ORDER BY ts_ms, seq) TO STDOUT`` streamed and cut into polars frames of
  ``batch_rows`` rows; memory stays one batch, and the one statement reads one snapshot, so writers
  go on meanwhile (measured against a server-side cursor in ``benchmarks/bench_store.py``);
- indexes: ``(tenant, ts_ms, seq)`` for reads by time, ``(tenant, room_id, stream_id, ts_ms, seq)``
  for one room (the server warms a room from it), a BRIN index on ``ingest_ms`` for "what arrived
  since" (comment tagging), all text in the "C" collation (byte order, as DuckDB);
- the schema is created on first open (under an advisory lock: several processes may open a new
  database at once).

PostgreSQL text cannot hold U+0000: a NUL character in any text is stored as U+FFFD (�).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from kuaifan.errors import StoreError
from kuaifan.events import EVENT_COLUMNS, INT_FIELDS, DeadLetter, now_ms
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
from kuaifan.store.caches import TagRows, decode_tags, encode_tags

SCHEMA_VERSION: Final = "1"
COPY_ROWS: Final = 65_536  # rows per CSV chunk sent to COPY (bounds the text held at once)
CONNECT_TIMEOUT_S: Final = 10
WRITER_WORK_MEM: Final = "64MB"
_SCHEMA_LOCK: Final = 0x6B7566616E  # advisory lock id ("kufan") taken while creating the schema
_NUL: Final = "\x00"
_NUL_STAND_IN: Final = "\ufffd"


def _col(name: str) -> str:
    return f"{name} bigint" if name in INT_FIELDS else f'{name} text COLLATE "C"'


_NOT_NULL: Final = frozenset({"kind", "tenant", "platform", "ts_ms", "msg_id"})
_EVENT_DDL: Final = ",\n  ".join(_col(c) + (" NOT NULL" if c in _NOT_NULL else "") for c in EVENT_COLUMNS)
_COLS: Final = ", ".join(EVENT_COLUMNS)
_DDL: Final = f"""
CREATE TABLE IF NOT EXISTS kuaifan_meta (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  {_EVENT_DDL},
  ingest_ms bigint NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (tenant, platform, msg_id);
CREATE INDEX IF NOT EXISTS events_time ON events (tenant, ts_ms, seq);
CREATE INDEX IF NOT EXISTS events_room ON events (tenant, room_id, stream_id, ts_ms, seq);
CREATE INDEX IF NOT EXISTS events_arrival ON events USING brin (ingest_ms);
CREATE TABLE IF NOT EXISTS dead_letter (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant text COLLATE "C",
  source text NOT NULL,
  line bigint,
  reason text NOT NULL,
  raw text NOT NULL,
  received_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letter_tenant ON dead_letter (tenant, id);
CREATE TABLE IF NOT EXISTS product_names (
  tenant text COLLATE "C" NOT NULL,
  item text COLLATE "C" NOT NULL,
  name text NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY (tenant, item)
);
CREATE TABLE IF NOT EXISTS text_tags (
  tenant text COLLATE "C" NOT NULL,
  tagger text COLLATE "C" NOT NULL,
  text text COLLATE "C" NOT NULL,
  tags text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS text_tags_key ON text_tags (tenant, tagger, md5(text));
INSERT INTO kuaifan_meta VALUES ('schema_version', '{SCHEMA_VERSION}')
  ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
"""
# Per connection, emptied at each commit: the batch of an append and the tags of a cache write.
_TEMP_DDL: Final = f"""
CREATE TEMP TABLE IF NOT EXISTS kf_batch (pos bigint NOT NULL, {_EVENT_DDL}) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS kf_tags (text text COLLATE "C" NOT NULL, tags text NOT NULL)
  ON COMMIT DELETE ROWS;
"""
_COPY_BATCH: Final = f"COPY kf_batch (pos, {_COLS}) FROM STDIN (FORMAT csv)"
# The rows this statement stored, by their batch position: RETURNING names only rows it inserted,
# so a key another writer stored first (or stores meanwhile) is not among them.
_INSERT_NEW: Final = f"""
WITH ins AS (
  INSERT INTO events ({_COLS}, ingest_ms)
  SELECT {_COLS}, %(now)s FROM kf_batch ORDER BY pos
  ON CONFLICT (tenant, platform, msg_id) DO NOTHING
  RETURNING tenant, platform, msg_id
)
SELECT b.pos FROM kf_batch AS b JOIN ins USING (tenant, platform, msg_id)
"""
_LOOKUP_TAGS: Final = """
SELECT t.text, t.tags FROM unnest(%(texts)s::text[]) AS w(text)
JOIN text_tags AS t ON t.tenant = %(tenant)s AND t.tagger = %(tagger)s
  AND md5(t.text) = md5(w.text) AND t.text = w.text
"""
_ADD_TAGS: Final = """
INSERT INTO text_tags (tenant, tagger, text, tags) SELECT %(tenant)s, %(tagger)s, text, tags FROM kf_tags
ON CONFLICT (tenant, tagger, md5(text)) DO NOTHING
"""
_ADD_NAMES: Final = """
INSERT INTO product_names (tenant, item, name, updated_ms)
SELECT %(tenant)s, u.item, u.name, %(now)s FROM unnest(%(items)s::text[], %(names)s::text[]) AS u(item, name)
ON CONFLICT (tenant, item) DO UPDATE SET name = EXCLUDED.name, updated_ms = EXCLUDED.updated_ms
"""


def display_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"


class PgStore(ScannedLog):
    """EventLog on a PostgreSQL database; ``tags`` and ``names`` are the caches in the same database.

    One connection writes (appends are serialised in this process by a lock; other processes write
    through their own); reads take a connection from a small pool of their own, so a long scan
    neither blocks nor is blocked by appends. A connection that breaks (the server restarted) is
    replaced on the next call; the call that saw it break raises StoreError.
    """

    tags: PgTagCache
    names: PgNameCache

    def __init__(
        self, url: str, *, read_only: bool = False, connect_timeout_s: int = CONNECT_TIMEOUT_S
    ) -> None:
        self.url = url
        self.where = display_url(url)
        self.read_only = read_only
        self._timeout = connect_timeout_s
        self._lock = threading.Lock()
        self._pool_lock = threading.Lock()
        self._idle: list[psycopg.Connection[Any]] = []
        self._closed = False
        self._con: psycopg.Connection[Any] | None = None
        try:
            self._create_schema()
        except BaseException:
            self.close()
            raise
        self.tags = PgTagCache(self)
        self.names = PgNameCache(self)

    def _create_schema(self) -> None:
        """Create the tables on first open. A store of this schema version is left as it is, so a
        role with only the rights to read and write rows (no CREATE) can use a prepared database."""
        with self._lock:
            con = self._writer_connection()
            with self._errors(), con.transaction():
                version = _schema_version(con)
                if version != SCHEMA_VERSION and not self.read_only:
                    con.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
                    con.execute(_DDL)
                    return
        if version is None:
            raise StoreError(
                f"数据库 {self.where} 里还没有 kuaifan 事件库（先用可写方式打开一次）",
                f"the database {self.where} holds no kuaifan store yet (open it once for writing)",
                path=self.where,
            )

    # -- connections ---------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            con = psycopg.connect(
                self.url, autocommit=True, connect_timeout=self._timeout, client_encoding="UTF8",
                application_name="kuaifan",
            )  # fmt: skip
        except psycopg.OperationalError as exc:
            raise connect_error(self.where, self.url, exc) from None
        if self.read_only:
            con.execute("SET default_transaction_read_only = on")
        return con

    def _writer_connection(self) -> psycopg.Connection[Any]:
        """The writing connection (caller holds ``_lock``), replaced if it broke."""
        if self._closed:
            raise StoreError("事件库已关闭", "the store is closed", path=self.where)
        if self._con is None or self._con.closed or self._con.broken:
            self._con = self._connect()
            if not self.read_only:
                with self._errors():
                    # An append sorts and joins its batch (up to ~250k rows): in memory, not on disk.
                    self._con.execute(f"SET work_mem = '{WRITER_WORK_MEM}'")
                    self._con.execute(_TEMP_DDL)
        return self._con

    @contextlib.contextmanager
    def _writer(self) -> Iterator[psycopg.Connection[Any]]:
        if self.read_only:
            raise StoreError(
                f"事件库 {self.where} 以只读方式打开，不能写入",
                f"the store {self.where} was opened read-only: no writes",
                path=self.where,
            )
        with self._lock, self._errors():
            yield self._writer_connection()

    @contextlib.contextmanager
    def _reader(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled reading connection; returned to the pool only when it is idle and healthy."""
        with self._pool_lock:
            if self._closed:
                raise StoreError("事件库已关闭", "the store is closed", path=self.where)
            con = self._idle.pop() if self._idle else None
        if con is None or con.closed or con.broken:
            con = self._connect()
        ok = False
        try:
            with self._errors():
                yield con
            ok = True
        finally:
            healthy = (
                ok and not con.broken and con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            )
            with self._pool_lock:
                if healthy and not self._closed and len(self._idle) < 4:
                    self._idle.append(con)
                    con = None
            if con is not None:
                con.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """A lost connection or a server that cannot write becomes a StoreError (zh + en)."""
        try:
            yield
        except (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege,
                psycopg.errors.ReadOnlySqlTransaction) as exc:  # fmt: skip
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"PostgreSQL 事件库 {self.where} 读写失败：{reason}",
                f"PostgreSQL store {self.where}: read/write failed: {reason}",
                path=self.where,
            ) from None

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
        return self.append_tagged(df, ())

    def append_tagged(self, df: pl.DataFrame, tags: Sequence[TagRows]) -> pl.Series:
        """``append_new`` and ``tags.add`` of each ``TagRows`` in one transaction (one commit)."""
        rows = conform(df).with_row_index("kf_pos")
        first = first_of_each_key(rows)
        batch = _without_nul(rows if first.all() else rows.filter(first))
        with self._writer() as con, con.transaction(), con.cursor() as cur:
            stored = pl.Series("pos", [], dtype=pl.UInt32)
            if batch.height:
                with cur.copy(_COPY_BATCH) as copy:
                    for start in range(0, batch.height, COPY_ROWS):
                        part = batch.slice(start, COPY_ROWS)
                        copy.write(part.write_csv(include_header=False, quote_style="non_numeric").encode())
                cur.execute(_INSERT_NEW, {"now": now_ms()})
                stored = pl.Series("pos", [r[0] for r in cur.fetchall()], dtype=pl.UInt32)
            for t in tags:
                self.tags.add_in(cur, t.tenant, t.tagger, t.tags)
        if df.height == 0:
            return pl.Series("new", [], dtype=pl.Boolean)
        if stored.len() == batch.height:
            return first.alias("new")
        return (first & rows["kf_pos"].is_in(stored)).alias("new")

    def add_dead_letters(self, items: Sequence[DeadLetter]) -> int:
        if not items:
            return 0
        received = now_ms()
        with (
            self._writer() as con,
            con.transaction(),
            con.cursor() as cur,
            cur.copy("COPY dead_letter (tenant, source, line, reason, raw, received_ms) FROM STDIN") as copy,
        ):
            for d in items:
                copy.write_row(
                    (
                        _clean(d.tenant),
                        _clean(d.source),
                        d.line,
                        _clean(d.reason),
                        _clean(d.raw),
                        received,
                    )
                )
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
        query = sql.SQL(
            "COPY (SELECT {} FROM events WHERE {} ORDER BY ts_ms, seq) TO STDOUT (FORMAT csv)"
        ).format(sql.SQL(", ").join(map(sql.Identifier, names)), sql.SQL(clause))
        with self._reader() as con, con.cursor() as cur, cur.copy(query, params) as copy:
            lines: list[bytes] = []
            for data in copy:  # one CopyData message per row
                lines.append(bytes(data))
                if len(lines) >= batch_rows:
                    yield _csv_frame(lines, schema)
                    lines = []
            if lines:
                yield _csv_frame(lines, schema)

    def stats(self, tenant: str | None = None) -> StoreStats:
        where, params = ("tenant = %(tenant)s", {"tenant": tenant}) if tenant is not None else ("true", {})
        with self._reader() as con:
            by_kind_rows = con.execute(
                f"SELECT kind, count(*) FROM events WHERE {where} GROUP BY kind ORDER BY kind", params
            ).fetchall()
            dead = con.execute(f"SELECT count(*) FROM dead_letter WHERE {where}", params).fetchone()
        by_kind = {str(k): int(n) for k, n in by_kind_rows}
        return {
            "events": sum(by_kind.values()),
            "by_kind": by_kind,
            "dead_letter": int(dead[0]) if dead else 0,
        }

    def last_event_ms(self, tenant: str) -> int | None:
        with self._reader() as con:
            got = con.execute("SELECT max(ts_ms) FROM events WHERE tenant = %s", [tenant]).fetchone()
        return None if got is None or got[0] is None else int(got[0])

    def dead_letters(self, tenant: str | None = None, limit: int = 1000) -> pl.DataFrame:
        where, params = ("tenant = %(tenant)s", {"tenant": tenant}) if tenant is not None else ("true", {})
        cols = ", ".join(DEAD_LETTER_SCHEMA)
        query = f"SELECT {cols} FROM dead_letter WHERE {where} ORDER BY id LIMIT %(limit)s"
        with self._reader() as con:
            rows = con.execute(query, {**params, "limit": limit}).fetchall()
        return pl.DataFrame(rows, schema=DEAD_LETTER_SCHEMA, orient="row")

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for con in idle:
            con.close()
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None


@dataclass(frozen=True, slots=True)
class PgTagCache:
    """TagCache in the store's database: one JSON object of tags per (tenant, tagger, text)."""

    store: PgStore

    def lookup(
        self, tenant: str, tagger: str, texts: Sequence[str], schema: Mapping[str, pl.DataType]
    ) -> pl.DataFrame:
        empty = pl.DataFrame(schema={"text": pl.String(), **dict(schema)})
        if not texts:
            return empty
        wanted = list(dict.fromkeys(_clean(t) for t in texts))
        with self.store._reader() as con:
            rows = con.execute(_LOOKUP_TAGS, {"texts": wanted, "tenant": tenant, "tagger": tagger}).fetchall()
        got = pl.DataFrame(rows, schema={"text": pl.String(), "tags": pl.String()}, orient="row")
        return decode_tags(got, schema) if got.height else empty

    def add(self, tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        if tags.height == 0:
            return 0
        with self.store._writer() as con, con.transaction(), con.cursor() as cur:
            return self.add_in(cur, tenant, tagger, tags)

    def add_in(self, cur: psycopg.Cursor[Any], tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        """``add`` inside the caller's transaction (``PgStore.append_tagged``)."""
        if tags.height == 0:
            return 0
        frame = _without_nul(encode_tags(tags))
        with cur.copy("COPY kf_tags (text, tags) FROM STDIN (FORMAT csv)") as copy:
            copy.write(frame.write_csv(include_header=False, quote_style="non_numeric").encode())
        cur.execute(_ADD_TAGS, {"tenant": tenant, "tagger": tagger})
        return max(cur.rowcount, 0)


@dataclass(frozen=True, slots=True)
class PgNameCache:
    """NameCache in the store's database: the latest name per (tenant, product)."""

    store: PgStore

    def add(self, tenant: str, names: Mapping[str, str]) -> int:
        rows = {_clean(str(k)): _clean(str(v)) for k, v in names.items() if k and v}
        if not rows:
            return 0
        params = {"tenant": tenant, "now": now_ms(), "items": list(rows), "names": list(rows.values())}
        with self.store._writer() as con, con.transaction():
            con.execute(_ADD_NAMES, params)
        return len(rows)

    def get(self, tenant: str) -> dict[str, str]:
        with self.store._reader() as con:
            rows = con.execute(
                "SELECT item, name FROM product_names WHERE tenant = %s ORDER BY item", [tenant]
            ).fetchall()
        return {str(item): str(name) for item, name in rows}


def _schema_version(con: psycopg.Connection[Any]) -> str | None:
    exists = con.execute("SELECT to_regclass('kuaifan_meta') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return None
    got = con.execute("SELECT value FROM kuaifan_meta WHERE name = 'schema_version'").fetchone()
    return str(got[0]) if got else None


def _where(f: EventFilter) -> tuple[str, dict[str, Any]]:
    return filter_sql(f, lambda name: f"%({name})s", "kind = ANY(%(kinds)s::text[])")


def _csv_frame(lines: list[bytes], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    # COPY's CSV: NULL is an empty unquoted field, an empty string is "" (polars reads both so).
    return pl.read_csv(
        io.BytesIO(b"".join(lines)), has_header=False, new_columns=list(schema), schema=dict(schema)
    )


def _clean(value: str | None) -> str | None:
    return value.replace(_NUL, _NUL_STAND_IN) if value is not None and _NUL in value else value


def _without_nul(df: pl.DataFrame) -> pl.DataFrame:
    texts = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(pl.col(texts).str.replace_all(_NUL, _NUL_STAND_IN, literal=True))


def connect_error(where: str, url: str, exc: psycopg.OperationalError) -> StoreError:
    """A failed connection, told as what the user can fix: the server, the login or the database."""
    text = str(exc)
    info: dict[str, Any] = {}
    with contextlib.suppress(psycopg.ProgrammingError):
        info = conninfo_to_dict(url)
    user, db = info.get("user", ""), info.get("dbname", "")
    server = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}"
    if (
        "password authentication failed" in text
        or "no password supplied" in text
        or ("role" in text and "does not exist" in text)
    ):
        zh = f"PostgreSQL 拒绝了用户 {user} 的登录（{where}）：密码错误或没有这个用户；检查 KUAIFAN_STORE_URL"
        en = (
            f"PostgreSQL refused the login of user {user} ({where}): wrong password or no such user; "
            "check KUAIFAN_STORE_URL"
        )
    elif "database" in text and "does not exist" in text:
        zh = f"PostgreSQL 服务器 {server} 上没有数据库 {db}：先创建它（createdb {db}）"
        en = f"the PostgreSQL server {server} has no database {db}: create it first (createdb {db})"
    elif (
        "Connection refused" in text
        or "failed to resolve host" in text
        or "timeout expired" in text
        or ("could not connect" in text or "No such file or directory" in text)
    ):
        zh = f"无法连接 PostgreSQL 服务器 {server}（{where}）：服务器是否在运行、地址和端口是否正确？"
        en = f"cannot reach the PostgreSQL server {server} ({where}): is it running, are host and port right?"
    else:
        reason = text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
        zh = f"无法打开 PostgreSQL 事件库 {where}：{reason}"
        en = f"cannot open the PostgreSQL store {where}: {reason}"
    return StoreError(zh, en, path=where)
