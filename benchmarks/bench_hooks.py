"""Signed Douyin live pushes (batches of 20 comments) through `kuaifan serve` on loopback.

    python benchmarks/bench_hooks.py [--seconds 8] [--concurrency 32] [--rate 10000] [--rooms 20]
                                     [--distinct 0.5]

A real server runs in a child process (uvicorn, DuckDB store in a fresh temp dir per phase). This
process keeps ``--concurrency`` requests in flight for ``--seconds``: each is a pre-signed
``POST /hooks/douyin/live/acme`` of 20 ``live_comment`` messages (signing is the platform's cost,
done before the clock starts). Every 2xx is an acknowledgement after the rows are durably appended.
Baseline, in the same run and on a fresh store: the same 20 messages as canonical events on
``POST /v1/events`` (same server, same gate, same write path), so the ratio says what verifying,
parsing and mapping the platform format add. Then, in this process, where the time goes: the CPU of
verify + parse + gate per batch, and one ``DuckStore.append`` at growing store sizes.

Comment texts come from the simulator's comment writer: a share ``--distinct`` of the comments
(default half, as in the text benchmark) is a text the server has not seen before, so it is
classified and its tags are stored with the events; the rest repeat the room's most frequent texts
(已拍, 扣1, 有M码吗 ...), which the server has classified already.

Two loads. Closed loop (``--concurrency`` requests in flight, the next sent when one is answered):
the most the server takes; its latency is in-flight / throughput by construction (Little's law).
Open loop (``--rate`` messages/s offered, a push every 20 / rate seconds whether or not the last
was answered, as a platform pushes): the latency at that rate, counted from when each push was due.

Goal (issue 13): >= 10,000 messages/s with p99 < 50 ms (the open-loop run at 10,000). The load
generator shares the machine's cores with the server, so the figures are a lower bound of the server
alone.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
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
SECRET = "bench-douyin-secret"
BATCH = 20
TOML = f"""default_tenant = "acme"
[tenants.acme]
api_key = "{KEY}"
salt = "bench-salt-0123456789"
[tenants.acme.platforms.douyin_live]
secret = "{SECRET}"
"""


def child(home: str, port: int) -> None:
    from kuaifan.api.server import serve
    from kuaifan.config import load_settings

    serve(load_settings({"KUAIFAN_HOME": home}), "127.0.0.1", port, log_level="warning")


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    from kuaifan.api.server import free_port

    home.mkdir(parents=True, exist_ok=True)
    (home / "kuaifan.toml").write_text(TOML, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--child", str(home), str(port)])
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


MSG_TYPE = {"comment": "live_comment", "like": "live_like"}
KIND = ["comment"]  # set from --kind
TEXTS: list[str] = []  # set by comment_texts


def comment_texts(n: int, distinct: float, seed: int = 7) -> list[str]:
    """``n`` comment texts of simulated rooms: a share ``distinct`` never seen before in the list,
    the others drawn from the 40 most frequent texts."""
    import random
    from collections import Counter

    from kuaifan.app.replay import load_events
    from kuaifan.sim import SimConfig, simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(SimConfig(seed=seed, rooms=2, minutes=30, viewers=5000, tenant="acme"), Path(tmp) / "sim")
        events, _ = load_events([Path(tmp) / "sim"])
    said = [e["text"] for e in events if e["kind"] == "comment" and e.get("text")]
    frequent = [t for t, _ in Counter(said).most_common(40)]
    pool = [t for t in dict.fromkeys(said) if t not in set(frequent)]
    r = random.Random(seed)
    out: list[str] = []
    fresh = 0
    for _ in range(n):
        if r.random() < distinct:
            rounds, i = divmod(fresh, len(pool))
            out.append(pool[i] + (f" {rounds}" if rounds else ""))  # a new text each time
            fresh += 1
        else:
            out.append(r.choice(frequent))
    return out


def messages(start: int, now: int) -> list[dict[str, Any]]:
    def body(k: int) -> dict[str, Any]:
        return {"content": TEXTS[k % len(TEXTS)]} if KIND[0] == "comment" else {"like_num": 3}

    return [
        {"msg_id": f"m{start + i}", "sec_openid": f"open_{(start + i) % 5000}",
         "avatar_url": "https://example.invalid/a.png", "nickname": "用户",
         "timestamp": now} | body(start + i)
        for i in range(BATCH)
    ]  # fmt: skip


def hook_requests(n: int, rooms: int) -> list[tuple[str, dict[str, str], bytes]]:
    from kuaifan.sources.douyin_live import sign

    now = int(time.time() * 1000)
    out = []
    for b in range(n):
        body = orjson.dumps(messages(b * BATCH, now))
        h = {"x-nonce-str": secrets.token_hex(8), "x-timestamp": str(now), "x-roomid": f"room-{b % rooms}",
             "x-msg-type": MSG_TYPE[KIND[0]], "content-type": "application/json"}  # fmt: skip
        h["x-signature"] = sign(h, body, SECRET)
        out.append(("/hooks/douyin/live/acme", h, body))
    return out


def event_requests(n: int, rooms: int) -> list[tuple[str, dict[str, str], bytes]]:
    now = int(time.time() * 1000)
    out = []
    for b in range(n):
        room = f"room-{b % rooms}"
        events = [
            {"kind": KIND[0], "platform": "douyin", "room_id": room, "stream_id": room, "channel": "store",
             "ts_ms": m["timestamp"], "msg_id": f"{MSG_TYPE[KIND[0]]}:{m['msg_id']}",
             "user_id": m["sec_openid"], "avatar_url": m["avatar_url"], "nickname": m["nickname"]}
            | ({"text": m["content"]} if KIND[0] == "comment" else {"qty": m["like_num"]})
            for m in messages(b * BATCH, now)
        ]  # fmt: skip
        out.append(
            ("/v1/events", {"X-API-Key": KEY, "content-type": "application/json"}, orjson.dumps(events))
        )
    return out


def raw_request(host: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """One HTTP/1.1 request as bytes (keep-alive): the load generator writes these as they are."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def load(
    url: str, requests: list[tuple[str, dict[str, str], bytes]], seconds: float, concurrency: int
) -> dict[str, Any]:
    """``concurrency`` keep-alive connections, each sending its next request when the last is answered.
    A bare asyncio client (pre-built request bytes, status line and Content-Length parsed): an HTTP
    library would use as much CPU as the server on a 2-core machine."""
    host, port = url.removeprefix("http://").split(":")
    wire = [raw_request(f"{host}:{port}", path, headers, body) for path, headers, body in requests]
    latencies: list[float] = []
    failures = 0
    cursor = iter(wire)
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                req = next(cursor, None)
                if req is None:
                    return
                t0 = time.perf_counter()
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                if status == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    failures += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    lat = np.array(latencies) * 1000
    return {
        "messages_per_s": len(latencies) * BATCH / elapsed, "acked_batches": len(latencies),
        "failures": failures,
        "p50_ms": float(np.percentile(lat, 50)) if lat.size else float("nan"),
        "p99_ms": float(np.percentile(lat, 99)) if lat.size else float("nan"),
    }  # fmt: skip


