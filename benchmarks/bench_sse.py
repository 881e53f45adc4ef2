"""Event → SSE client latency of `kuaifan serve` at 1,000 events/s spread over 100 rooms (loopback).

    python benchmarks/bench_sse.py [--rate 1000] [--rooms 100] [--seconds 10]

A real server runs in a child process (uvicorn, DuckDB store in a temp dir). This process holds one
SSE subscription per room and POSTs batches of events (a batch every 20 ms, rooms drawn at random)
to /v1/events. An event's latency is the time from the start of its POST to the moment an SSE
`metrics` message shows its room's event count covering it. Baseline, in the same run: the POST
round trip itself (the ack comes once the batch is durably in the store), so the ratio says how
much the live fan-out adds on top of a durable write. Goal: p99 < 500 ms. Bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import psutil

KEY = "bench-key-0123456789abcdef"
BATCH_EVERY_S = 0.02


def child(home: str, port: int) -> None:
    """The server process."""
    from kuaifan.api.server import serve
    from kuaifan.config import load_settings

    serve(load_settings({"KUAIFAN_HOME": home}), "127.0.0.1", port, log_level="warning")


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    from kuaifan.api.server import free_port

    home.mkdir(parents=True, exist_ok=True)
    (home / "kuaifan.toml").write_text(
        f'[tenants.bench]\napi_key = "{KEY}"\nsalt = "bench-salt-0123456789"\n', encoding="utf-8"
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(home), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


class Gen:
    """Random live events for many rooms, stamped with the current time."""

    def __init__(self, rooms: int, seed: int = 1) -> None:
        self.rooms = [f"room-{i:03d}" for i in range(rooms)]
        self.rng = random.Random(seed)
        self.n = 0

    def event(self, room: str) -> dict[str, Any]:
        self.n += 1
        r = self.rng.random()
        user = f"u{self.rng.randrange(5000)}"
        base: dict[str, Any] = {
            "platform": "sim", "room_id": room, "stream_id": room + "-s1", "channel": "store",
            "ts_ms": int(time.time() * 1000), "msg_id": f"b{self.n}",
        }  # fmt: skip
        sku = f"{room}-sku{self.rng.randrange(6)}"
        if r < 0.5:
            return {**base, "kind": "enter", "user_key": user}
        if r < 0.7:
            return {**base, "kind": "like", "user_key": user, "qty": 1}
        if r < 0.8:
            text = self.rng.choice(
                ["有M码吗", "多少钱", "已拍", "还有黑色吗", "165 110斤穿什么码", "主播好美"]
            )
            return {**base, "kind": "comment", "user_key": user, "text": text}
        if r < 0.9:
            return {**base, "kind": "product_click", "user_key": user, "sku_id": sku, "item_id": sku[:-1]}
        if r < 0.95:
            return {
                **base, "kind": "order_paid", "user_key": user, "sku_id": sku, "item_id": sku[:-1],
                "order_id": f"o{self.n}", "qty": 1, "amount_fen": 9900,
            }  # fmt: skip
        return {**base, "kind": "online_count", "qty": self.rng.randrange(50, 500)}


_EVENTS = re.compile(rb'"events":(\d+)')


async def subscribe(
    client: httpx.AsyncClient,
    url: str,
    room: str,
    seen: dict[str, int],
    arrived: asyncio.Queue[tuple[str, int, float]],
) -> None:
    """Reads one room's stream; reports each new event count (the first "events" of a message is
    the stream header's, so the JSON need not be parsed: the client must stay cheap)."""
    async with client.stream("GET", f"{url}/v1/rooms/{room}/live", headers={"X-API-Key": KEY}) as r:
        buf = b""
        async for chunk in r.aiter_raw():
            buf += chunk
            *messages, buf = buf.split(b"\n\n")
            best = 0
            for m in messages:
                found = _EVENTS.search(m)
                if found:
                    best = max(best, int(found.group(1)))
            if best > seen.get(room, 0):
                seen[room] = best
                arrived.put_nowait((room, best, time.perf_counter()))


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


