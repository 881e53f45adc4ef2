"""The matching problem in numbers: which factory can make which order, when, at what cost.

Day 0 is the orders' start date. A factory's free capacity on a day is its capacity minus what is
already booked that day (never below 0). An order made at a factory starts production no earlier
than ``release_day + prep_days`` and must finish by ``due − ship_days`` to be on time; it may finish
up to ``max_late_days`` later, each unit paying the order's lateness cost per day late.

A *pair* (order, factory) exists when the factory can make the order at all; the reasons it cannot
are kept per pair (``Refusal``), so an order nobody can make gets its binding reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt

from kuaifan.match.book import FactoryBook
from kuaifan.match.factories import Factory, FactorySet
from kuaifan.match.orders import MatchOrder, MatchSettings, OrderSet

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Reason = Literal[
    "category", "process", "quick_response", "export", "belt", "excluded", "moq", "date", "capacity"
]
UNMET_FACTOR = 20.0  # an unmade unit costs this many times its dearest way of being made


@dataclass(frozen=True, slots=True)
class Tier:
    lo: int  # fewest units at this tier here (its min_qty, the MOQ, 1)
    hi: int  # most units at this tier here (below the next tier, the order, the capacity)
    factor: float
    unit: float  # price per unit paid (元)


@dataclass(frozen=True, slots=True)
class Pair:
    order: int
    factory: int
    start: int  # first production day
    deadline: int  # last completion day that is on time (due - ship_days)
    days: I64  # candidate completion days, ascending: the on-time one (if any), then each late day
    late: F64  # lateness cost per unit for each of days
    tiers: tuple[Tier, ...]
    risk: float  # quality / delivery risk cost per unit (元)
    setup: float
    max_units: int  # most units the factory can make for it by its last candidate day

    def tier_of(self, qty: int) -> Tier:
        found = self.tiers[0]
        for t in self.tiers:
            if t.lo <= qty:
                found = t
        return found


@dataclass(frozen=True, slots=True)
class Refusal:
    factory: int
    reason: Reason
    detail: dict[str, float | int | str] = field(default_factory=dict)


@dataclass
class Instance:
    orders: list[MatchOrder]
    factories: list[Factory]
    settings: MatchSettings
    start_date: date
    qty: I64  # (N,)
    work: F64  # (N,) capacity units per unit
    due: I64  # (N,) due day at the buyer
    release: I64  # (N,)
    penalty: F64  # (N,) lateness cost per unit per day
    unmet: F64  # (N,) cost per unit not made
    free: F64  # (J, H) free capacity per factory and day
    pairs: list[Pair]
    refusals: list[list[Refusal]]  # per order: why the factories without a pair cannot make it
    shortfall: I64  # (N,) units no plan can make even with all capacity to itself (a floor of unmet)

    @property
    def horizon(self) -> int:
        return int(self.free.shape[1])

    def pairs_of_order(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.orders]
        for p, pair in enumerate(self.pairs):
            out[pair.order].append(p)
        return out

    def book(self, j: int) -> FactoryBook:
        return FactoryBook(self.free[j].copy())

    def unit_cost(self, pair: Pair, qty: int) -> float:
        """Quote + risk per unit of ``qty`` units at this pair (no setup, no lateness)."""
        return pair.tier_of(qty).unit + pair.risk


def free_capacity(factory: Factory, start: date, default_start: date | None, horizon: int) -> F64:
    """Free standard units on days 0..horizon-1 counted from ``start``."""
    load_start = factory.load_start or default_start or start
    offset = (start - load_start).days
    load = np.zeros(horizon)
    for t in range(horizon):
        k = t + offset
        if 0 <= k < len(factory.load_by_day):
            load[t] = factory.load_by_day[k]
    # whole units: capacity rows with integer right-hand sides keep the day split integral
    out: F64 = np.floor(np.maximum(factory.capacity_per_day - load, 0.0) + 1e-9)
    return out


def capability(order: MatchOrder, f: Factory, processes: frozenset[str] | None = None) -> Reason | None:
    """Why ``f`` cannot make ``order`` whatever its load (None: it can); ``processes``: f's, if known."""
    if order.category not in f.categories:
        return "category"
    if not (processes if processes is not None else frozenset(f.processes)).issuperset(order.processes):
        return "process"
    if order.quick_response and not f.takes_quick_response:
        return "quick_response"
    if order.needs_export_experience and not f.export_experience:
        return "export"
    if order.belts is not None and f.belt not in order.belts:
        return "belt"
    if f.id in order.exclude_factories:
        return "excluded"
    return None


