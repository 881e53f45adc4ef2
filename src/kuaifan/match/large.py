"""Parts too large for one MIP in the time (thousands of orders): relax, bound, fix, then search.

1. A coarse LP relaxation over *all* capable pairs (``coarse_bound``): its optimum bounds the MIP
   over all of them, and the gap reported is against it.
2. Orders it puts whole and on time on one factory are fixed there (relax-and-fix).
3. The others get a MIP over their candidates (the factories cheapest for each alone, at least
   ``K_MIN``, more until they could make the order twice over, and those the relaxation used), in
   chunks of a few thousand pairs by due date, each chunk seeing what the earlier ones booked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from kuaifan.match.book import FactoryBook, Job
from kuaifan.match.greedy import greedy_plan
from kuaifan.match.instance import Instance
from kuaifan.match.milp import _capacity_rows, _Cols, _lp, _Rows, build_model, plan_of, values_of
from kuaifan.match.plan import Placement
from kuaifan.plan.solver import new_highs

F64 = np.ndarray
K_MIN = 6  # candidate factories per order, at least
K_MAX = 12
CHUNK_PAIRS = 2500  # pairs per MIP of the undecided orders
BOUND_SHARE = 0.45  # of the part's time, at most: the coarse relaxation over all pairs (the bound)


@dataclass
class LargeResult:
    placements: list[Placement]
    unmet: dict[int, int]
    bound: float
    status: str
    n_cols: int
    n_binary: int
    n_rows: int


def candidates(inst: Instance, orders: list[int], pair_ids: list[int]) -> list[int]:
    """Per order the pairs cheapest for it alone, enough of them to make the order twice over."""
    by_order: dict[int, list[int]] = {i: [] for i in orders}
    for p in pair_ids:
        by_order[inst.pairs[p].order].append(p)
    out: list[int] = []
    for i, ps in by_order.items():
        q = int(inst.qty[i])

        def alone(p: int, q: int = q) -> float:
            pair = inst.pairs[p]
            units = min(q, pair.max_units)
            return pair.tier_of(units).unit + pair.risk + pair.setup / units + float(pair.late[0])

        total = 0
        for k, p in enumerate(sorted(ps, key=alone)):
            if k >= K_MAX or (k >= K_MIN and total >= 2 * q):
                break
            out.append(p)
            total += inst.pairs[p].max_units
    return out


@dataclass
class Coarse:
    bound: float
    on_time: dict[int, float]  # pair -> units on its first day
    late: dict[int, float]  # pair -> units on its last day


def coarse_bound(inst: Instance, orders: list[int], pair_ids: list[int], budget: float) -> Coarse | None:
    """A lower bound for the MIP over *all* ``pair_ids``: the LP of a relaxation with two columns per
    pair instead of its tiers and days. Column "on time": units finishing on the pair's first day at
    its lateness cost; column "late": units finishing on its last day at the cost of its second day.
    Both priced at the pair's cheapest tier with the setup spread over that tier's most units, and
    bounded by its most units; the split row counts units / most units. Every plan of the MIP maps
    to a solution at least as cheap here, so the LP optimum bounds it. None if not solved in time."""
    cols, rows = _Cols(), _Rows()
    u = {i: cols.add(float(inst.unmet[i]), 0.0, float(inst.qty[i]), False) for i in orders}
    per_order: dict[int, list[tuple[int, float]]] = {i: [] for i in orders}
    entries: dict[int, list[tuple[int, int, int, float]]] = {}
    col_of: list[tuple[int, int]] = []  # (pair, 0 on time / 1 late) per column after the u columns
    for p in pair_ids:
        pair = inst.pairs[p]
        most = float(max(t.hi for t in pair.tiers))
        unit = min(t.unit + pair.setup / t.hi for t in pair.tiers) + pair.risk
        w = float(inst.work[pair.order])
        options = [(int(pair.days[0]), float(pair.late[0]))]
        if len(pair.days) > 1:
            options.append((int(pair.days[-1]), float(pair.late[1])))
        for kind, (day, late) in enumerate(options):
            c = cols.add(unit + late, 0.0, most, False)
            col_of.append((p, kind))
            per_order[pair.order].append((c, 1.0 / most))
            entries.setdefault(pair.factory, []).append((pair.start, day, c, w))
    for i in orders:
        cs = [c for c, _ in per_order[i]]
        q = float(inst.qty[i])
        rows.add([*cs, u[i]], [1.0] * (len(cs) + 1), q, q)
        rows.add(cs, [k for _, k in per_order[i]], -np.inf, float(inst.settings.max_factories_per_order))
    cums = np.concatenate([np.zeros((len(inst.free), 1)), np.cumsum(inst.free, axis=1)], axis=1)
    for j, es in entries.items():
        _capacity_rows(rows, cums[j], es, [])
    lp = _lp(cols, rows)
    lp.integrality_ = []
    h = new_highs()
    h.setOptionValue("time_limit", float(budget))
    h.setOptionValue("presolve", "off")  # measured: 6 s instead of 9 s on bench_match's large part
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    values = np.asarray(h.getSolution().col_value)[len(u) :]
    on_time: dict[int, float] = {}
    late_units: dict[int, float] = {}
    for (p, kind), v in zip(col_of, values.tolist(), strict=True):
        if v > 1e-9:
            (late_units if kind else on_time)[p] = v
    return Coarse(float(h.getInfo().objective_function_value), on_time, late_units)


def _fixed(inst: Instance, orders: list[int], coarse: Coarse) -> tuple[list[Placement], list[int]]:
    """Orders the relaxation makes whole, on time, at one factory: placed there, all units by the
    pair's first day (the relaxation's rows for on-time units are the MIP's own, so these fit)."""
    by_order: dict[int, list[int]] = {}
    for p in set(coarse.on_time) | set(coarse.late):
        by_order.setdefault(inst.pairs[p].order, []).append(p)
    fixed: list[Placement] = []
    undecided: list[int] = []
    for i in orders:
        ps = by_order.get(i, [])
        q = int(inst.qty[i])
        if len(ps) == 1 and ps[0] not in coarse.late and abs(coarse.on_time[ps[0]] - q) < 1e-6:
            pair = inst.pairs[ps[0]]
            if pair.tiers[0].lo <= q <= max(t.hi for t in pair.tiers):
                fixed.append(Placement(ps[0], q, [(int(pair.days[0]), q)]))
                continue
        undecided.append(i)
    return fixed, undecided