async def paced_load(
    url: str, requests: list[tuple[str, dict[str, str], bytes]], seconds: float, rate: float
) -> dict[str, Any]:
    """Open loop, as a platform pushes: a request every ``BATCH / rate`` seconds whether or not the
    earlier ones were answered, each on an idle keep-alive connection (a new one when none is idle).
    Latency counts from the moment a request was due, so a client that falls behind does not hide
    the server's queue (no coordinated omission)."""
    host, port = url.removeprefix("http://").split(":")
    wire = [raw_request(f"{host}:{port}", path, headers, body) for path, headers, body in requests]
    interval = BATCH / rate
    total = min(len(wire), int(seconds / interval))
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened: list[asyncio.StreamWriter] = []
    latencies: list[float] = []
    failures = 0

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(host, int(port))
        opened.append(writer)
        return reader, writer

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> int:
        writer.write(req)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        return int(head[9:12])

    async def send(req: bytes, due: float) -> None:
        nonlocal failures
        reader, writer = idle.pop() if idle else await connect()
        try:
            status = await exchange(reader, writer, req)
        except (asyncio.IncompleteReadError, ConnectionError):
            # the server closed a connection that sat idle past its keep-alive: send again on a new
            # one (a push the server did take is deduplicated on its msg_id)
            writer.close()
            reader, writer = await connect()
            status = await exchange(reader, writer, req)
        if status == 200:
            latencies.append(time.perf_counter() - due)
        else:
            failures += 1
        idle.append((reader, writer))

    tasks: set[asyncio.Task[None]] = set()
    t0 = time.perf_counter()
    for k in range(total):
        due = t0 + k * interval
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        task = asyncio.create_task(send(wire[k], due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    for writer in opened:
        writer.close()
    lat = np.array(latencies) * 1000
    return {
        "messages_per_s": len(latencies) * BATCH / elapsed, "acked_batches": len(latencies),
        "failures": failures, "connections": len(opened),
        "p50_ms": float(np.percentile(lat, 50)) if lat.size else float("nan"),
        "p99_ms": float(np.percentile(lat, 99)) if lat.size else float("nan"),
    }  # fmt: skip


def phase(name: str, make: Any, args: argparse.Namespace, rate: float | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        proc, url = start_server(home)
        try:
            requests = make(int(args.seconds * 2000), args.rooms)  # more than can be sent
            asyncio.run(load(url, requests[:200], 1.0, args.concurrency))  # warm-up
            server = psutil.Process(proc.pid)
            cpu0, me0 = server.cpu_times(), psutil.Process().cpu_times()
            if rate is None:
                result = asyncio.run(load(url, requests[200:], args.seconds, args.concurrency))
            else:
                result = asyncio.run(paced_load(url, requests[200:], args.seconds, rate))
            cpu1, me1 = server.cpu_times(), psutil.Process().cpu_times()
            stats = httpx.get(url + "/v1/stats", headers={"X-API-Key": KEY}).json()
        finally:
            proc.terminate()
            proc.wait(30)
    result["stored"] = stats["events"]
    sent = max(1, result["acked_batches"] * BATCH)
    result["server_cpu_us"] = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / sent * 1e6
    result["client_cpu_us"] = (me1.user + me1.system - me0.user - me0.system) / sent * 1e6
    print(f"{name:>14}: {result['messages_per_s']:>8,.0f} messages/s  p50 {result['p50_ms']:6.1f} ms  "
          f"p99 {result['p99_ms']:6.1f} ms  ({result['acked_batches']} batches acked, "
          f"{result['failures']} failed, {result['stored']:,} events stored)")  # fmt: skip
    print(f"{'':>14}  server CPU {result['server_cpu_us']:.0f} µs per message (one free core: "
          f"~{1e6 / result['server_cpu_us']:,.0f} messages/s), load generator "
          f"{result['client_cpu_us']:.0f} µs")  # fmt: skip
    return result


def where_the_time_goes() -> None:
    """In-process costs: the hook's CPU per batch, and one store append at growing sizes."""
    import polars as pl

    from kuaifan.config import TenantConfig
    from kuaifan.events import POLARS_SCHEMA
    from kuaifan.sources.douyin_live import DouyinLiveSource
    from kuaifan.sources.gate import TenantGate
    from kuaifan.sources.platforms import DouyinLiveSettings
    from kuaifan.sources.push import PushRequest
    from kuaifan.store.duckdb import DuckStore

    reqs = hook_requests(500, 20)
    source = DouyinLiveSource(DouyinLiveSettings.model_validate({"secret": SECRET}))
    cfg = TenantConfig(api_key=KEY, salt="bench-salt-0123456789")
    t0 = time.perf_counter()
    for _, h, body in reqs:
        source.verify(PushRequest.of(h, body, 0))
    t1 = time.perf_counter()
    batches = [source.parse(PushRequest.of(h, body, 0)) for _, h, body in reqs]
    t2 = time.perf_counter()
    gate = TenantGate.of("acme", cfg)
    gated = [gate.admit_all(b.items, "douyin_live") for b in batches]
    t3 = time.perf_counter()
    n = len(reqs)
    print(f"   per batch of {BATCH}: verify {(t1 - t0) / n * 1e6:.0f} µs, "
          f"parse {(t2 - t1) / n * 1e6:.0f} µs, "
          f"gate (pydantic Event per item) {(t3 - t2) / n * 1e6:.0f} µs")  # fmt: skip
    rows = [r for g in gated for r in g.rows]
    hub_cost(rows)
    write_path_ceiling(rows)
    with tempfile.TemporaryDirectory() as tmp, DuckStore(Path(tmp) / "k.duckdb", threads=1) as store:
        stored = 0
        for target in (0, 100_000, 1_000_000):
            while stored < target:
                chunk = pl.DataFrame(
                    [
                        {**r, "msg_id": f"fill{stored + i}"}
                        for i, r in enumerate(rows[: min(10_000, target - stored)])
                    ],
                    schema=POLARS_SCHEMA,
                )
                store.append(chunk)
                stored += chunk.height
            for size in (BATCH, 1000):
                fresh = [{**r, "msg_id": f"t{target}-{size}-{i}"} for i, r in enumerate(rows[:size])]
                frame = pl.DataFrame(fresh, schema=POLARS_SCHEMA)
                t0 = time.perf_counter()
                store.append(frame)
                print(f"   DuckStore.append of {size:>4} rows with {target:>9,} stored: "
                      f"{(time.perf_counter() - t0) * 1000:6.1f} ms")  # fmt: skip
        tag_write_cost(store, rows)


def tag_write_cost(store: Any, rows: list[dict[str, Any]], groups: int = 30, size: int = 100) -> None:
    """What storing the comment tags adds to a group commit: ``append_tagged`` (events + the tags of
    their new texts, one transaction) against ``append_new`` of the same rows, alternating."""
    import polars as pl

    from kuaifan.events import POLARS_SCHEMA
    from kuaifan.store import TagRows
    from kuaifan.text import classify_many
    from kuaifan.text.tagging import tags_frame

    plain, tagged = [], []
    for g in range(groups):
        part = rows[(g * size) % (len(rows) - size) :][:size]
        texts = list(dict.fromkeys(f"{r['text']} #{g}" for r in part if r.get("text")))
        tags = tags_frame(texts, classify_many(texts))
        for name, out in (("plain", plain), ("tagged", tagged)):
            frame = pl.DataFrame(
                [{**r, "msg_id": f"{name}{g}-{i}"} for i, r in enumerate(part)], schema=POLARS_SCHEMA
            )
            t0 = time.perf_counter()
            if name == "plain":
                store.append_new(frame)
            else:
                store.append_tagged(frame, [TagRows("acme", "bench", tags)])
            out.append(time.perf_counter() - t0)
    p, t = np.median(plain) * 1000, np.median(tagged) * 1000
    print(f"   group commit of {size} comments (~{len(texts)} new texts) with 1 M stored: append_new "
          f"{p:.1f} ms, append_tagged {t:.1f} ms (median of {groups}; ratio {t / p:.2f}x)")  # fmt: skip


def hub_cost(rows: list[dict[str, Any]]) -> None:
    """The live hub's CPU per stored row (it runs on the server's event loop, inside the write path)."""
    from kuaifan.config import AlertThresholds
    from kuaifan.live.hub import LiveHub, default_classify

    for name, classify in (("with", default_classify()), ("without", (None, None))):
        hub = LiveHub(lambda _t: AlertThresholds(), classify=classify[0], classify_many=classify[1])
        t0 = time.perf_counter()
        for i in range(0, len(rows), BATCH * 50):
            hub.apply("acme", rows[i : i + BATCH * 50])
        per_row = (time.perf_counter() - t0) / len(rows) * 1e6
        print(f"   LiveHub.apply {name} the comment classifier: {per_row:.0f} µs per {KIND[0]} row")


def write_path_ceiling(rows: list[dict[str, Any]], concurrency: int = 32, seconds: float = 4.0) -> None:
    """The server's write path alone (LiveService: comment classification, group commit of the events
    and their tags to DuckDB, live hub), no HTTP: ``concurrency`` callers each append batches of 20
    rows and wait for the durable ack."""
    from kuaifan.app.live import LiveService
    from kuaifan.config import load_settings
    from kuaifan.sources.gate import Admitted
    from kuaifan.store.duckdb import DuckStore

    async def run(store: DuckStore) -> tuple[float, np.ndarray]:
        home = Path(tempfile.mkdtemp(prefix="kf-bench-home-"))
        (home / "kuaifan.toml").write_text(
            f'[tenants.acme]\napi_key = "{KEY}"\nsalt = "bench-salt-0123456789"\n', encoding="utf-8"
        )
        settings = load_settings({"KUAIFAN_HOME": str(home)})
        service = LiveService(settings, store)
        latencies: list[float] = []
        counter = [0]
        deadline = time.perf_counter() + seconds

        async def caller() -> None:
            while time.perf_counter() < deadline:
                counter[0] += 1
                start = (counter[0] * BATCH) % max(1, len(rows) - BATCH)
                batch = [
                    {**r, "msg_id": f"w{counter[0]}-{i}"} for i, r in enumerate(rows[start : start + BATCH])
                ]
                t0 = time.perf_counter()
                await service.ingest("acme", Admitted(rows=batch))
                latencies.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(concurrency)))
        elapsed = time.perf_counter() - t0
        await service.close()
        return len(latencies) * BATCH / elapsed, np.array(latencies) * 1000

    with tempfile.TemporaryDirectory() as tmp, DuckStore(Path(tmp) / "w.duckdb", threads=1) as store:
        me = psutil.Process()
        cpu0 = me.cpu_times()
        rate, lat = asyncio.run(run(store))
        cpu1 = me.cpu_times()
    cpu_us = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / max(1.0, rate * seconds) * 1e6
    print(f"   write path alone (LiveService, {concurrency} callers, no HTTP): {rate:,.0f} messages/s, "
          f"p50 {np.percentile(lat, 50):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms, "
          f"CPU {cpu_us:.0f} µs per message")  # fmt: skip


def ratios(hooks: dict[str, Any], events: dict[str, Any]) -> None:
    print(f"ratio hook / /v1/events: throughput {hooks['messages_per_s'] / events['messages_per_s']:.2f}x, "
          f"p99 {hooks['p99_ms'] / events['p99_ms']:.2f}x, server CPU per message "
          f"{hooks['server_cpu_us'] / events['server_cpu_us']:.2f}x")  # fmt: skip


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rooms", type=int, default=20)
    p.add_argument("--rate", type=float, default=10_000.0, help="messages/s offered in the open-loop run")
    p.add_argument("--kind", choices=sorted(MSG_TYPE), default="comment", help="live_comment or live_like")
    p.add_argument(
        "--distinct", type=float, default=0.5, help="share of comments with a text not seen before"
    )
    p.add_argument("--no-profile", action="store_true")
    args = p.parse_args()
    KIND[0] = args.kind
    TEXTS[:] = comment_texts(int(args.seconds * 2000 + 1000) * BATCH, args.distinct)
    print(f"{len(TEXTS):,} comment texts, {len(set(TEXTS)):,} distinct (--distinct {args.distinct})")
    print(f"closed loop: {args.concurrency} requests in flight, each sent when the last is answered")
    hooks = phase("douyin hook", hook_requests, args)
    events = phase("/v1/events", event_requests, args)
    ratios(hooks, events)
    print(f"open loop: {args.rate:,.0f} messages/s offered ({args.rate / BATCH:,.0f} pushes/s of {BATCH}), "
          "latency from when each push was due")  # fmt: skip
    paced = phase("douyin hook", hook_requests, args, rate=args.rate)
    paced_events = phase("/v1/events", event_requests, args, rate=args.rate)
    ratios(paced, paced_events)
    met = paced["messages_per_s"] >= 10_000 and paced["p99_ms"] < 50 and paced["failures"] == 0
    print(f"goal: >= 10,000 messages/s with p99 < 50 ms: {'met' if met else 'not met'} "
          f"({paced['messages_per_s']:,.0f} messages/s, p99 {paced['p99_ms']:.1f} ms at "
          f"{args.rate:,.0f} offered)")  # fmt: skip
    if not args.no_profile:
        where_the_time_goes()


if __name__ == "__main__":
    main()
