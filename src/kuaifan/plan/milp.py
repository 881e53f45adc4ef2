"""The planner's stochastic MIP (sample average approximation), built as arrays and solved with HiGHS.

Time: days 0..T-1. An order placed on review day r at factory f arrives at the start of day
r + L_f and is sold from that day on; orders that would arrive on day T or later are not modelled.

Information (non-anticipativity): an order on review day r may depend only on what was seen on
days 0..r-1. We restrict it further, honestly and readably: on review day r the scenarios are split,
per style, into at most ``policy_buckets`` buckets of the style's demand to date (units demanded on
days 0..r-1: sales plus recorded unmet demand), and every scenario in a bucket gets the same order.
Scenarios with equal demand to date always share a bucket, so the rule "if DRESS demand by day 7 is
in [a, b) order q" is implementable. Day 0 has one bucket: the here-and-now first batch.

Variables (per variant v, scenario k, day t):
  z[v,k,t,a]  demand of day t served on day t+a (a = 0 from stock; a = 1..W pre-sale, 预售, only
              where t+a is a day stock can arrive: see presale_pairs)
  b[g,k,e]    pre-orders already taken (group g of a variant) shipped on day e (day 0 or an arrival day)
  I[v,k,t]    stock at the end of day t
  x[n,v]      units of v in order node n = (factory, style, review day, bucket); integer if asked
  y[n]        1 if node n places an order (only where MOQ or a fixed cost makes it matter)

Constraints:
  stock balance   I[t] = I[t-1] + arrivals[t] + incoming[t] - served on day t   (I[-1] = on_hand)
  demand          z[t,0] <= D[t];  (1-c)·z[t,0] + Σ_a≥1 z[t,a] / (1-h)^a <= (1-c)·D[t]
                  (c = cancel share at once, h = cancel share per further day of waiting)
  pre-orders      Σ_e b[g,e] / (1-h)^e <= qty[g]   (shipped by the group's last day, or refunded)
  MOQ / setup     moq·y <= Σ_v∈style x[n,v] <= M·y;   x[n,v] <= u_v·y  (u_v: most the bucket can sell)
  capacity        orders of a factory placed within any lead-time window (≥ 1 day) <= cap × window,
                  per scenario (deduplicated: scenarios that share the same order nodes share a row)
  fill rate       Σ z >= min_fill_rate · Σ D   (optional)

Objective: expected profit = (1/K) Σ_k [revenue + salvage − holding − shortage] − Σ_n p_n (purchase + fixed),
with p_n the share of scenarios in node n's bucket.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from kuaifan.errors import InputError, KuaifanError
from kuaifan.plan.fallback import Matrix
from kuaifan.plan.model import PlanInput, PlanWarning

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
INF = math.inf


class PlanInfeasible(InputError):
    """The constraints of the input cannot all be met (e.g. a required fill rate)."""

    code = "plan_infeasible"


class SolverFailed(KuaifanError):
    code = "solver_failed"
    exit_code = 70  # EX_SOFTWARE
    http_status = 500


@dataclass(frozen=True)
class Partition:
    """Scenarios of one style on one review day, grouped by demand to date."""

    bucket_of: I64  # (K,) bucket index of each scenario
    lows: list[float | None]  # inclusive lower bound of each bucket (None: open)
    highs: list[float | None]  # exclusive upper bound (None: open)


@dataclass(frozen=True)
class Problem:
    """Plain arrays derived from a PlanInput."""

    demand: F64  # (V, K, T)
    style_of: I64  # (V,)
    styles: list[str]
    style_variants: list[I64]
    price: F64
    unit_cost: F64
    salvage: F64
    shortage: F64
    holding: F64
    on_hand: F64
    incoming: F64  # (V, T): units already on order arriving at the start of each day
    review: I64  # (R,)
    lead: I64  # (F,)
    capacity: F64
    moq: F64
    fixed: F64
    factor: F64
    makes: npt.NDArray[np.bool_]  # (F, S)
    wait: int  # W, 0 = lost sales
    keep: float  # 1 - cancel share
    presale_price_factor: float
    hazard: float  # share of waiting buyers who cancel on each further day (cancel_per_day)
    bo_variant: I64  # (B,) pre-orders already taken: the variant of each group
    bo_qty: F64  # (B,) units waiting at the start of day 0
    bo_last: I64  # (B,) the last day a group may ship on
    partitions: dict[tuple[int, int], Partition]  # (style, review index) -> partition

    @property
    def shape(self) -> tuple[int, int, int]:
        v, k, t = self.demand.shape
        return int(v), int(k), int(t)


@dataclass
class Group:
    """Order nodes of one (factory, style, review day): one node per bucket."""

    f: int
    s: int
    ri: int
    day: int
    arrival: int
    window: int
    variants: I64
    prob: F64  # (B,)
    x_start: I64  # (B,) first x column of each node; node b, variant i -> x_start[b] + i
    y_col: I64  # (B,) binary column or -1
    x_value: F64 = field(default_factory=lambda: np.zeros((0, 0)))  # (B, n_variants) after solve


@dataclass
class Solution:
    problem: Problem
    groups: list[Group]
    served: F64  # (V, K, T, W+1): z
    stock: F64  # (V, K, T): I
    back: F64  # (B, K): pre-orders taken before day 0 that are shipped
    fixed_cost: float  # expected fixed order cost
    objective: float
    status: str
    optimal: bool
    mip_gap: float
    bound: float
    time_s: float
    n_vars: int
    n_binary: int
    n_integer: int
    n_rows: int
    n_nonzeros: int
    warnings: list[PlanWarning]


def partition(values: F64, n_buckets: int) -> Partition:
    """Split scenarios into at most n equal-count buckets by value; equal values share a bucket."""
    uniq = np.unique(values)
    if len(uniq) <= n_buckets:
        cuts = uniq[1:]
    else:
        ordered = np.sort(values)
        k = len(ordered)
        picks = [ordered[math.ceil(j * k / n_buckets)] for j in range(1, n_buckets)]
        cuts = np.unique(np.array([c for c in picks if c > ordered[0]], dtype=np.float64))
    bucket_of = np.searchsorted(cuts, values, side="right").astype(np.int64)
    bounds = [float(c) for c in cuts]
    return Partition(bucket_of, [None, *bounds], [*bounds, None])


def build_problem(inp: PlanInput) -> Problem:
    horizon = inp.horizon_days
    demand = np.array([v.demand_scenarios for v in inp.variants], dtype=np.float64)
    styles = sorted({v.style for v in inp.variants})
    sidx = {s: i for i, s in enumerate(styles)}
    style_of = np.array([sidx[v.style] for v in inp.variants], dtype=np.int64)
    review = np.array(inp.review_days if inp.review_days is not None else range(horizon), dtype=np.int64)
    makes = np.array(
        [[f.styles is None or s in f.styles for s in styles] for f in inp.factories], dtype=np.bool_
    )
    presale = inp.presale
    # a pre-order can wait at most until the last day of the horizon: a longer wait is the same model
    wait = min(presale.max_wait_days, horizon - 1) if presale is not None and presale.cancel_share < 1 else 0
    keep = 1.0 - presale.cancel_share if presale is not None else 0.0
    cum = np.concatenate([np.zeros((*demand.shape[:2], 1)), np.cumsum(demand, axis=2)], axis=2)
    partitions: dict[tuple[int, int], Partition] = {}
    for s in range(len(styles)):
        style_cum = cum[style_of == s].sum(axis=0)  # (K, T+1): demand on days < t
        for ri, r in enumerate(review):
            partitions[s, ri] = partition(style_cum[:, int(r)], inp.policy_buckets)

    def arr(name: str) -> F64:
        return np.array([getattr(v, name) for v in inp.variants], dtype=np.float64)

    groups = [(i, b.qty, min(b.max_wait_days, horizon - 1)) for i, v in enumerate(inp.variants)
              for b in v.backorders if b.qty > 0]  # fmt: skip

    incoming = np.zeros((len(inp.variants), horizon))
    for i, v in enumerate(inp.variants):
        for r in v.incoming:
            if r.day < horizon:
                incoming[i, r.day] += r.qty

    def farr(name: str) -> F64:
        return np.array([getattr(f, name) for f in inp.factories], dtype=np.float64)

    return Problem(
        demand=demand,
        style_of=style_of,
        styles=styles,
        style_variants=[np.flatnonzero(style_of == s).astype(np.int64) for s in range(len(styles))],
        price=arr("price"),
        unit_cost=arr("unit_cost"),
        salvage=arr("salvage_value"),
        shortage=arr("shortage_cost"),
        holding=arr("holding_cost_per_day"),
        on_hand=arr("on_hand"),
        incoming=incoming,
        review=review,
        lead=np.array([f.lead_time_days for f in inp.factories], dtype=np.int64),
        capacity=farr("capacity_per_day"),
        moq=farr("moq_per_style"),
        fixed=farr("fixed_cost_per_order"),
        factor=farr("unit_cost_factor"),
        makes=makes,
        wait=wait,
        keep=keep,
        presale_price_factor=1.0 - (presale.price_discount if presale is not None else 0.0),
        hazard=presale.cancel_per_day if presale is not None else 0.0,
        bo_variant=np.array([g[0] for g in groups], dtype=np.int64),
        bo_qty=np.array([g[1] for g in groups], dtype=np.float64),
        bo_last=np.array([g[2] for g in groups], dtype=np.int64),
        partitions=partitions,
    )


class _Builder:
    """Collects columns and COO triplets; columns are appended in blocks."""

    def __init__(self) -> None:
        self.cost: list[F64] = []
        self.lower: list[F64] = []
        self.upper: list[F64] = []
        self.integer: list[npt.NDArray[np.bool_]] = []
        self.n_cols = 0
        self.rows: list[I64] = []
        self.cols: list[I64] = []
        self.vals: list[F64] = []
        self.row_lower: list[F64] = []
        self.row_upper: list[F64] = []
        self.n_rows = 0

    def add_cols(self, cost: F64, lower: F64, upper: F64, integer: bool) -> I64:
        n = len(cost)
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(np.full(n, integer))
        start = self.n_cols
        self.n_cols += n
        return np.arange(start, start + n, dtype=np.int64)

    def add_rows(self, lower: F64, upper: F64) -> I64:
        n = len(lower)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        start = self.n_rows
        self.n_rows += n
        return np.arange(start, start + n, dtype=np.int64)

    def add_entries(self, rows: npt.ArrayLike, cols: npt.ArrayLike, vals: npt.ArrayLike) -> None:
        r = np.asarray(rows, dtype=np.int64).ravel()
        c = np.asarray(cols, dtype=np.int64).ravel()
        v = np.broadcast_to(np.asarray(vals, dtype=np.float64), np.asarray(rows).shape).ravel()
        self.rows.append(r)
        self.cols.append(c)
        self.vals.append(v)

    def lp(self, sense_max: bool, offset: float) -> tuple[highspy.HighsLp, int, Matrix]:
        lp = highspy.HighsLp()
        lp.num_col_ = self.n_cols
        lp.num_row_ = self.n_rows
        lp.col_cost_ = np.concatenate(self.cost)
        lp.col_lower_ = np.concatenate(self.lower)
        lp.col_upper_ = np.concatenate(self.upper)
        lp.row_lower_ = np.concatenate(self.row_lower) if self.row_lower else np.zeros(0)
        lp.row_upper_ = np.concatenate(self.row_upper) if self.row_upper else np.zeros(0)
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)
        vals = np.concatenate(self.vals) if self.vals else np.zeros(0)
        keep = vals != 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        order = np.lexsort((cols, rows))
        start = np.zeros(self.n_rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=self.n_rows), out=start[1:])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = self.n_cols
        lp.a_matrix_.num_row_ = self.n_rows
        lp.a_matrix_.start_ = start
        lp.a_matrix_.index_ = cols[order].astype(np.int32)
        lp.a_matrix_.value_ = vals[order]
        integer = np.concatenate(self.integer)
        if integer.any():
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
            ]
        lp.sense_ = highspy.ObjSense.kMaximize if sense_max else highspy.ObjSense.kMinimize
        lp.offset_ = offset
        matrix = Matrix(
            start=start.astype(np.int64),
            index=cols[order],
            value=vals[order],
            row_lower=np.asarray(lp.row_lower_, dtype=np.float64),
            row_upper=np.asarray(lp.row_upper_, dtype=np.float64),
            col_lower=np.asarray(lp.col_lower_, dtype=np.float64),
            col_upper=np.asarray(lp.col_upper_, dtype=np.float64),
            cost=np.asarray(lp.col_cost_, dtype=np.float64),
            offset=offset,
        )
        return lp, int(integer.sum()), matrix


@dataclass
class Built:
    lp: highspy.HighsLp
    groups: list[Group]
    z_now: I64  # (V, K, T): demand of day t served on day t
    z_pre: I64  # (V, K, P): pre-sale pair j, demand of day pre_t[j] served pre_a[j] days later
    pre_t: I64  # (P,)
    pre_a: I64  # (P,)
    i_cols: I64  # (V, K, T)
    binary_cols: I64
    n_integer: int
    matrix: Matrix
    warnings: list[PlanWarning]
    z_back: I64  # (B, K, E): pre-orders already taken, group g served on back_day[e]
    back_day: I64  # (E,)

    @property
    def n_nonzeros(self) -> int:
        return len(self.matrix.value)

    def served(self, values: F64) -> F64:
        """(V, K, T, W+1): demand of day t served a days later, from a solution's column values."""
        n_v, n_k, n_t = self.z_now.shape
        wait = int(self.pre_a.max()) if self.pre_a.size else 0
        out = np.zeros((n_v, n_k, n_t, wait + 1))
        out[..., 0] = values[self.z_now]
        out[:, :, self.pre_t, self.pre_a] = values[self.z_pre]
        return out


