"""The backtest: per seed, simulated launches played by quick response on the production path and
by the reference policies on the same realised demand.

Per seed the simulator plays the launch streams (launch.py gives each new style its realised days
after the launch and a pre-season forecast with the scenario's CV). Quick response is kuaifan as a
brand runs it (production.py): the store, the signals, the forecast step and the planner, day by
day. One-shot, the information bound and the oracle are planned in code by the same planner
(policies.py); one set of books scores them all (shop.py). A seed that fails is reported with its
seed and error and the run goes on.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from polars.exceptions import PanicException

from kuaifan.backtest.forecasts import ForecastScore, score
from kuaifan.backtest.launch import Launch, make_launches, mix_concentration, preseason_paths
from kuaifan.backtest.policies import Scenario, first_batch, informed, one_shot, oracle, stratified
from kuaifan.backtest.production import open_shop, quick_response
from kuaifan.backtest.shop import Books, Ledger, Order, play
from kuaifan.sim import DEFAULT_START

POLICIES = ("quick_response", "one_shot", "information_bound", "oracle")


@dataclass(slots=True)
class SeedResult:
    seed: int
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    forecast: ForecastScore = field(default_factory=ForecastScore)
    styles: int = 0
    models: list[str] = field(default_factory=list)
    seconds: float = 0.0


def preseason(launch: Launch, sc: Scenario, concentration: float, seed: int) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11, len(launch.variants))))
    paths = preseason_paths(launch, rng, sc.n_samples, concentration, polls=sc.polls)
    return stratified(paths, sc.n_scenarios)


def information_bound(launch: Launch, first: list[Order], sc: Scenario) -> list[Order]:
    """Quick response's first batch, the launch day played, then the rest of the demand known."""
    books = Books(launch, sc.presale_terms(), sc.salvage(launch))
    for o in first:
        books.place(o)
    books.morning()
    books.sell(launch.demand[:, 0], sc.presale)
    waiting = books.backorders()  # as seen on the morning of day 1
    return informed(launch, first, books.stock.copy(), [(q, last) for q, last in waiting], sc)


def run_seed(seed: int, sc: Scenario, workdir: Path, policies: Sequence[str] = POLICIES) -> SeedResult:
    t0 = time.perf_counter()
    sim_dir = workdir / f"sim-{seed}"
    launches, past = make_launches(seed, sim_dir, n_styles=sc.n_styles, horizon=sc.horizon, cv=sc.cv)
    result = SeedResult(seed=seed, ledgers={p: Ledger() for p in POLICIES}, styles=len(launches))
    if not launches:
        return result
    concentration = mix_concentration(past)
    scen = {x.style: preseason(x, sc, concentration, seed) for x in launches}
    first = {x.style: first_batch(x, scen[x.style], sc) for x in launches}
    launch_ms = int(DEFAULT_START.timestamp() * 1000)
    shop = open_shop(
        workdir / f"shop-{seed}", sorted((sim_dir / "events").glob("*.parquet")), past, launch_ms
    )
    try:
        qr = quick_response(shop, launches, first, sc, seed)
    finally:
        shop.close()
    result.models = qr.models
    presale = sc.presale_terms()
    for x in launches:  # the reference policies asked for, on the same realised demand
        salvage = sc.salvage(x)
        result.ledgers["quick_response"].add(qr.books[x.style].close())
        if "one_shot" in policies:
            result.ledgers["one_shot"].add(play(x, one_shot(x, scen[x.style], sc), salvage))
        if "information_bound" in policies:
            orders = information_bound(x, first[x.style], sc)
            result.ledgers["information_bound"].add(play(x, orders, salvage, presale))
        if "oracle" in policies:
            result.ledgers["oracle"].add(play(x, oracle(x, sc), salvage, presale))
    by_style = {x.style: x for x in launches}
    for rec in qr.forecasts:
        result.forecast.add(score(by_style[rec.style], rec))
    result.seconds = time.perf_counter() - t0
    return result


