"""The DuckDB log's inserts: events deduplicated on their key, and comment tags, inside the caller's
transaction (``DuckStore`` holds the locks and the transaction; see its module doc for the choices).

Two ways to find which rows the file holds already:

- **indexed** (up to ``INDEXED_ROWS`` rows: pushes, the server's group commits): the keys are
  computed here, the per-process ``KeyIndex`` says which are certainly new, and only the others are
  joined against the table — so an append does not read every stored key;
- **joined** (file ingests): the keys are computed by DuckDB and the whole batch is joined against
  the key column in one pass, which is cheaper per row for large batches.

Comment tags are kept the same way, keyed by (tenant, tagger, text). Index updates are returned as
callbacks to run after the commit: an index holds only what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from kuaifan.events import EVENT_COLUMNS, now_ms
from kuaifan.store.caches import encode_tags
from kuaifan.store.keyindex import U64, KeyIndex, SharedIndex, keys_of

INDEXED_ROWS: Final = 8192  # larger appends (file ingests) join against the log: cheaper per row there
KEY_SQL: Final = "md5_number(tenant || chr(31) || platform || chr(31) || msg_id)"
_TAG_KEY_SQL: Final = "md5_number(tenant || chr(31) || tagger || chr(31) || text)"
_HALVES: Final = "({k} >> 64)::UBIGINT AS hi, ({k} & 18446744073709551615::UHUGEINT)::UBIGINT AS lo"
_FROM_HALVES: Final = "((kf_hi::UHUGEINT << 64) | kf_lo::UHUGEINT)"

# Joined: each batch row's key once (into a temp table, in batch order), the positions of rows whose
# key the log already holds (a semi-join: DuckDB builds the hash table on the batch's keys and
# streams the log's key column), then the others inserted.
_KEYS: Final = f"CREATE OR REPLACE TEMP TABLE kf_keys AS SELECT {KEY_SQL} AS key, kf_pos FROM kf_batch"
_STORED: Final = (
    "SELECT k.kf_pos FROM kf_keys AS k WHERE EXISTS (SELECT 1 FROM events AS e WHERE e.key = k.key)"
)
_INSERT: Final = (
    f"INSERT INTO events SELECT k.key, {', '.join(f'b.{c}' for c in EVENT_COLUMNS)}, $ingest_ms "
    "FROM kf_batch AS b POSITIONAL JOIN kf_keys AS k"
)
_INSERT_NEW: Final = f"{_INSERT} WHERE NOT EXISTS (SELECT 1 FROM kf_stored AS s WHERE s.kf_pos = b.kf_pos)"
# Indexed: keys as (hi, lo) columns from Python.
_CHECK_EVENTS: Final = (
    "SELECT c.kf_pos FROM kf_check AS c WHERE EXISTS "
    f"(SELECT 1 FROM events AS e WHERE e.key = {_FROM_HALVES.replace('kf_', 'c.kf_')})"
)
_INSERT_KEYED: Final = (
    f"INSERT INTO events SELECT {_FROM_HALVES}, {', '.join(EVENT_COLUMNS)}, $ingest_ms FROM kf_batch"
)
_CHECK_TAGS: Final = """
SELECT c.kf_pos FROM kf_check AS c WHERE EXISTS (
  SELECT 1 FROM text_tags AS t WHERE t.tenant = $tenant AND t.tagger = $tagger AND t.text = c.text
)
"""
_INSERT_TAGS: Final = "INSERT INTO text_tags SELECT $tenant, $tagger, text, tags FROM kf_tags"

AfterCommit = list[Callable[[], None]]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible to SQL as ``name`` for the block. After a failed statement the transaction
    is aborted and cannot unregister: the caller rolls back, and the next ``register`` of the name
    replaces the view."""
    con.register(name, table)
    try:
        yield
    finally:
        with suppress(duckdb.TransactionException):
            con.unregister(name)


def _index(con: duckdb.DuckDBPyConnection, table: str, key_sql: str) -> KeyIndex:
    count = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    reader = con.sql(f"SELECT {_HALVES.format(k=key_sql)} FROM {table}").to_arrow_reader(1 << 20)
    parts = ((rb.column(0).to_numpy(), rb.column(1).to_numpy()) for rb in reader if rb.num_rows)
    return KeyIndex.of(parts, count)


def event_index(con: duckdb.DuckDBPyConnection, shared: SharedIndex) -> KeyIndex:
    """The index of stored event keys, built from one scan of the key column when first needed."""
    if shared.events is None:
        shared.events = _index(con, "events", "key")
    return shared.events


def tag_index(con: duckdb.DuckDBPyConnection, shared: SharedIndex) -> KeyIndex:
    if shared.tags is None:
        shared.tags = _index(con, "text_tags", _TAG_KEY_SQL)
    return shared.tags


Mask = npt.NDArray[np.bool_]
Positions = npt.NDArray[np.intp]


