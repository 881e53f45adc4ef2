"""Memory of many live rooms in one process (issue 4: 100 four-hour rooms with 10^5 viewers < 4 GB).

Run: python benchmarks/bench_live_rooms.py [--rooms 100] [--viewers 100000] [--minutes 240]

One simulated room is generated once and replayed into ``--rooms`` independent RoomStates (each
decodes its own JSON lines, so every string a state keeps is its own allocation, as in a server).
Prints the process RSS growth in total and per room, and the ratio against the baseline measured in
the same process: the raw JSON bytes of one room's events (state per room / raw event bytes).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

import orjson
import polars as pl
import psutil

from kuaifan.live import RoomState
from kuaifan.sim import SimConfig, simulate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=100)
    ap.add_argument("--viewers", type=int, default=100_000)
    ap.add_argument("--minutes", type=int, default=240)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = SimConfig(seed=args.seed, rooms=1, minutes=args.minutes, viewers=args.viewers, format="parquet")
        simulate(cfg, Path(tmp))
        df = pl.read_parquet(next((Path(tmp) / "events").glob("*.parquet")))
    lines = [orjson.dumps(row) for row in df.iter_rows(named=True)]  # canonical rows: every column
    del df
    proc = psutil.Process()
    gc.collect()
    base = proc.memory_info().rss
    states: list[RoomState] = []
    raw_mib = sum(len(line) for line in lines) / 2**20
    t0 = time.perf_counter()
    for i in range(args.rooms):
        room = f"room-{i:03d}"
        state = RoomState()
        for line in lines:
            row = orjson.loads(line)
            row["room_id"] = room
            state.update(row)
        states.append(state)
    gc.collect()
    total = (proc.memory_info().rss - base) / 2**20
    per_room = total / args.rooms
    print(f"rooms {args.rooms}, events per room {len(lines):,}, viewers per room {states[0].viewers:,}")
    print(f"RSS growth: {total:,.0f} MiB in total, {per_room:,.1f} MiB per room (goal: total < 4096 MiB)")
    print(
        f"baseline: raw JSON of one room's events {raw_mib:,.1f} MiB; state per room / raw = "
        f"{per_room / raw_mib:.2f}"
    )
    print(f"updates: {args.rooms * len(lines) / (time.perf_counter() - t0):,.0f} events/s incl. JSON decode")


if __name__ == "__main__":
    main()