async def run(
    url: str, server: psutil.Process, rate: int, rooms: int, seconds: float, warmup_s: float
) -> dict[str, Any]:
    gen = Gen(rooms)
    limits = httpx.Limits(max_connections=rooms + 16, max_keepalive_connections=rooms + 16)
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None), limits=limits) as sse_client,
        httpx.AsyncClient(timeout=30.0, headers={"X-API-Key": KEY}, limits=limits) as post_client,
    ):
        # Every room exists before the clock starts (one event each), then one subscriber per room.
        first = [gen.event(room) for room in gen.rooms]
        await post_client.post(url + "/v1/events", content=orjson.dumps(first))
        expected = dict.fromkeys(gen.rooms, 1)
        seen: dict[str, int] = {}
        arrived: asyncio.Queue[tuple[str, int, float]] = asyncio.Queue()
        subs = [asyncio.create_task(subscribe(sse_client, url, room, seen, arrived)) for room in gen.rooms]
        while len(seen) < rooms:
            await asyncio.sleep(0.05)

        pending: dict[str, list[tuple[int, float, bool]]] = {room: [] for room in gen.rooms}
        sse_lat: list[float] = []
        post_lat: list[float] = []
        measuring = False

        async def match() -> None:
            while True:
                room, events, t = await arrived.get()
                waiting = pending[room]
                while waiting and waiting[0][0] <= events:
                    _, t_send, counted = waiting.pop(0)
                    if counted:
                        sse_lat.append(t - t_send)

        async def post(body: bytes, t_send: float, counted: bool) -> None:
            for attempt in range(3):  # a pooled keep-alive connection may be closed under us
                try:
                    r = await post_client.post(url + "/v1/events", content=body)
                    break
                except httpx.TransportError:
                    if attempt == 2:
                        raise
            r.raise_for_status()
            if counted:
                post_lat.append(time.perf_counter() - t_send)

        matcher = asyncio.create_task(match())
        posts: list[asyncio.Task[None]] = []
        per_batch = max(1, round(rate * BATCH_EVERY_S))
        start = time.perf_counter()
        end = start + warmup_s + seconds
        tick = 0
        sent = 0
        cpu: dict[str, float] = {}
        me = psutil.Process()
        while (now := time.perf_counter()) < end:
            if not measuring and now >= start + warmup_s:
                cpu = {"server": _cpu(server), "client": _cpu(me), "wall": now}
                psutil.cpu_percent(interval=None)  # machine-wide busy share from here on
            measuring = now >= start + warmup_s
            batch = [gen.event(gen.rng.choice(gen.rooms)) for _ in range(per_batch)]
            t_send = time.perf_counter()
            for e in batch:
                room = e["room_id"]
                expected[room] += 1
                pending[room].append((expected[room], t_send, measuring))
            sent += len(batch) if measuring else 0
            posts.append(asyncio.create_task(post(orjson.dumps(batch), t_send, measuring)))
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * BATCH_EVERY_S - time.perf_counter()))
        await asyncio.gather(*posts)
        wall = time.perf_counter() - cpu["wall"]
        used = {
            "server": (_cpu(server) - cpu["server"]) / wall, "client": (_cpu(me) - cpu["client"]) / wall,
            "machine": psutil.cpu_percent(interval=None),
        }  # fmt: skip
        drain_until = time.perf_counter() + 5
        while any(p for p in pending.values()) and time.perf_counter() < drain_until:
            await asyncio.sleep(0.02)
        lost = sum(1 for p in pending.values() for x in p if x[2])
        matcher.cancel()
        for s in subs:
            s.cancel()
        for task in (matcher, *subs):
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await task
    return {
        "sent": sent, "sse": np.array(sse_lat) * 1000, "post": np.array(post_lat) * 1000, "lost": lost,
        "cpu": used,
    }  # fmt: skip


def _run_loop(job: Any) -> Any:
    """uvloop when installed (the server uses it too, through uvicorn), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(job)
    return uvloop.run(job)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=1000, help="events per second")
    ap.add_argument("--rooms", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds (after a 2 s warm-up)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="kuaifan-bench-sse-") as tmp:
        proc, url = start_server(Path(tmp) / "home")
        try:
            server = psutil.Process(proc.pid)
            res = _run_loop(asyncio.wait_for(run(url, server, args.rate, args.rooms, args.seconds, 2.0), 120))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    sse, post = res["sse"], res["post"]
    if len(sse) == 0 or len(post) == 0:
        raise SystemExit("no latencies measured")

    def q(a: Any, p: float) -> float:
        return float(np.percentile(a, p))

    print(f"bench_sse: {args.rate:,} events/s over {args.rooms} rooms, {args.seconds:g} s measured, loopback")
    print(f"  events measured        {len(sse):,} of {res['sent']:,} sent ({res['lost']} never seen on SSE)")
    p50, p99 = q(sse, 50), q(sse, 99)
    print(f"  event → SSE client     p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   max {sse.max():.1f} ms")
    print(f"  baseline POST ack      p50 {q(post, 50):7.1f} ms   p99 {q(post, 99):7.1f} ms")
    cpu = res["cpu"]
    print(
        f"  CPU (cores busy)       server {cpu['server']:.2f}   this client {cpu['client']:.2f}   "
        f"machine {cpu['machine']:.0f}% of {psutil.cpu_count()} cores"
    )
    verdict = "met" if q(sse, 99) < 500 else "NOT met"
    print(f"  ratio SSE/POST (p99)   {q(sse, 99) / q(post, 99):.2f}x   goal p99 < 500 ms: {verdict}")


if __name__ == "__main__":
    main()
