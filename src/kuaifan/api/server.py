"""Running the app: ``serve`` (blocking), ``BackgroundServer`` (a thread, for tests and the demo),
``serve_demo`` (a server plus a thread replaying a simulator directory into it, for a person to watch).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import uvicorn
from fastapi import FastAPI

from kuaifan.api.app import create_app
from kuaifan.api.errors import ListenError
from kuaifan.app.runfile import RunInfo, new_run, remove_run_file, write_run_file
from kuaifan.app.store import open_store
from kuaifan.config import Settings

GRACEFUL_S: Final = 3  # open SSE streams never finish on their own
log = logging.getLogger("kuaifan.api")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def dashboard_url(host: str, port: int, api_key: str | None = None) -> str:
    """The dashboard address; with a key, in the URL fragment (never sent to the server, read once by
    the page into sessionStorage and removed from the address bar)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}/"
    return f"{base}#key={api_key}" if api_key else base


class Server(uvicorn.Server):
    """uvicorn, ending the live streams first when it stops: they never finish on their own, and
    uvicorn would otherwise wait for them and then cancel them with an error in the log.
    ``on_started`` runs once it listens (``kuaifan serve`` writes its run file then)."""

    on_started: Callable[[], None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.on_started is not None:
            self.on_started()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        ctx = (
            getattr(self.config.app.state, "kuaifan", None) if isinstance(self.config.app, FastAPI) else None
        )
        if ctx is not None:
            ctx.service.close_streams()
        await super().shutdown(sockets)


def uvicorn_config(app: FastAPI, host: str, port: int, *, log_level: str = "info") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_S,
        lifespan="on",
    )


def _bind_error(host: str, port: int, exc: OSError) -> ListenError:
    return ListenError(
        f"无法监听 {host}:{port}：{exc.strerror or exc}（端口被占用？用 --port 换一个）",
        f"cannot listen on {host}:{port}: {exc.strerror or exc} (port in use? pick another with --port)",
    )


def check_port(host: str, port: int) -> None:
    """Fail with a clear message before uvicorn would (it exits the process on a bind error)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise _bind_error(host, port, exc) from None


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info") -> None:
    """Run ``kuaifan serve`` until interrupted. Once it listens, its run file lets commands of the same
    KUAIFAN_HOME use its store (``kuaifan.app.runfile``); the file goes when it stops."""
    check_port(host, port)
    # A locked or unreadable store fails here, with its own message.
    store = open_store(settings, through_server=False)
    run = new_run(settings, host, port)
    try:
        app = create_app(settings, store=store, link_secret=run.secret)
        server = Server(uvicorn_config(app, host, port, log_level=log_level))
        server.on_started = lambda: _announce(settings, run)
        server.run()
    finally:
        remove_run_file(settings, run)
        store.close()


def _announce(settings: Settings, run: RunInfo) -> None:
    try:
        write_run_file(settings, run)
    except OSError as exc:  # the server works without it; commands then meet the store's lock
        log.warning("cannot write the run file %s: %s", settings.home, exc)


class BackgroundServer:
    """uvicorn in a daemon thread; ``with BackgroundServer(app) as srv: srv.url``."""

    def __init__(
        self, app: FastAPI, host: str = "127.0.0.1", port: int | None = None, *, log_level: str = "warning"
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.server = Server(uvicorn_config(app, self.host, self.port, log_level=log_level))
        self._thread = threading.Thread(target=self.server.run, name="kuaifan-uvicorn", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 20.0) -> Self:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"server on {self.url} failed to start")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start within {timeout_s} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(GRACEFUL_S + 10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _exit_on(stop: threading.Event, server: uvicorn.Server) -> Callable[[], None]:
    def watch() -> None:
        while not server.should_exit:
            if stop.wait(0.1):
                server.should_exit = True

    return watch


def serve_demo(
    settings: Settings,
    sim_dir: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    speed: float = 60.0,
    *,
    loop: bool = True,
    on_ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
    stop: threading.Event | None = None,
) -> None:
    """Serve the dashboard and keep replaying ``sim_dir`` into it as new live broadcasts.

    Blocks until interrupted (Ctrl-C) or ``stop`` is set. ``on_ready(url)`` gets the dashboard URL
    (with the default tenant's key in the fragment) once the server listens. Each pass of the
    replay is a new broadcast starting now (``as_new``), so passes never collide with what the
    store holds; events are sent as the default tenant's.
    """
    from kuaifan.app.replay import as_new_broadcast, load_events, replay_events

    check_port(host, port)
    tenant, cfg = settings.tenant()
    events = [{**e, "tenant": tenant} for e in load_events([sim_dir])[0]]
    store = open_store(settings, through_server=False)
    run = new_run(settings, host, port)
    app = create_app(settings, store=store, link_secret=run.secret)
    server = Server(uvicorn_config(app, host, port, log_level=log_level))
    server.on_started = lambda: _announce(settings, run)
    stop = stop or threading.Event()
    errors: list[BaseException] = []

    def replay_forever() -> None:
        while not server.started:
            if stop.wait(0.05):
                return
        if on_ready is not None:
            on_ready(dashboard_url(host, port, cfg.api_key))
        local = f"http://127.0.0.1:{port}" if host in ("0.0.0.0", "::", "") else f"http://{host}:{port}"
        try:
            while not stop.is_set():
                batch = as_new_broadcast(events, int(time.time() * 1000))
                replay_events(batch, url=local, api_key=cfg.api_key, speed=speed, stop=stop)
                if not loop:
                    break
                stop.wait(5.0)
        except BaseException as exc:  # surfaced after the server stops
            errors.append(exc)
            server.should_exit = True

    worker = threading.Thread(target=replay_forever, name="kuaifan-demo-replay", daemon=True)
    worker.start()
    threading.Thread(target=_exit_on(stop, server), name="kuaifan-demo-stop", daemon=True).start()
    try:
        server.run()
    finally:
        stop.set()
        worker.join(10)
        remove_run_file(settings, run)
        store.close()
    if errors:
        raise errors[0]
