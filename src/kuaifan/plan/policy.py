"""From a solved MIP to what a factory planner reads: orders now, re-order rules, expectations.

The re-order policy is the MIP's own decision structure (see milp.py): on each later review day,
per style, one rule per bucket of the style's demand to date,

    day 7, DRESS: if units demanded on days 0..6 are in [120, 180) → order F1: DRESS-黑色-M 60, …

``order_up_to`` restates each rule as a level: the mean, over the bucket's scenarios, of stock on
hand plus on order after placing it, for planners who think in order-up-to levels.

:func:`simulate` plays a plan (orders + rules) forward on demand paths. On the plan's own scenarios
with lost sales it reproduces the MIP's expected profit exactly; with pre-sale it can fall a little
short of it (it serves waiting buyers first come, first served, while the MIP allocates stock to
waiting and new buyers knowing each scenario's future). On fresh paths it is an honest
out-of-sample estimate of the policy. Fixed order costs are charged per order placed: one per
factory and style on each day (and, for re-orders, in each scenario whose rule fires).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from kuaifan.plan.fallback import Backorders
from kuaifan.plan.milp import F64, Problem, Solution, build_problem
from kuaifan.plan.model import Expected, OrderLine, PlanInput, PlanResult, ReorderRule, RuleOrder, VariantSpec
from kuaifan.plan.outcomes import Outcomes, Prices, expected, style_outlooks
from kuaifan.plan.solver import solve


def plan(inp: PlanInput, *, time_limit_s: float | None = None) -> PlanResult:
    """Solve the planning MIP and describe its decisions."""
    return describe(inp, solve(inp, time_limit_s=time_limit_s))


def _per_scenario_orders(sol: Solution) -> F64:
    """O[f, v, k, ri]: units each scenario orders at factory f on review day index ri."""
    pb = sol.problem
    n_v, n_k, _ = pb.shape
    orders = np.zeros((len(pb.lead), n_v, n_k, len(pb.review)))
    for g in sol.groups:
        bucket_of = pb.partitions[g.s, g.ri].bucket_of
        orders[g.f, g.variants, :, g.ri] = g.x_value[bucket_of].T
    return orders


def prices_of(pb: Problem) -> Prices:
    return Prices(
        pb.price, pb.presale_price_factor, pb.salvage, pb.holding, pb.shortage, pb.style_of, pb.styles
    )


def _outcomes(pb: Problem, sol: Solution, orders: F64) -> Outcomes:
    """The solved model's flows per variant and scenario."""
    n_v, n_k, _ = pb.shape
    back = np.zeros((n_v, n_k))
    np.add.at(back, pb.bo_variant, sol.back)
    bo_demand = np.bincount(pb.bo_variant, weights=pb.bo_qty, minlength=n_v)
    ordered = orders.sum(axis=3).sum(axis=0)  # (V, K)
    purchase = (orders.sum(axis=3) * (pb.unit_cost[None, :] * pb.factor[:, None])[:, :, None]).sum(axis=0)
    fixed = np.zeros((len(pb.styles), n_k))
    for g in sol.groups:
        placed = g.x_value.sum(axis=1) > 0.5  # (B,): a node that orders pays its fixed cost
        fixed[g.s] += float(pb.fixed[g.f]) * placed[pb.partitions[g.s, g.ri].bucket_of]
    first = orders[:, :, 0, 0].sum(axis=0) if len(pb.review) and pb.review[0] == 0 else np.zeros(n_v)
    return Outcomes(
        demand=pb.demand.sum(axis=2) + bo_demand[:, None],
        served_now=sol.served[..., 0].sum(axis=2),
        served_pre=sol.served[..., 1:].sum(axis=(2, 3)) + back,
        leftover=sol.stock[:, :, -1],
        held=sol.stock.sum(axis=2),
        ordered=ordered,
        first=first,
        purchase=purchase,
        fixed=fixed,
        available=(pb.on_hand + pb.incoming.sum(axis=1))[:, None] + ordered,
    )


