"""The factory's view (有产能、没品牌): which open demand fits its spare capacity, and what it earns.

Demand comes from the brands (tenants) that share it: an order set's ``sharing.share_with`` lists
'*' (every factory), a factory id, 'belt:<产业带>' or 'account:<tenant>'; nothing is shared by default.
Each shared order (or forecast re-order, weighted by its probability) the factory can make is sized
to what its free capacity allows by the order's last acceptable day, priced at its own quote, and
its margin is quote − its own cost (``cost_factor`` × the reference cost) per unit. The best set is
the mix of those that fits the capacity together with the most expected margin (a small MIP).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from kuaifan.errors import NotFoundError
from kuaifan.match.book import FactoryBook
from kuaifan.match.factories import Factory, FactorySet
from kuaifan.match.greedy import fill
from kuaifan.match.instance import Instance, build_instance
from kuaifan.match.milp import _capacity_rows, _Cols, _lp, _Rows
from kuaifan.match.orders import MatchOrder, MatchSettings, OrderSet
from kuaifan.plan.solver import new_highs


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemandFit(_Out):
    """One shared order (or forecast re-order) as this factory sees it."""

    rank: int = Field(description="by expected margin among the demand that fits; 0: does not fit")
    order_id: str
    brand: str = Field(description="the tenant, or an alias when it does not show its name")
    kind: Literal["order", "forecast_reorder"]
    probability: float
    product_name: str | None
    category: str
    qty: int = Field(description="units asked")
    fit_qty: int = Field(description="units this factory can make for it by its last acceptable day")
    due_date: date
    delivery_date: date | None
    late_units: int
    unit_price: float = Field(description="this factory's quote per unit at fit_qty (元)")
    margin: float = Field(description="fit_qty × (quote − own cost) (元)")
    expected_margin: float = Field(description="margin × probability, less lateness if late (元)")
    capacity_days: float = Field(description="days of its full capacity the units take")
    in_best_set: bool
    not_fit: (
        Literal["process", "quick_response", "export", "belt", "excluded", "moq", "date", "capacity"] | None
    ) = None


class FactoryInfo(_Out):
    id: str
    name: str
    belt: str
    capacity_per_day: float
    moq_per_style: int
    spare_units_14d: float = Field(description="free capacity over the next 14 days")
    spare_units_30d: float


class BestSet(_Out):
    orders: list[str] = Field(description="brand/order id of each item taken")
    units: int
    margin: float
    expected_margin: float
    capacity_share: float = Field(description="share of its free capacity to the last due day it takes")


class FactoryView(_Out):
    """Output of ``kuaifan match --for-factory ID --json``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="kuaifan match factory view")

    factory: FactoryInfo
    start_date: date
    brands_sharing: int
    items: list[DemandFit]
    best_set: BestSet
    other_categories: int = Field(description="shared demand of categories it does not make (not listed)")


def admits(demand: OrderSet, f: Factory) -> bool:
    targets = set(demand.sharing.share_with) if demand.sharing else set()
    return bool(targets & {"*", f.id, f"belt:{f.belt}"} or (f.account and f"account:{f.account}" in targets))


def brand_name(demand: OrderSet, order: MatchOrder) -> str:
    tenant = order.tenant or demand.tenant or "-"
    if demand.sharing is not None and demand.sharing.show_brand:
        return tenant
    return "品牌-" + hashlib.sha256(tenant.encode()).hexdigest()[:6]


@dataclass
class _Item:
    order: MatchOrder
    brand: str


def pooled(demand: list[OrderSet], f: Factory, start: date) -> tuple[OrderSet | None, list[_Item], int]:
    """The shared demand as one order set from ``start``: days re-counted, ids made unique per brand."""
    items: list[_Item] = []
    orders: list[MatchOrder] = []
    brands: set[str] = set()
    for k, ds in enumerate(demand):
        if not admits(ds, f):
            continue
        shift = (ds.start_date - start).days
        for o in ds.orders:
            due = ds.start_date + timedelta(days=ds.due_day(o))
            release = max(0, o.release_day + shift)
            renamed = o.model_copy(
                update={
                    "id": f"{k}:{o.id}",
                    "due_date": due,
                    "due_day": None,
                    "release_day": release,
                    "tenant": o.tenant or ds.tenant,
                    "exclude_factories": [],
                }
            )
            orders.append(renamed)
            items.append(_Item(o, brand_name(ds, o)))
            brands.add(o.tenant or ds.tenant or "-")
    if not orders:
        return None, [], 0
    return OrderSet(start_date=start, orders=orders), items, len(brands)


