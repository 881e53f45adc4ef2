"""serve_demo: a server plus a replay thread, stopped cleanly."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from apihelpers import KEY_A, write_settings

from kuaifan.api.server import free_port, serve_demo
from kuaifan.sim import SimConfig, simulate


def test_serve_demo_replays_into_the_dashboard(tmp_path: Path) -> None:
    settings = write_settings(tmp_path / "home")
    sim_dir = tmp_path / "sim"
    simulate(
        SimConfig(seed=2, rooms=1, minutes=3, viewers=100, tenant="demo"), sim_dir
    )  # another tenant name
    port = free_port()
    ready: list[str] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve_demo(settings, sim_dir, "127.0.0.1", port, speed=600, on_ready=ready.append, stop=stop)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 30
        rooms: list[dict[str, object]] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": KEY_A}) as client:
            while time.monotonic() < deadline and not rooms:
                time.sleep(0.2)
                if ready:
                    rooms = client.get("/v1/rooms").json()["rooms"]
            assert ready == [f"http://127.0.0.1:{port}/#key={KEY_A}"]
            assert [r["room_id"] for r in rooms] == ["room-001"]
            assert str(rooms[0]["stream_id"]).count("~r") == 1  # a new broadcast, starting now
            assert client.get("/").status_code == 200
    finally:
        stop.set()
        t.join(30)
    assert not t.is_alive() and errors == []