def build_instance(orders: OrderSet, factories: FactorySet, settings: MatchSettings) -> Instance:
    n = len(orders.orders)
    qty = np.array([o.qty for o in orders.orders], dtype=np.int64)
    work = np.array([o.work_factor for o in orders.orders], dtype=np.float64)
    due = np.array([orders.due_day(o) for o in orders.orders], dtype=np.int64)
    release = np.array([o.release_day for o in orders.orders], dtype=np.int64)
    penalty = np.array([settings.late_penalty(o) for o in orders.orders], dtype=np.float64)
    late_days = np.array([o.max_late_days for o in orders.orders], dtype=np.int64)
    horizon = int((due + late_days).max()) + 1 if n else 1
    free = np.stack(
        [free_capacity(f, orders.start_date, factories.start_date, horizon) for f in factories.factories]
    )
    cum = np.concatenate([np.zeros((len(free), 1)), np.cumsum(free, axis=1)], axis=1)
    pairs: list[Pair] = []
    refusals: list[list[Refusal]] = [[] for _ in range(n)]
    dearest = np.zeros(n)
    by_category: dict[str, list[int]] = {}
    for j, f in enumerate(factories.factories):
        for c in f.categories:
            by_category.setdefault(c, []).append(j)
    cums = [row.tolist() for row in cum]
    runs = [frozenset(f.processes) for f in factories.factories]
    for i, o in enumerate(orders.orders):
        q, w, d, r, pen = int(qty[i]), float(work[i]), int(due[i]), int(release[i]), float(penalty[i])
        # factories of another category only say "category" (kept short: one refusal for all of them)
        makers = by_category.get(o.category, [])
        if len(makers) < len(factories.factories):
            refusals[i].append(Refusal(-1, "category", {"factories": len(factories.factories) - len(makers)}))
        for j in makers:
            f = factories.factories[j]
            reason = capability(o, f, runs[j])
            if reason is None and f.moq_per_style > o.qty:
                refusals[i].append(Refusal(j, "moq", {"moq": f.moq_per_style, "qty": int(qty[i])}))
                continue
            if reason is not None:
                refusals[i].append(Refusal(j, reason))
                continue
            made = _pair(i, j, o, f, cums[j], q, w, d, r, pen, settings)
            if isinstance(made, Refusal):
                refusals[i].append(made)
                continue
            pairs.append(made)
            dearest[i] = max(dearest[i], made.tiers[0].unit + made.risk + made.setup + float(made.late.max()))
    unmet = UNMET_FACTOR * np.maximum(dearest, np.array([o.unit_cost for o in orders.orders]) * 2.0)
    most = np.zeros(n, dtype=np.int64)
    by_order: list[list[int]] = [[] for _ in range(n)]
    for pair in pairs:
        by_order[pair.order].append(pair.max_units)
    for i in range(n):
        most[i] = sum(sorted(by_order[i], reverse=True)[: settings.max_factories_per_order])
    shortfall = np.maximum(qty - most, 0)
    return Instance(
        orders=list(orders.orders),
        factories=list(factories.factories),
        settings=settings,
        start_date=orders.start_date,
        qty=qty,
        work=work,
        due=due,
        release=release,
        penalty=penalty,
        unmet=unmet,
        free=free,
        pairs=pairs,
        refusals=refusals,
        shortfall=shortfall,
    )


def _pair(
    i: int,
    j: int,
    o: MatchOrder,
    f: Factory,
    cum: list[float],
    qty: int,
    work: float,
    due: int,
    release: int,
    penalty: float,
    settings: MatchSettings,
) -> Pair | Refusal:
    # plain Python on purpose: a pair has a handful of days, and there are ~10⁵ pairs in a large problem
    start = release + f.prep_days
    deadline = due - f.ship_days
    last = deadline + o.max_late_days
    horizon = len(cum) - 1
    if last < start or start >= horizon:
        earliest = start + f.ship_days  # the first day it could deliver anything
        return Refusal(
            j, "date", {"earliest_day": earliest, "due_day": due, "max_late_days": o.max_late_days}
        )
    days: list[int] = []
    rooms: list[float] = []
    before = cum[start]
    for d in range(max(deadline, start), last + 1):
        room = cum[min(d, horizon - 1) + 1] - before  # free capacity from start to d
        # a later day only where it adds free capacity: finishing later without more capacity buys nothing
        if room > (rooms[-1] if rooms else 0.0) + 1e-9:
            days.append(d)
            rooms.append(room)
    max_units = math.floor(rooms[-1] / work + 1e-9) if rooms else 0
    if max_units < max(f.moq_per_style, 1):
        return Refusal(
            j,
            "capacity",
            {
                "max_units": max_units,
                "moq": f.moq_per_style,
                "qty": qty,
                "by_day": days[-1] if days else last,
            },
        )
    tiers: list[Tier] = []
    bounds = [t.min_qty for t in f.price_tiers[1:]] + [10**12]
    for t, upper in zip(f.price_tiers, bounds, strict=True):
        lo = max(t.min_qty, f.moq_per_style, 1)
        hi = min(upper - 1, qty, max_units)
        if lo <= hi:
            tiers.append(Tier(lo, hi, t.factor, o.unit_cost * t.factor))
    if not tiers:  # every reachable tier is above what capacity allows
        return Refusal(
            j, "capacity", {"max_units": max_units, "moq": f.moq_per_style, "qty": qty, "by_day": days[-1]}
        )
    risk = settings.risk_per_unit(o.unit_cost, f.quality_score, f.on_time_rate)
    late = np.array([penalty * max(d - deadline, 0) for d in days], dtype=np.float64)
    return Pair(
        i,
        j,
        start,
        deadline,
        np.array(days, dtype=np.int64),
        late,
        tuple(tiers),
        risk,
        f.setup_cost,
        max_units,
    )
