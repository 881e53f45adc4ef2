"""Helpers for the API tests: tenants, events, a real server on loopback and an SSE reader."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.config import Settings, TenantConfig, load_settings
from kuaifan.events import now_ms
from kuaifan.sources.gate import TenantGate
from kuaifan.store import Store
from kuaifan.store.duckdb import DuckStore

KEY_A = "acme-key-0123456789abcdef"
KEY_B = "beta-key-0123456789abcdef"
MIN = 60_000
# A recent minute boundary: events must not be older than 2015 nor more than 24 h ahead.
T0 = now_ms() // MIN * MIN - 30 * MIN
_seq = [0]


def write_settings(home: Path, extra: str = "") -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "kuaifan.toml").write_text(
        'default_tenant = "acme"\n\n'
        f'[tenants.acme]\napi_key = "{KEY_A}"\nsalt = "acme-salt-0123456789"\n{extra}\n'
        f'[tenants.beta]\napi_key = "{KEY_B}"\nsalt = "beta-salt-0123456789"\n',
        encoding="utf-8",
    )
    return load_settings({"KUAIFAN_HOME": str(home)})


def ev(kind: str, ts_ms: int, room: str = "r1", stream: str = "s1", **fields: Any) -> dict[str, Any]:
    """One event as a client would send it (no tenant: the API key decides)."""
    _seq[0] += 1
    out: dict[str, Any] = {
        "kind": kind, "platform": "sim", "room_id": room, "stream_id": stream, "channel": "store",
        "ts_ms": ts_ms, "msg_id": f"{room}-{stream}-{_seq[0]}",
    }  # fmt: skip
    out.update(fields)
    return out


def order(ts_ms: int, amount_fen: int, user: str = "u1", **kw: Any) -> dict[str, Any]:
    _seq[0] += 1
    return ev(
        "order_paid", ts_ms, sku_id=kw.pop("sku_id", "sku-1"), item_id=kw.pop("item_id", "item-1"),
        order_id=f"o{_seq[0]}", qty=1, amount_fen=amount_fen, user_key=user, **kw,
    )  # fmt: skip


@dataclass
class Api:
    settings: Settings
    store: Store
    server: BackgroundServer
    a: httpx.Client  # tenant acme
    b: httpx.Client  # tenant beta
    anon: httpx.Client

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, events: list[dict[str, Any]], client: httpx.Client | None = None) -> dict[str, Any]:
        r = (client or self.a).post("/v1/events", content=orjson.dumps(events))
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        return data


@contextmanager
def running_api(home: Path, store: Store | None = None, **app_kwargs: Any) -> Iterator[Api]:
    """A server on loopback over ``store`` (default: a DuckDB file in ``home``), closed after."""
    settings = write_settings(home)
    store = store if store is not None else DuckStore(home / "kuaifan.duckdb", threads=1)
    app = create_app(settings, store=store, **app_kwargs)
    with BackgroundServer(app) as server:
        clients = [
            httpx.Client(base_url=server.url, headers=h, timeout=20.0)
            for h in ({"X-API-Key": KEY_A}, {"X-API-Key": KEY_B}, {})
        ]
        try:
            yield Api(settings, store, server, *clients)
        finally:
            for c in clients:
                c.close()
    store.close()


class SseReader:
    """Reads one SSE stream in a thread; ``next(kind)`` returns the next message of that kind."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self._client = httpx.Client(timeout=httpx.Timeout(30.0, read=60.0))
        self._cm = self._client.stream("GET", url, headers=headers or {})
        self.response = self._cm.__enter__()
        self.messages: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self.ended = threading.Event()  # the server ended the stream
        if self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind, data = "message", []
        try:
            for line in self.response.iter_lines():
                if self._stop.is_set():
                    return
                if line == "":
                    if data:
                        self.messages.put((kind, orjson.loads("\n".join(data))))
                    kind, data = "message", []
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
            self.ended.set()
        except (httpx.HTTPError, RuntimeError):
            return

    def next(self, kind: str, timeout: float = 10.0, where: Any = None) -> Any:
        """The next message of ``kind`` (for which ``where(data)`` holds, when given)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {kind!r} message within {timeout} s")
            try:
                k, data = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if k == kind and (where is None or where(data)):
                return data

    def close(self) -> None:
        self._stop.set()
        self._cm.__exit__(None, None, None)
        self._client.close()


CFG = TenantConfig(api_key="k" * 16, salt="s" * 16)


def rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events as the intake checks them for tenant acme (what the hub is fed)."""
    out = []
    for e in events:
        checked = TenantGate.of("acme", CFG).admit(e)
        assert isinstance(checked, dict), checked
        out.append(checked)
    return out
