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

from kuaifan.plan.milp import F64, Problem, Solution
from kuaifan.plan.model import Expected, OrderLine, PlanInput, PlanResult, ReorderRule, RuleOrder
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


def _expected(pb: Problem, served: F64, stock: F64, orders: F64, fixed_cost: float) -> Expected:
    n_k = pb.shape[1]
    z_now = served[..., 0].sum(axis=(1, 2))
    z_pre = served[..., 1:].sum(axis=(1, 2, 3))
    served_v = z_now + z_pre
    demand_v = pb.demand.sum(axis=(1, 2))
    leftover_v = stock[:, :, -1].sum(axis=1)
    ordered_fv = orders.sum(axis=(2, 3))
    revenue = float((pb.price * (z_now + pb.presale_price_factor * z_pre)).sum()) / n_k
    purchase = float((ordered_fv * pb.unit_cost[None, :] * pb.factor[:, None]).sum()) / n_k
    salvage = float((pb.salvage * leftover_v).sum()) / n_k
    holding = float((pb.holding * stock.sum(axis=(1, 2))).sum()) / n_k
    shortage = float((pb.shortage * (demand_v - served_v)).sum()) / n_k
    demand = float(demand_v.sum()) / n_k
    served_total = float(served_v.sum()) / n_k
    ordered = float(ordered_fv.sum()) / n_k
    leftover = float(leftover_v.sum()) / n_k
    first = float(orders[:, :, :, 0].sum()) / n_k if len(pb.review) and pb.review[0] == 0 else 0.0
    available = float(pb.on_hand.sum() + pb.incoming.sum()) + ordered
    return Expected(
        profit=revenue - purchase - fixed_cost + salvage - holding - shortage,
        revenue=revenue,
        purchase_cost=purchase,
        fixed_order_cost=fixed_cost,
        salvage=salvage,
        holding_cost=holding,
        shortage_cost=shortage,
        demand_units=demand,
        served_units=served_total,
        presold_units=float(z_pre.sum()) / n_k,
        ordered_units=ordered,
        first_order_units=first,
        leftover_units=leftover,
        fill_rate=served_total / demand if demand > 0 else 1.0,
        leftover_rate=leftover / available if available > 0 else 0.0,
    )


