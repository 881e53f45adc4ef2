"""The greedy cheapest-feasible plan: what a sourcing desk does by hand, and the MIP's first incumbent.

Orders are taken by due date (bigger first on a tie). Each goes whole to the factory where it costs
least with the capacity left (quote at its tier, setup, risk, lateness); only when no factory can take
it whole is it split, cheapest units first. Capacity once given is not taken back.
"""

from __future__ import annotations

import numpy as np

from kuaifan.match.book import FactoryBook, Job
from kuaifan.match.instance import Instance, Pair
from kuaifan.match.plan import MatchPlan, Placement, placement_cost

F64 = np.ndarray


def fill(pair: Pair, book: FactoryBook, work: float, units: int) -> list[tuple[int, int]]:
    """Up to ``units`` whole units finishing as early as the book allows: (day, units) per candidate
    day; the units sum to what fits by the last candidate day."""
    room = np.floor(book.rooms(pair.start, pair.days) / work + 1e-9).astype(np.int64)
    cum = np.minimum(np.maximum.accumulate(room), units)
    got = np.diff(np.concatenate([[0], cum]))
    return [(int(d), int(q)) for d, q in zip(pair.days.tolist(), got.tolist(), strict=True) if q > 0]


def best_placement(inst: Instance, p: int, book: FactoryBook, units: int) -> Placement | None:
    """The most of ``units`` (at least the MOQ) this pair can make now, as early as it can; None if not
    even the first tier's minimum fits."""
    pair = inst.pairs[p]
    cap = min(units, max(t.hi for t in pair.tiers))
    by_day = fill(pair, book, float(inst.work[pair.order]), cap)
    got = sum(q for _, q in by_day)
    if got < pair.tiers[0].lo:
        return None
    return Placement(p, got, by_day)


def _floor_cost(inst: Instance, p: int, units: int) -> float:
    pair = inst.pairs[p]
    return units * (pair.tier_of(units).unit + pair.risk) + pair.setup


def book_placement(inst: Instance, books: list[FactoryBook], pl: Placement) -> None:
    pair = inst.pairs[pl.pair]
    for day, units in pl.by_day:
        books[pair.factory].add(Job(pl.pair, pair.start, day, units * float(inst.work[pair.order])))


def greedy_plan(
    inst: Instance,
    orders: list[int] | None = None,
    free: F64 | None = None,
    books: list[FactoryBook] | None = None,
    allowed: set[int] | None = None,
) -> MatchPlan:
    """The greedy plan of ``orders`` (default all) on ``books`` (default: the free capacity), using
    only the pairs in ``allowed`` (default all)."""
    base = inst.free if free is None else free
    books = books if books is not None else [FactoryBook(base[j].copy()) for j in range(len(inst.factories))]
    todo = list(range(len(inst.orders))) if orders is None else list(orders)
    todo.sort(key=lambda i: (int(inst.due[i]), -int(inst.qty[i]), i))
    pairs_of = inst.pairs_of_order()
    if allowed is not None:
        pairs_of = [[p for p in ps if p in allowed] for ps in pairs_of]
    placements: list[Placement] = []
    unmet = inst.qty.copy()
    for i in todo:
        remaining = int(inst.qty[i])
        used: set[int] = set()
        while remaining > 0 and len(used) < inst.settings.max_factories_per_order:
            whole: tuple[float, Placement] | None = None
            part: tuple[float, Placement] | None = None
            # cheapest first by a lower bound of the whole cost (no lateness): stop once it cannot win
            floors = sorted((_floor_cost(inst, p, remaining), p) for p in pairs_of[i] if p not in used)
            for floor, p in floors:
                if whole is not None and floor >= whole[0]:
                    break
                pl = best_placement(inst, p, books[inst.pairs[p].factory], remaining)
                if pl is None:
                    continue
                cost = placement_cost(inst, pl).total
                if pl.qty == remaining and (whole is None or cost < whole[0]):
                    whole = (cost, pl)
                per_unit = cost / pl.qty
                if part is None or per_unit < part[0]:
                    part = (per_unit, pl)
            chosen = whole or part
            if chosen is None:
                break
            pl = chosen[1]
            placements.append(pl)
            book_placement(inst, books, pl)
            used.add(pl.pair)
            remaining -= pl.qty
        unmet[i] = remaining
    if orders is not None:
        mask = np.ones(len(inst.orders), dtype=bool)
        mask[list(orders)] = False
        unmet[mask] = 0
    return MatchPlan(placements, unmet)