def describe(inp: PlanInput, sol: Solution) -> PlanResult:
    pb = sol.problem
    orders = _per_scenario_orders(sol)
    outcomes = _outcomes(pb, sol, orders)
    variant_ids = [v.id for v in inp.variants]
    factory_ids = [f.id for f in inp.factories]
    start = inp.start_date

    now: list[OrderLine] = []
    for g in sol.groups:
        if g.day != 0:
            continue
        for i, v in enumerate(g.variants):
            qty = round(float(g.x_value[0, i]))
            if qty <= 0:
                continue
            price = float(pb.unit_cost[v] * pb.factor[g.f])
            now.append(
                OrderLine(
                    day=0,
                    factory=factory_ids[g.f],
                    variant=variant_ids[v],
                    style=pb.styles[g.s],
                    qty=qty,
                    unit_price=round(price, 4),
                    amount=round(price * qty, 2),
                    delivery_day=g.arrival,
                    delivery_date=start + timedelta(days=g.arrival) if start is not None else None,
                    product_name=inp.variants[v].name,
                    color=inp.variants[v].color,
                    size=inp.variants[v].size,
                )
            )
    now.sort(key=lambda o: (o.factory, o.style, o.variant))

    rules: list[ReorderRule] = []
    groups_by_key: dict[tuple[int, int], list[int]] = {}
    for gi, g in enumerate(sol.groups):
        if g.day > 0:
            groups_by_key.setdefault((g.ri, g.s), []).append(gi)
    for (ri, s), gis in sorted(groups_by_key.items()):
        part = pb.partitions[s, ri]
        day = int(pb.review[ri])
        position = _position(pb, sol.stock, orders, ri)  # (V, K)
        for bb in range(len(part.lows)):
            in_bucket = part.bucket_of == bb
            lines: list[RuleOrder] = []
            qty_by_variant: dict[int, float] = {}
            for gi in gis:
                g = sol.groups[gi]
                for i, v in enumerate(g.variants):
                    q = round(float(g.x_value[bb, i]))
                    if q > 0:
                        lines.append(
                            RuleOrder(
                                factory=factory_ids[g.f],
                                variant=variant_ids[v],
                                qty=q,
                                delivery_day=g.arrival,
                            )
                        )
                        qty_by_variant[int(v)] = qty_by_variant.get(int(v), 0.0) + q
            up_to = {
                variant_ids[v]: round(float(position[v, in_bucket].mean()) + q, 2)
                for v, q in sorted(qty_by_variant.items())
            }
            rules.append(
                ReorderRule(
                    day=day,
                    style=pb.styles[s],
                    min=part.lows[bb],
                    max=part.highs[bb],
                    probability=float(in_bucket.mean()),
                    orders=lines,
                    order_up_to=up_to,
                )
            )

    first_by: dict[tuple[int, str], float] = {}
    for o in now:
        key = (pb.styles.index(o.style), o.factory)
        first_by[key] = first_by.get(key, 0.0) + o.qty
    rule_factories: dict[int, set[str]] = {}
    for r in rules:
        rule_factories.setdefault(pb.styles.index(r.style), set()).update(x.factory for x in r.orders)
    prices = prices_of(pb)
    return PlanResult(
        orders=now,
        reorder_policy=rules,
        expected=expected(outcomes, prices),
        solver={
            "status": sol.status,
            "optimal": sol.optimal,
            "mip_gap": sol.mip_gap,
            "objective": sol.objective,
            "objective_bound": sol.bound if np.isfinite(sol.bound) else None,
            "time_s": round(sol.time_s, 4),
            "n_vars": sol.n_vars,
            "n_binary": sol.n_binary,
            "n_integer": sol.n_integer,
            "n_rows": sol.n_rows,
            "n_nonzeros": sol.n_nonzeros,
        },
        warnings=sol.warnings,
        horizon_days=inp.horizon_days,
        scenarios=pb.shape[1],
        start_date=start,
        demand_mode="presale" if pb.wait > 0 else "lost_sales",
        styles=style_outlooks(outcomes, prices, first_by, rule_factories),
        specs={
            v.id: VariantSpec(color=v.color, size=v.size)
            for v in inp.variants
            if v.color is not None or v.size is not None
        },
    )


