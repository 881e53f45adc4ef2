"""The backtest: per seed, launch styles; score quick_response, one_shot and oracle on the same demand.

Per seed the simulator plays the launch streams (launch.py); the brand's forecaster is fitted on its
past launches; each new style is then played for ``horizon`` days by the three policies
(policies.py), whose orders one ledger scores on the realised demand (shop.py). Quick response sees
only what happened before each review day: the launch stream through kuaifan.signals, the later
days' demand, its own books. Forecasts are scored on the realised days after each review day: WAPE
of p50 per variant-day for the model and for SES (statsforecast) on the same cut-offs, and the
p10–p90 coverage of the model's sample paths.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kuaifan.backtest.forecasts import (
    ForecastScore,
    StyleForecast,
    fit_model,
    forecast_styles,
    score,
    ses_p50,
    variant_paths,
)
from kuaifan.backtest.launch import Launch, make_launches, preseason_paths
from kuaifan.backtest.policies import Scenario, first_batch, one_shot, oracle, reorder, stratified
from kuaifan.backtest.shop import Ledger, play, run_shop

POLICIES = ("quick_response", "one_shot", "oracle")


@dataclass(slots=True)
class SeedResult:
    seed: int
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    forecast: ForecastScore = field(default_factory=ForecastScore)
    styles: int = 0


def run_launch(
    launch: Launch,
    forecasts: dict[int, StyleForecast],
    sc: Scenario,
    rng: np.random.Generator,
    concentration: float | None = None,
) -> tuple[dict[str, Ledger], list[tuple[int, np.ndarray[Any, np.dtype[np.float64]]]]]:
    """Play the three policies on one launch; return their ledgers and quick response's orders."""
    k = sc.n_preseason if sc.preseason_level == "style" else sc.n_scenarios
    preseason = stratified(preseason_paths(launch, rng, sc.n_samples, concentration), k)
    qr = [(0, first_batch(launch, preseason, sc))]
    for r in sc.reviews():
        state, _ = run_shop(launch, qr, sc.presale_wait, sc.presale_cancel, until=r)
        paths = variant_paths(launch, forecasts[r], rng, concentration or 20.0)
        # placed on plan day lead + r, the re-order arrives on launch day lead + r
        qr.append((sc.lead_time + r, reorder(launch, state, paths, sc)))
    ledgers = {
        name: play(launch, orders, sc.fixed_cost, sc.presale_wait, sc.presale_cancel)
        for name, orders in (
            ("quick_response", qr),
            ("one_shot", one_shot(launch, preseason, sc)),
            ("oracle", oracle(launch, sc)),
        )
    }
    return ledgers, qr


def run_seed(seed: int, sc: Scenario, workdir: Path) -> SeedResult:
    launches, past = make_launches(seed, workdir / f"sim-{seed}", n_styles=sc.n_styles, horizon=sc.horizon,
                                   cv=sc.cv)  # fmt: skip
    result = SeedResult(seed=seed, ledgers={p: Ledger() for p in POLICIES})
    if not launches:
        return result
    days = sc.reviews()
    model = fit_model(past, seed, days or [1])
    forecasts = forecast_styles(model, launches, days, sc.n_samples, seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11,)))
    for r in days:
        ses = ses_p50(launches, r)
        for launch in launches:
            paths = variant_paths(launch, forecasts[launch.style, r], np.random.default_rng([seed, r]))
            result.forecast.add(score(launch, forecasts[launch.style, r], paths, ses))
    for launch in launches:
        ledgers, _ = run_launch(launch, {r: forecasts[launch.style, r] for r in days}, sc, rng)
        for name, ledger in ledgers.items():
            result.ledgers[name].add(ledger)
        result.styles += 1
    return result


def run_backtest(
    seeds: Sequence[int], sc: Scenario | None = None, progress: Callable[[SeedResult], None] | None = None
) -> dict[str, Any]:
    """Every seed; the JSON summary of ``kuaifan backtest --json``."""
    sc = sc or Scenario()
    totals = {p: Ledger() for p in POLICIES}
    fscore = ForecastScore()
    per_seed = []
    with tempfile.TemporaryDirectory(prefix="kuaifan-backtest-") as tmp:
        for seed in seeds:
            res = run_seed(seed, sc, Path(tmp))
            for p in POLICIES:
                totals[p].add(res.ledgers[p])
            fscore.add(res.forecast)
            per_seed.append({"seed": seed, **{p: res.ledgers[p].summary(1) for p in POLICIES}})
            if progress is not None:
                progress(res)
    n = len(seeds)
    qr, one, orc = (totals[p].summary(n) for p in POLICIES)
    return {
        "seeds": n,
        "scenario": {"cv": sc.cv, "lead_time": sc.lead_time, "moq": sc.moq, "horizon": sc.horizon},
        "policies": {"quick_response": qr, "one_shot": one, "oracle": orc},
        "ratios": {
            "qr_vs_oracle": round(qr["profit"] / orc["profit"], 4) if orc["profit"] else None,
            "qr_vs_one_shot": round(qr["profit"] / one["profit"], 4) if one["profit"] > 0 else None,
        },
        "forecast": {
            "wape_lgbm": round(fscore.abs_err_lgbm / fscore.actual, 4) if fscore.actual else None,
            "wape_ses": round(fscore.abs_err_ses / fscore.actual, 4) if fscore.actual else None,
            "coverage_p10_p90": round(fscore.covered / fscore.cells, 4) if fscore.cells else None,
        },
        "per_seed": per_seed,
    }