def factory_view(
    factory_id: str,
    factories: FactorySet,
    demand: list[OrderSet],
    settings: MatchSettings | None = None,
    start: date | None = None,
) -> FactoryView:
    settings = settings or MatchSettings()
    f = factories.by_id().get(factory_id)
    if f is None:
        raise NotFoundError(
            f"没有这个工厂：{factory_id}", f"no such factory: {factory_id}", factory_id=factory_id
        )
    start = start or min((d.start_date for d in demand), default=date.today())
    pool, items, n_brands = pooled(demand, f, start)
    horizon_free = FactorySet(start_date=factories.start_date, factories=[f])
    info = _info(f, factories, start)
    if pool is None:
        return FactoryView(
            factory=info,
            start_date=start,
            brands_sharing=0,
            items=[],
            best_set=BestSet(orders=[], units=0, margin=0, expected_margin=0, capacity_share=0),
            other_categories=0,
        )
    inst = build_instance(pool, horizon_free, settings)
    book = FactoryBook(inst.free[0].copy())
    pair_of = {p.order: k for k, p in enumerate(inst.pairs)}
    fits: list[DemandFit] = []
    pairs: list[int] = []  # the pair of each fitting item (parallel to the fitting ones in fits)
    other = 0
    for i, item in enumerate(items):
        o = item.order
        k = pair_of.get(i)
        base = DemandFit(
            rank=0, order_id=o.id, brand=item.brand, kind=o.kind, probability=o.probability,
            product_name=o.product_name, category=o.category, qty=o.qty,
            due_date=start + timedelta(days=int(inst.due[i])), fit_qty=0, delivery_date=None, late_units=0,
            unit_price=0.0, margin=0.0, expected_margin=0.0, capacity_days=0.0, in_best_set=False,
        )  # fmt: skip
        if k is None:
            reason = next((r.reason for r in inst.refusals[i] if r.factory == 0), "category")
            if reason == "category":
                other += 1
            else:
                fits.append(base.model_copy(update={"not_fit": reason}))
            continue
        pair = inst.pairs[k]
        by_day = fill(pair, book, float(inst.work[i]), min(o.qty, max(t.hi for t in pair.tiers)))
        qty = sum(u for _, u in by_day)
        tier = pair.tier_of(qty)
        late = [(d, u) for d, u in by_day if d > pair.deadline]
        margin = qty * o.unit_cost * (tier.factor - f.cost_factor)
        late_cost = sum(u * float(inst.penalty[i]) * (d - pair.deadline) for d, u in late)
        fits.append(
            base.model_copy(
                update={
                    "fit_qty": qty,
                    "delivery_date": start + timedelta(days=by_day[-1][0] + f.ship_days),
                    "late_units": sum(u for _, u in late),
                    "unit_price": round(tier.unit, 2),
                    "margin": round(margin, 2),
                    "expected_margin": round(o.probability * margin - late_cost, 2),
                    "capacity_days": round(qty * float(inst.work[i]) / f.capacity_per_day, 2),
                }
            )
        )
        pairs.append(k)
    fitting = [x for x in fits if x.not_fit is None]
    chosen = _best_set(inst, fitting, pairs)
    order = sorted(range(len(fitting)), key=lambda n: -fitting[n].expected_margin)
    out = [
        fitting[n].model_copy(update={"rank": r + 1, "in_best_set": n in chosen}) for r, n in enumerate(order)
    ] + [x for x in fits if x.not_fit is not None]
    best = [x for x in out if x.in_best_set]
    last_due = max((x.due_date for x in best), default=start)
    free_to = float(inst.free[0][: (last_due - start).days + 1].sum()) or 1.0
    return FactoryView(
        factory=info,
        start_date=start,
        brands_sharing=n_brands,
        items=out,
        best_set=BestSet(
            orders=[f"{x.brand}/{x.order_id}" for x in best],
            units=sum(x.fit_qty for x in best),
            margin=round(sum(x.margin for x in best), 2),
            expected_margin=round(sum(x.expected_margin for x in best), 2),
            capacity_share=round(sum(x.capacity_days for x in best) * f.capacity_per_day / free_to, 4),
        ),
        other_categories=other,
    )


def _info(f: Factory, factories: FactorySet, start: date) -> FactoryInfo:
    from kuaifan.match.instance import free_capacity

    free = free_capacity(f, start, factories.start_date, 30)
    return FactoryInfo(
        id=f.id,
        name=f.name,
        belt=f.belt,
        capacity_per_day=f.capacity_per_day,
        moq_per_style=f.moq_per_style,
        spare_units_14d=float(free[:14].sum()),
        spare_units_30d=float(free.sum()),
    )


def _best_set(inst: Instance, fitting: list[DemandFit], pairs: list[int]) -> set[int]:
    """Indices of the fitting items to take together for the most expected margin within the
    capacity: each at its fit quantity or not at all, its units finishing on any of its days."""
    cand = [n for n, x in enumerate(fitting) if x.expected_margin > 0]
    if not cand:
        return set()
    cols, rows = _Cols(), _Rows()
    entries: list[tuple[int, int, int, float]] = []
    ys: list[int] = []
    for n in cand:
        pair = inst.pairs[pairs[n]]
        qty = float(fitting[n].fit_qty)
        w = float(inst.work[pair.order])
        y = cols.add(-fitting[n].expected_margin, 0.0, 1.0, True)
        xs = [cols.add(0.0, 0.0, qty, False) for _ in pair.days]
        rows.add([*xs, y], [1.0] * len(xs) + [-qty], 0.0, 0.0)
        entries += [(pair.start, int(d), c, w) for d, c in zip(pair.days.tolist(), xs, strict=True)]
        ys.append(y)
    cum = np.concatenate([[0.0], np.cumsum(inst.free[0])])
    _capacity_rows(rows, cum, entries, [])
    h = new_highs()
    h.setOptionValue("time_limit", 10.0)
    h.passModel(_lp(cols, rows))
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return set()
    values = np.asarray(h.getSolution().col_value)
    return {n for n, y in zip(cand, ys, strict=True) if values[y] > 0.5}
