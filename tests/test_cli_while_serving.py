"""`kuaifan ingest`, `stats`, `export` and `signals` while a real `kuaifan serve` holds the DuckDB file:
they work through the server's local link and print what they print without a server."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import httpx
import orjson
import polars as pl
import pytest

from clirun import run_cli
from kuaifan.app.runfile import RunInfo, read_run_file
from kuaifan.config import load_settings
from serverproc import ServerProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("simhome")
    out = home / "sim"
    run_cli(
        home, "sim", "--seed", "5", "--rooms", "2", "--minutes", "12", "--viewers", "400", "--out", str(out)
    )
    return out


def _homes(tmp_path: Path) -> tuple[Path, Path]:
    """Two homes with the same kuaifan.toml (same salts): one served, one not."""
    served, alone = tmp_path / "served", tmp_path / "alone"
    run_cli(served, "init")
    alone.mkdir()
    shutil.copy(served / "kuaifan.toml", alone / "kuaifan.toml")
    return served, alone


def _run_info(home: Path) -> RunInfo | None:
    """The run file, once the server has written it (right after it starts to listen)."""
    deadline = time.monotonic() + 10
    while (info := read_run_file(load_settings({"KUAIFAN_HOME": str(home)}))) is None:
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)
    return info


def _export(home: Path, out: Path, *args: str) -> pl.DataFrame:
    run_cli(home, "export", "--out", str(out), *args)
    return pl.read_parquet(out).drop("ingest_ms", strict=False).sort("msg_id")


def test_commands_work_through_a_running_server_and_print_the_same(tmp_path: Path, sim_dir: Path) -> None:
    served, alone = _homes(tmp_path)
    events = str(sim_dir / "events")
    server = ServerProcess(served).start()
    try:
        info = _run_info(served)
        assert info is not None and info.pid == server.proc.pid and info.url == server.url  # type: ignore[union-attr]
        assert (served / "serve.json").stat().st_mode & 0o077 == 0, "the run file is its owner's only"

        for home in (served, alone):
            first = run_cli(home, "ingest", events, "--json")
            again = run_cli(home, "ingest", events)  # the human summary
            if home == served:
                got = (first.stdout, again.stdout)
            else:
                want = (first.stdout, again.stdout)
        assert got == want
        counts = json.loads(got[0])
        assert counts["accepted"] > 1000 and counts["duplicates"] == counts["rejected"] == 0

        stats = [run_cli(h, "stats", "--json").stdout for h in (served, alone)]
        assert stats[0] == stats[1] and json.loads(stats[0])["events"] == counts["accepted"]
        # the server's own API agrees with the command
        key = load_settings({"KUAIFAN_HOME": str(served)}).tenant()[1].api_key
        api = httpx.get(server.url + "/v1/stats", headers={"X-API-Key": key}, timeout=30).json()
        assert api == json.loads(stats[0])

        signals = [json.loads(run_cli(h, "signals", "--json", "--days", "0").stdout) for h in (served, alone)]
        assert signals[0] == signals[1] and signals[0]["products"]

        for args in (("--kind", "comment", "--tags"), ("--room", "room-001")):
            a = _export(served, tmp_path / "a.parquet", *args)
            b = _export(alone, tmp_path / "b.parquet", *args)
            assert a.height > 0 and a.equals(b), args

        # a file the server cannot read is the same error and exit code as without it
        bad = tmp_path / "missing.jsonl"
        errs = [run_cli(h, "ingest", str(bad), code=65).stderr for h in (served, alone)]
        assert errs[0] == errs[1]
    finally:
        server.stop()
    assert not (served / "serve.json").exists(), "the run file goes with the server"
    after = run_cli(served, "stats", "--json").stdout  # the file itself again
    assert after == stats[0]


def test_events_ingested_through_the_server_reach_the_room_on_screen(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    key = load_settings({"KUAIFAN_HOME": str(home)}).tenant()[1].api_key
    t0 = 1_791_000_000_000
    base = {"platform": "sim", "room_id": "r9", "stream_id": "s9", "channel": "store"}

    def order(i: int, fen: int) -> dict[str, object]:
        return {**base, "kind": "order_paid", "ts_ms": t0 + i * 1000, "msg_id": f"o{i}", "order_id": f"o{i}",
                "sku_id": "sku-1", "qty": 1, "amount_fen": fen, "user_key": f"u{i}"}  # fmt: skip

    server = ServerProcess(home).start()
    assert _run_info(home) is not None
    try:
        client = httpx.Client(base_url=server.url, headers={"X-API-Key": key}, timeout=30)
        pushed = client.post("/v1/events", content=orjson.dumps([order(1, 1000), order(2, 500)]))
        assert pushed.json()["accepted"] == 2
        assert client.get("/v1/rooms/r9/state").json()["state"]["overall"]["gmv_fen"] == 1500
        f = tmp_path / "late_orders.jsonl"
        f.write_bytes(b"\n".join(orjson.dumps(order(i, 100)) for i in (2, 3, 4)) + b"\n")
        got = json.loads(run_cli(home, "ingest", str(f), "--json").stdout)
        assert got == {"accepted": 2, "duplicates": 1, "rejected": 0}
        assert client.get("/v1/rooms/r9/state").json()["state"]["overall"]["gmv_fen"] == 1700
        client.close()
    finally:
        server.stop()


def test_a_stale_run_file_is_ignored(tmp_path: Path, sim_dir: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "init")
    settings = load_settings({"KUAIFAN_HOME": str(home)})
    gone = {"pid": 2**22 + 7, "url": "http://127.0.0.1:9", "started_ms": 0, "store_url": settings.store_url,
            "secret": "x" * 40}  # fmt: skip
    (home / "serve.json").write_bytes(orjson.dumps(gone))
    os.chmod(home / "serve.json", 0o600)
    got = json.loads(run_cli(home, "ingest", str(sim_dir / "events"), "--json").stdout)
    assert got["accepted"] > 0
