"""RoomState benchmark: update throughput on one core and the memory of a 4-hour room.

Run: python benchmarks/bench_live.py [--viewers N] [--minutes M] [--seed S] [--repeat R]

Goals (issue 4): >= 200,000 events/s per core; a 4-hour room with 10^5 viewers < 50 MB of state.

The stream is one simulated room (``kuaifan.sim``) replayed in file (arrival) order, as plain
dicts. The baseline, run in the same process on the same rows, is a bare loop doing one dict
increment per event (``counts[row["kind"]] += 1``): the ratio says how many such increments one
update costs, which travels across machines better than the raw rate on a shared box.

Memory: the rows are kept as JSON bytes and decoded one by one inside the measured section, as a
server would, so every string the state keeps (the interned user keys) is allocated — and counted
by tracemalloc — there. Peak RSS growth is printed alongside.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import psutil

from kuaifan.live import RoomState, batch_snapshot
from kuaifan.sim import SimConfig, simulate


def make_rows(viewers: int, minutes: int, seed: int) -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        simulate(SimConfig(seed=seed, rooms=1, minutes=minutes, viewers=viewers, format="parquet"), Path(tmp))
        return pl.read_parquet(next((Path(tmp) / "events").glob("*.parquet")))


def time_updates(rows: list[dict[str, Any]]) -> float:
    state = RoomState()
    update = state.update
    t0 = time.perf_counter()
    for row in rows:
        update(row)
    return time.perf_counter() - t0


def time_baseline(rows: list[dict[str, Any]]) -> float:
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    for row in rows:
        k = row["kind"]
        counts[k] = counts.get(k, 0) + 1
    return time.perf_counter() - t0


def measure_memory(lines: list[bytes]) -> tuple[RoomState, float, float]:
    gc.collect()
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    tracemalloc.start()
    state = RoomState()
    update = state.update
    loads = orjson.loads
    for line in lines:
        update(loads(line))
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = proc.memory_info().rss - rss0
    return state, current / 1e6, rss / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewers", type=int, default=120_000, help="simulated mean UV (about 10^5 distinct)")
    ap.add_argument("--minutes", type=int, default=240)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    df = make_rows(args.viewers, args.minutes, args.seed)
    rows = df.to_dicts()
    n = len(rows)
    print(f"stream: {n:,} events, {args.minutes} min, seed {args.seed}")

    best = min(time_updates(rows) for _ in range(args.repeat))
    base = min(time_baseline(rows) for _ in range(args.repeat))
    rate = n / best
    ns = best * 1e9 / n
    print(f"RoomState.update: {rate:,.0f} events/s on one core (goal >= 200,000)  [{ns:,.0f} ns/event]")
    print(f"baseline dict increment: {n / base:,.0f} events/s  [{base * 1e9 / n:,.0f} ns/event]")
    print(f"ratio: one update costs {best / base:.1f} dict increments")

    t0 = time.perf_counter()
    batch_snapshot(df)
    t_batch = time.perf_counter() - t0
    print(f"batch reference (polars) over the same stream: {t_batch:.2f} s ({n / t_batch:,.0f} events/s)")

    lines = [orjson.dumps(r) for r in rows]
    del rows
    state, traced_mb, rss_mb = measure_memory(lines)
    print(
        f"memory: {state.viewers:,} distinct viewers, {args.minutes} min: {traced_mb:.1f} MB traced "
        f"(goal < 50 MB), RSS growth {rss_mb:.1f} MB, {traced_mb * 1e6 / max(state.viewers, 1):.0f} B/viewer"
    )


if __name__ == "__main__":
    main()
