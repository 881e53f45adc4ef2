"""Forecasting benchmark: 10,000 variant series end to end (goal: < 10 s).

Run: python benchmarks/bench_forecast.py [--series 10000] [--day 1] [--samples 200] [--seed 1]

What runs is the forecaster the backtest's quick_response policy uses (kuaifan.backtest.forecasts):
LightGBM's median model (mlforecast) on the styles' daily demand scaled by their launch stream,
level-calibrated on held-out past launches (:class:`kuaifan.forecast.LevelCalibrated`, 3 folds,
cut-offs at the review days 1, 7, 14, 21), fitted on the brand's past launches; then the forecast of
every new style after ``--day`` days of history, split over its colour × size variants top-down
(:func:`kuaifan.forecast.split_styles`: the backtest's top_down model, Dirichlet mix + Poisson
counts, for all styles in one call). Output: p10/p50/p90 per variant-day and ``--samples`` demand
paths per variant over the rest of the 28-day horizon (what the planner takes as demand scenarios).
Timed from the past launches to the variant forecast: fit, style forecast, split (each printed).

The series: about 1,300 new styles of 4–12 variants (1–2 colours × 4–6 sizes) until there are
``--series`` variants, as many past styles with their full 28 days to learn from, drawn with a
seeded generator the way kuaifan.backtest.launch draws launches (its daily curve: afterglow, decay,
weekend lift, daily noise; a true mix around the brand's size curve; Poisson counts; the launch
stream seen through kuaifan.signals with ~15 % error). The history frame is the backtest's:
unique_id, ds, y and the ``scale`` feature (the launch stream's demand).

Baseline, in the same process on the same variant series and cut-off: statsforecast SES through the
same interface (:class:`kuaifan.forecast.StatsBaseline`, quantiles and sample paths), the backtest's
yard-stick; with one day of history (``--day 1``) statsforecast cannot fit and the series' last
value is carried forward, from ``--day 2`` on SES is fitted. Both are timed by wall clock and CPU
time (the machine may be shared: CPU time is what the process spent, wall clock includes waiting for
a core); LightGBM's and polars' thread counts are printed with the figures. Importing lightgbm,
mlforecast and statsforecast (what a long-running process pays once) is timed apart.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import polars as pl

from kuaifan.backtest.forecasts import fit_model, history_frame, observed
from kuaifan.backtest.launch import Launch, daily_curve, mix_concentration, sigma_of
from kuaifan.backtest.policies import Scenario
from kuaifan.forecast import Forecast, LGBMQuantile, StatsBaseline, split_styles

GOAL_S = 10.0
SIZE_CURVE = np.array([0.08, 0.22, 0.30, 0.24, 0.11, 0.05])  # XS..XXL: the brand's size curve
SIGNALS_ERROR = 0.15  # log-sd of kuaifan.signals' estimate of a launch stream's demand
T = TypeVar("T")


def make_styles(n_series: int, horizon: int, rng: np.random.Generator, prefix: str) -> list[Launch]:
    """Styles of 1–2 colours × 4–6 sizes until there are ``n_series`` variants in all."""
    out: list[Launch] = []
    total = 0
    while total < n_series:
        colours = int(rng.integers(1, 3))
        n_sizes = int(rng.integers(4, 7))
        size_w = SIZE_CURVE[:n_sizes] / SIZE_CURVE[:n_sizes].sum()
        prior = np.outer(np.full(colours, 1.0 / colours), size_w).ravel()
        keep = min(prior.size, n_series - total)  # the last style may lose a few variants
        prior = prior[:keep] / prior[:keep].sum()
        true_mix = rng.dirichlet(30.0 * prior)
        d0 = float(rng.lognormal(np.log(120.0), 0.8))  # the launch stream's demand for the style
        lam = d0 * daily_curve(rng, horizon, int(rng.integers(0, 7)))[None, :] * true_mix[:, None]
        demand = rng.poisson(lam).astype(np.float64)
        seen = demand[:, 0] * rng.lognormal(0.0, SIGNALS_ERROR, keep)
        style = f"{prefix}{len(out):05d}"
        price = np.full(keep, float(rng.choice([59.0, 89.0, 129.0, 199.0])))
        out.append(
            Launch(
                style=style,
                name=style,
                variants=[f"{style}-{c}{s}" for c in range(colours) for s in range(n_sizes)][:keep],
                sizes=[str(s) for c in range(colours) for s in range(n_sizes)][:keep],
                colors=[str(c) for c in range(colours) for s in range(n_sizes)][:keep],
                price=price,
                demand=demand,
                observed_day0=np.round(seen),
                true_mix=true_mix,
                prior_mix=prior,
                preseason_total=float(demand.sum()),
                sigma=sigma_of(0.75),
            )
        )
        total += keep
    return out


@dataclass(frozen=True, slots=True)
class Timed:
    wall: float
    cpu: float


def timed(fn: Callable[[], T]) -> tuple[T, Timed]:
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, Timed(time.perf_counter() - w0, time.process_time() - c0)


def variant_frame(launches: list[Launch], day: int) -> pl.DataFrame:
    """The variant series as the forecaster receives them: unique_id, ds, y, scale (days 0..day-1)."""
    ids = [sku for launch in launches for sku in launch.variants]
    values = np.concatenate([observed(launch, day) for launch in launches])
    return history_frame(ids, values, [1.0] * len(ids))


def production(
    past: list[Launch], launches: list[Launch], day: int, n_samples: int, seed: int, stages: dict[str, Timed]
) -> Forecast:
    """quick_response's forecaster: fit on the past launches, forecast the styles after ``day`` days
    (the history frame of kuaifan.backtest.forecasts.forecast_styles), split them to variants."""
    cuts = [r for r in Scenario().review_days if r < past[0].demand.shape[1]]
    model, stages["fit"] = timed(lambda: fit_model(past, seed, cuts))

    def styles() -> Forecast:
        totals = np.stack([observed(launch, day).sum(axis=0) for launch in launches])
        scale = np.maximum(totals[:, 0], 1.0).tolist()
        hist = history_frame([launch.style for launch in launches], totals, scale)
        h = launches[0].demand.shape[1] - day
        return model.predict(h, history=hist, n_samples=n_samples, seed=seed + day)

    def variants(fc: Forecast) -> Forecast:
        mix = pl.DataFrame(
            {
                "style": [launch.style for launch in launches for _ in launch.variants],
                "unique_id": [sku for launch in launches for sku in launch.variants],
                "prior": np.concatenate([launch.prior_mix for launch in launches]),
                "observed": np.concatenate([observed(launch, day).sum(axis=1) for launch in launches]),
            }
        )
        return split_styles(fc, mix, prior_weight=mix_concentration(past), seed=seed)

    fc, stages["predict styles"] = timed(styles)
    out, stages["split to variants"] = timed(lambda: variants(fc))
    return out


def warm_imports() -> None:
    """The libraries the forecasters import on first use (a long-running process pays this once)."""
    import lightgbm  # noqa: F401
    import mlforecast  # noqa: F401
    import statsforecast  # noqa: F401


def baseline(launches: list[Launch], day: int, n_samples: int, seed: int) -> Forecast:
    hist = variant_frame(launches, day)
    return StatsBaseline("ses").fit(hist).predict(launches[0].demand.shape[1] - day, n_samples=n_samples,
                                                  seed=seed)  # fmt: skip


def wape_of(fc: Forecast, launches: list[Launch], day: int) -> float:
    actual = np.concatenate([launch.demand[:, day:] for launch in launches])
    order = {sku: i for i, sku in enumerate(sku for launch in launches for sku in launch.variants)}
    rows = np.array([order[u] for u in fc.ids])
    p50 = fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(len(fc.ids), -1)
    return float(np.abs(p50 - actual[rows]).sum() / actual.sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=10_000, help="variant series to forecast")
    ap.add_argument("--day", type=int, default=1, help="days of history (review day), 1..27")
    ap.add_argument("--samples", type=int, default=Scenario().n_samples, help="sample paths per variant")
    ap.add_argument("--horizon", type=int, default=Scenario().horizon)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    launches = make_styles(a.series, a.horizon, rng, "N")
    past = make_styles(a.series, a.horizon, rng, "P")
    h = a.horizon - a.day
    n_var = sum(len(launch.variants) for launch in launches)
    cores = len(os.sched_getaffinity(0))
    threads = LGBMQuantile().params["n_jobs"]
    print(
        f"{n_var:,} variant series in {len(launches):,} styles ({n_var / len(launches):.1f} variants each), "
        f"{a.day} day(s) of history, horizon {h} days, {a.samples} sample paths; fitted on "
        f"{len(past):,} past styles × {a.horizon} days"
    )
    print(
        f"one process; cores available {cores}; LightGBM threads {threads}; "
        f"polars threads {pl.thread_pool_size()}"
    )

    _, t_import = timed(warm_imports)
    stages: dict[str, Timed] = {}
    fc, t_prod = timed(lambda: production(past, launches, a.day, a.samples, a.seed, stages))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base, t_base = timed(lambda: baseline(launches, a.day, a.samples, a.seed))
    assert fc.samples.shape == (n_var, a.samples, h) and fc.quantiles.height == n_var * h
    assert base.samples.shape == fc.samples.shape

    print(
        f"production (LightGBM p50 + level calibration + top-down split, fit + predict): "
        f"wall {t_prod.wall:.2f} s, CPU {t_prod.cpu:.2f} s, {n_var / t_prod.wall:,.0f} series/s, "
        f"WAPE {wape_of(fc, launches, a.day):.3f}"
    )
    for name, t in stages.items():
        print(f"  {name}: wall {t.wall:.2f} s, CPU {t.cpu:.2f} s")
    print(
        f"baseline statsforecast SES (same series, same interface): wall {t_base.wall:.2f} s, "
        f"CPU {t_base.cpu:.2f} s, {n_var / t_base.wall:,.0f} series/s, "
        f"WAPE {wape_of(base, launches, a.day):.3f}"
    )
    print(
        f"ratio production / SES: {t_prod.wall / t_base.wall:.1f}x wall, {t_prod.cpu / t_base.cpu:.1f}x CPU; "
        f"peak RSS up to the end of production {peak:,.0f} MiB"
    )
    print(f"(not timed: importing lightgbm, mlforecast, statsforecast once, wall {t_import.wall:.2f} s)")
    goal = t_prod.wall < GOAL_S
    print(f"goal (< {GOAL_S:g} s for {n_var:,} series): {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()