def _held(index: KeyIndex, hi: U64, lo: U64, ask: Callable[[Positions], Mask]) -> Mask:
    """True for the keys stored already: the recent ones from memory, the other possible ones by
    ``ask`` (given the positions in doubt, it marks those the table holds)."""
    held = np.zeros(len(hi), np.bool_)
    maybe = np.flatnonzero(index.filter.may_contain(hi, lo))
    if maybe.size:
        known = np.array(index.known(hi[maybe], lo[maybe]), np.bool_)
        held[maybe[known]] = True
        unsure = maybe[~known]
        if unsure.size:  # an old redelivery or a false positive: ask the table
            held[ask(unsure)] = True
    return held


def _query_positions(con: duckdb.DuckDBPyConnection, check: pa.Table, sql: str, **params: str) -> Positions:
    with registered(con, "kf_check", check):
        found: Positions = con.sql(sql, params=params or None).to_arrow_table().column(0).to_numpy()
    return found


def insert_indexed(
    con: duckdb.DuckDBPyConnection, batch: pl.DataFrame, shared: SharedIndex, after: AfterCommit
) -> pl.Series:
    """Insert the rows of ``batch`` (with ``kf_pos``, no repeated key) that the log lacks; returns
    the positions of those it holds already."""
    index = event_index(con, shared)
    hi, lo = keys_of(batch["tenant"].to_list(), batch["platform"].to_list(), batch["msg_id"].to_list())
    pos = batch["kf_pos"].to_numpy()

    def ask(unsure: Positions) -> Mask:
        check = pa.table({"kf_pos": pos[unsure], "kf_hi": hi[unsure], "kf_lo": lo[unsure]})
        return np.isin(pos, _query_positions(con, check, _CHECK_EVENTS))

    held = _held(index, hi, lo, ask)
    fresh = ~held
    if fresh.any():
        new = batch if not held.any() else batch.filter(pl.Series(fresh))
        table = new.with_columns(
            pl.Series("kf_hi", hi[fresh], dtype=pl.UInt64), pl.Series("kf_lo", lo[fresh], dtype=pl.UInt64)
        ).to_arrow(compat_level=pl.CompatLevel.newest())
        with registered(con, "kf_batch", table):
            con.execute(_INSERT_KEYED, {"ingest_ms": now_ms()}).fetchall()
        added_hi, added_lo = hi[fresh], lo[fresh]
        after.append(lambda: index.add(added_hi, added_lo))
    return pl.Series("kf_pos", pos[held], dtype=pl.UInt32)


def insert_joined(
    con: duckdb.DuckDBPyConnection, batch: pl.DataFrame, shared: SharedIndex, after: AfterCommit
) -> pl.Series:
    """Like ``insert_indexed`` for large batches: one semi-join against the key column."""
    with registered(con, "kf_batch", batch.to_arrow(compat_level=pl.CompatLevel.newest())):
        con.execute(_KEYS)
        got = con.sql(_STORED).to_arrow_table().column(0).to_numpy()
        stored = pl.Series("kf_pos", got, dtype=pl.UInt32)
        if stored.len():
            with registered(con, "kf_stored", stored.to_frame().to_arrow()):
                con.execute(_INSERT_NEW, {"ingest_ms": now_ms()}).fetchall()
        else:
            con.execute(_INSERT, {"ingest_ms": now_ms()}).fetchall()
        index = shared.events
        if index is not None:  # keep an index that exists up to date
            keys = con.sql(f"SELECT kf_pos, {_HALVES.format(k='key')} FROM kf_keys").to_arrow_table()
            fresh = ~np.isin(keys.column(0).to_numpy(), got)
            added_hi, added_lo = keys.column(1).to_numpy()[fresh], keys.column(2).to_numpy()[fresh]
            after.append(lambda: index.add(added_hi, added_lo))
        con.execute("DROP TABLE kf_keys")
    return stored


def insert_tags(
    con: duckdb.DuckDBPyConnection,
    tenant: str,
    tagger: str,
    tags: pl.DataFrame,
    shared: SharedIndex,
    after: AfterCommit,
) -> int:
    """Keep the tags (``text`` + tag columns) of texts ``tagger`` has not tagged yet; rows added."""
    frame = encode_tags(tags)
    if frame.height == 0:
        return 0
    index = tag_index(con, shared)
    texts = frame["text"].to_list()
    n = len(texts)
    hi, lo = keys_of([tenant] * n, [tagger] * n, texts)

    def ask(unsure: Positions) -> Mask:
        check = pa.table({"kf_pos": unsure, "text": pa.array([texts[i] for i in unsure], pa.string())})
        found = _query_positions(con, check, _CHECK_TAGS, tenant=tenant, tagger=tagger)
        out = np.zeros(n, np.bool_)
        out[found] = True
        return out

    fresh = ~_held(index, hi, lo, ask)
    if not fresh.any():
        return 0
    new = frame if fresh.all() else frame.filter(pl.Series(fresh))
    with registered(con, "kf_tags", new.to_arrow()):
        con.execute(_INSERT_TAGS, {"tenant": tenant, "tagger": tagger}).fetchall()
    added_hi, added_lo = hi[fresh], lo[fresh]
    after.append(lambda: index.add(added_hi, added_lo))
    return new.height
