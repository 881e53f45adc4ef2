"""A plan for a model too large to solve whole within the time limit: one style at a time.

Styles share only a few rows of the model (each factory's capacity windows, a required fill rate).
Leaving those out, the model falls apart into one small problem per style: each style's LP
relaxation is solved on its own (its rows and columns cut out of the whole model), the styles'
order quantities are put together — scaled down where together they overfill a factory's capacity
window — rounded to whole units with MOQs repaired and sales played greedily (fallback.py), and the
whole plan is checked against every row, shared ones included.
The sum of the styles' LP optima is an upper bound on the whole model's expected profit (it relaxes
the shared rows and the integrality), so the plan comes with an honest gap.

A shop's plan at real size (50 styles, 500 variants, 20 scenarios: a million columns) has an LP
relaxation that HiGHS does not finish in 30 s on two cores; fifty LPs of 20,000 columns it does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from kuaifan.plan.bound import column_styles, row_styles, rowwise_lp
from kuaifan.plan.milp import F64, Built, Problem


@dataclass(frozen=True)
class ByStyle:
    values: F64  # column values of the whole model: the styles' LP solutions side by side
    bound: float  # Σ styles' LP optima + offset: an upper bound on expected profit
    styles: int


def style_lps(
    pb: Problem, built: Built, time_limit_s: float, new_highs: Callable[[], highspy.Highs]
) -> ByStyle | None:
    """Each style's LP relaxation on its own; None if a style did not finish in the time or the
    model has a column of no style."""
    t0 = time.perf_counter()
    m = built.matrix
    col_style = column_styles(pb, built)
    if (col_style < 0).any():
        return None
    r_style = row_styles(built, col_style)
    entry_row = np.repeat(np.arange(len(m.row_lower)), np.diff(m.start))
    entry_style = r_style[entry_row]
    order = np.argsort(col_style, kind="stable")
    n_styles = len(pb.styles)
    starts = np.searchsorted(col_style[order], np.arange(n_styles + 1))
    local = np.empty(len(col_style), dtype=np.int64)
    local[order] = np.arange(len(col_style)) - starts[col_style[order]]
    values = np.zeros(len(m.cost))
    bound = m.offset
    for s in range(n_styles):
        left = time_limit_s - (time.perf_counter() - t0)
        if left <= 0:
            return None
        cols = order[starts[s] : starts[s + 1]]
        rows = np.flatnonzero(r_style == s)
        entries = np.flatnonzero(entry_style == s)
        h = new_highs()
        h.setOptionValue("time_limit", left)
        h.passModel(rowwise_lp(m.cost[cols], m.col_lower[cols], m.col_upper[cols], m.row_lower[rows],
                        m.row_upper[rows], np.searchsorted(rows, entry_row[entries]), local[m.index[entries]],
                        m.value[entries]))  # fmt: skip
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        values[cols] = np.asarray(h.getSolution().col_value, dtype=np.float64)
        bound += float(h.getInfo().objective_function_value)
    coupling = (r_style < 0) & (np.diff(m.start) > 0)
    return ByStyle(
        scaled_to_fit(built, values, coupling), bound if math.isfinite(bound) else math.inf, n_styles
    )


def scaled_to_fit(built: Built, values: F64, coupling: npt.NDArray[np.bool_]) -> F64:
    """The styles' order quantities scaled down where together they overfill a shared row (a
    factory's capacity window): each column by the largest cut any of its overfull rows asks. The
    caller rounds, repairs MOQs (rounding down if raising breaks a row) and checks every row."""
    m = built.matrix
    rows = np.flatnonzero(coupling & np.isfinite(m.row_upper))
    if not len(rows):
        return values
    counts = np.diff(m.start)[rows]
    entries = np.concatenate([np.arange(m.start[r], m.start[r + 1]) for r in rows])
    row_of = np.repeat(np.arange(len(rows)), counts)
    activity = np.bincount(row_of, weights=m.value[entries] * values[m.index[entries]], minlength=len(rows))
    upper = m.row_upper[rows]
    over = activity > upper + 1e-6
    if not over.any():
        return values
    ratio = np.where(over, upper / np.maximum(activity, 1e-9), 1.0)
    factor = np.ones(len(values))
    np.minimum.at(factor, m.index[entries], ratio[row_of])
    out: F64 = values * factor
    out[built.binary_cols] = values[built.binary_cols]
    return out
