"""A feasible plan from a fractional one: round the order quantities, repair MOQs, play the flows.

The solver uses it twice (see milp.solve): on the LP relaxation, to hand HiGHS a sensible first
incumbent (and to have a plan at all when the time limit stops the search early), and on the
first step's continuous quantities, to have whole units whatever the second step manages.

Rounding rule per order node: quantities to the nearest unit; a node whose total falls below the
factory's MOQ is raised to the MOQ if at least half of it was wanted, else dropped. If that breaks a
row (raising to MOQs can overfill a capacity window), the cautious rule: round down, drop nodes
below their MOQ. Sales and stock
then follow the orders greedily (waiting pre-orders oldest first, then the day's demand), which is
always a feasible use of the stock. The whole vector is checked against every bound and row of the
model; a plan that breaks one (e.g. a window's capacity after raising to MOQs) is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
TOL = 1e-6


@dataclass(frozen=True)
class Matrix:
    """The model's rows (CSR), bounds and objective, as plain arrays for checking a point."""

    start: I64  # (rows + 1,)
    index: I64
    value: F64
    row_lower: F64
    row_upper: F64
    col_lower: F64
    col_upper: F64
    cost: F64
    offset: float

    def objective(self, x: F64) -> float:
        return float(self.cost @ x) + self.offset

    def feasible(self, x: F64) -> bool:
        scale = 1.0 + np.abs(x)
        if np.any(x < self.col_lower - TOL * scale) or np.any(x > self.col_upper + TOL * scale):
            return False
        if len(self.row_lower) == 0:
            return True
        rows = np.repeat(np.arange(len(self.row_lower)), np.diff(self.start))
        activity = np.bincount(rows, weights=self.value * x[self.index], minlength=len(self.row_lower))
        slack = TOL * (1.0 + np.abs(activity))
        return bool(np.all(activity >= self.row_lower - slack) and np.all(activity <= self.row_upper + slack))


def round_node(raw: F64, moq: float, upper: F64, integer: bool, down: bool = False) -> F64:
    """One order node's quantities per variant, rounded and repaired for the MOQ (see module doc).

    ``down``: round down and drop a node below its MOQ, never raise one; quantities then never
    exceed the fractional ones, so capacity rows that held for those still hold."""
    want = np.clip(raw, 0.0, upper)
    x = np.floor(want + (TOL if down else 0.5)) if integer else want.copy()
    x = np.minimum(x, upper)
    total = float(x.sum())
    if total <= 0 or total >= moq - TOL:
        return x
    if down or float(want.sum()) < moq / 2:
        return np.zeros_like(x)
    # raise to the MOQ in proportion to what was wanted, within each variant's bound
    target = math_ceil(moq) if integer else moq
    weights = want if want.sum() > 0 else np.ones_like(want)
    x = np.minimum(weights * target / weights.sum(), upper)
    if integer:
        x = np.floor(x + TOL)
    missing = target - float(x.sum())
    for i in np.argsort(-(weights * target / weights.sum() - x)):
        if missing <= TOL:
            break
        add = min(missing, float(upper[i] - x[i]))
        add = np.floor(add) if integer else add
        x[i] += add
        missing -= add
    return x if missing <= TOL else np.zeros_like(x)


def math_ceil(v: float) -> float:
    return float(np.ceil(v - TOL))


@dataclass(frozen=True)
class Backorders:
    """Pre-orders already taken, per group: variant, units waiting at day 0, last day to ship."""

    variant: I64
    qty: F64
    last: I64

    @classmethod
    def none(cls) -> Backorders:
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))


@dataclass(frozen=True)
class Flows:
    """Stock sold greedily: served[a] (V, K, T - a) demand of day t served a days later, the
    pre-orders taken before day 0 served per day (B, K, T), stock at the end of each day (V, K, T)."""

    served: list[F64]
    back: F64
    stock: F64


def greedy_flows(
    demand: F64,
    on_hand: F64,
    arrivals: F64,
    wait: int,
    keep: float,
    hazard: float = 0.0,
    backorders: Backorders | None = None,
) -> Flows:
    """Each day: arrivals; pre-orders taken before day 0 (the first to run out of waiting first);
    then the plan's own waiting buyers, oldest first; then the day's demand. Of the demand that
    finds no stock ``keep`` waits up to ``wait`` days, losing ``hazard`` of those still waiting on
    each further day."""
    bo = backorders or Backorders.none()
    n_v, n_k, n_t = demand.shape
    stock = np.broadcast_to(on_hand[:, None], (n_v, n_k)).astype(np.float64)
    backlog = np.zeros((wait, n_v, n_k))  # backlog[j - 1]: pre-orders from day t - j
    served = [np.zeros((n_v, n_k, n_t - a)) for a in range(wait + 1)]
    level = np.zeros((n_v, n_k, n_t))
    waiting = np.broadcast_to(bo.qty[:, None], (len(bo.qty), n_k)).astype(np.float64)
    back = np.zeros((len(bo.qty), n_k, n_t))
    order = np.argsort(bo.last, kind="stable")
    for t in range(n_t):
        stock = stock + arrivals[:, :, t]
        if t:
            waiting *= 1.0 - hazard
            backlog *= 1.0 - hazard
        for g in order:
            if t > bo.last[g]:
                continue
            v = bo.variant[g]
            take = np.minimum(stock[v], waiting[g])
            stock[v] -= take
            waiting[g] -= take
            back[g, :, t] = take
        for j in range(min(wait, t), 0, -1):
            take = np.minimum(stock, backlog[j - 1])
            stock -= take
            backlog[j - 1] -= take
            served[j][:, :, t - j] = take
        take = np.minimum(stock, demand[:, :, t])
        stock -= take
        served[0][:, :, t] = take
        if wait > 0:
            backlog = np.concatenate([(keep * (demand[:, :, t] - take))[None], backlog[:-1]], axis=0)
        level[:, :, t] = stock
    return Flows(served, back, level)
