"""The server's side of the local link (``kuaifan.store.remote`` is the command's side): each store
call of a command on the same machine, answered from the server's own store.

Appends go through the live service (the pushes' lock, the live rooms); everything else goes to the
store, which is safe to call from several threads. Frames travel as Arrow IPC (``kuaifan.store.wire``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import polars as pl

from kuaifan.app.live import LiveService
from kuaifan.errors import InputError
from kuaifan.events import DeadLetter
from kuaifan.store import Store, StoreStats
from kuaifan.store.base import conform
from kuaifan.store.wire import (
    filter_from_json,
    frame_to_ipc,
    ipc_batches,
    ipc_to_frame,
    log_schema,
    schema_from_text,
)


def _bad(what: str, exc: Exception) -> InputError:
    return InputError(f"本地链路请求无效（{what}）：{exc}", f"invalid local link request ({what}): {exc}")


def _json(body: bytes, what: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise _bad(what, exc) from None


def _frame(body: bytes, what: str) -> pl.DataFrame:
    try:
        return ipc_to_frame(body)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise _bad(what, exc) from None


async def append(service: LiveService, body: bytes) -> bytes:
    """Arrow rows in; one Boolean per row out (True: stored now)."""
    try:
        rows = conform(_frame(body, "append"))
    except TypeError as exc:
        raise _bad("append", exc) from None
    mask = await service.append_stored(rows)
    return frame_to_ipc(mask.alias("new").to_frame())


async def add_dead_letters(service: LiveService, body: bytes) -> int:
    items = _json(body, "dead letters")
    try:
        letters = [
            DeadLetter(str(d["source"]), str(d["reason"]), str(d["raw"]), d.get("line"), d.get("tenant"))
            for d in items
        ]
    except (TypeError, KeyError) as exc:
        raise _bad("dead letters", exc) from None
    await service.dead_letter(letters)
    return len(letters)


def scan(store: Store, body: bytes) -> Iterator[bytes]:
    """The selected rows as an Arrow IPC stream, batch by batch. The request is checked before the
    first byte, so a bad one is an error answer, not a broken stream."""
    req = _json(body, "scan")
    try:
        where = filter_from_json(req["filter"])
        schema = log_schema(req.get("columns"))
        batch_rows = int(req.get("batch_rows") or 100_000)
    except (TypeError, KeyError, ValueError) as exc:
        raise _bad("scan", exc) from None
    if batch_rows < 1:
        raise _bad("scan", ValueError("batch_rows must be positive"))
    return ipc_batches(store.scan(where, columns=list(schema), batch_rows=batch_rows), schema)


def stats(store: Store, tenant: str | None) -> StoreStats:
    return store.stats(tenant)


def last_event_ms(store: Store, tenant: str) -> int | None:
    return store.last_event_ms(tenant)


def dead_letters(store: Store, tenant: str | None, limit: int) -> bytes:
    return frame_to_ipc(store.dead_letters(tenant, limit=limit))


def lookup_tags(store: Store, body: bytes) -> bytes:
    req = _json(body, "tags")
    try:
        schema = schema_from_text(str(req["schema"]))
        got = store.tags.lookup(
            str(req["tenant"]), str(req["tagger"]), [str(t) for t in req["texts"]], schema
        )
    except (TypeError, KeyError, ValueError) as exc:
        raise _bad("tags", exc) from None
    return frame_to_ipc(got)


def add_tags(store: Store, tenant: str, tagger: str, body: bytes) -> int:
    return store.tags.add(tenant, tagger, _frame(body, "tags"))


def add_names(store: Store, body: bytes) -> int:
    req = _json(body, "names")
    try:
        return store.names.add(str(req["tenant"]), {str(k): str(v) for k, v in dict(req["names"]).items()})
    except (TypeError, KeyError, ValueError) as exc:
        raise _bad("names", exc) from None


def names(store: Store, tenant: str) -> dict[str, str]:
    return store.names.get(tenant)