def describe(inp: PlanInput, sol: Solution) -> PlanResult:
    pb = sol.problem
    orders = _per_scenario_orders(sol)
    expected = _expected(pb, sol.served, sol.stock, orders, sol.fixed_cost)
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

    return PlanResult(
        orders=now,
        reorder_policy=rules,
        expected=expected,
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

    Stock serves the oldest waiting pre-orders first, then the day's demand; unmet demand is lost,
    or with pre-sale a (1 - cancel_share) part waits up to max_wait_days.
    """
    d = np.array([v.demand_scenarios for v in inp.variants], dtype=np.float64) if demand is None else demand
    n_v, n_k, n_t = d.shape
    vidx = {v.id: i for i, v in enumerate(inp.variants)}
    fac = {f.id: f for f in inp.factories}
    style_vars: dict[str, list[int]] = {}
    for i, v in enumerate(inp.variants):
        style_vars.setdefault(v.style, []).append(i)
    unit_cost = np.array([v.unit_cost for v in inp.variants])

    arrivals = np.zeros((n_v, n_k, n_t + 1))
    for i, v in enumerate(inp.variants):
        for receipt in v.incoming:
            arrivals[i, :, min(receipt.day, n_t)] += receipt.qty
    bought = np.zeros(n_v)  # units over all scenarios
    spend = 0.0
    fixed = 0.0
    for o in result.orders:
        if o.delivery_day < n_t:
            arrivals[vidx[o.variant], :, o.delivery_day] += o.qty
        bought[vidx[o.variant]] += o.qty * n_k
        spend += o.qty * unit_cost[vidx[o.variant]] * fac[o.factory].unit_cost_factor * n_k
    for _day, fid, _style in {(o.day, o.factory, o.style) for o in result.orders}:
        fixed += fac[fid].fixed_cost_per_order * n_k  # one order per day, factory and style
    cum = np.concatenate([np.zeros((n_v, n_k, 1)), np.cumsum(d, axis=2)], axis=2)
    for rule in result.reorder_policy:
        seen = cum[style_vars[rule.style], :, rule.day].sum(axis=0)
        hit = np.ones(n_k, dtype=bool)
        if rule.min is not None:
            hit &= seen >= rule.min
        if rule.max is not None:
            hit &= seen < rule.max
        n_hit = int(hit.sum())
        for line in rule.orders:
            vi = vidx[line.variant]
            arrivals[vi, hit, min(line.delivery_day, n_t)] += line.qty
            bought[vi] += line.qty * n_hit
            spend += line.qty * unit_cost[vi] * fac[line.factory].unit_cost_factor * n_hit
        for fid in {line.factory for line in rule.orders}:
            fixed += fac[fid].fixed_cost_per_order * n_hit

    pre = inp.presale
    wait = min(pre.max_wait_days, n_t - 1) if pre is not None and pre.cancel_share < 1 else 0
    keep = 1.0 - pre.cancel_share if pre is not None else 0.0
    discount = 1.0 - (pre.price_discount if pre is not None else 0.0)
    stock = np.broadcast_to(np.array([v.on_hand for v in inp.variants])[:, None], (n_v, n_k)).copy()
    backlog = np.zeros((wait, n_v, n_k))  # backlog[j]: pre-orders from day t-1-j
    served_now = np.zeros((n_v, n_k))
    served_pre = np.zeros((n_v, n_k))
    held = np.zeros((n_v, n_k))
    for t in range(n_t):
        stock += arrivals[:, :, t]
        for j in range(wait - 1, -1, -1):
            take = np.minimum(stock, backlog[j])
            stock -= take
            backlog[j] -= take
            served_pre += take
        take = np.minimum(stock, d[:, :, t])
        stock -= take
        served_now += take
        if wait > 0:
            backlog = np.concatenate([(keep * (d[:, :, t] - take))[None], backlog[:-1]], axis=0)
        held += stock
    price = np.array([v.price for v in inp.variants])
    salvage_v = np.array([v.salvage_value for v in inp.variants])
    hold_v = np.array([v.holding_cost_per_day for v in inp.variants])
    short_v = np.array([v.shortage_cost for v in inp.variants])
    demand_v = d.sum(axis=(1, 2))
    served_v = served_now.sum(axis=1) + served_pre.sum(axis=1)
    revenue = float((price * (served_now.sum(axis=1) + discount * served_pre.sum(axis=1))).sum()) / n_k
    salvage = float((salvage_v * stock.sum(axis=1)).sum()) / n_k
    holding = float((hold_v * held.sum(axis=1)).sum()) / n_k
    shortage = float((short_v * (demand_v - served_v)).sum()) / n_k
    demand_units = float(demand_v.sum()) / n_k
    served_units = float(served_v.sum()) / n_k
    ordered = float(bought.sum()) / n_k
    leftover = float(stock.sum()) / n_k
    incoming = sum(r.qty for v in inp.variants for r in v.incoming if r.day < n_t)
    available = float(sum(v.on_hand for v in inp.variants) + incoming) + ordered
    return Expected(
        profit=revenue - spend / n_k - fixed / n_k + salvage - holding - shortage,
        revenue=revenue,
        purchase_cost=spend / n_k,
        fixed_order_cost=fixed / n_k,
        salvage=salvage,
        holding_cost=holding,
        shortage_cost=shortage,
        demand_units=demand_units,
        served_units=served_units,
        presold_units=float(served_pre.sum()) / n_k,
        ordered_units=ordered,
        first_order_units=float(sum(o.qty for o in result.orders)),
        leftover_units=leftover,
        fill_rate=served_units / demand_units if demand_units > 0 else 1.0,
        leftover_rate=leftover / available if available > 0 else 0.0,
    )