def arrival_days(pb: Problem) -> list[int]:
    """Days on which stock can arrive: review day + lead time of a usable factory, and receipts."""
    n_t = pb.shape[2]
    days = {int(r) + int(lead) for lead in pb.lead for r in pb.review if int(r) + int(lead) < n_t}
    days |= {int(t) for t in np.flatnonzero(pb.incoming.sum(axis=0) > 0)}
    return sorted(days)


def presale_pairs(pb: Problem, every_day: bool = False) -> tuple[I64, I64]:
    """(day t, delay a) of the pre-sale variables: demand of day t served on arrival day t + a.

    Waiting buyers need only be served on days when stock arrives: stock that serves a pre-order on
    any other day was already there the day before, when it could have served the pre-order (or,
    the day after it was placed, the buyer at once). So restricting z[t, a] to t + a in the arrival
    days loses no plan and keeps the pre-sale part of the model a few columns per arrival
    (``every_day=True``: the full set, for checking that claim).
    """
    days = range(pb.shape[2]) if every_day else arrival_days(pb)
    pairs = [(day - a, a) for day in days for a in range(1, pb.wait + 1) if day - a >= 0]
    t = np.array([p[0] for p in pairs], dtype=np.int64)
    a = np.array([p[1] for p in pairs], dtype=np.int64)
    return t, a


