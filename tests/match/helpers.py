"""Small factories and orders built in code, and a brute force over every integer plan."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from kuaifan.match.book import Job
from kuaifan.match.instance import Instance
from kuaifan.match.plan import MatchPlan, Placement, books_of, plan_cost


def factory(fid: str, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": fid,
        "name": f"{fid} 厂",
        "belt": "杭州女装",
        "categories": ["womenswear"],
        "processes": ["woven", "knit", "print"],
        "moq_per_style": 1,
        "capacity_per_day": 100,
        "prep_days": 0,
        "ship_days": 0,
        "price_tiers": [{"min_qty": 0, "factor": 1.0}],
        "setup_cost": 0,
        "quality_score": 1.0,
        "on_time_rate": 1.0,
    }
    base.update(kw)
    return base


def order(oid: str, qty: int, due_day: int, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": oid,
        "style": oid,
        "category": "womenswear",
        "qty": qty,
        "unit_cost": 10.0,
        "due_day": due_day,
        "max_late_days": 0,
    }
    base.update(kw)
    return base


def orders_set(*orders: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"start_date": "2025-06-02", "tenant": "acme", "orders": list(orders), **kw}


def _splits(total: int, parts: int) -> Any:
    """Every way to put 0..total units into ``parts`` slots (the rest unmet)."""
    for combo in itertools.product(range(total + 1), repeat=parts):
        if sum(combo) <= total:
            yield combo


def brute_force(inst: Instance) -> tuple[float, MatchPlan]:
    """The cheapest plan over every integer choice of units per (pair, completion day): exact for
    instances of a few orders with a few units, checked with the capacity book (Hall's condition)."""
    slots = [(p, d) for p, pair in enumerate(inst.pairs) for d in pair.days.tolist()]
    per_order = [
        [k for k, (p, _) in enumerate(slots) if inst.pairs[p].order == i] for i in range(len(inst.orders))
    ]
    choices = [list(_splits(int(inst.qty[i]), len(ks))) for i, ks in enumerate(per_order)]
    best: tuple[float, MatchPlan] | None = None
    for pick in itertools.product(*choices):
        units = {}
        for ks, combo in zip(per_order, pick, strict=True):
            units.update(zip(ks, combo, strict=True))
        plan = _plan(inst, slots, units)
        if plan is None:
            continue
        cost = plan_cost(inst, plan).total
        if best is None or cost < best[0] - 1e-9:
            best = (cost, plan)
    assert best is not None
    return best


def _plan(inst: Instance, slots: list[tuple[int, int]], units: dict[int, int]) -> MatchPlan | None:
    by_pair: dict[int, list[tuple[int, int]]] = {}
    for k, q in units.items():
        if q > 0:
            p, d = slots[k]
            by_pair.setdefault(p, []).append((d, q))
    placements = []
    used: dict[int, int] = {}
    for p, by_day in by_pair.items():
        pair = inst.pairs[p]
        qty = sum(q for _, q in by_day)
        if qty < pair.tiers[0].lo or qty > max(t.hi for t in pair.tiers):
            return None
        placements.append(Placement(p, qty, sorted(by_day)))
        used[pair.order] = used.get(pair.order, 0) + 1
    if any(n > inst.settings.max_factories_per_order for n in used.values()):
        return None
    made = np.zeros(len(inst.orders), dtype=np.int64)
    for pl in placements:
        made[inst.pairs[pl.pair].order] += pl.qty
    plan = MatchPlan(placements, inst.qty - made)
    if not all(book.fits() for book in books_of(inst, plan)):
        return None
    return plan


__all__ = ["Job", "brute_force", "factory", "order", "orders_set"]