def run_backtest(
    seeds: Sequence[int],
    sc: Scenario | None = None,
    progress: Callable[[SeedResult], None] | None = None,
    failed: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """Every seed; the JSON summary of ``kuaifan backtest --json``. A seed that raises is listed
    under ``failures`` (seed, error, the last lines of its traceback) and left out of the totals."""
    sc = sc or Scenario()
    totals = {p: Ledger() for p in POLICIES}
    fscore = ForecastScore()
    per_seed: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    models: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="kuaifan-backtest-") as tmp:
        for seed in seeds:
            try:
                res = run_seed(seed, sc, Path(tmp))
            except (Exception, PanicException) as exc:  # a seed's failure is a finding, not the end
                where = "".join(traceback.format_exception(exc, limit=-3)).strip().splitlines()
                failures.append({"seed": seed, "error": f"{type(exc).__name__}: {exc}", "where": where[-6:]})
                if failed is not None:
                    failed(seed, f"{type(exc).__name__}: {exc}")
                continue
            for p in POLICIES:
                totals[p].add(res.ledgers[p])
            fscore.add(res.forecast)
            for m in res.models:
                models[m] = models.get(m, 0) + 1
            per_seed.append(
                {"seed": seed, "styles": res.styles, "seconds": round(res.seconds, 1),
                 **{p: res.ledgers[p].summary(1) for p in POLICIES}}
            )  # fmt: skip
            if progress is not None:
                progress(res)
    n = len(per_seed)
    summaries = {p: totals[p].summary(n) for p in POLICIES}
    qr = summaries["quick_response"]

    def ratio(other: str, positive: bool = False) -> float | None:
        base = summaries[other]["profit"]
        return round(qr["profit"] / base, 4) if base and (base > 0 or not positive) else None

    out: dict[str, Any] = {
        "seeds": n,
        "seed_list": [s["seed"] for s in per_seed],
        "scenario": scenario_dict(sc),
        "policies": summaries,
        "ratios": {
            "qr_vs_oracle": ratio("oracle"),
            "qr_vs_one_shot": ratio("one_shot", positive=True),
            "qr_vs_information_bound": ratio("information_bound"),
            "information_bound_vs_oracle": round(
                summaries["information_bound"]["profit"] / summaries["oracle"]["profit"], 4
            )
            if summaries["oracle"]["profit"]
            else None,
        },
        "forecast": {**fscore.summary(), "models": models},
        "per_seed": per_seed,
        "failures": failures,
    }
    out["goals"] = goals(out)
    return out


def scenario_dict(sc: Scenario) -> dict[str, Any]:
    return {
        "cv": sc.cv, "lead_time": sc.lead_time, "moq": sc.moq, "horizon": sc.horizon,
        "styles_per_seed": sc.n_styles,
        "levers": {"presale": sc.presale, "polls": sc.polls, "two_factories": sc.two_factories,
                   "clearance": sc.clearance, "daily_reviews": sc.daily_reviews},
        "past_launches": sc.past_launches,
    }  # fmt: skip


def goals(summary: dict[str, Any]) -> dict[str, bool | None]:
    """The issue's goals, met or not, from a summary."""
    qr = summary["policies"]["quick_response"]
    ratios, fc = summary["ratios"], summary["forecast"]

    def at_least(value: float | None, goal: float) -> bool | None:
        return None if value is None else value >= goal

    return {
        "qr_profit_ge_1.5x_one_shot": at_least(ratios["qr_vs_one_shot"], 1.5),
        "qr_profit_ge_85pct_oracle": at_least(ratios["qr_vs_oracle"], 0.85),
        "qr_leftover_le_15pct": qr["leftover_rate"] <= 0.15 if summary["seeds"] else None,
        "qr_fill_ge_93pct": qr["fill_rate"] >= 0.93 if summary["seeds"] else None,
        "qr_profit_ge_95pct_information_bound": at_least(ratios["qr_vs_information_bound"], 0.95),
        "wape_le_0.6x_ses": None
        if fc["wape_model"] is None or fc["wape_ses"] is None
        else fc["wape_model"] <= 0.6 * fc["wape_ses"],
        "coverage_75_85pct": None
        if fc["coverage_p10_p90"] is None
        else 0.75 <= fc["coverage_p10_p90"] <= 0.85,
    }
