"""The run file of a ``kuaifan serve`` (``$KUAIFAN_HOME/serve.json``) and the commands that use it.

A running server holds its DuckDB file (one writing process per file). It writes this file once it
listens, and removes it when it stops: its pid, its URL, when it started, the store it holds and the
secret of its local link (``kuaifan.api.link``). A command of the same KUAIFAN_HOME that needs that
store (``open_store``) finds the server here and works through it instead of failing on the lock. The
file is readable by its owner only; whoever can read it could read the store file itself.

With PostgreSQL (``KUAIFAN_STORE_URL=postgresql://…``) nothing is held: commands open the store
themselves, server or not.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Final

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, ValidationError

from kuaifan.config import Settings
from kuaifan.events import now_ms
from kuaifan.store import shown_url

RUN_FILE: Final = "serve.json"
PING_TIMEOUT_S: Final = 5.0


class RunInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    pid: int
    url: str  # where a command on this machine reaches it (loopback)
    started_ms: int
    store_url: str  # the store it holds (KUAIFAN_STORE_URL or the DuckDB file; never a password)
    secret: str  # the local link's secret


def run_file(settings: Settings) -> Path:
    return settings.home / RUN_FILE


def new_run(settings: Settings, host: str, port: int) -> RunInfo:
    """The run file's content for a server about to listen on ``host:port``."""
    local = "127.0.0.1" if host in ("0.0.0.0", "", "localhost") else ("[::1]" if host == "::" else host)
    if ":" in local and not local.startswith("["):
        local = f"[{local}]"
    return RunInfo(
        pid=os.getpid(),
        url=f"http://{local}:{port}",
        started_ms=now_ms(),
        store_url=shown_url(settings.store_url),
        secret=secrets.token_urlsafe(32),
    )


def write_run_file(settings: Settings, info: RunInfo) -> Path:
    """Write the run file (owner-only), replacing the one of a server that is gone."""
    path = run_file(settings)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(orjson.dumps(info.model_dump(), option=orjson.OPT_INDENT_2))
    tmp.replace(path)
    return path


def remove_run_file(settings: Settings, info: RunInfo) -> None:
    """Remove the run file if it is still this server's."""
    found = read_run_file(settings)
    if found is not None and found.secret == info.secret:
        with contextlib.suppress(OSError):
            run_file(settings).unlink()


def read_run_file(settings: Settings) -> RunInfo | None:
    try:
        return RunInfo.model_validate(orjson.loads(run_file(settings).read_bytes()))
    except (OSError, orjson.JSONDecodeError, ValidationError):
        return None


def running_server(settings: Settings) -> RunInfo | None:
    """The server of this KUAIFAN_HOME that holds the settings' DuckDB store and answers on its local
    link, or None (no run file, another store, PostgreSQL, the process is gone, no answer)."""
    if not settings.store_url.startswith("duckdb:///"):
        return None
    info = read_run_file(settings)
    if info is None or info.store_url != shown_url(settings.store_url) or not _alive(info.pid):
        return None
    from kuaifan.store.remote import PREFIX
    from kuaifan.store.wire import LINK_HEADER

    try:
        r = httpx.get(f"{info.url}{PREFIX}/ping", headers={LINK_HEADER: info.secret}, timeout=PING_TIMEOUT_S)
    except httpx.HTTPError:
        return None
    return info if r.status_code == 200 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: not a server whose file we could use
        return False
    return True
