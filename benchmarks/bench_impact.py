"""Causal impact benchmark: one analysis of 1,000 daily points with 3 control series (goal: < 5 s).

Run: python benchmarks/bench_impact.py [--points 1000] [--controls 3] [--draws 1000] [--repeat 3]

The series: three random-walk controls around 100 (a shared market factor plus their own walks),
the response a weighted sum of them plus noise, a +2 % lift over the last 300 points. What is timed
is ``kuaifan.growth.impact.causal_impact``: standardising, fitting the local level + regression
model (statsmodels ``UnobservedComponents``, coefficients as filter states), filtering, and drawing
``--draws`` joint posterior-predictive paths of the post-period for the average, cumulative and
relative effects, their intervals and the tail-area p-value.

Baseline, in the same process on the same data: statsmodels alone, the same model fitted and then
``get_forecast`` over the post-period (pointwise intervals only, no joint paths, no summary): what a
user of the library would run by hand. Both are timed by wall clock and CPU time (the machine may be
shared: CPU time is what the process spent); the best of ``--repeat`` runs is printed. Importing
statsmodels (paid once per process) is timed apart.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np

GOAL_S = 5.0
T = TypeVar("T")


def make_series(n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    market = np.cumsum(rng.normal(0, 0.5, n))
    x = 100 + market[:, None] + np.cumsum(rng.normal(0, 0.3, (n, k)), axis=0)
    w = rng.dirichlet(np.ones(k)) * 1.5
    y = x @ w + rng.normal(0, 0.8, n)
    start = n - 300
    y[start:] *= 1.02
    return y, x, start


def timed(fn: Callable[[], T], repeat: int) -> tuple[T, float, float]:
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    assert out is not None
    return out, best_wall, best_cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--controls", type=int, default=3)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    w0 = time.perf_counter()
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    from kuaifan.growth.impact import causal_impact

    import_s = time.perf_counter() - w0
    y, x, start = make_series(a.points, a.controls, a.seed)
    pre, post = (0, start - 1), (start, a.points - 1)

    def ours() -> object:
        return causal_impact(y, x, pre, post, draws=a.draws, seed=a.seed)

    def baseline() -> object:
        mu, sd = y[:start].mean(), y[:start].std(ddof=1)
        xm, xs = x[:start].mean(axis=0), x[:start].std(axis=0, ddof=1)
        model = UnobservedComponents(
            (y[:start] - mu) / sd, level="llevel", exog=(x[:start] - xm) / xs, mle_regression=False
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit(disp=False, maxiter=200)
        return fit.get_forecast(a.points - start, exog=(x[start:] - xm) / xs).summary_frame()

    result, wall, cpu = timed(ours, a.repeat)
    _, base_wall, base_cpu = timed(baseline, a.repeat)
    r = result
    print(f"import statsmodels + kuaifan.growth.impact: {import_s:.2f} s (once per process)")
    print(
        f"causal_impact, {a.points} points x {a.controls} controls, {a.draws} paths: "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU (goal < {GOAL_S:.0f} s: {'met' if wall < GOAL_S else 'MISSED'})"
    )
    print(f"baseline statsmodels fit + get_forecast: {base_wall:.2f} s wall, {base_cpu:.2f} s CPU")
    print(f"ratio causal_impact / baseline: {wall / base_wall:.2f}x wall, {cpu / base_cpu:.2f}x CPU")
    c = r.cumulative  # type: ignore[attr-defined]
    print(
        f"cumulative effect {c.abs_effect:,.0f} [{c.abs_effect_lower:,.0f}, {c.abs_effect_upper:,.0f}], "
        f"relative {c.rel_effect:+.2%} (true +2.00 %), p = {r.p_value:.4f}"  # type: ignore[attr-defined]
    )


if __name__ == "__main__":
    main()
