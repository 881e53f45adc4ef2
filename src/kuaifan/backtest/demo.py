"""The demo step "signals → forecast → plan" for one simulated launch (what ``make demo`` shows).

from kuaifan.backtest.demo import launch_plan
step = launch_plan(seed=1, workdir=Path("out/demo"))
step.day0                  # per variant: kuaifan.signals' launch-stream demand vs the simulator's truth
step.forecast              # per variant and day after the launch stream: p10 / p50 / p90
step.first_batch           # what was ordered before launch (variant -> units)
step.stock, step.waiting   # on hand and pre-orders waiting the morning after the launch
step.plan.orders           # the re-order to place the morning after the launch (PlanResult)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from kuaifan.backtest.forecasts import observed, variant_paths
from kuaifan.backtest.launch import Launch, preseason_paths
from kuaifan.backtest.policies import Scenario, first_batch, plan_input, solve, stratified
from kuaifan.backtest.run import prepare_seed
from kuaifan.backtest.shop import run_shop
from kuaifan.forecast import expected_shares
from kuaifan.plan import PlanResult


@dataclass(frozen=True, slots=True)
class LaunchStep:
    launch: Launch
    day0: pl.DataFrame  # per variant: kuaifan.signals' launch-stream demand vs the simulator's truth
    forecast: pl.DataFrame  # per variant and day: p10, p50, p90
    first_batch: dict[str, int]
    stock: dict[str, int]  # on hand the morning of the re-order (what the first batch left)
    waiting: dict[str, int]  # pre-orders (预售) waiting for stock that morning
    plan: PlanResult


def launch_plan(seed: int, workdir: Path, scenario: Scenario | None = None) -> LaunchStep:
    """Simulate the launch stream, read its signals, forecast the rest of the horizon per variant and
    plan the re-order on the morning after, as quick response does in the backtest."""
    sc = scenario or Scenario(n_styles=1)
    data = prepare_seed(seed, sc, workdir)
    if not data.launches or not sc.reviews():
        raise ValueError(f"seed {seed}: no sized style with enough launch demand, or no review day")
    launch = data.launches[0]
    rng = np.random.default_rng(seed)
    preseason = stratified(preseason_paths(launch, rng, sc.n_samples, data.concentration), sc.n_scenarios)
    first = first_batch(launch, preseason, sc)
    r = sc.reviews()[0]
    state, _ = run_shop(launch, [(0, first)], sc.presale_wait, sc.presale_cancel, until=r)
    fc = data.forecasts[launch.style, r]
    paths = variant_paths(launch, fc, rng, data.concentration)
    scenarios = stratified(paths, sc.n_scenarios).copy()
    scenarios[:, :, 0] += state.waiting[:, None]
    days = [0] + [d - r for d in sc.reviews() if d > r]
    incoming = [(d - r, q) for d, q in state.incoming]
    _, _, result = solve(
        launch, plan_input(launch, scenarios, state.stock, days, sc, sc.policy_buckets, incoming), sc
    )
    share = expected_shares(launch.prior_mix, observed(launch, r).sum(axis=1))
    lo, hi = np.quantile(paths, 0.1, axis=1), np.quantile(paths, 0.9, axis=1)
    rows = [
        {"variant": sku, "day": r + d, "p10": float(lo[i, d]), "p50": float(fc.p50[d] * share[i]),
         "p90": float(hi[i, d])}
        for i, sku in enumerate(launch.variants)
        for d in range(fc.p50.size)
    ]  # fmt: skip
    day0 = pl.DataFrame(
        {
            "variant": launch.variants,
            "color": launch.colors,
            "size": launch.sizes,
            "signals_demand": launch.observed_day0,
            "true_demand": launch.demand[:, 0],
        }
    )
    batch = {sku: int(q) for sku, q in zip(launch.variants, first, strict=True)}
    stock = {sku: round(float(q)) for sku, q in zip(launch.variants, state.stock, strict=True)}
    waiting = {sku: round(float(q)) for sku, q in zip(launch.variants, state.waiting, strict=True)}
    return LaunchStep(
        launch=launch,
        day0=day0,
        forecast=pl.DataFrame(rows),
        first_batch=batch,
        stock=stock,
        waiting=waiting,
        plan=result,
    )