def build_model(pb: Problem, inp: PlanInput, every_day_presale: bool = False) -> Built:
    n_v, n_k, n_t = pb.shape
    d = pb.demand
    b = _Builder()
    warnings: list[PlanWarning] = []
    inv_k = 1.0 / n_k

    # served z[v,k,t,0] (at once) and z[v,k,t,a] for the pre-sale pairs (t, a)
    unit_now = np.broadcast_to(((pb.price + pb.shortage) * inv_k)[:, None, None], (n_v, n_k, n_t))
    z_now = b.add_cols(unit_now.ravel().copy(), np.zeros(d.size), d.ravel().copy(), False).reshape(d.shape)
    pre_t, pre_a = presale_pairs(pb, every_day_presale)
    n_p = len(pre_t)
    unit_pre = (pb.price * pb.presale_price_factor + pb.shortage) * inv_k
    cost = np.broadcast_to(unit_pre[:, None, None], (n_v, n_k, n_p)).ravel().copy()
    # served a days late: at most keep·(1 - hazard)^a of the day's demand is still waiting
    decay = (1.0 - pb.hazard) ** pre_a.astype(np.float64)
    upper = (pb.keep * d[:, :, pre_t] * decay[None, None, :]).ravel().copy()
    z_pre = b.add_cols(cost, np.zeros(cost.size), upper, False).reshape(n_v, n_k, n_p)
    # stock I[v,k,t]
    i_cost = np.broadcast_to((-pb.holding * inv_k)[:, None, None], (n_v, n_k, n_t)).copy()
    i_cost[:, :, -1] += (pb.salvage * inv_k)[:, None]
    i_cols = b.add_cols(i_cost.ravel(), np.zeros(i_cost.size), np.full(i_cost.size, INF), False)
    i_cols = i_cols.reshape(n_v, n_k, n_t)

    # balance rows: I[t] - I[t-1] + Σ_a z[t-a,a] - arrivals[t] = on_hand·[t=0] + incoming[t]
    rhs = np.broadcast_to(pb.incoming[:, None, :], (n_v, n_k, n_t)).copy()
    rhs[:, :, 0] += pb.on_hand[:, None]
    bal = b.add_rows(rhs.ravel(), rhs.ravel()).reshape(n_v, n_k, n_t)
    b.add_entries(bal, i_cols, 1.0)
    b.add_entries(bal[:, :, 1:], i_cols[:, :, :-1], -1.0)
    b.add_entries(bal, z_now, 1.0)
    b.add_entries(bal[:, :, pre_t + pre_a], z_pre, 1.0)
    # pre-sale rows: keep·z[t,0] + Σ_a≥1 z[t,a] / (1 - hazard)^a <= keep·D[t], on the days with
    # pairs (a unit served a days late stands for 1 / (1 - hazard)^a units still waiting at day t)
    if n_p:
        days = np.unique(pre_t)
        pre = b.add_rows(np.full(n_v * n_k * len(days), -INF), (pb.keep * d[:, :, days]).ravel())
        pre = pre.reshape(n_v, n_k, len(days))
        b.add_entries(pre, z_now[:, :, days], pb.keep)
        b.add_entries(pre[:, :, np.searchsorted(days, pre_t)], z_pre, 1.0 / decay[None, None, :])
    z_back, back_day = _add_backorders(b, pb, bal, inv_k)

    # suffix sums: most a scenario can still sell from day t on (pre-sale reaches back W days)
    suffix = np.concatenate([np.cumsum(d[:, :, ::-1], axis=2)[:, :, ::-1], np.zeros((n_v, n_k, 1))], axis=2)
    # pre-orders taken before day 0 that an arrival on day t can still ship (at most qty, undecayed)
    waiting_at = np.zeros((n_v, n_t))
    for v, qty, last in zip(pb.bo_variant, pb.bo_qty, pb.bo_last, strict=True):
        waiting_at[v, : last + 1] += qty
    integer = inp.integer_quantities
    groups: list[Group] = []
    binary: list[I64] = []
    unusable: set[str] = set()
    for f in range(len(pb.lead)):
        lead = int(pb.lead[f])
        window = max(1, lead)
        cap = float(pb.capacity[f]) * window
        if cap < pb.moq[f]:
            unusable.add(f"moq:{f}")
            continue
        for ri, r in enumerate(pb.review):
            arrival = int(r) + lead
            if arrival >= n_t:
                unusable.add(f"late:{f}:{ri}")
                continue
            for s in np.flatnonzero(pb.makes[f]):
                vs = pb.style_variants[s]
                part = pb.partitions[int(s), ri]
                n_b = len(part.lows)
                counts = np.bincount(part.bucket_of, minlength=n_b)
                sellable = suffix[vs, :, max(0, arrival - pb.wait)]  # (nv, K)
                sellable = sellable + waiting_at[vs, arrival][:, None]  # pre-orders still to ship
                u = np.zeros((n_b, len(vs)))
                for bb in range(n_b):
                    u[bb] = sellable[:, part.bucket_of == bb].max(axis=1)
                g = _add_group(
                    b, pb, f, int(s), ri, int(r), arrival, window, cap, vs, counts / n_k, u, integer
                )
                groups.append(g)
                binary.append(g.y_col[g.y_col >= 0])
                # arrivals: scenario k receives the order of its bucket's node
                xcols = g.x_start[part.bucket_of][None, :] + np.arange(len(vs))[:, None]  # (nv, K)
                b.add_entries(bal[vs, :, arrival], xcols, -1.0)
    _add_capacity_rows(b, pb, groups)
    if inp.min_fill_rate is not None and inp.min_fill_rate > 0:
        row = b.add_rows(np.array([inp.min_fill_rate * d.sum()]), np.array([INF]))
        for zc in (z_now, z_pre, z_back):
            b.add_entries(np.full(zc.size, row[0]), zc.ravel(), 1.0)
    warnings.extend(_unusable_warnings(unusable, pb, inp, bool(groups)))
    offset = -float((pb.shortage[:, None, None] * d).sum()) * inv_k
    offset -= float((pb.shortage[pb.bo_variant] * pb.bo_qty).sum())  # pre-orders not shipped
    lp, n_integer, matrix = b.lp(True, offset)
    bin_cols = np.concatenate(binary) if binary else np.zeros(0, dtype=np.int64)
    return Built(
        lp,
        groups,
        z_now,
        z_pre,
        pre_t,
        pre_a,
        i_cols,
        bin_cols,
        n_integer,
        matrix,
        warnings,
        z_back,
        back_day,
    )


