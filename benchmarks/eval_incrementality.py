"""Coverage of the incrementality estimate on simulated worlds where the truth is known.

For each seed, two simulator worlds that differ only in what store streams do to shelf sales
(``live_effect`` new vs moved), 3 rooms x 42 days, store streams from day 14 on about 60 % of days
(the world of tests/growth/test_incrementality.py).
Prints, per scenario, the mean error of the combined new share against the realised truth, the
share of 95 % intervals that contain the truth, the mean interval width, and how often the two
scenarios' intervals overlap. Seeds here (100-119 by default) are not the test's seeds.

    .venv/bin/python benchmarks/eval_incrementality.py [--seeds 100-119]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import datetime
from pathlib import Path

import polars as pl

from kuaifan.growth.incrementality import brand_incrementality, daily_panel
from kuaifan.growth.orders import paid_orders
from kuaifan.growth.settings import read_brands
from kuaifan.sim import SimConfig, simulate
from kuaifan.sim.config import SHANGHAI
from kuaifan.sim.writer import read_jsonl_events

WORLD = dict(
    rooms=3,
    minutes=30,
    viewers=3000,
    days=42,
    shelf=True,
    store_start_day=14,
    store_stream_share=0.6,
    shelf_orders=100.0,
    start=datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI),
)


def estimates(seed: int, effect: str, root: Path) -> list[dict[str, object]]:
    out = root / f"{effect}-{seed}"
    simulate(SimConfig(seed=seed, live_effect=effect, **WORLD), out, overwrite=True)  # type: ignore[arg-type]
    brands = read_brands(out / "growth" / "brands.csv")
    panel = daily_panel(paid_orders(read_jsonl_events(out), brands, "demo"))
    truth = json.loads((out / "truth" / "growth.json").read_text())["brands"]
    names = {v: k.split("-")[0] for k, v in brands.items()}
    rows = []
    for name in sorted(panel["brand"].unique().to_list()):
        r = brand_incrementality(panel, name)
        if r is None or r.combined is None:
            continue
        c = r.combined
        truth_share = truth[names[name]]["new_share"]
        rows.append(
            {
                "seed": seed,
                "effect": effect,
                "brand": name,
                "truth": truth_share,
                "share": c.new_share,
                "lower": c.lower,
                "upper": c.upper,
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="100-119")
    a, b = (int(x) for x in ap.parse_args().seeds.split("-"))
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(a, b + 1):
            for effect in ("new", "moved"):
                rows += estimates(seed, effect, Path(tmp))
    df = pl.DataFrame(rows).with_columns(
        (pl.col("share") - pl.col("truth")).alias("error"),
        ((pl.col("lower") <= pl.col("truth")) & (pl.col("truth") <= pl.col("upper"))).alias("covered"),
        (pl.col("upper") - pl.col("lower")).alias("width"),
    )
    summary = df.group_by("effect").agg(
        pl.len().alias("brands"),
        pl.col("error").mean().alias("mean_error"),
        pl.col("error").abs().mean().alias("mae"),
        pl.col("covered").mean().alias("coverage_95"),
        pl.col("width").mean().alias("mean_width"),
    )
    print(summary.sort("effect"))
    pairs = df.filter(pl.col("effect") == "new").join(
        df.filter(pl.col("effect") == "moved"), on=["seed", "brand"]
    )
    overlap = (pairs["lower"] <= pairs["upper_right"]) & (pairs["lower_right"] <= pairs["upper"])
    print(
        f"pairs {pairs.height}, intervals overlapping {int(overlap.sum())}; {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
