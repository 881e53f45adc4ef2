"""`kuaifan ingest` and a full read while `kuaifan serve` holds the DuckDB file (through its local link)
against the same work on the file directly, in the same run; and what a big ingest does to live pushes.

    python benchmarks/bench_link.py [--events 300000] [--pushes 200]

1. direct: ``ingest_files`` of a generated JSONL file into a fresh home, no server (the baseline), then
   one ``scan`` of every stored event;
2. through the server: a real ``kuaifan serve`` child process holds another fresh home; the same
   ingest and scan run in this process with ``open_store(settings)``, which finds the run file and
   returns the server's store (``RemoteStore``: Arrow over loopback HTTP, appends through the
   server's write lock);
3. pushes: ``POST /v1/events`` of 20 events, one at a time, with no ingest running and then while a
   ``kuaifan ingest`` process puts a second file in through the server; p50 / p99 latency of each.

The ratio is through-the-server / direct (rates: 1.0 = no cost). The machine's 2 cores are shared by
the server, this process and other work: figures are pessimistic.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from bench_ingest import generate

KEY = "bench-key-0123456789abcdef"
TOML = f'default_tenant = "demo"\n[tenants.demo]\napi_key = "{KEY}"\nsalt = "bench-salt-0123456789"\n'


def home(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "kuaifan.toml").write_text(TOML, encoding="utf-8")
    return path


def ingest_and_scan(h: Path, src: Path, want_server: bool) -> tuple[float, float, int]:
    """Seconds to ingest ``src`` and to scan everything back, and the rows read."""
    from kuaifan.app.ingest import ingest_files
    from kuaifan.app.store import open_store
    from kuaifan.config import load_settings
    from kuaifan.store import event_filter
    from kuaifan.store.remote import RemoteStore

    settings = load_settings({"KUAIFAN_HOME": str(h)})
    with open_store(settings) as store:
        assert isinstance(store, RemoteStore) == want_server, type(store)
        t = time.perf_counter()
        got = ingest_files(settings, store, [src])
        ingest_s = time.perf_counter() - t
        assert got.rejected == 0 and got.accepted > 0, got.totals()
        t = time.perf_counter()
        rows = sum(p.height for p in store.scan(event_filter("demo")))
        return ingest_s, time.perf_counter() - t, rows


def start_server(h: Path) -> tuple[subprocess.Popen[bytes], str]:
    from kuaifan.api.server import free_port

    port = free_port()
    env = {**os.environ, "KUAIFAN_HOME": str(h)}
    cmd = [sys.executable, "-c", "from kuaifan.cli import main; main()", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (h / "serve.json").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("kuaifan serve did not start")
        time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def pushes(url: str, n: int, offset: int) -> list[float]:
    """Latencies (s) of n sequential POST /v1/events of 20 new comments."""
    out = []
    t0 = 1_791_000_000_000
    with httpx.Client(base_url=url, headers={"X-API-Key": KEY}, timeout=60) as client:
        for i in range(n):
            batch = [
                {"kind": "comment", "platform": "sim", "room_id": "live", "stream_id": "s1", "ts_ms": t0 + i,
                 "msg_id": f"p{offset + i * 20 + j}", "text": "有M码吗", "user_key": f"u{j}"}
                for j in range(20)
            ]  # fmt: skip
            t = time.perf_counter()
            r = client.post("/v1/events", content=orjson.dumps(batch))
            out.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.json()["accepted"] == 20, r.text
            time.sleep(0.02)
    return out


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--pushes", type=int, default=200)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="kuaifan-bench-link-") as tmp:
        root = Path(tmp)
        src, second = root / "a.jsonl", root / "b.jsonl"
        generate(src, args.events)
        generate(second, args.events, seed=8, first_id=10 * args.events)

        d_ingest, d_scan, rows = ingest_and_scan(home(root / "direct"), src, want_server=False)
        served = home(root / "served")
        proc, url = start_server(served)
        try:
            l_ingest, l_scan, l_rows = ingest_and_scan(served, src, want_server=True)
            assert l_rows == rows
            quiet = pushes(url, args.pushes, 0)
            # The second ingest is a `kuaifan ingest` process, as a user runs it: the pushes of this
            # process do not wait for its parsing (the GIL), only for the server.
            env = {**os.environ, "KUAIFAN_HOME": str(served)}
            cli = [
                sys.executable,
                "-c",
                "from kuaifan.cli import main; main()",
                "ingest",
                str(second),
                "--json",
            ]
            ingest = subprocess.Popen(cli, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            time.sleep(3.0)  # past the command's start-up, into its appends
            busy = pushes(url, args.pushes, 10**9)
            out, _ = ingest.communicate(timeout=600)
            assert ingest.returncode == 0 and orjson.loads(out)["accepted"] == args.events, out
        finally:
            proc.terminate()
            proc.wait(30)

    print(f"\n{'':<34}{'direct':>12}{'via serve':>12}{'ratio':>8}")
    for label, a, b in (("ingest (events/s)", args.events / d_ingest, args.events / l_ingest),
                        ("scan (rows/s)", rows / d_scan, rows / l_scan)):  # fmt: skip
        print(f"{label:<34}{a:>12,.0f}{b:>12,.0f}{b / a:>8.2f}")
    print(f"\nPOST /v1/events of 20 (ms)        {'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    for label, lat in (("no ingest running", quiet), ("during an ingest via serve", busy)):
        ms = [1000 * pct(lat, q) for q in (0.5, 0.9, 0.99, 1.0)]
        print(f"{label:<34}" + "".join(f"{x:>8.1f}" for x in ms))
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (2 shared cores: figures are pessimistic)")


if __name__ == "__main__":
    main()
