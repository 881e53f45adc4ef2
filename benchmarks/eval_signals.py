"""Unmet demand while sold out: kuaifan.signals vs the simulator's ground truth, over 20 seeds.

    python benchmarks/eval_signals.py [--seeds 1-20] [--rooms 4] [--minutes 90] [--viewers 10000]

Per seed: room-level WAPE (Σ_rooms |estimate − truth| / Σ truth) of kuaifan's estimate and of the
naive baseline (units per minute before the sell-out × sold-out minutes), and the ratio of the two.
Goal (issue 6): within 15 % at room level.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from kuaifan.signals.evaluate import estimate_unmet, naive_unmet, room_errors, wape
from kuaifan.sim import SimConfig, simulate


def seeds_of(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--rooms", type=int, default=4)
    ap.add_argument("--minutes", type=int, default=90)
    ap.add_argument("--viewers", type=int, default=10_000)
    args = ap.parse_args()
    all_rooms: list[pl.DataFrame] = []
    all_naive: list[pl.DataFrame] = []
    t_est = 0.0
    print(f"{'seed':>4} {'true':>7} {'kuaifan':>8} {'naive':>8} {'WAPE':>6} {'naive':>6} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds_of(args.seeds):
            out = Path(tmp) / f"s{seed}"
            cfg = SimConfig(
                seed=seed, rooms=args.rooms, minutes=args.minutes, viewers=args.viewers, format="parquet"
            )
            simulate(cfg, out)
            events = pl.concat([pl.read_parquet(p) for p in sorted((out / "events").glob("*.parquet"))])
            truth = pl.read_parquet(out / "truth" / "variants.parquet")
            t0 = time.perf_counter()
            rooms = room_errors(estimate_unmet(events), truth)
            t_est += time.perf_counter() - t0
            naive = room_errors(naive_unmet(events), truth)
            all_rooms.append(rooms)
            all_naive.append(naive)
            w, wn = wape(rooms), wape(naive)
            print(
                f"{seed:>4} {rooms['true'].sum():>7.0f} {rooms['estimated'].sum():>8.1f} "
                f"{naive['estimated'].sum():>8.1f} {w:>6.1%} {wn:>6.1%} {w / wn if wn else 0:>6.2f}"
            )
    rooms, naive = pl.concat(all_rooms), pl.concat(all_naive)
    w, wn = wape(rooms), wape(naive)
    within = float((rooms["rel_error"].drop_nulls() <= 0.15).mean() or 0.0)
    print(
        f"all  room-level WAPE {w:.1%} (naive {wn:.1%}, ratio {w / wn:.2f}); "
        f"total estimate / truth {rooms['estimated'].sum() / rooms['true'].sum():.3f}; "
        f"rooms within 15 %: {within:.0%} of {rooms.height}; estimator time {t_est:.1f} s"
    )
    print(f"goal room-level WAPE <= 15 %: {'met' if w <= 0.15 else 'not met'}")


if __name__ == "__main__":
    main()
