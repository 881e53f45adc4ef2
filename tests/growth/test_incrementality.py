"""Incremental or moved: on two simulated worlds that differ only in what store streams do to the
shelf, the estimate finds each world's new share, and the two worlds' intervals do not overlap."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from growthhelpers import WORLD

from kuaifan.growth.incrementality import brand_incrementality, daily_panel
from kuaifan.growth.orders import paid_orders
from kuaifan.growth.settings import read_brands
from kuaifan.sim import SimConfig, simulate
from kuaifan.sim.writer import read_jsonl_events

SEEDS = (1, 2, 3)


def estimates(
    world: dict[str, object], seed: int, effect: str, out: Path
) -> dict[str, tuple[float, float, float, float]]:
    """Per brand with store streams: (true new share, estimate, lower, upper)."""
    simulate(SimConfig(seed=seed, live_effect=effect, **world), out)  # type: ignore[arg-type]
    brands = read_brands(out / "growth" / "brands.csv")
    truth = json.loads((out / "truth" / "growth.json").read_text())["brands"]
    panel = daily_panel(paid_orders(read_jsonl_events(out), brands, "demo"))
    found = {}
    for brand_id, t in truth.items():
        r = brand_incrementality(panel, brands[f"{brand_id}-p001"])
        assert r is not None and r.combined is not None
        assert (r.pre_days, r.post_days) == (14, 28) and r.on_days + r.off_days == 28
        found[brand_id] = (t["new_share"], r.combined.new_share, r.combined.lower, r.combined.upper)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_new_and_moved_worlds_are_told_apart(seed: int, tmp_path: Path) -> None:
    new = estimates(WORLD, seed, "new", tmp_path / "new")
    moved = estimates(WORLD, seed, "moved", tmp_path / "moved")
    assert new.keys() == moved.keys() and len(new) == 2  # the store rooms' brands, b1 and b3
    for brand in new:
        (t1, e1, lo1, _), (t0, e0, _, hi0) = new[brand], moved[brand]
        assert (
            t1 == 1.0 and t0 < 0.35
        )  # moved: the shelf lost most of the store GMV (it cannot lose more than it had)
        assert abs(e1 - t1) < 0.3 and abs(e0 - t0) < 0.3, (brand, new[brand], moved[brand])
        assert hi0 < lo1, (brand, new[brand], moved[brand])  # the intervals do not overlap


def test_too_few_days_or_no_store_streams_give_no_estimate() -> None:
    days = pl.int_range(0, 10, eager=True)
    panel = pl.DataFrame(
        {
            "brand": ["a"] * 10 + ["b"] * 10,
            "day": pl.concat([days, days]),
            "shelf_gmv_fen": [1000] * 20,
            "store_gmv_fen": [0] * 5 + [500] * 5 + [0] * 10,
            "influencer_gmv_fen": [0] * 20,
        }
    )
    a = brand_incrementality(panel, "a")
    assert a is not None and a.combined is None and (a.pre_days, a.post_days) == (5, 5)
    assert brand_incrementality(panel, "b") is None