def _add_backorders(b: _Builder, pb: Problem, bal: I64, inv_k: float) -> tuple[I64, I64]:
    """Columns of the pre-orders already taken: group g served on day e (day 0 or a day stock can
    arrive, up to its last day), per scenario; Σ_e z[g,k,e] / (1 - hazard)^e <= qty[g]."""
    n_k = pb.shape[1]
    days = np.array(sorted({0, *arrival_days(pb)}), dtype=np.int64)
    usable = days[None, :] <= pb.bo_last[:, None]  # (B, E)
    n_b, n_e = usable.shape
    if not n_b:
        return np.zeros((0, n_k, n_e), dtype=np.int64), days
    price = pb.price[pb.bo_variant] * pb.presale_price_factor + pb.shortage[pb.bo_variant]
    cost = np.broadcast_to((price * inv_k)[:, None, None], (n_b, n_k, n_e)).ravel().copy()
    upper = np.broadcast_to(np.where(usable, pb.bo_qty[:, None], 0.0)[:, None, :], (n_b, n_k, n_e))
    cols = b.add_cols(cost, np.zeros(cost.size), upper.ravel().copy(), False).reshape(n_b, n_k, n_e)
    rows = b.add_rows(np.full(n_b * n_k, -INF), np.repeat(pb.bo_qty, n_k)).reshape(n_b, n_k)
    decay = (1.0 - pb.hazard) ** days.astype(np.float64)
    b.add_entries(np.broadcast_to(rows[:, :, None], cols.shape), cols, 1.0 / decay[None, None, :])
    k = np.arange(n_k)
    b.add_entries(bal[pb.bo_variant[:, None, None], k[None, :, None], days[None, None, :]], cols, 1.0)
    return cols, days


