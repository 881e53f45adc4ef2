"""A matching plan as plain data, its cost and its check (MOQ, tiers, capacity, splits)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kuaifan.match.book import FactoryBook, Job
from kuaifan.match.instance import Instance

I64 = npt.NDArray[np.int64]


@dataclass
class Placement:
    """Units of one order made at one factory: ``pair`` indexes ``Instance.pairs``."""

    pair: int
    qty: int
    by_day: list[tuple[int, int]]  # (completion day, units), ascending days; units sum to qty


@dataclass
class MatchPlan:
    placements: list[Placement]
    unmet: I64  # (N,) units of each order no factory makes

    def of_order(self, inst: Instance, i: int) -> list[Placement]:
        return [p for p in self.placements if inst.pairs[p.pair].order == i]


@dataclass(frozen=True)
class CostParts:
    purchase: float = 0.0  # quotes (元)
    setup: float = 0.0
    risk: float = 0.0
    late: float = 0.0
    unmet: float = 0.0

    @property
    def total(self) -> float:
        return self.purchase + self.setup + self.risk + self.late + self.unmet

    def __add__(self, other: CostParts) -> CostParts:
        return CostParts(
            self.purchase + other.purchase,
            self.setup + other.setup,
            self.risk + other.risk,
            self.late + other.late,
            self.unmet + other.unmet,
        )


def placement_cost(inst: Instance, pl: Placement) -> CostParts:
    pair = inst.pairs[pl.pair]
    if pl.qty <= 0:
        return CostParts()
    tier = pair.tier_of(pl.qty)
    late = 0.0
    for day, units in pl.by_day:
        late += units * float(inst.penalty[pair.order]) * max(0, day - pair.deadline)
    return CostParts(purchase=pl.qty * tier.unit, setup=pair.setup, risk=pl.qty * pair.risk, late=late)


def plan_cost(inst: Instance, plan: MatchPlan, orders: list[int] | None = None) -> CostParts:
    keep = set(range(len(inst.orders)) if orders is None else orders)
    total = CostParts()
    for pl in plan.placements:
        if inst.pairs[pl.pair].order in keep:
            total = total + placement_cost(inst, pl)
    unmet = sum(float(inst.unmet[i]) * int(plan.unmet[i]) for i in keep)
    return total + CostParts(unmet=unmet)


def books_of(inst: Instance, plan: MatchPlan, free: np.ndarray | None = None) -> list[FactoryBook]:
    """Each factory's book with the plan's placements as jobs (one job per placement and day)."""
    base = inst.free if free is None else free
    books = [FactoryBook(base[j].copy()) for j in range(len(inst.factories))]
    for pl in plan.placements:
        pair = inst.pairs[pl.pair]
        for day, units in pl.by_day:
            if units > 0:
                books[pair.factory].add(Job(pl.pair, pair.start, day, units * float(inst.work[pair.order])))
    return books


@dataclass
class Violation:
    code: str  # moq, tier, qty, capacity, split, window
    where: str
    detail: dict[str, float] = field(default_factory=dict)


def check_plan(inst: Instance, plan: MatchPlan) -> list[Violation]:
    """Everything the plan must respect; empty when it does."""
    out: list[Violation] = []
    made = np.zeros(len(inst.orders), dtype=np.int64)
    used: dict[int, int] = {}
    for pl in plan.placements:
        pair = inst.pairs[pl.pair]
        f = inst.factories[pair.factory]
        o = inst.orders[pair.order]
        where = f"{o.id}@{f.id}"
        if pl.qty < max(1, f.moq_per_style):
            out.append(Violation("moq", where, {"qty": pl.qty, "moq": f.moq_per_style}))
        if sum(u for _, u in pl.by_day) != pl.qty or any(u < 0 for _, u in pl.by_day):
            out.append(Violation("qty", where, {"qty": pl.qty}))
        if any(d not in set(pair.days.tolist()) for d, u in pl.by_day if u > 0):
            out.append(Violation("window", where))
        made[pair.order] += pl.qty
        used[pair.order] = used.get(pair.order, 0) + 1
    for i, o in enumerate(inst.orders):
        if made[i] + int(plan.unmet[i]) != int(inst.qty[i]) or plan.unmet[i] < 0:
            out.append(Violation("qty", o.id, {"made": float(made[i]), "unmet": float(plan.unmet[i])}))
        if used.get(i, 0) > inst.settings.max_factories_per_order:
            out.append(Violation("split", o.id, {"factories": used[i]}))
    for j, book in enumerate(books_of(inst, plan)):
        if not book.fits():
            out.append(Violation("capacity", inst.factories[j].id))
    return out