def _position(pb: Problem, stock: F64, orders: F64, ri: int) -> F64:
    """Stock at the start of review day ri plus units on order that arrive on or after it."""
    day = int(pb.review[ri])
    on_hand = stock[:, :, day - 1] if day > 0 else np.broadcast_to(pb.on_hand[:, None], stock.shape[:2])
    pipeline: F64 = np.broadcast_to(pb.incoming[:, day:].sum(axis=1)[:, None], stock.shape[:2]).copy()
    for f, lead in enumerate(pb.lead):
        for rj in range(ri):
            if int(pb.review[rj]) + int(lead) >= day:
                pipeline += orders[f, :, :, rj]
    out: F64 = on_hand + pipeline
    return out


def simulate(inp: PlanInput, result: PlanResult, demand: F64 | None = None) -> Expected:
    """Play the plan's orders and re-order rules forward on demand paths (V, K, T); default the input's.

    Stock serves the pre-orders taken before day 0 first, then the oldest waiting pre-orders, then the
    day's demand; unmet demand is lost, or with pre-sale a (1 - cancel_share) part waits up to
    max_wait_days, losing cancel_per_day of those still waiting on each further day.
    """
    return expected(*played(inp, result, demand))


def played(inp: PlanInput, result: PlanResult, demand: F64 | None = None) -> tuple[Outcomes, Prices]:
    """The per-scenario outcomes of :func:`simulate` (for p10–p90 bands of a plan on fresh paths)."""
    from kuaifan.plan.fallback import greedy_flows

    pb = build_problem(inp)
    d = pb.demand if demand is None else demand
    n_v, n_k, n_t = d.shape
    vidx = {v.id: i for i, v in enumerate(inp.variants)}
    fac = {f.id: f for f in inp.factories}
    sidx = {s: i for i, s in enumerate(pb.styles)}
    arrivals = np.broadcast_to(pb.incoming[:, None, :], (n_v, n_k, n_t)).copy()
    ordered = np.zeros((n_v, n_k))
    purchase = np.zeros((n_v, n_k))
    fixed = np.zeros((len(pb.styles), n_k))
    first = np.zeros(n_v)
    for o in result.orders:
        vi = vidx[o.variant]
        if o.delivery_day < n_t:
            arrivals[vi, :, o.delivery_day] += o.qty
        ordered[vi] += o.qty
        first[vi] += o.qty
        purchase[vi] += o.qty * pb.unit_cost[vi] * fac[o.factory].unit_cost_factor
    for _day, fid, style in {(o.day, o.factory, o.style) for o in result.orders}:
        fixed[sidx[style]] += fac[fid].fixed_cost_per_order  # one order per day, factory and style
    cum = np.concatenate([np.zeros((n_v, n_k, 1)), np.cumsum(d, axis=2)], axis=2)
    for rule in result.reorder_policy:
        s = sidx[rule.style]
        seen = cum[pb.style_of == s, :, rule.day].sum(axis=0)
        hit = np.ones(n_k, dtype=bool)
        if rule.min is not None:
            hit &= seen >= rule.min
        if rule.max is not None:
            hit &= seen < rule.max
        for line in rule.orders:
            vi = vidx[line.variant]
            if line.delivery_day < n_t:
                arrivals[vi, hit, line.delivery_day] += line.qty
            ordered[vi, hit] += line.qty
            purchase[vi, hit] += line.qty * pb.unit_cost[vi] * fac[line.factory].unit_cost_factor
        for fid in {line.factory for line in rule.orders}:
            fixed[s, hit] += fac[fid].fixed_cost_per_order
    backorders = Backorders(pb.bo_variant, pb.bo_qty, pb.bo_last)
    flows = greedy_flows(d, pb.on_hand, arrivals, pb.wait, pb.keep, pb.hazard, backorders)
    back = np.zeros((n_v, n_k))
    np.add.at(back, pb.bo_variant, flows.back.sum(axis=2))
    bo_demand = np.bincount(pb.bo_variant, weights=pb.bo_qty, minlength=n_v)
    outcomes = Outcomes(
        demand=d.sum(axis=2) + bo_demand[:, None],
        served_now=flows.served[0].sum(axis=2),
        served_pre=sum((x.sum(axis=2) for x in flows.served[1:]), np.zeros((n_v, n_k))) + back,
        leftover=flows.stock[:, :, -1],
        held=flows.stock.sum(axis=2),
        ordered=ordered,
        first=first,
        purchase=purchase,
        fixed=fixed,
        available=(pb.on_hand + pb.incoming.sum(axis=1))[:, None] + ordered,
    )
    return outcomes, prices_of(pb)