def _add_group(
    b: _Builder,
    pb: Problem,
    f: int,
    s: int,
    ri: int,
    day: int,
    arrival: int,
    window: int,
    cap: float,
    vs: I64,
    prob: F64,
    sellable: F64,
    integer: bool,
) -> Group:
    """Columns and rows of the order nodes of one (factory, style, review day)."""
    n_b, n_var = sellable.shape
    moq = float(pb.moq[f])
    unit_cost = pb.unit_cost[vs] * pb.factor[f]
    # Ordering beyond what the bucket can still sell only adds leftovers (salvage <= cost, checked
    # at input), except to reach the MOQ: tight bounds make the LP relaxation strong.
    total = sellable.sum(axis=1)
    big_m = np.minimum(cap, np.maximum(moq, total))
    u = np.minimum(sellable + np.maximum(0.0, moq - total)[:, None], big_m[:, None])
    if integer:
        big_m, u = np.floor(big_m + 1e-9), np.ceil(u - 1e-9)
    needs_y = moq > 0 or pb.fixed[f] > 0
    x_cost = -(prob[:, None] * unit_cost[None, :])
    x_cols = b.add_cols(x_cost.ravel(), np.zeros(u.size), u.ravel(), integer).reshape(n_b, n_var)
    y_cols = np.full(n_b, -1, dtype=np.int64)
    if needs_y:
        y_cols = b.add_cols(-prob * float(pb.fixed[f]), np.zeros(n_b), np.ones(n_b), True)
        # Σ x - M·y <= 0 ; Σ x - moq·y >= 0
        link = b.add_rows(np.full(n_b, -INF), np.zeros(n_b))
        b.add_entries(np.repeat(link, n_var), x_cols.ravel(), 1.0)
        b.add_entries(link, y_cols, -big_m)
        if moq > 0:
            low = b.add_rows(np.zeros(n_b), np.full(n_b, INF))
            b.add_entries(np.repeat(low, n_var), x_cols.ravel(), 1.0)
            b.add_entries(low, y_cols, -moq)
        # x_v - u_v·y <= 0 where it is tighter than the style row
        tight = u < big_m[:, None] - 1e-9
        if n_var > 1 and tight.any():
            vub = b.add_rows(np.full(int(tight.sum()), -INF), np.zeros(int(tight.sum())))
            b.add_entries(vub, x_cols[tight], 1.0)
            b.add_entries(vub, np.broadcast_to(y_cols[:, None], u.shape)[tight], -u[tight])
    elif n_var > 1 and (u.sum(axis=1) > big_m + 1e-9).any():
        row = b.add_rows(np.full(n_b, -INF), big_m)
        b.add_entries(np.repeat(row, n_var), x_cols.ravel(), 1.0)
    return Group(f, s, ri, day, arrival, window, vs, prob, x_cols[:, 0].copy(), y_cols)


