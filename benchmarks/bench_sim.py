"""Simulator throughput: N rooms × M minutes × V viewers per room, in worker processes.

    python benchmarks/bench_sim.py                      # 100 rooms × 240 min × 100,000 viewers, 2 workers
    python benchmarks/bench_sim.py --rooms 4 --minutes 60 --viewers 20000

Prints events, events/s, wall time, bytes written and peak RSS (this process + its workers,
sampled), and two ratios against baselines run in this same process:

- serial: room 1 generated alone in this process, extrapolated per event to the whole run
  (how much the worker processes buy);
- write floor: polars writing room 1's events as NDJSON from a ready frame, extrapolated per
  event (how far generation + writing is from just writing the rows).
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

import orjson
import polars as pl
import psutil

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, spec_text
from kuaifan.sim import SimConfig, simulate


class PeakRss:
    """Samples the RSS of this process and all its children every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a worker may just have exited
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the workers, once joined)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _frame(path: Path) -> pl.DataFrame:
    rows = []
    for line in path.read_bytes().splitlines():
        r = orjson.loads(line)
        rows.append({c: (spec_text(r.get(c)) if c == "spec" else r.get(c)) for c in EVENT_COLUMNS})
    return pl.DataFrame(rows, schema=POLARS_SCHEMA)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rooms", type=int, default=100)
    ap.add_argument("--minutes", type=int, default=240)
    ap.add_argument("--viewers", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--out", type=Path, default=None, help="keep the output here (default: temp dir, removed)"
    )
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-sim-"))
    out = args.out or tmp / "run"
    config = SimConfig(
        seed=args.seed, rooms=args.rooms, minutes=args.minutes, viewers=args.viewers, workers=args.workers
    )
    try:
        # Baseline 1: one room in this process (no workers).
        one = simulate(config.model_copy(update={"rooms": 1, "workers": 1}), tmp / "one")
        # Baseline 2: only writing that room's rows with polars.
        frame = _frame(tmp / "one" / "events" / "room-001.jsonl")
        t = time.perf_counter()
        frame.write_ndjson(tmp / "floor.jsonl")
        write_s = time.perf_counter() - t

        before = _cpu()
        with PeakRss() as rss:
            summary = simulate(config, out, overwrite=args.out is not None)
        cpu_s = _cpu() - before

        per_event_serial = one.wall_s / one.events
        per_event_write = write_s / one.events
        serial_s = per_event_serial * summary.events
        floor_s = per_event_write * summary.events
        print(
            f"sim: {summary.rooms} rooms × {summary.minutes} min × {args.viewers:,} viewers, "
            f"{args.workers} workers"
        )
        print(f"  events        {summary.events:,}  ({summary.events / summary.rooms:,.0f} per room)")
        print(f"  wall time     {summary.wall_s:.1f} s")
        print(f"  events/s      {summary.events_per_s:,.0f}")
        print(f"  written       {summary.bytes_written / 1e9:.2f} GB")
        print(f"  CPU time      {cpu_s:.1f} s (this process + workers, user + sys) → "
              f"{cpu_s / args.workers:.1f} s wall on {args.workers} otherwise idle cores")  # fmt: skip
        print(f"  peak RSS      {rss.peak / 2**20:,.0f} MiB (this process + workers)")
        print(f"  baseline 1    1 room in-process: {one.wall_s:.2f} s for {one.events:,} events → "
              f"{serial_s:.1f} s extrapolated serial; speed-up ×{serial_s / summary.wall_s:.2f}")  # fmt: skip
        print(f"  baseline 2    polars write_ndjson of the same rows: {write_s:.2f} s per room → "
              f"{floor_s:.1f} s for the run; sim/write ratio ×{summary.wall_s / floor_s:.2f}")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
