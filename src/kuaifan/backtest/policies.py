"""The three policies' decisions, all made by kuaifan's planner under the same constraints.

- ``one_shot``: one order before launch from the pre-season scenarios, no re-orders;
- ``quick_response``: a first batch before launch from the same scenarios, planned knowing it can
  re-order; then on each review day a re-plan over the rest of the horizon from the shop's books
  (stock, pre-orders waiting, goods in transit) and the forecast made that morning; only the
  orders for now are placed (rolling horizon);
- ``oracle``: the realised demand known in advance, same review days, MOQ, lead time and costs.

Plan day 0 of the pre-launch plans is ``lead`` days before the launch; a re-plan's day 0 is its
review day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kuaifan.backtest.launch import F64, Launch
from kuaifan.backtest.shop import ShopState
from kuaifan.plan import PlanResult, SolverFailed, parse_plan_input, plan

FACTORY = "F1"
RETRY_FACTOR = 6.0
LEAN_SCALES = (0.8, 0.65, 0.5, 0.4)


@dataclass(frozen=True, slots=True)
class Scenario:
    cv: float = 0.75  # coefficient of variation of a style's total demand before launch
    lead_time: int = 7
    moq: int = 100
    horizon: int = 28
    n_styles: int = 3
    review_days: tuple[int, ...] = (1, 7, 14, 21)  # launch days on which quick response re-plans
    n_scenarios: int = 12  # demand scenarios per plan (stratified from the forecast's samples)
    n_samples: int = 200  # forecast sample paths (scored for coverage, stratified for the planner)
    policy_buckets: int = 2  # re-order rules per review day in a re-plan
    # re-order rules per review day in the first batch's plan: one per scenario, as the rolling
    # re-plans adapt to each variant's sales (rules by the style's demand alone would not)
    preseason_buckets: int = 12
    presale_wait: int = 7  # 预售: a buyer who finds no stock may wait this many days for delivery
    presale_cancel: float = 0.3  # share of those who cancel at once instead
    fixed_cost: float = 300.0
    capacity_per_day: float = 5000.0
    lean_tolerance: float = 0.01  # share of expected profit quick response gives up for a leaner batch
    time_limit_s: float = 5.0  # per plan; past it the planner returns its best plan so far
    mip_gap: float = 0.02

    def reviews(self) -> list[int]:
        """Review days whose orders can still arrive within the horizon."""
        return [r for r in self.review_days if r > 0 and r + self.lead_time < self.horizon]


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
    incoming: Sequence[tuple[int, F64]] = (),
) -> dict[str, Any]:
    horizon = int(scenarios.shape[2])
    return {
        "horizon_days": horizon,
        "review_days": sorted({r for r in reviews if r < horizon}),
        "policy_buckets": buckets,
        "time_limit_s": sc.time_limit_s,
        "mip_rel_gap": sc.mip_gap,
        "presale": {"max_wait_days": sc.presale_wait, "cancel_share": sc.presale_cancel}
        if sc.presale_wait > 0
        else None,
        "variants": [
            {
                "id": sku,
                "style": launch.style,
                "name": launch.name,
                "color": launch.colors[i] or None,
                "size": launch.sizes[i] or None,
                "price": float(launch.price[i]),
                "unit_cost": float(launch.unit_cost[i]),
                "salvage_value": float(launch.salvage[i]),
                "on_hand": float(on_hand[i]),
                "incoming": [{"day": d, "qty": float(q[i])} for d, q in incoming if q[i] > 0],
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


def solve(
    launch: Launch, data: dict[str, Any], sc: Scenario
) -> tuple[F64, list[tuple[int, F64]], PlanResult]:
    """Plan; return the quantities to order now, the re-orders every scenario places (for one-scenario
    plans: the oracle's whole schedule) and the planner's result."""
    inp = parse_plan_input(data)
    try:
        res = plan(inp, time_limit_s=sc.time_limit_s)
    except SolverFailed:
        # not even the LP relaxation in time (a busy machine): the same plan with more time
        res = plan(inp, time_limit_s=RETRY_FACTOR * sc.time_limit_s)
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
    return now, sorted(later.items()), res


def pad(paths: F64, days: int) -> F64:
    """Prefix ``days`` days without demand (the plan starts before the launch)."""
    return np.concatenate([np.zeros((*paths.shape[:2], days)), paths], axis=2)


def split(total: float, mix: F64) -> F64:
    """Whole units per variant in proportion to ``mix``, summing to ``total`` (largest remainders)."""
    want = total * mix / mix.sum()
    out: F64 = np.floor(want)
    rest = round(total - out.sum())
    out[np.argsort(-(want - out), kind="stable")[:rest]] += 1
    return out


def one_shot(launch: Launch, preseason: F64, sc: Scenario) -> list[tuple[int, F64]]:
    """One order before launch, no re-orders (the usual practice): the planner's best for it."""
    zero = np.zeros(len(launch.variants))
    now, _, _ = solve(launch, plan_input(launch, pad(preseason, sc.lead_time), zero, [0], sc, 1), sc)
    return [(0, now)]


def oracle(launch: Launch, sc: Scenario) -> list[tuple[int, F64]]:
    zero = np.zeros(len(launch.variants))
    days = [0] + [sc.lead_time + r for r in sc.reviews()]
    real = pad(launch.demand[:, None, :], sc.lead_time)
    now, later, _ = solve(launch, plan_input(launch, real, zero, days, sc, 1), sc)
    return [(0, now), *later]


def first_batch(launch: Launch, preseason: F64, sc: Scenario) -> F64:
    """Quick response's order before launch: planned knowing it can re-order, then made lean.

    The planner's best first batch comes with one re-order rule per scenario after launch (the
    rolling re-plans adapt to each variant's sales). Its expected profit is flat around that batch,
    while what a batch too big costs when the pre-season forecast is far too high is not: so the
    batch is scaled down (``LEAN_SCALES``) as long as its expected profit, re-orders planned on the
    same scenarios, stays within ``sc.lean_tolerance`` of the best.
    """
    later = [sc.lead_time + r for r in sc.reviews()]
    buckets = min(sc.preseason_buckets, 20)
    paths = pad(preseason, sc.lead_time)
    zero = np.zeros(len(launch.variants))
    best, _, res = solve(launch, plan_input(launch, paths, zero, [0, *later], sc, buckets), sc)
    if not later or best.sum() <= 0:
        return best
    target = res.expected.profit - sc.lean_tolerance * abs(res.expected.profit)
    choice = best
    for scale in LEAN_SCALES:
        smaller = np.floor(best * scale)
        if smaller.sum() < sc.moq:
            break
        # the smaller batch as stock on hand at launch, re-orders planned as before
        _, _, alt = solve(launch, plan_input(launch, paths, smaller, later, sc, buckets), sc)
        value = alt.expected.profit - float((smaller * launch.unit_cost).sum()) - sc.fixed_cost
        if value < target:
            break
        choice = smaller
    return choice


def reorder(launch: Launch, state: ShopState, paths: F64, sc: Scenario) -> F64:
    """Quick response's re-plan on the morning of review day ``state.day`` (paths: days day..H-1)."""
    r = state.day
    scenarios = stratified(paths, sc.n_scenarios).copy()
    # pre-orders already waiting are demand to serve first: they join today's demand
    scenarios[:, :, 0] += state.waiting[:, None]
    days = [0] + [d - r for d in sc.reviews() if d > r]
    incoming = [(d - r, q) for d, q in state.incoming]
    data = plan_input(launch, scenarios, state.stock, days, sc, sc.policy_buckets, incoming)
    now, _, _ = solve(launch, data, sc)
    return now
