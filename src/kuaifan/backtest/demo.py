"""The demo step "signals → forecast → plan" for one simulated launch, on the production path.

    from kuaifan.backtest.demo import launch_plan
    step = launch_plan(seed=1, workdir=Path("out/demo"))
    step.day0          # per variant: kuaifan.signals' launch-stream demand vs the simulator's truth
    step.forecast      # per variant and day after the launch stream: p10 / p50 / p90
    step.first_batch   # what was ordered before the launch (variant -> units)
    step.stock, step.waiting   # on hand and pre-orders waiting the morning after the launch
    step.plan          # kuaifan plan's result that morning (PlanResult: orders, rules, per style)
    step.plan_input    # the plan input kuaifan forecast wrote for it

The shop's store holds its past launches and the launch stream (backtest.production); on the
morning after the launch the brand runs the signals, the forecast step and the planner on it,
exactly as ``kuaifan signals`` / ``kuaifan forecast`` / ``kuaifan plan`` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from kuaifan.backtest.launch import Launch, make_launches, mix_concentration
from kuaifan.backtest.policies import Scenario, first_batch
from kuaifan.backtest.production import open_shop, quick_response
from kuaifan.backtest.run import preseason
from kuaifan.errors import NotFoundError
from kuaifan.plan import PlanInput, PlanResult
from kuaifan.sim import DEFAULT_START


@dataclass(frozen=True, slots=True)
class LaunchStep:
    launch: Launch
    day0: pl.DataFrame  # per variant: kuaifan.signals' launch-stream demand vs the simulator's truth
    forecast: pl.DataFrame  # per variant and day: p10, p50, p90
    first_batch: dict[str, int]
    stock: dict[str, int]  # on hand the morning of the re-order (what the first batch left)
    waiting: dict[str, int]  # pre-orders (预售) waiting for stock that morning
    plan: PlanResult
    plan_input: PlanInput
    model: str  # the forecaster kuaifan forecast chose


def launch_plan(seed: int, workdir: Path, scenario: Scenario | None = None) -> LaunchStep:
    """Simulate the launch stream into the shop's store and run signals → forecast → plan on the
    morning after it, as quick response does in the backtest."""
    sc = scenario or Scenario(n_styles=1)
    sim_dir = workdir / f"sim-{seed}"
    launches, past = make_launches(seed, sim_dir, n_styles=1, horizon=sc.horizon, cv=sc.cv)
    if not launches:
        raise NotFoundError(
            f"种子 {seed}：没有首播需求足够的带尺码新款",
            f"seed {seed}: no sized style with enough launch demand",
        )
    launch = launches[0]
    first = {launch.style: first_batch(launch, preseason(launch, sc, mix_concentration(past), seed), sc)}
    launch_ms = int(DEFAULT_START.timestamp() * 1000)
    shop = open_shop(
        workdir / f"shop-{seed}", sorted((sim_dir / "events").glob("*.parquet")), past, launch_ms
    )
    try:
        qr = quick_response(shop, [launch], first, sc, seed, until=1)
    finally:
        shop.close()
    fp, res, rec = qr.last, qr.plans[-1], qr.forecasts[-1]
    assert fp is not None
    books = qr.books[launch.style]
    lo, hi = np.quantile(rec.variants, 0.1, axis=1), np.quantile(rec.variants, 0.9, axis=1)
    rows = [
        {"variant": sku, "day": rec.day + d, "p10": float(lo[i, d]), "p50": float(rec.p50[i, d]),
         "p90": float(hi[i, d])}
        for i, sku in enumerate(launch.variants)
        for d in range(rec.p50.shape[1])
    ]  # fmt: skip
    day0 = pl.DataFrame(
        {
            "variant": launch.variants,
            "color": launch.colors,
            "size": launch.sizes,
            "signals_demand": rec.history[:, 0],
            "true_demand": launch.demand[:, 0],
        }
    )
    batch = sum((o.qty for o in first[launch.style]), np.zeros(len(launch.variants)))
    waiting = books.waiting_units()
    return LaunchStep(
        launch=launch,
        day0=day0,
        forecast=pl.DataFrame(rows),
        first_batch={sku: int(q) for sku, q in zip(launch.variants, batch, strict=True)},
        stock={sku: round(float(q)) for sku, q in zip(launch.variants, books.stock, strict=True)},
        waiting={sku: round(float(q)) for sku, q in zip(launch.variants, waiting, strict=True)},
        plan=res,
        plan_input=fp.plan_input,
        model=fp.summary.model,
    )
