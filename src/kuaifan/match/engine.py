"""``match``: orders and factories in, a priced and explained plan out (``MatchResult``)."""

from __future__ import annotations

from datetime import timedelta

from kuaifan.match.diagnose import unmatched_reasons
from kuaifan.match.explain import Explainer
from kuaifan.match.factories import FactorySet
from kuaifan.match.instance import Instance, build_instance
from kuaifan.match.orders import MatchOrder, MatchSettings, OrderSet, SkuLine
from kuaifan.match.plan import MatchPlan, Placement, placement_cost
from kuaifan.match.result import (
    Assignment,
    Delivery,
    LineOut,
    MatchResult,
    OrderOutcome,
    SolverOut,
    Totals,
)
from kuaifan.match.solve import SolveReport, solve

EXPLAIN_LIMIT = 2_000  # orders explained at most (each prices its alternatives)


def match(
    orders: OrderSet, factories: FactorySet, settings: MatchSettings | None = None, explain: bool = True
) -> MatchResult:
    """Assign the orders to factories (see :mod:`kuaifan.match.solve`), explain every order."""
    settings = settings or MatchSettings()
    inst = build_instance(orders, factories, settings)
    plan, report = solve(inst)
    return describe(inst, plan, report, orders.tenant, explain)


def split_lines(lines: list[SkuLine], parts: list[int]) -> list[list[LineOut]]:
    """The order's colour × size lines shared over factories making ``parts`` units each: every
    factory gets the order's size and colour mix (largest remainders), lines and parts both add up."""
    total = sum(line.qty for line in lines)
    out: list[list[LineOut]] = [[] for _ in parts]
    if not lines or total == 0:
        return out
    left = [line.qty for line in lines]
    for k, part in enumerate(parts):
        if k == len(parts) - 1:
            share = left[:]
        else:
            want = [line.qty * part / total for line in lines]
            share = [min(int(w), left[n]) for n, w in enumerate(want)]
            order = sorted(range(len(lines)), key=lambda n: -(want[n] - int(want[n])))
            for n in order:
                if sum(share) >= part:
                    break
                if share[n] < left[n]:
                    share[n] += 1
        for n, line in enumerate(lines):
            if share[n] > 0:
                out[k].append(LineOut(sku=line.sku, color=line.color, size=line.size, qty=share[n]))
            left[n] -= share[n]
    return out


def describe(
    inst: Instance, plan: MatchPlan, report: SolveReport, tenant: str | None, explain: bool = True
) -> MatchResult:
    explainer = Explainer(inst, plan) if explain else None
    assignments: list[Assignment] = []
    outcomes: list[OrderOutcome] = []
    totals = [0.0, 0.0, 0.0, 0.0]
    for i, o in enumerate(inst.orders):
        mine = sorted(plan.of_order(inst, i), key=lambda pl: -pl.qty)
        lines = split_lines(list(o.lines), [pl.qty for pl in mine])
        cost = 0.0
        for pl, part_lines in zip(mine, lines, strict=True):
            a = _assignment(inst, o, pl, part_lines, tenant)
            assignments.append(a)
            c = placement_cost(inst, pl)
            totals = [totals[0] + c.purchase, totals[1] + c.setup, totals[2] + c.risk, totals[3] + c.late]
            cost += c.total
        made = sum(pl.qty for pl in mine)
        status = (
            "unmatched"
            if made == 0
            else "partial"
            if made < o.qty
            else "split"
            if len(mine) > 1
            else "matched"
        )
        explanation = explainer.explain(i) if explainer is not None and mine and i < EXPLAIN_LIMIT else None
        outcomes.append(
            OrderOutcome(
                order_id=o.id,
                tenant=o.tenant or tenant,
                style=o.style,
                product_name=o.product_name,
                qty=o.qty,
                due_date=inst.start_date + timedelta(days=int(inst.due[i])),
                status=status,
                made_qty=made,
                unmet_qty=o.qty - made,
                cost=round(cost, 2),
                factories=[inst.factories[inst.pairs[pl.pair].factory].id for pl in mine],
                explanation=explanation,
            )
        )
    made_units = sum(oc.made_qty for oc in outcomes)
    total_units = sum(o.qty for o in inst.orders)
    saving = (report.greedy_cost - report.objective) / report.greedy_cost if report.greedy_cost > 0 else 0.0
    return MatchResult(
        start_date=inst.start_date,
        tenant=tenant,
        assignments=assignments,
        orders=outcomes,
        unmatched=unmatched_reasons(inst, plan),
        totals=Totals(
            purchase=round(totals[0], 2),
            setup=round(totals[1], 2),
            risk=round(totals[2], 2),
            late=round(totals[3], 2),
            total=round(sum(totals), 2),
            units=total_units,
            units_made=made_units,
            units_unmet=total_units - made_units,
            orders=len(outcomes),
            orders_matched=sum(oc.unmet_qty == 0 for oc in outcomes),
            orders_split=sum(oc.status == "split" for oc in outcomes),
        ),
        solver=SolverOut(
            status=report.status,
            optimal=report.optimal,
            gap=round(report.gap, 6),
            objective=round(report.objective, 2),
            bound=round(report.bound, 2),
            greedy_cost=round(report.greedy_cost, 2),
            saving_vs_greedy=round(saving, 6),
            time_s=round(report.time_s, 3),
            parts=report.parts,
            n_vars=report.n_vars,
            n_binary=report.n_binary,
            n_rows=report.n_rows,
        ),
        settings=inst.settings,
    )


def _assignment(
    inst: Instance, o: MatchOrder, pl: Placement, lines: list[LineOut], tenant: str | None
) -> Assignment:
    pair = inst.pairs[pl.pair]
    f = inst.factories[pair.factory]
    tier = pair.tier_of(pl.qty)
    c = placement_cost(inst, pl)
    deliveries = [
        Delivery(date=inst.start_date + timedelta(days=d + f.ship_days), qty=u) for d, u in pl.by_day
    ]
    late = sum(u for d, u in pl.by_day if d > pair.deadline)
    return Assignment(
        order_id=o.id,
        tenant=o.tenant or tenant,
        style=o.style,
        product_name=o.product_name,
        category=o.category,
        factory_id=f.id,
        factory_name=f.name,
        belt=f.belt,
        city=f.city,
        qty=pl.qty,
        unit_price=round(tier.unit, 4),
        price_factor=tier.factor,
        tier_min_qty=tier.lo,
        amount=round(pl.qty * tier.unit, 2),
        setup_cost=round(c.setup, 2),
        risk_cost=round(c.risk, 2),
        late_cost=round(c.late, 2),
        total_cost=round(c.total, 2),
        production_start=inst.start_date + timedelta(days=pair.start),
        delivery_date=deliveries[-1].date,
        deliveries=deliveries,
        late_units=late,
        on_time=late == 0,
        work_factor=o.work_factor,
        lines=lines,
    )
