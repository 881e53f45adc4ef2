"""The matching MIP, built for HiGHS.

For each pair p = (order i, factory j) and price tier k of j: a binary z_pk (this tier is used) and
integer units n_pk in [lo_pk · z_pk, hi_pk · z_pk]; for each candidate completion day d of p the
units x_pd that finish by d. For each order the units u_i no factory makes.

    min  Σ_pk (unit_pk + risk_p) n_pk + setup_p z_pk  +  Σ_pd late_pd x_pd  +  Σ_i unmet_i u_i
    s.t. Σ_pk n_pk + u_i = qty_i                         every order (all of it, or said unmet)
         Σ_k z_pk ≤ 1,  Σ_k n_pk = Σ_d x_pd              every pair: one tier, units finish some day
         Σ_{p of i, k} z_pk ≤ max_factories_per_order    every order split over few factories
         Σ_{p at j, start_p ≥ a} Σ_{d ≤ b} w_i x_pd ≤ free_j(a..b)
                                                          every factory and interval [a, b] from a
                                                          pair's start to a candidate day (Hall)

MOQ and tier thresholds are the lo bounds; lateness is per unit and day past due − ship_days.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from kuaifan.match.book import Job
from kuaifan.match.instance import Instance
from kuaifan.match.plan import MatchPlan, Placement

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class _Cols:
    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []

    def add(self, cost: float, lower: float, upper: float, integer: bool) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1


class _Rows:
    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []

    def add(self, cols: list[int], vals: list[float], lower: float, upper: float) -> int:
        row = len(self.lower)
        self.lower.append(lower)
        self.upper.append(upper)
        self.r.extend([row] * len(cols))
        self.c.extend(cols)
        self.v.extend(vals)
        return row


@dataclass
class PairCols:
    pair: int
    z: list[int]  # per tier
    n: list[int]  # per tier
    x: list[int]  # per candidate day


@dataclass
class Model:
    lp: highspy.HighsLp
    orders: list[int]
    pairs: list[PairCols]
    u: dict[int, int]  # order -> column
    order_rows: dict[int, int]  # order -> its "all units" row
    split_rows: dict[int, int]  # order -> its "few factories" row (if any)
    capacity_rows: dict[int, list[tuple[int, int, int]]]  # factory -> (a, b, row)
    n_binary: int
    n_integer: int

    @property
    def n_cols(self) -> int:
        return int(self.lp.num_col_)

    @property
    def n_rows(self) -> int:
        return int(self.lp.num_row_)


def build_model(
    inst: Instance,
    orders: list[int],
    pair_ids: list[int],
    free: F64 | None = None,
    booked: dict[int, list[Job]] | None = None,
) -> Model:
    """The MIP over ``orders`` and their pairs ``pair_ids``; ``free`` (J, H) overrides the free
    capacity; ``booked`` jobs per factory (fixed placements of other orders) take their share of it."""
    free = inst.free if free is None else free
    cols, rows = _Cols(), _Rows()
    u = {i: cols.add(float(inst.unmet[i]), 0.0, float(inst.qty[i]), False) for i in orders}
    pcs: list[PairCols] = []
    by_order: dict[int, list[int]] = {i: [] for i in orders}
    at_factory: dict[int, list[tuple[int, int, int, float]]] = {}  # j -> (start, day, x col, work)
    cums = np.concatenate([np.zeros((len(free), 1)), np.cumsum(free, axis=1)], axis=1)
    for p in pair_ids:
        pair = inst.pairs[p]
        w = float(inst.work[pair.order])
        z = [cols.add(pair.setup, 0.0, 1.0, True) for _ in pair.tiers]
        # units are continuous here: integer units come second, with the tiers fixed (solve.py)
        n = [cols.add(t.unit + pair.risk, 0.0, float(t.hi), False) for t in pair.tiers]
        cum = cums[pair.factory]
        x = []
        for d, late in zip(pair.days.tolist(), pair.late.tolist(), strict=True):
            room = float(cum[min(d, len(cum) - 2) + 1] - cum[pair.start]) / w
            x.append(cols.add(late, 0.0, max(0.0, min(float(inst.qty[pair.order]), room)), False))
            at_factory.setdefault(pair.factory, []).append((pair.start, d, x[-1], w))
        for zk, nk, t in zip(z, n, pair.tiers, strict=True):
            rows.add([nk, zk], [1.0, -float(t.lo)], 0.0, np.inf)
            rows.add([nk, zk], [1.0, -float(t.hi)], -np.inf, 0.0)
        rows.add(z, [1.0] * len(z), -np.inf, 1.0)
        rows.add(n + x, [1.0] * len(n) + [-1.0] * len(x), 0.0, 0.0)
        pcs.append(PairCols(p, z, n, x))
        by_order[pair.order].append(len(pcs) - 1)
    order_rows: dict[int, int] = {}
    split_rows: dict[int, int] = {}
    for i in orders:
        ns = [c for k in by_order[i] for c in pcs[k].n]
        q = float(inst.qty[i])
        order_rows[i] = rows.add([*ns, u[i]], [1.0] * (len(ns) + 1), q, q)
        zs = [c for k in by_order[i] for c in pcs[k].z]
        if len(by_order[i]) > inst.settings.max_factories_per_order:
            split_rows[i] = rows.add(
                zs, [1.0] * len(zs), -np.inf, float(inst.settings.max_factories_per_order)
            )
    capacity_rows = {
        j: _capacity_rows(rows, cums[j], entries, (booked or {}).get(j, []))
        for j, entries in at_factory.items()
    }
    return Model(
        _lp(cols, rows),
        orders,
        pcs,
        u,
        order_rows,
        split_rows,
        capacity_rows,
        sum(len(pc.z) for pc in pcs),
        sum(len(pc.n) for pc in pcs),
    )


def _capacity_rows(
    rows: _Rows, cum: F64, entries: list[tuple[int, int, int, float]], booked: list[Job]
) -> list[tuple[int, int, int]]:
    """One row per interval [a, b] (a: a start, b: a completion day of a column or a booked job) that
    holds a column; its capacity is the free capacity of a..b less the booked jobs inside it."""
    starts = np.array([e[0] for e in entries])
    ends = np.array([e[1] for e in entries])
    col = [e[2] for e in entries]
    w = np.array([e[3] for e in entries])
    b_start = np.array([j.start for j in booked], dtype=np.int64)
    b_end = np.array([j.end for j in booked], dtype=np.int64)
    b_units = np.array([j.units for j in booked], dtype=np.float64)
    horizon = len(cum) - 1
    out: list[tuple[int, int, int]] = []
    for a in sorted(set(starts.tolist()) | set(b_start.tolist())):
        for b in sorted(set(ends.tolist()) | set(b_end.tolist())):
            if b < a:
                continue
            inside = np.flatnonzero((starts >= a) & (ends <= b))
            if not len(inside):
                continue
            capacity = float(cum[min(b, horizon - 1) + 1] - cum[min(a, horizon)])
            capacity -= float(b_units[(b_start >= a) & (b_end <= b)].sum())
            out.append(
                (a, b, rows.add([col[k] for k in inside], w[inside].tolist(), -np.inf, max(capacity, 0.0)))
            )
    return out


def _lp(cols: _Cols, rows: _Rows) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_ = len(cols.cost)
    lp.num_row_ = len(rows.lower)
    lp.col_cost_ = np.array(cols.cost)
    lp.col_lower_ = np.array(cols.lower)
    lp.col_upper_ = np.array(cols.upper)
    lp.row_lower_ = np.array(rows.lower)
    lp.row_upper_ = np.array(rows.upper)
    r, c, v = np.array(rows.r, dtype=np.int64), np.array(rows.c, dtype=np.int64), np.array(rows.v)
    order = np.lexsort((c, r))
    start = np.zeros(lp.num_row_ + 1, dtype=np.int32)
    np.cumsum(np.bincount(r, minlength=lp.num_row_), out=start[1:])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = c[order].astype(np.int32)
    lp.a_matrix_.value_ = v[order]
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous for k in cols.integer
    ]
    lp.sense_ = highspy.ObjSense.kMinimize
    return lp


def values_of(model: Model, inst: Instance, plan: MatchPlan) -> F64:
    """Column values of ``plan`` (its placements of the model's orders), for a warm start."""
    values = np.zeros(model.n_cols)
    where = {pc.pair: pc for pc in model.pairs}
    for i in model.orders:
        values[model.u[i]] = float(plan.unmet[i])
    for pl in plan.placements:
        pc = where.get(pl.pair)
        if pc is None or pl.qty <= 0:
            continue
        pair = inst.pairs[pl.pair]
        k = pair.tiers.index(pair.tier_of(pl.qty))
        values[pc.z[k]] = 1.0
        values[pc.n[k]] = float(pl.qty)
        days = pair.days.tolist()
        for day, units in pl.by_day:
            values[pc.x[days.index(day)]] += float(units)
    return values


def plan_of(model: Model, inst: Instance, values: F64) -> tuple[list[Placement], dict[int, int]]:
    """Placements and unmet units of a solution; the units finishing by each day are rounded down
    cumulatively (a unit finishing later never overfills an earlier interval)."""
    placements: list[Placement] = []
    unmet: dict[int, int] = {}
    for pc in model.pairs:
        qty = round(sum(values[c] for c in pc.n))
        if qty <= 0:
            continue
        pair = inst.pairs[pc.pair]
        x = np.maximum(values[pc.x], 0.0)
        cum = np.floor(np.cumsum(x) + 1e-4).astype(np.int64)
        cum = np.minimum(cum, qty)
        cum[-1] = qty
        units = np.diff(np.concatenate([[0], cum]))
        by_day = [(int(d), int(q)) for d, q in zip(pair.days.tolist(), units.tolist(), strict=True) if q > 0]
        placements.append(Placement(pc.pair, qty, by_day))
    made: dict[int, int] = {}
    for pl in placements:
        i = inst.pairs[pl.pair].order
        made[i] = made.get(i, 0) + pl.qty
    for i in model.orders:
        unmet[i] = int(inst.qty[i]) - made.get(i, 0)
    return placements, unmet


def rounded_down(model: Model, inst: Instance, values: F64) -> F64:
    """``values`` with whole units: each pair's units rounded down (never below its tier's minimum,
    which is whole), the units finishing by each day rounded down cumulatively, the rest unmet.
    Rounding down never overfills a capacity interval, so a feasible solution stays feasible."""
    out = values.copy()
    for pc in model.pairs:
        pair = inst.pairs[pc.pair]
        for k, (zc, nc) in enumerate(zip(pc.z, pc.n, strict=True)):
            on = values[zc] > 0.5
            out[zc] = 1.0 if on else 0.0
            out[nc] = float(np.floor(values[nc] + 1e-6)) if on else 0.0
            if on and out[nc] < pair.tiers[k].lo:
                out[zc], out[nc] = 0.0, 0.0
        qty = int(sum(out[c] for c in pc.n))
        x = np.maximum(values[pc.x], 0.0)
        cum = np.minimum(np.floor(np.cumsum(x) + 1e-6), qty)
        if len(cum):
            cum[-1] = qty
        out[pc.x] = np.diff(np.concatenate([[0.0], cum]))
    made: dict[int, float] = {}
    for pc in model.pairs:
        i = inst.pairs[pc.pair].order
        made[i] = made.get(i, 0.0) + sum(out[c] for c in pc.n)
    for i in model.orders:
        out[model.u[i]] = float(inst.qty[i]) - made.get(i, 0.0)
    return out
