"""The shop's terms (factories, pre-sale, clearance) and the reference policies, all planned by
kuaifan's planner under the same constraints as quick response:

- ``one_shot``: the usual practice — one order from the base factory before the launch, from the
  pre-season scenarios; no re-orders, no pre-sale;
- ``oracle``: the whole realised demand known before the launch; every day a review day;
- ``information bound`` (``informed``): quick response's first batch, then from the morning after
  the launch the realised rest of the demand known: what the information allows;
- ``first_batch``: quick response's order before the launch (the production path, production.py,
  has no signals of a style before its launch stream): the planner on the pre-season scenarios,
  knowing it can re-order (and sell on pre-sale), then made lean within a tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kuaifan.backtest.launch import F64, SALVAGE_SHARE, Launch
from kuaifan.backtest.shop import Order, PresaleTerms
from kuaifan.plan import PlanResult, SolverFailed, parse_plan_input, plan
from kuaifan.plan.model import Factory, Presale

BASE, QUICK = "base", "quick"
RETRY_FACTOR = 6.0
LEAN_SCALES = (0.8, 0.65, 0.5, 0.4)


@dataclass(frozen=True, slots=True)
class Scenario:
    """The shop's terms and the backtest's settings. The levers default on; each can be switched
    off to see what it is worth (the sensitivity chart)."""

    cv: float = 0.75  # coefficient of variation of a style's total demand before launch
    lead_time: int = 7  # the base factory's
    moq: int = 100  # the base factory's, per style and order
    horizon: int = 28
    n_styles: int = 2
    n_scenarios: int = 12  # demand scenarios per plan
    n_samples: int = 200  # forecast sample paths (scored for coverage)
    policy_buckets: int = 2  # re-order rules per review day in a reference policy's plan
    qr_buckets: int = 3  # in quick response's plans (kuaifan forecast's costs file)
    preseason_buckets: int = 12  # in the first batch's plan: one re-order rule per scenario
    fixed_cost: float = 300.0
    capacity_per_day: float = 5000.0
    # the levers
    presale: bool = True  # 预售: the launch (and any stock-out) sells for later delivery
    polls: bool = True  # 共创 colour poll before production: the first batch's mix
    two_factories: bool = True  # a quick, dearer factory for re-orders beside the base one
    clearance: bool = True  # what is left sells in a clearance stream (清仓专场)
    # re-order reviews every day (else days 1, 7, 14, 21): off by default, it did not pay on the
    # tuning seeds (fixed costs and MOQs of many small orders; see docs/plan.md for the figures)
    daily_reviews: bool = False
    past_launches: bool = True  # the shop's own past launches in its store (else its first launch)
    # their terms
    quick_lead_time: int = 3
    quick_moq: int = 30
    quick_fixed_cost: float = 200.0
    quick_cost_factor: float = 1.12
    quick_capacity_per_day: float = 1500.0
    presale_wait: int = 7  # a pre-order ships within this many days or is refunded
    presale_cancel: float = 0.1  # of the buyers who find no stock, these do not pre-order
    presale_cancel_per_day: float = 0.03  # of those waiting, these cancel on each further day
    clearance_share: float = 0.22  # a clearance stream's net value of a unit, as a share of price
    lean_tolerance: float = 0.01  # share of expected profit the first batch gives up to be leaner
    time_limit_s: float = 5.0  # per plan; past it the planner returns its best plan so far
    mip_gap: float = 0.02

    def reviews(self) -> list[int]:
        """Launch days on which quick response runs signals → forecast → plan."""
        days = range(1, self.horizon) if self.daily_reviews else (1, 7, 14, 21)
        return [d for d in days if d + self.min_lead() < self.horizon]

    def min_lead(self) -> int:
        return min(self.lead_time, self.quick_lead_time) if self.two_factories else self.lead_time

    def factories(self, quick: bool | None = None) -> list[Factory]:
        out = [
            Factory(id=BASE, lead_time_days=self.lead_time, capacity_per_day=self.capacity_per_day,
                    moq_per_style=self.moq, fixed_cost_per_order=self.fixed_cost),
        ]  # fmt: skip
        if self.two_factories if quick is None else quick:
            out.append(
                Factory(id=QUICK, lead_time_days=self.quick_lead_time,
                        capacity_per_day=self.quick_capacity_per_day, moq_per_style=self.quick_moq,
                        fixed_cost_per_order=self.quick_fixed_cost, unit_cost_factor=self.quick_cost_factor)
            )  # fmt: skip
        return out

    def presale_terms(self) -> PresaleTerms | None:
        if not self.presale:
            return None
        return PresaleTerms(self.presale_wait, self.presale_cancel, self.presale_cancel_per_day)

    def presale_model(self) -> Presale | None:
        if not self.presale:
            return None
        return Presale(
            max_wait_days=self.presale_wait,
            cancel_share=self.presale_cancel,
            cancel_per_day=self.presale_cancel_per_day,
        )

    def salvage_share(self) -> float:
        return self.clearance_share if self.clearance else SALVAGE_SHARE

    def salvage(self, launch: Launch) -> F64:
        out: F64 = self.salvage_share() * launch.price
        return out


def stratified(paths: F64, k: int) -> F64:
    """k of the (V, S, T) paths at evenly spaced quantiles of their style total: a small scenario set
    that spans the distribution (the planner's sample average is then far less noisy)."""
    n = paths.shape[1]
    if n <= k:
        return paths
    order = np.argsort(paths.sum(axis=(0, 2)), kind="stable")
    picks = order[((np.arange(k) + 0.5) * n / k).astype(np.int64)]
    out: F64 = paths[:, picks, :]
    return out


def plan_input(
    launch: Launch,
    scenarios: F64,
    on_hand: F64,
    reviews: Sequence[int],
    sc: Scenario,
    buckets: int,
    *,
    factories: Sequence[Factory] | None = None,
    presale: bool = True,
    incoming: Sequence[tuple[int, F64]] = (),
    backorders: Sequence[tuple[F64, int]] = (),
) -> dict[str, Any]:
    """A plan input of one launch built in code (the reference policies and the first batch)."""
    horizon = int(scenarios.shape[2])
    salvage = sc.salvage(launch)
    model = sc.presale_model() if presale else None
    return {
        "horizon_days": horizon,
        "review_days": sorted({r for r in reviews if 0 <= r < horizon}),
        "policy_buckets": buckets,
        "time_limit_s": sc.time_limit_s,
        "mip_rel_gap": sc.mip_gap,
        "presale": model.model_dump() if model is not None else None,
        "variants": [
            {
                "id": sku,
                "style": launch.style,
                "name": launch.name,
                "color": launch.colors[i] or None,
                "size": launch.sizes[i] or None,
                "price": float(launch.price[i]),
                "unit_cost": float(launch.unit_cost[i]),
                "salvage_value": float(salvage[i]),
                "on_hand": float(on_hand[i]),
                "incoming": [{"day": d, "qty": float(q[i])} for d, q in incoming if q[i] > 0],
                "backorders": [
                    {"qty": float(q[i]), "max_wait_days": last} for q, last in backorders if q[i] > 0
                ],
                "demand_scenarios": scenarios[i].round(3).tolist(),
            }
            for i, sku in enumerate(launch.variants)
        ],
        "factories": [f.model_dump() for f in (factories if factories is not None else sc.factories())],
    }


def solve(launch: Launch, data: dict[str, Any], sc: Scenario) -> tuple[list[tuple[str, F64]], PlanResult]:
    """Plan; the orders to place now per factory and the planner's result."""
    inp = parse_plan_input(data)
    try:
        res = plan(inp, time_limit_s=sc.time_limit_s)
    except SolverFailed:
        # not even the LP relaxation in time (a busy machine): the same plan with more time
        res = plan(inp, time_limit_s=RETRY_FACTOR * sc.time_limit_s)
    return orders_now(launch, res), res


def orders_now(launch: Launch, res: PlanResult) -> list[tuple[str, F64]]:
    index = {sku: i for i, sku in enumerate(launch.variants)}
    now: dict[str, F64] = {}
    for o in res.orders:
        now.setdefault(o.factory, np.zeros(len(launch.variants)))[index[o.variant]] += o.qty
    return sorted(now.items())


def schedule(launch: Launch, res: PlanResult) -> list[tuple[int, str, F64]]:
    """Every order of a one-scenario plan: (plan day, factory, units), its rules being certain."""
    index = {sku: i for i, sku in enumerate(launch.variants)}
    out: dict[tuple[int, str], F64] = {}
    for o in res.orders:
        out.setdefault((0, o.factory), np.zeros(len(launch.variants)))[index[o.variant]] += o.qty
    for rule in res.reorder_policy:
        if rule.probability < 1.0:
            continue
        for line in rule.orders:
            out.setdefault((rule.day, line.factory), np.zeros(len(launch.variants)))[index[line.variant]] += (
                line.qty
            )
    return [(day, f, q) for (day, f), q in sorted(out.items())]


def as_orders(items: Sequence[tuple[int, str, F64]], offset: int, sc: Scenario) -> list[Order]:
    """Plan days + ``offset`` = launch days; each order arrives after its factory's lead time."""
    facs = {f.id: f for f in sc.factories(quick=True)}
    return [
        Order(day + offset, day + offset + facs[f].lead_time_days, q, f, facs[f].unit_cost_factor,
              facs[f].fixed_cost_per_order)
        for day, f, q in items
        if q.sum() > 0
    ]  # fmt: skip


def pad(paths: F64, days: int) -> F64:
    """Prefix ``days`` days without demand (the plan starts before the launch)."""
    return np.concatenate([np.zeros((*paths.shape[:2], days)), paths], axis=2)


def one_shot(launch: Launch, preseason: F64, sc: Scenario) -> list[Order]:
    """One order from the base factory before the launch, no re-orders, no pre-sale."""
    zero = np.zeros(len(launch.variants))
    base = sc.factories(quick=False)
    data = plan_input(launch, pad(preseason, sc.lead_time), zero, [0], sc, 1, factories=base, presale=False)
    now, _ = solve(launch, data, sc)
    return as_orders([(0, f, q) for f, q in now], -sc.lead_time, sc)


def oracle(launch: Launch, sc: Scenario) -> list[Order]:
    """The realised demand known before the launch; any day a review day."""
    zero = np.zeros(len(launch.variants))
    real = pad(launch.demand[:, None, :], sc.lead_time)
    days = list(range(real.shape[2]))
    _, res = solve(launch, plan_input(launch, real, zero, days, sc, 1), sc)
    return as_orders(schedule(launch, res), -sc.lead_time, sc)


def informed(
    launch: Launch, first: Sequence[Order], stock: F64, waiting: Sequence[tuple[F64, int]], sc: Scenario
) -> list[Order]:
    """The information bound: quick response's first batch, then from the morning of day 1 the
    realised demand of days 1.. known (``stock`` and the pre-orders ``waiting`` that morning, as
    (units, last day to ship counted from day 1))."""
    rest = launch.demand[:, 1:]
    incoming = [(o.arrive - 1, o.qty) for o in first if o.arrive > 1]
    days = list(range(rest.shape[1]))
    data = plan_input(launch, rest[:, None, :], stock, days, sc, 1, incoming=incoming, backorders=waiting)
    _, res = solve(launch, data, sc)
    return [*first, *as_orders(schedule(launch, res), 1, sc)]


def first_batch(launch: Launch, preseason: F64, sc: Scenario) -> list[Order]:
    """Quick response's order before the launch: planned knowing it can re-order and sell on
    pre-sale, then scaled down (``LEAN_SCALES``) while its expected profit, re-orders planned on the
    same scenarios, stays within ``sc.lean_tolerance`` of the best: what a batch too big costs when
    the pre-season forecast is far too high is not in the plan's sample."""
    lead = sc.lead_time
    later = [lead + r for r in (1, 4, 7, 14, 21) if lead + r < lead + sc.horizon]
    buckets = min(sc.preseason_buckets, 20)
    paths = pad(preseason, lead)
    zero = np.zeros(len(launch.variants))
    now, res = solve(launch, plan_input(launch, paths, zero, [0, *later], sc, buckets), sc)
    best = sum((q for f, q in now if f == BASE), zero)
    if best.sum() <= 0:
        return []
    target = res.expected.profit - sc.lean_tolerance * abs(res.expected.profit)
    choice = best
    for scale in LEAN_SCALES:
        smaller = np.floor(best * scale)
        if smaller.sum() < sc.moq:
            break
        # the smaller batch as stock on hand at launch, re-orders planned as before
        _, alt = solve(launch, plan_input(launch, paths, smaller, later, sc, buckets), sc)
        value = alt.expected.profit - float((smaller * launch.unit_cost).sum()) - sc.fixed_cost
        if value < target:
            break
        choice = smaller
    return as_orders([(0, BASE, choice)], -lead, sc)
