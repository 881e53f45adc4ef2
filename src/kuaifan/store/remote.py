"""The store of a running ``kuaifan serve``, reached from a command on the same machine.

DuckDB lets one process open a file for writing, and a running server holds it. So a command that
finds the server's run file (``$KUAIFAN_HOME/serve.json``: pid, URL, a secret) uses the server's own
store through its local link (``/v1/local/store/…``, loopback only, the secret in a header): the
same ``Store`` interface, so ``kuaifan ingest``, ``stats``, ``export`` and ``signals`` run their usual
code and print what they print without a server. Appends go through the server's write path (the
same lock as the pushes, and the live rooms it holds see the new events); reads stream Arrow.

Anyone who can read the run file can read the store file itself, so the secret grants no more than
the file would. ``kuaifan.testing.check_store`` runs over this class too.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx
import orjson
import polars as pl

from kuaifan.errors import (
    AuthError,
    ConfigError,
    InputError,
    KuaifanError,
    NotFoundError,
    StoreError,
)
from kuaifan.events import DeadLetter
from kuaifan.store.base import (
    SCAN_BATCH_ROWS,
    AppendResult,
    EventFilter,
    ScannedLog,
    StoreStats,
    conform,
)
from kuaifan.store.caches import TagRows
from kuaifan.store.wire import (
    ARROW_STREAM,
    LINK_HEADER,
    filter_to_json,
    frame_to_ipc,
    ipc_to_frame,
    log_schema,
    read_ipc_batches,
    schema_to_text,
)

PREFIX: Final = "/v1/local/store"
# Rows per append sent to the server: each holds the server's write lock while it runs, so a live push
# waits for at most one of them (measured 0.05-0.4 s on DuckDB on a loaded 2-core machine,
# benchmarks/bench_link.py). 50,000-row appends gave no better ingest rate (0.84x direct, against
# 0.87x with 20,000) and hold the lock about 2.5 times as long.
APPEND_ROWS: Final = 20_000
TIMEOUT_S: Final = 600.0
_ERRORS: Final[dict[str, type[KuaifanError]]] = {
    c.code: c for c in (StoreError, InputError, ConfigError, NotFoundError, AuthError)
}


class RemoteStore(ScannedLog):
    """EventLog (with ``tags`` and ``names``) of the server at ``url``; ``secret`` from its run file."""

    tags: RemoteTagCache
    names: RemoteNameCache

    def __init__(self, url: str, secret: str, *, timeout_s: float = TIMEOUT_S) -> None:
        self.url = url
        self._http = httpx.Client(
            base_url=url + PREFIX,
            headers={LINK_HEADER: secret},
            timeout=httpx.Timeout(timeout_s, connect=5.0),
        )
        self.tags = RemoteTagCache(self)
        self.names = RemoteNameCache(self)

    # -- the link ------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise self._lost(exc) from None
        if r.status_code >= 400:
            raise self._error(r)
        return r

    def _lost(self, exc: Exception) -> StoreError:
        return StoreError(
            f"正在运行的 kuaifan serve（{self.url}）没有响应：{exc}",
            f"the running kuaifan serve ({self.url}) stopped answering: {exc}",
            path=self.url,
        )

    def _error(self, r: httpx.Response) -> KuaifanError:
        try:
            e = r.json()["error"]
            cls = _ERRORS.get(str(e["code"]), StoreError)
            return cls(str(e["message_zh"]), str(e["message_en"]), **dict(e.get("details") or {}))
        except (ValueError, KeyError, TypeError):
            return StoreError(
                f"kuaifan serve（{self.url}）返回了 HTTP {r.status_code}",
                f"kuaifan serve ({self.url}) answered HTTP {r.status_code}",
                path=self.url,
            )

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        return orjson.loads(self._send(method, path, **kw).content)

    # -- writing -------------------------------------------------------------------------------

    def append(self, df: pl.DataFrame) -> AppendResult:
        new = self.append_new(df)
        accepted = int(new.sum())
        return AppendResult(accepted=accepted, duplicates=df.height - accepted)

    def append_new(self, df: pl.DataFrame) -> pl.Series:
        rows = conform(df)  # a frame without every column is refused here, as by every store
        masks: list[pl.Series] = []
        for start in range(0, rows.height, APPEND_ROWS):
            part = rows.slice(start, APPEND_ROWS)
            r = self._send(
                "POST", "/append", content=frame_to_ipc(part), headers={"content-type": ARROW_STREAM}
            )
            masks.append(ipc_to_frame(r.content).to_series().alias("new"))
        return pl.concat(masks) if masks else pl.Series("new", [], dtype=pl.Boolean)

    def append_tagged(self, df: pl.DataFrame, tags: Sequence[TagRows]) -> pl.Series:
        """The events, then the tags (two calls: the commands that use this link never need the two
        committed together; the server's own write path does, and it holds the store itself)."""
        new = self.append_new(df)
        for t in tags:
            self.tags.add(t.tenant, t.tagger, t.tags)
        return new

    def add_dead_letters(self, items: Sequence[DeadLetter]) -> int:
        if not items:
            return 0
        body = [
            {"source": d.source, "reason": d.reason, "raw": d.raw, "line": d.line, "tenant": d.tenant}
            for d in items
        ]
        return int(self._json("POST", "/dead-letters", content=orjson.dumps(body))["added"])

    # -- reading -------------------------------------------------------------------------------

    def scan(
        self, where: EventFilter, *, columns: Sequence[str] | None = None, batch_rows: int = SCAN_BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        schema = log_schema(columns)
        body = {"filter": filter_to_json(where), "columns": list(schema), "batch_rows": batch_rows}
        try:
            with self._http.stream("POST", "/scan", content=orjson.dumps(body)) as r:
                if r.status_code >= 400:
                    r.read()
                    raise self._error(r)
                yield from read_ipc_batches(_body(r.iter_raw()), schema)
        except httpx.HTTPError as exc:
            raise self._lost(exc) from None
        except OSError as exc:  # pyarrow: the stream ended early (the server failed mid-scan)
            raise self._lost(exc) from None

    def stats(self, tenant: str | None = None) -> StoreStats:
        got = self._json("GET", "/stats", params={"tenant": tenant} if tenant is not None else {})
        return {
            "events": int(got["events"]),
            "by_kind": dict(got["by_kind"]),
            "dead_letter": int(got["dead_letter"]),
        }

    def last_event_ms(self, tenant: str) -> int | None:
        got = self._json("GET", "/last-event", params={"tenant": tenant})["ts_ms"]
        return None if got is None else int(got)

    def dead_letters(self, tenant: str | None = None, limit: int = 1000) -> pl.DataFrame:
        params: dict[str, Any] = {"limit": limit, **({"tenant": tenant} if tenant is not None else {})}
        return ipc_to_frame(self._send("GET", "/dead-letters", params=params).content)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()


@dataclass(frozen=True, slots=True)
class RemoteTagCache:
    store: RemoteStore

    def lookup(
        self, tenant: str, tagger: str, texts: Sequence[str], schema: Mapping[str, pl.DataType]
    ) -> pl.DataFrame:
        body = {"tenant": tenant, "tagger": tagger, "texts": list(texts), "schema": schema_to_text(schema)}
        got = ipc_to_frame(self.store._send("POST", "/tags/lookup", content=orjson.dumps(body)).content)
        return got.select([pl.col("text").cast(pl.String), *(pl.col(c).cast(t) for c, t in schema.items())])

    def add(self, tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        if tags.height == 0:
            return 0
        r = self.store._send(
            "POST", "/tags/add", params={"tenant": tenant, "tagger": tagger}, content=frame_to_ipc(tags),
            headers={"content-type": ARROW_STREAM},
        )  # fmt: skip
        return int(orjson.loads(r.content)["added"])


@dataclass(frozen=True, slots=True)
class RemoteNameCache:
    store: RemoteStore

    def add(self, tenant: str, names: Mapping[str, str]) -> int:
        body = {"tenant": tenant, "names": {str(k): str(v) for k, v in names.items()}}
        return int(self.store._json("POST", "/names", content=orjson.dumps(body))["kept"])

    def get(self, tenant: str) -> dict[str, str]:
        got = self.store._json("GET", "/names", params={"tenant": tenant})
        return {str(k): str(v) for k, v in got["names"].items()}


class _ResponseReader(io.RawIOBase):
    """A file-like view of a streamed response body (what pyarrow's IPC reader reads from)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self._at >= len(self._buf):
            try:
                self._buf, self._at = next(self._chunks), 0
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf) - self._at)
        b[:n] = self._buf[self._at : self._at + n]
        self._at += n
        return n


def _body(chunks: Iterator[bytes]) -> io.BufferedReader:
    """Reads of exactly the size asked for (or to the end), as the IPC reader expects."""
    return io.BufferedReader(_ResponseReader(chunks), buffer_size=1 << 16)
