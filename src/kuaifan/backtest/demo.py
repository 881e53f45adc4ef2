"""The demo step "signals → forecast → plan" for one simulated launch (what ``make demo`` shows).

from kuaifan.backtest.demo import launch_plan
step = launch_plan(seed=1, workdir=Path("out/demo"))
step.forecast.quantiles     # per variant and day after the launch stream: p10 / p50 / p90
step.plan.orders            # the re-order to place now (planner output, PlanResult)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from kuaifan.backtest.launch import Launch, make_launches
from kuaifan.backtest.run import Scenario, _history_frame, _plan_input, fit_launch_model
from kuaifan.forecast import expected_shares, top_down
from kuaifan.plan import PlanResult, parse_plan_input, plan


@dataclass(frozen=True, slots=True)
class LaunchStep:
    launch: Launch
    day0: pl.DataFrame  # per variant: kuaifan.signals' launch-stream demand vs the simulator's truth
    forecast: pl.DataFrame  # per variant and day: p10, p50, p90 (top-down from the style forecast)
    plan: PlanResult


def launch_plan(seed: int, workdir: Path, scenario: Scenario | None = None) -> LaunchStep:
    """Simulate the launch stream, read its signals, forecast 27 days per variant, plan the re-order."""
    sc = scenario or Scenario()
    launches, past = make_launches(seed, workdir, n_styles=1, horizon=sc.horizon, cv=sc.cv)
    if not launches:
        raise ValueError(f"seed {seed}: no sized style with enough launch demand")
    launch = launches[0]
    model = fit_launch_model(past, seed)
    h = sc.horizon - 1
    day0 = float(launch.observed_day0.sum())
    fc = model.predict(h, history=_history_frame([launch.style], np.array([[day0]]), [max(day0, 1.0)]),
                       n_samples=sc.n_scenarios, seed=seed)  # fmt: skip
    rng = np.random.default_rng(seed)
    samples = top_down(fc.samples[0], launch.prior_mix, launch.observed_day0, rng)
    share = expected_shares(launch.prior_mix, launch.observed_day0)
    style_q = fc.quantiles.sort("ds")
    rows = [
        {"variant": sku, "day": int(d), "p10": p10 * share[i], "p50": p50 * share[i], "p90": p90 * share[i]}
        for i, sku in enumerate(launch.variants)
        for d, p10, p50, p90 in style_q.select("ds", "p10", "p50", "p90").iter_rows()
    ]
    future = [d - 1 for d in (7, 14, 21) if d < sc.horizon]
    data = _plan_input(launch, samples, np.zeros(len(launch.variants)), [0, *future], sc, 2)
    result = plan(parse_plan_input(data), time_limit_s=sc.time_limit_s)
    day0_frame = pl.DataFrame(
        {
            "variant": launch.variants,
            "color": launch.colors,
            "size": launch.sizes,
            "signals_demand": launch.observed_day0,
            "true_demand": launch.demand[:, 0],
        }
    )
    return LaunchStep(launch=launch, day0=day0_frame, forecast=pl.DataFrame(rows), plan=result)