def _add_capacity_rows(b: _Builder, pb: Problem, groups: list[Group]) -> None:
    """Per factory and window ending on a review day: Σ orders placed in the window <= cap·window."""
    by_factory: dict[int, list[Group]] = {}
    for g in groups:
        by_factory.setdefault(g.f, []).append(g)
    for f, gs in by_factory.items():
        window = gs[0].window
        cap = float(pb.capacity[f]) * window
        for end in sorted({g.day for g in gs}):
            inside = [g for g in gs if end - window < g.day <= end]
            if len(inside) < 2:
                continue  # one node alone is bounded by its M <= cap·window
            # node id of each scenario in each group of the window; dedupe identical combinations
            keys = np.stack([pb.partitions[g.s, g.ri].bucket_of for g in inside], axis=1)  # (K, G)
            combos = np.unique(keys, axis=0)
            rows = b.add_rows(np.full(len(combos), -INF), np.full(len(combos), cap))
            for gi, g in enumerate(inside):
                nv = len(g.variants)
                cols = g.x_start[combos[:, gi]][:, None] + np.arange(nv)[None, :]
                b.add_entries(np.repeat(rows, nv), cols.ravel(), 1.0)


def _unusable_warnings(
    unusable: set[str], pb: Problem, inp: PlanInput, any_orders: bool
) -> list[PlanWarning]:
    out: list[PlanWarning] = []
    n_review = len(pb.review)
    for f, fac in enumerate(inp.factories):
        if f"moq:{f}" in unusable:
            cap = fac.capacity_per_day * max(1, fac.lead_time_days)
            out.append(
                PlanWarning(
                    code="moq_above_capacity",
                    zh=f"工厂 {fac.id}：起订量 {fac.moq_per_style:g} 高于其交期内产能 {cap:g}，无法下单",
                    en=f"factory {fac.id}: MOQ {fac.moq_per_style:g} is above what it can make within "
                    f"its lead time ({cap:g}); it gets no orders",
                )
            )
        elif all(f"late:{f}:{ri}" in unusable for ri in range(n_review)):
            out.append(
                PlanWarning(
                    code="lead_time_beyond_horizon",
                    zh=f"工厂 {fac.id}：交期 {fac.lead_time_days} 天，"
                    f"任何订单都到不了 {inp.horizon_days} 天的规划期内",
                    en=f"factory {fac.id}: lead time {fac.lead_time_days} days; no order can arrive "
                    f"within the {inp.horizon_days}-day horizon",
                )
            )
    if not any_orders:
        out.append(
            PlanWarning(
                code="no_useful_orders",
                zh="没有能在规划期内到货的订单：只能销售现有库存",
                en="no order can arrive within the horizon: only stock on hand can be sold",
            )
        )
    return out
