"""An upper bound on expected profit by decomposition into styles (Lagrangian relaxation).

Styles share only a few rows of the model: capacity windows (and a required fill rate, if any).
Price those coupling rows at the LP relaxation's duals π and the rest falls apart into one small
MIP per style:

    bound = Σ_styles max { (c − π·A_coupling)·x : x in the style's own rows, binaries integer }
            + π·rhs_coupling + offset

For any π with the right signs (≥ 0 on ≤ rows, ≤ 0 on ≥ rows) this is at least the profit of every
plan, so it is a valid bound; with the LP's duals and the styles solved as LPs it equals the LP
bound, and solving them as MIPs (each style's order / no-order choices integer) makes it tighter:
the style problems are small enough for HiGHS to close at the root, while the full model's
relaxation lets every style order fractions of an MOQ. A style stopped by its time limit counts
with its own MIP bound, which is still an upper bound. Quantities stay continuous here (a
relaxation of whole units: still a bound).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import highspy
import numpy as np
import numpy.typing as npt

from kuaifan.plan.milp import F64, I64, Built, Problem

I32 = npt.NDArray[np.int32]


def column_styles(pb: Problem, built: Built) -> I64:
    """The style of every column of the model."""
    out = np.full(int(built.lp.num_col_), -1, dtype=np.int64)
    for v in range(pb.shape[0]):
        s = int(pb.style_of[v])
        for cols in (built.z_now[v], built.z_pre[v], built.i_cols[v]):
            out[cols.ravel()] = s
    if built.z_back.size:
        out[built.z_back.reshape(len(pb.bo_variant), -1)] = pb.style_of[pb.bo_variant][:, None]
    for g in built.groups:
        x = g.x_start[:, None] + np.arange(len(g.variants))[None, :]
        out[x.ravel()] = g.s
        out[g.y_col[g.y_col >= 0]] = g.s
    return out


def row_styles(built: Built, col_style: I64) -> I64:
    """The style of every row, -1 for a row that couples styles (or has no entries)."""
    m = built.matrix
    n_rows = len(m.row_lower)
    counts = np.diff(m.start)
    entry_style = col_style[m.index]
    out = np.full(n_rows, -1, dtype=np.int64)
    filled = np.flatnonzero(counts > 0)
    if len(filled):
        lo = np.minimum.reduceat(entry_style, m.start[filled])
        hi = np.maximum.reduceat(entry_style, m.start[filled])
        out[filled] = np.where(lo == hi, lo, -1)
    return out


def coupling_prices(built: Built, row_dual: F64, coupling: npt.NDArray[np.bool_]) -> tuple[F64, F64]:
    """Multipliers π of the coupling rows and the side (rhs) each is priced at, with signs that
    keep the bound valid whatever the solver's sign convention: π ≥ 0 against a finite upper
    side, π ≤ 0 against a finite lower side, 0 otherwise."""
    m = built.matrix
    # HiGHS, maximising: a binding <= row has a positive dual
    pi = np.where(coupling, row_dual, 0.0)
    upper_ok = np.isfinite(m.row_upper) & (pi > 0)
    lower_ok = np.isfinite(m.row_lower) & (pi < 0)
    pi = np.where(upper_ok | lower_ok, pi, 0.0)
    rhs = np.where(upper_ok, m.row_upper, np.where(lower_ok, m.row_lower, 0.0))
    return pi, rhs


def decomposition_bound(
    pb: Problem,
    built: Built,
    row_dual: F64,
    time_limit_s: float,
    new_highs: Callable[[], highspy.Highs],
    integer: bool = True,
) -> float:
    """Upper bound on expected profit (see the module doc); inf if it could not be completed in
    ``time_limit_s`` (then the caller keeps the bounds it has). ``integer=False`` solves the styles
    as LPs: with the LP's own duals that gives back the LP bound (a check of the prices)."""
    t0 = time.perf_counter()
    m = built.matrix
    col_style = column_styles(pb, built)
    if (col_style < 0).any():  # a column of no style: the model is not what this module knows
        return math.inf
    r_style = row_styles(built, col_style)
    coupling = (r_style < 0) & (np.diff(m.start) > 0)
    pi, rhs = coupling_prices(built, row_dual, coupling)
    entry_row = np.repeat(np.arange(len(m.row_lower)), np.diff(m.start))
    cost = m.cost - np.bincount(m.index, weights=pi[entry_row] * m.value, minlength=len(m.cost))
    total = m.offset + float(pi @ rhs)
    binary = np.zeros(len(m.cost), dtype=np.bool_)
    if integer:
        binary[built.binary_cols] = True
    # local column numbers within each style, entries grouped by the style of their row
    order = np.argsort(col_style, kind="stable")
    local = np.empty(len(col_style), dtype=np.int64)
    starts = np.searchsorted(col_style[order], np.arange(len(pb.styles) + 1))
    local[order] = np.arange(len(col_style)) - starts[col_style[order]]
    entry_style = r_style[entry_row]
    n_styles = len(pb.styles)
    for s in range(n_styles):
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0:
            return math.inf
        cols = order[starts[s] : starts[s + 1]]
        rows = np.flatnonzero(r_style == s)
        entries = np.flatnonzero(entry_style == s)
        value = _style_bound(
            new_highs(),
            cost[cols],
            m.col_lower[cols],
            m.col_upper[cols],
            binary[cols],
            m.row_lower[rows],
            m.row_upper[rows],
            np.searchsorted(rows, entry_row[entries]),
            local[m.index[entries]],
            m.value[entries],
            left / (n_styles - s),
        )
        if not math.isfinite(value):
            return math.inf
        total += value
    return total


def _style_bound(
    h: highspy.Highs,
    cost: F64,
    col_lower: F64,
    col_upper: F64,
    binary: npt.NDArray[np.bool_],
    row_lower: F64,
    row_upper: F64,
    rows: I64,
    cols: I64,
    vals: F64,
    time_limit_s: float,
) -> float:
    """Upper bound of max cost·x over one style's rows (entries sorted by row, as the model's)."""
    lp = rowwise_lp(cost, col_lower, col_upper, row_lower, row_upper, rows, cols, vals)
    if binary.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in binary
        ]
    h.setOptionValue("time_limit", max(0.01, time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-4)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal and not binary.any():
        return float(h.getInfo().objective_function_value)
    bound = float(h.getInfo().mip_dual_bound) if binary.any() else math.inf
    return bound if math.isfinite(bound) else math.inf


def rowwise_lp(
    cost: F64,
    col_lower: F64,
    col_upper: F64,
    row_lower: F64,
    row_upper: F64,
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    vals: F64,
) -> highspy.HighsLp:
    """A maximisation LP from its columns, row bounds and entries sorted by row (the model's order)."""
    lp = highspy.HighsLp()
    lp.num_col_ = len(cost)
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = cost
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = row_lower
    lp.row_upper_ = row_upper
    start = np.zeros(len(row_lower) + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=len(row_lower)), out=start[1:])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = len(cost)
    lp.a_matrix_.num_row_ = len(row_lower)
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = vals
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp
