"""The backtest: per seed, launch styles; score quick_response, one_shot and oracle on the same demand.

Timeline (days): the first batch is ordered ``lead_time`` days before launch so that it arrives on
launch day (plan day 0 = launch − lead_time). Then:

- ``quick_response`` (kuaifan): first batch from the planner over pre-season scenarios (it knows it can
  re-order later); on launch days 1, 7, 14, 21 it reads the signals (day 0: kuaifan.signals on the
  simulated launch stream; later days: the days' demand), forecasts the rest of the horizon per
  variant (LightGBM quantiles per style, split top-down by the observed mix) and re-plans: stock and
  goods in transit as on hand, orders for now placed, arriving ``lead_time`` days later;
- ``one_shot``: one order before launch from the pre-season scenarios, no re-orders;
- ``oracle``: the realised demand known in advance, same review days, MOQ, lead time and costs.

All three are played on the realised demand by one ledger (lost sales): profit = revenue − purchase
− fixed order costs + salvage; leftover_rate = unsold / produced; fill_rate = served / demand.
Forecasts are scored against the realised days: WAPE of p50 per variant-day for the LightGBM model
and for the SES baseline (statsforecast) on the same cut-offs, and p10–p90 coverage.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from kuaifan.backtest.launch import F64, Launch, make_launches, preseason_paths
from kuaifan.forecast.baselines import StatsBaseline
from kuaifan.forecast.lgbm import LGBMQuantile, calibrate_interval
from kuaifan.forecast.topdown import expected_shares, top_down
from kuaifan.plan import SolverFailed, parse_plan_input, plan

POLICIES = ("quick_response", "one_shot", "oracle")
REVIEW_DAYS = (1, 7, 14, 21)  # launch days on which quick response re-plans
FACTORY = "F1"


@dataclass(frozen=True, slots=True)
class Scenario:
    cv: float = 0.75
    lead_time: int = 7
    moq: int = 100
    horizon: int = 28
    n_styles: int = 3
    n_scenarios: int = 12
    presale_wait: int = 7  # 预售: a buyer who finds no stock may wait this many days for delivery
    presale_cancel: float = 0.3  # share of those who cancel at once instead
    fixed_cost: float = 300.0
    capacity_per_day: float = 5000.0
    time_limit_s: float = 30.0


@dataclass(slots=True)
class Ledger:
    profit: float = 0.0
    revenue: float = 0.0
    demand: float = 0.0
    served: float = 0.0
    ordered: float = 0.0
    leftover: float = 0.0
    orders: int = 0

    def add(self, other: Ledger) -> None:
        for name in ("profit", "revenue", "demand", "served", "ordered", "leftover", "orders"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self, seeds: int) -> dict[str, float]:
        return {
            "profit": round(self.profit / max(seeds, 1), 2),
            "leftover_rate": round(self.leftover / self.ordered, 4) if self.ordered else 0.0,
            "fill_rate": round(self.served / self.demand, 4) if self.demand else 1.0,
        }


@dataclass(slots=True)
class ForecastScore:
    abs_err_lgbm: float = 0.0
    abs_err_ses: float = 0.0
    actual: float = 0.0
    covered: int = 0
    cells: int = 0

    def add(self, other: ForecastScore) -> None:
        for name in ("abs_err_lgbm", "abs_err_ses", "actual", "covered", "cells"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(slots=True)
class SeedResult:
    seed: int
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    forecast: ForecastScore = field(default_factory=ForecastScore)
    styles: int = 0


def play(
    launch: Launch,
    orders: Sequence[tuple[int, F64]],
    lead: int,
    fixed_cost: float,
    wait: int = 0,
    cancel: float = 1.0,
) -> Ledger:
    """Realised outcome of orders (plan day placed, qty per variant) on the launch's demand.

    Stock serves waiting pre-orders (oldest first), then the day's demand; of what finds no stock a
    share ``1 - cancel`` waits up to ``wait`` days (预售), the rest is lost.
    """
    v, h = launch.demand.shape
    arrivals = np.zeros((v, lead + h + 1))
    n_orders = 0
    ordered = np.zeros(v)
    for day, qty in orders:
        if qty.sum() <= 0:
            continue
        n_orders += 1
        ordered += qty
        arrivals[:, min(day + lead, lead + h)] += qty
    stock = arrivals[:, :lead].sum(axis=1)
    served = np.zeros(v)
    backlog = np.zeros((max(wait, 0), v))  # backlog[j]: pre-orders from j + 1 days ago
    for t in range(h):
        stock += arrivals[:, lead + t]
        for j in range(backlog.shape[0] - 1, -1, -1):
            take = np.minimum(stock, backlog[j])
            stock -= take
            backlog[j] -= take
            served += take
        take = np.minimum(stock, launch.demand[:, t])
        stock -= take
        served += take
        if backlog.shape[0]:
            backlog = np.concatenate([((1.0 - cancel) * (launch.demand[:, t] - take))[None], backlog[:-1]])
    revenue = float((launch.price * served).sum())
    profit = revenue - float((launch.unit_cost * ordered).sum()) - fixed_cost * n_orders
    profit += float((launch.salvage * stock).sum())
    return Ledger(profit, revenue, float(launch.demand.sum()), float(served.sum()), float(ordered.sum()),
                  float(stock.sum()), n_orders)  # fmt: skip


def _plan_input(
    launch: Launch, scenarios: F64, on_hand: F64, reviews: Sequence[int], sc: Scenario, buckets: int
) -> dict[str, Any]:
    return {
        "horizon_days": int(scenarios.shape[2]),
        "review_days": sorted(set(reviews)),
        "policy_buckets": buckets,
        "time_limit_s": sc.time_limit_s,
        # The planner needs the wait below the horizon (it fails on a longer one: reported to the lead).
        "presale": {
            "max_wait_days": min(sc.presale_wait, scenarios.shape[2] - 1),
            "cancel_share": sc.presale_cancel,
        }
        if sc.presale_wait > 0
        else None,
        "variants": [
            {
                "id": sku,
                "style": launch.style,
                "price": float(launch.price[i]),
                "unit_cost": float(launch.unit_cost[i]),
                "salvage_value": float(launch.salvage[i]),
                "on_hand": float(on_hand[i]),
                "demand_scenarios": scenarios[i].round(3).tolist(),
            }
            for i, sku in enumerate(launch.variants)
        ],
        "factories": [
            {
                "id": FACTORY,
                "lead_time_days": sc.lead_time,
                "capacity_per_day": sc.capacity_per_day,
                "moq_per_style": sc.moq,
                "fixed_cost_per_order": sc.fixed_cost,
            }
        ],
    }


def _orders_now(launch: Launch, data: dict[str, Any], sc: Scenario) -> tuple[F64, list[tuple[int, F64]]]:
    """Solve; return day-0 quantities and every order of the plan's own policy (for one-scenario plans)."""
    try:
        res = plan(parse_plan_input(data), time_limit_s=sc.time_limit_s)
    except SolverFailed:
        # No feasible plan in time: the same problem with one re-order rule per review day.
        res = plan(parse_plan_input({**data, "policy_buckets": 1}), time_limit_s=4 * sc.time_limit_s)
    index = {sku: i for i, sku in enumerate(launch.variants)}
    now = np.zeros(len(launch.variants))
    for o in res.orders:
        now[index[o.variant]] += o.qty
    later: dict[int, F64] = {}
    for rule in res.reorder_policy:
        if rule.probability < 1.0:
            continue
        for line in rule.orders:
            later.setdefault(rule.day, np.zeros(len(launch.variants)))[index[line.variant]] += line.qty
    return now, sorted(later.items())


def _pad(paths: F64, lead: int) -> F64:
    return np.concatenate([np.zeros((*paths.shape[:2], lead)), paths], axis=2)


def _style_history(launch: Launch, upto: int) -> tuple[F64, F64]:
    """Observed demand of days 0..upto-1: per variant (V, upto) and per style (upto,)."""
    obs = launch.demand[:, :upto].copy()
    obs[:, 0] = launch.observed_day0
    return obs, obs.sum(axis=0)


def _history_frame(ids: Sequence[str], values: F64, scale: Sequence[float]) -> pl.DataFrame:
    n, t = values.shape
    return pl.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(ids, dtype=object), t).tolist(),
            "ds": np.tile(np.arange(t), n),
            "y": values.ravel(),
            "scale": np.repeat(np.asarray(scale, dtype=np.float64), t),
        }
    )


def fit_launch_model(past: Sequence[Launch], seed: int) -> LGBMQuantile:
    """LightGBM quantile model over past launches (style level), interval calibrated to 80 % in-sample."""
    totals = np.stack([p.demand.sum(axis=0) for p in past])
    ids = [p.style for p in past]
    hist = _history_frame(ids, totals, totals[:, 0].tolist())
    model = LGBMQuantile(seed=seed).fit(hist)
    actual, qs = [], []
    for cut in REVIEW_DAYS:
        fc = model.predict(totals.shape[1] - cut, history=hist.filter(pl.col("ds") < cut), n_samples=1)
        q = fc.quantiles.sort("unique_id", "ds").select("p10", "p50", "p90").to_numpy()
        actual.append(hist.filter(pl.col("ds") >= cut).sort("unique_id", "ds")["y"].to_numpy())
        qs.append(q)
    model.interval_scale = calibrate_interval(np.concatenate(actual), np.concatenate(qs))
    return model


def run_launch(
    launch: Launch, model: LGBMQuantile, sc: Scenario, rng: np.random.Generator
) -> tuple[dict[str, Ledger], ForecastScore]:
    lead, h, n = sc.lead_time, launch.demand.shape[1], sc.n_scenarios
    v = len(launch.variants)
    zero = np.zeros(v)
    reviews_plan = [0] + [lead + d for d in REVIEW_DAYS if lead + d < lead + h]
    pre = _pad(preseason_paths(launch, rng, n), lead)

    one_now, _ = _orders_now(launch, _plan_input(launch, pre, zero, [0], sc, 1), sc)
    real = _pad(launch.demand[:, None, :], lead)
    oracle_now, oracle_later = _orders_now(launch, _plan_input(launch, real, zero, reviews_plan, sc, 1), sc)
    first, _ = _orders_now(launch, _plan_input(launch, pre, zero, reviews_plan, sc, 2), sc)

    qr_orders: list[tuple[int, F64]] = [(0, first)]
    score = ForecastScore()
    for r in REVIEW_DAYS:
        if r >= h:
            break
        obs_v, obs_style = _style_history(launch, r)
        hist = _history_frame([launch.style], obs_style[None, :], [max(float(obs_style[0]), 1.0)])
        fc = model.predict(h - r, history=hist, n_samples=n, seed=int(rng.integers(1 << 31)))
        samples = top_down(fc.samples[0], launch.prior_mix, obs_v.sum(axis=1), rng)  # (V, S, h-r)
        # Forecast scores on the realised days r..H-1.
        actual = launch.demand[:, r:]
        share = expected_shares(launch.prior_mix, obs_v.sum(axis=1))
        p50 = fc.quantiles.sort("ds")["p50"].to_numpy()[None, :] * share[:, None]
        lo, hi = np.quantile(samples, 0.1, axis=1), np.quantile(samples, 0.9, axis=1)
        ses = StatsBaseline("ses").predict(h - r, history=_history_frame(launch.variants, obs_v, [1.0] * v))
        ses_p50 = ses.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(v, h - r)
        order = np.argsort(np.asarray(launch.variants, dtype=object))
        actual_sorted = actual[order]
        score.add(
            ForecastScore(
                abs_err_lgbm=float(np.abs(p50 - actual).sum()),
                abs_err_ses=float(np.abs(ses_p50 - actual_sorted).sum()),
                actual=float(actual.sum()),
                covered=int(((actual >= lo) & (actual <= hi)).sum()),
                cells=int(actual.size),
            )
        )
        # Re-plan: stock + goods in transit as on hand, orders placed now arrive lead days later.
        placed = lead + r
        position = _position(launch, qr_orders, lead, r)
        future = [d - r for d in REVIEW_DAYS if d > r and d < h]
        now, _ = _orders_now(launch, _plan_input(launch, samples, position, [0, *future], sc, 2), sc)
        qr_orders.append((placed, now))

    ledgers = {
        name: play(launch, orders, lead, sc.fixed_cost, sc.presale_wait, sc.presale_cancel)
        for name, orders in (
            ("quick_response", qr_orders),
            ("one_shot", [(0, one_now)]),
            ("oracle", [(0, oracle_now), *oracle_later]),
        )
    }
    return ledgers, score


def _position(launch: Launch, orders: Sequence[tuple[int, F64]], lead: int, r: int) -> F64:
    """Stock at the start of launch day r plus everything ordered and not yet arrived."""
    v = len(launch.variants)
    arrived = np.zeros((v, r + 1))
    in_transit = np.zeros(v)
    for day, qty in orders:
        arrive = day  # placed on plan day d = launch day d - lead, so it arrives on launch day d
        if arrive < r:
            arrived[:, max(arrive, 0)] += qty
        else:
            in_transit += qty
    stock = np.zeros(v)
    for t in range(r):
        stock += arrived[:, t]
        stock -= np.minimum(stock, launch.demand[:, t])
    return stock + in_transit


def run_seed(seed: int, sc: Scenario, workdir: Path) -> SeedResult:
    launches, past = make_launches(seed, workdir / f"sim-{seed}", n_styles=sc.n_styles, horizon=sc.horizon,
                                   cv=sc.cv)  # fmt: skip
    model = fit_launch_model(past, seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(11,)))
    result = SeedResult(seed=seed, ledgers={p: Ledger() for p in POLICIES})
    for launch in launches:
        ledgers, score = run_launch(launch, model, sc, rng)
        for name, ledger in ledgers.items():
            result.ledgers[name].add(ledger)
        result.forecast.add(score)
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