def solve_large(
    inst: Instance, orders: list[int], pair_ids: list[int], budget: float, gap: float, solve_part: object
) -> LargeResult:
    """See the module doc; ``solve_part`` is solve._solve_part (the two-stage MIP of one model)."""
    t0 = time.perf_counter()
    books = [FactoryBook(inst.free[j].copy()) for j in range(len(inst.factories))]
    coarse = coarse_bound(inst, orders, pair_ids, BOUND_SHARE * budget)
    if coarse is None:  # no relaxation in time: the greedy plan, no bound
        plan = greedy_plan(inst, orders, books=books)
        return LargeResult(
            plan.placements, {i: int(plan.unmet[i]) for i in orders}, 0.0, "time_limit", 0, 0, 0
        )
    fixed, undecided = _fixed(inst, orders, coarse)
    for pl in fixed:
        _book(inst, books, pl)
    if not all(b.fits() for b in books):  # rounding: never expected, but a plan must fit
        books = [FactoryBook(inst.free[j].copy()) for j in range(len(inst.factories))]
        fixed, undecided = [], list(orders)
    placements = list(fixed)
    unmet = {inst.pairs[pl.pair].order: 0 for pl in fixed}
    used = set(coarse.on_time) | set(coarse.late)
    chosen = [
        p for p in candidates(inst, undecided, [p for p in pair_ids if inst.pairs[p].order in set(undecided)])
    ]
    chosen = sorted(set(chosen) | {p for p in used if inst.pairs[p].order in set(undecided)})
    allowed = set(chosen)
    undecided.sort(key=lambda i: (int(inst.due[i]), i))
    chunks = _chunks(inst, undecided, chosen)
    status = "optimal"
    stats = [0, 0, 0]
    for k, chunk in enumerate(chunks):
        left = budget - (time.perf_counter() - t0)
        share = max(0.2, left / (len(chunks) - k))
        members = set(chunk)
        chunk_pairs = [p for p in chosen if inst.pairs[p].order in members]
        booked = {j: list(b.jobs) for j, b in enumerate(books) if b.jobs}
        sub = build_model(inst, chunk, chunk_pairs, booked=booked)
        stats = [stats[0] + sub.n_cols, stats[1] + sub.n_binary, stats[2] + sub.n_rows]
        start = greedy_plan(inst, chunk, books=[_copy(b) for b in books], allowed=allowed)
        found, _, part_status = solve_part(inst, sub, values_of(sub, inst, start), share, gap / 2)  # type: ignore[operator]
        if part_status != "optimal":
            status = "time_limit"
        if found is not None:
            got, got_unmet = plan_of(sub, inst, found)
        else:
            got, got_unmet = start.placements, {i: int(start.unmet[i]) for i in chunk}
        for pl in got:
            _book(inst, books, pl)
        placements += got
        unmet.update(got_unmet)
    return LargeResult(placements, unmet, coarse.bound, status, *stats)


def _book(inst: Instance, books: list[FactoryBook], pl: Placement) -> None:
    pair = inst.pairs[pl.pair]
    for day, units in pl.by_day:
        books[pair.factory].add(Job(pl.pair, pair.start, day, units * float(inst.work[pair.order])))


def _copy(book: FactoryBook) -> FactoryBook:
    return FactoryBook(book.free.copy(), list(book.jobs))


def _chunks(inst: Instance, orders: list[int], pair_ids: list[int]) -> list[list[int]]:
    count: dict[int, int] = {}
    for p in pair_ids:
        count[inst.pairs[p].order] = count.get(inst.pairs[p].order, 0) + 1
    out: list[list[int]] = [[]]
    size = 0
    for i in orders:
        if size + count.get(i, 0) > CHUNK_PAIRS and out[-1]:
            out.append([])
            size = 0
        out[-1].append(i)
        size += count.get(i, 0)
    return [c for c in out if c]
