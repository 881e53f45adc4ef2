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
from kuaifan.backtest.launch import Launch, make_launches, mix_concentration, preseason_paths, with_cv
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
    preseason = stratified(preseason_paths(launch, rng, sc.n_samples, concentration), sc.n_scenarios)
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


@dataclass(frozen=True, slots=True)
class SeedData:
    """What a seed's policies share: its launches, the brand's past and the forecasts."""

    seed: int
    cv: float
    launches: list[Launch]
    past: list[Launch]
    concentration: float
    forecasts: dict[tuple[str, int], StyleForecast]


def prepare_seed(seed: int, sc: Scenario, workdir: Path) -> SeedData:
    """Simulate the launch streams, fit the forecaster on the past launches, forecast every new style
    after every review day (whatever the lead time)."""
    launches, past = make_launches(seed, workdir / f"sim-{seed}", n_styles=sc.n_styles, horizon=sc.horizon,
                                   cv=sc.cv)  # fmt: skip
    days = [r for r in sc.review_days if 0 < r < sc.horizon]
    forecasts: dict[tuple[str, int], StyleForecast] = {}
    if launches and days:
        model = fit_model(past, seed, days)
        forecasts = forecast_styles(model, launches, days, sc.n_samples, seed)
    return SeedData(seed, sc.cv, launches, past, mix_concentration(past), forecasts)


def play_seed(data: SeedData, sc: Scenario) -> SeedResult:
    """The three policies on every launch of the seed (``sc.cv`` may differ from the prepared one)."""
    result = SeedResult(seed=data.seed, ledgers={p: Ledger() for p in POLICIES})
    rng = np.random.default_rng(np.random.SeedSequence(data.seed, spawn_key=(11,)))
    for launch in data.launches:
        forecasts = {r: data.forecasts[launch.style, r] for r in sc.reviews()}
        ledgers, _ = run_launch(with_cv(launch, sc.cv), forecasts, sc, rng, data.concentration)
        for name, ledger in ledgers.items():
            result.ledgers[name].add(ledger)
        result.styles += 1
    return result


def score_seed(data: SeedData, sc: Scenario) -> ForecastScore:
    """The forecasts after each review day against the realised days, with SES on the same days."""
    total = ForecastScore()
    for r in sc.reviews():
        ses = ses_p50(data.launches, r)
        for launch in data.launches:
            fc = data.forecasts[launch.style, r]
            paths = variant_paths(launch, fc, np.random.default_rng([data.seed, r]), data.concentration)
            total.add(score(launch, fc, paths, ses))
    return total


def run_seed(seed: int, sc: Scenario, workdir: Path) -> SeedResult:
    data = prepare_seed(seed, sc, workdir)
    result = play_seed(data, sc)
    if data.launches:
        result.forecast = score_seed(data, sc)
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
    out: dict[str, Any] = {
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
            # randomised PIT for counts (see forecasts.pit_coverage); bounds-included share beside it
            "coverage_p10_p90": round(fscore.covered_pit / fscore.cells, 4) if fscore.cells else None,
            "coverage_p10_p90_inclusive": round(fscore.covered / fscore.cells, 4) if fscore.cells else None,
        },
        "per_seed": per_seed,
    }
    out["goals"] = goals(out)
    return out


def goals(summary: dict[str, Any]) -> dict[str, bool | None]:
    """The issue's goals, met or not, from a summary."""
    qr = summary["policies"]["quick_response"]
    ratios, fc = summary["ratios"], summary["forecast"]

    def at_least(value: float | None, goal: float) -> bool | None:
        return None if value is None else value >= goal

    return {
        "qr_profit_ge_90pct_oracle": at_least(ratios["qr_vs_oracle"], 0.9),
        "qr_profit_ge_1.3x_one_shot": at_least(ratios["qr_vs_one_shot"], 1.3),
        "qr_leftover_le_10pct": qr["leftover_rate"] <= 0.10,
        "qr_fill_ge_95pct": qr["fill_rate"] >= 0.95,
        "wape_le_0.6x_ses": None
        if fc["wape_lgbm"] is None or fc["wape_ses"] is None
        else fc["wape_lgbm"] <= 0.6 * fc["wape_ses"],
        "coverage_75_85pct": None
        if fc["coverage_p10_p90"] is None
        else 0.75 <= fc["coverage_p10_p90"] <= 0.85,
    }
