"""Solving the planner's MIP (milp.py) with HiGHS, within ``time_limit_s``.

0. The LP relaxation: an upper bound on expected profit and, with its order quantities rounded and
   repaired for MOQs (fallback.py), a first plan. If that plan is within ``mip_rel_gap`` of the
   bound, it is the answer.
   With review days more often than weekly the full search space is too large for HiGHS to find
   good plans or bounds in the time (thousands of order / no-order binaries, each with a weak
   relaxation), so two steps come first:
   a. a tighter bound by pricing the rows that couple styles (capacity) and solving each style
      alone as a MIP (bound.py);
   b. a guided search: the plan that opens the nodes the relaxation uses, then HiGHS over the
      order / no-order choices of those nodes only, widened while it finishes early.
1. Order / no-order binaries integer, quantities continuous, started from the best plan (after a
   guided search only if there is time for more than the root of the full model).
2. Binaries fixed, quantities integer (when whole units are asked for).

The answer is the best feasible plan any step found, and its gap is against the best bound, so a
time limit never ends in a silent empty plan: either a plan with a warning that says how far from
proven it is (zh + en), or SolverFailed when not even the relaxation was solved in time.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from kuaifan.plan.bound import decomposition_bound
from kuaifan.plan.bystyle import style_lps
from kuaifan.plan.fallback import Backorders, greedy_flows, round_node
from kuaifan.plan.milp import (
    F64,
    Built,
    PlanInfeasible,
    Problem,
    Solution,
    SolverFailed,
    build_model,
    build_problem,
)
from kuaifan.plan.model import PlanInput, PlanWarning

WEEK = 7  # review days closer than this make the search space large (see frequent_reviews)
BOUND_SHARE = 0.3  # share of the time left after the relaxation for the decomposition bound
GUIDED_SHARE = 0.85  # share of the time left then for the guided search (the rest: whole units)
FULL_SEARCH_LPS = 3.0  # after a guided search, search the full model only with this many LP times left
OPEN_SHARE = 0.5  # guided search: nodes ordering at least this share of their MOQ in the relaxation
CANDIDATE_SHARES = (0.35, 0.1)  # guided search: nodes searched over (the others stay closed)
BOUND_S_PER_STYLE = 0.1  # the decomposition bound's time per style, at most
LARGE_MODEL_COLS = 250_000  # from this size, first a plan by styles (bystyle.py): the whole LP is slow
BY_STYLE_SHARE = 0.85  # of the time limit, for it (the whole LP would not finish in the rest anyway)
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Point:
    """A feasible solution of the full model: column values and expected profit."""

    values: F64
    objective: float
    source: str  # "mip", "rounded_lp", "lp_guided", "rounded" or "by_style"


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner on stdout when the first solver object is made; keep --json clean."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs() -> highspy.Highs:
    with _quiet_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    return h


def coarse_review_days(days: list[int], stride: int = WEEK) -> list[int]:
    """Review days at least ``stride`` apart, starting with the first."""
    kept: list[int] = []
    for d in days:
        if not kept or d - kept[-1] >= stride:
            kept.append(d)
    return kept


def _x_index(built: Built) -> list[npt.NDArray[np.int64]]:
    return [g.x_start[:, None] + np.arange(len(g.variants))[None, :] for g in built.groups]


def backorders_of(pb: Problem) -> Backorders:
    return Backorders(pb.bo_variant, pb.bo_qty, pb.bo_last)


def repaired(pb: Problem, built: Built, values: F64, integer: bool, source: str) -> Point | None:
    """The plan of ``values`` with quantities rounded and MOQs repaired, sales played greedily;
    None if it breaks a row of the model (e.g. a capacity window after raising to MOQs)."""
    for down in (False, True):
        point = _repaired(pb, built, values, integer, source, down)
        if point is not None:
            return point
    return None


def _repaired(pb: Problem, built: Built, values: F64, integer: bool, source: str, down: bool) -> Point | None:
    n_v, n_k, n_t = pb.shape
    out = values.copy()
    arrivals = np.broadcast_to(pb.incoming[:, None, :], (n_v, n_k, n_t)).copy()
    upper = built.matrix.col_upper
    for g, idx in zip(built.groups, _x_index(built), strict=True):
        moq = float(pb.moq[g.f])
        q = np.stack([round_node(values[row], moq, upper[row], integer, down) for row in idx])
        out[idx] = q
        has_y = g.y_col >= 0
        out[g.y_col[has_y]] = (q.sum(axis=1) > 0)[has_y].astype(np.float64)
        bucket_of = pb.partitions[g.s, g.ri].bucket_of
        arrivals[g.variants, :, g.arrival] += q[bucket_of].T
    flows = greedy_flows(pb.demand, pb.on_hand, arrivals, pb.wait, pb.keep, pb.hazard, backorders_of(pb))
    out[built.z_now] = flows.served[0]
    for j, (t, a) in enumerate(zip(built.pre_t, built.pre_a, strict=True)):
        out[built.z_pre[:, :, j]] = flows.served[a][:, :, t]
    out[built.z_back] = flows.back[:, :, built.back_day]
    out[built.i_cols] = flows.stock
    if not built.matrix.feasible(out):
        return None
    return Point(out, built.matrix.objective(out), source)


def _run(h: highspy.Highs, mip: bool) -> tuple[str, Point | None, float]:
    """Run; (status text, the solution if one was found, upper bound or inf)."""
    h.run()
    status = h.getModelStatus()
    text = h.modelStatusToString(status)
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        raise PlanInfeasible(
            "规划无可行解：约束无法同时满足（例如要求的最低满足率在产能、起订量和交期下达不到）",
            "the plan is infeasible: the constraints cannot all be met (e.g. the required minimum fill "
            "rate cannot be reached with these capacities, MOQs and lead times)",
            status=text,
        )
    info = h.getInfo()
    point = None
    if info.primal_solution_status == 2:
        values = np.asarray(h.getSolution().col_value, dtype=np.float64)
        point = Point(values, float(info.objective_function_value), "mip")
    optimal = status == highspy.HighsModelStatus.kOptimal
    bound = float(info.mip_dual_bound) if mip else (point.objective if optimal and point else math.inf)
    return text, point, bound if math.isfinite(bound) else math.inf


def _set_integer(h: highspy.Highs, cols: I32, integer: bool) -> None:
    if len(cols):
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        h.changeColsIntegrality(len(cols), cols, np.array([kind] * len(cols)))


def _set_solution(h: highspy.Highs, point: Point) -> None:
    sol = highspy.HighsSolution()
    sol.col_value = point.values.tolist()
    sol.value_valid = True
    h.setSolution(sol)


@dataclass(frozen=True)
class Nodes:
    """The order nodes that have an order / no-order binary, as flat arrays."""

    y_cols: I32  # (N,)
    x_cols: npt.NDArray[np.int64]  # x columns of all nodes, node by node
    node_of: npt.NDArray[np.int64]  # node of each x column
    moq: F64  # (N,) MOQ of each node's factory, at least one unit

    @classmethod
    def of(cls, pb: Problem, built: Built) -> Nodes:
        ys: list[int] = []
        xs: list[npt.NDArray[np.int64]] = []
        moq: list[float] = []
        for g, idx in zip(built.groups, _x_index(built), strict=True):
            for b in np.flatnonzero(g.y_col >= 0):
                ys.append(int(g.y_col[b]))
                xs.append(idx[b])
                moq.append(max(1.0, float(pb.moq[g.f])))
        sizes = [len(x) for x in xs]
        return cls(
            np.array(ys, dtype=np.int32),
            np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64),
            np.repeat(np.arange(len(xs)), sizes).astype(np.int64),
            np.array(moq, dtype=np.float64),
        )

    def moq_share(self, values: F64) -> F64:
        """Units each node orders in ``values``, as a share of its MOQ."""
        totals = np.bincount(self.node_of, weights=values[self.x_cols], minlength=len(self.y_cols))
        out: F64 = totals / self.moq
        return out


def frequent_reviews(pb: Problem) -> bool:
    """Review days much more often than weekly: many near-equivalent order nodes, a weak relaxation."""
    days = [int(d) for d in pb.review]
    return len(days) >= 2 * len(coarse_review_days(days))


def _guided_search(h: highspy.Highs, built: Built, nodes: Nodes, lp: Point, start: Point | None,
                   limit: float) -> tuple[str | None, Point | None]:  # fmt: skip
    """A plan from the LP relaxation when the full search space is too large for the time limit.

    1. Open every node where the relaxation orders at least ``OPEN_SHARE`` of the MOQ, close the
       rest, and solve the LP over quantities and sales: a plan that uses the relaxation's orders.
    2. Search the order / no-order choices among the nodes the relaxation uses (at least a share
       of the MOQ, ``CANDIDATE_SHARES``), all others closed, from the best plan so far; while a
       search ends before the time limit, search again over more nodes.
    All are plans of the full model (only bounds change, restored after); none gives a bound.
    Returns the last search's HiGHS status (None if none ran) and the best plan.
    """
    t0 = time.perf_counter()
    cols = nodes.y_cols
    lower, upper = built.matrix.col_lower[cols], built.matrix.col_upper[cols]
    x_lower, x_upper = built.matrix.col_lower[nodes.x_cols], built.matrix.col_upper[nodes.x_cols]
    share = nodes.moq_share(lp.values)
    status = None
    try:
        opened = np.minimum(upper, (share >= OPEN_SHARE).astype(np.float64))
        h.changeColsBounds(len(cols), cols, opened, opened)
        h.setOptionValue("time_limit", max(0.1, limit))
        with contextlib.suppress(PlanInfeasible):  # the opened nodes' MOQs may overfill a capacity
            _, point, _ = _run(h, mip=False)
            if point is not None and built.matrix.feasible(point.values):
                objective = built.matrix.objective(point.values)
                start = _best(start, Point(point.values, objective, "lp_guided"))
        _set_integer(h, cols, True)
        # measured on bench_plan's goal instance: the first plans come sooner without this heuristic
        h.setOptionValue("mip_heuristic_run_root_reduced_cost", False)
        for least in CANDIDATE_SHARES:
            left = limit - (time.perf_counter() - t0)
            if left < 0.1:
                break
            closed = share < least
            h.changeColsBounds(len(cols), cols, lower, np.where(closed, 0.0, upper))
            x_open = np.where(closed[nodes.node_of], 0.0, x_upper)
            h.changeColsBounds(len(nodes.x_cols), nodes.x_cols.astype(np.int32), x_lower, x_open)
            if start is not None and not start.values[cols[closed]].any():
                _set_solution(h, start)
            h.setOptionValue("time_limit", left)
            try:
                status, found, _ = _run(h, mip=True)
            except PlanInfeasible:  # e.g. a required fill rate with too few nodes open
                continue
            start = _best(start, found)
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
    finally:
        h.setOptionValue("mip_heuristic_run_root_reduced_cost", True)
        _set_integer(h, cols, False)
        h.changeColsBounds(len(cols), cols, lower, upper)
        h.changeColsBounds(len(nodes.x_cols), nodes.x_cols.astype(np.int32), x_lower, x_upper)
    return status, start


def _best(*points: Point | None) -> Point | None:
    found = [p for p in points if p is not None]
    return max(found, key=lambda p: p.objective) if found else None


def _within(point: Point | None, bound: float, gap: float) -> bool:
    return point is not None and bound - point.objective <= gap * max(1.0, abs(point.objective)) + 1e-9


def solve(inp: PlanInput, *, relax: bool = False, time_limit_s: float | None = None) -> Solution:
    """Build and solve the MIP (or only its LP relaxation with relax=True); see the module doc."""
    pb = build_problem(inp)
    t0 = time.perf_counter()
    built = build_model(pb, inp)
    limit = float(time_limit_s if time_limit_s is not None else inp.time_limit_s)

    def remaining() -> float:
        return max(0.5, limit - (time.perf_counter() - t0))

    h = new_highs()
    h.setOptionValue("random_seed", 7)
    # the first step gets half the gap: rounding quantities in the second step may use the rest
    h.setOptionValue("mip_rel_gap", float(inp.mip_rel_gap) / 2)
    h.passModel(built.lp)
    x_cols = np.concatenate([i.ravel() for i in _x_index(built)] or [np.zeros(0, np.int64)]).astype(np.int32)
    bins = built.binary_cols.astype(np.int32)
    integer_x = inp.integer_quantities and not relax and len(x_cols) > 0
    _set_integer(h, np.concatenate([x_cols, bins]) if built.n_integer else np.zeros(0, np.int32), False)
    gap = float(inp.mip_rel_gap)
    stops: list[str] = []  # HiGHS statuses of the steps, for the report

    def run(mip: bool) -> tuple[Point | None, float]:
        h.setOptionValue("time_limit", remaining())
        status, point, bound = _run(h, mip)
        stops.append(status)
        return point, bound

    best: Point | None = None  # the best plan of the model as asked (whole units if asked)
    by_style_bound = math.inf
    # 00. a shop at real size: each style's relaxation alone, put together and rounded (bystyle.py)
    if not relax and len(pb.styles) > 1 and built.lp.num_col_ >= LARGE_MODEL_COLS:
        parts = style_lps(pb, built, BY_STYLE_SHARE * limit, new_highs)
        if parts is not None:
            by_style_bound = parts.bound
            best = repaired(pb, built, parts.values, integer_x, "by_style")
            if best is not None:  # the whole model's LP would not finish in what is left
                stop = "Optimal" if _within(best, by_style_bound, gap) else "Planned by styles"
                return _solution(pb, built, best, [stop], by_style_bound, inp, (t0, limit), integer_x)
    # 0. LP relaxation: a bound and, rounded, a plan
    lp_started = time.perf_counter()
    lp_point, bound = run(mip=False)
    bound = min(bound, by_style_bound)
    lp_s = time.perf_counter() - lp_started
    if relax:
        if lp_point is None:
            raise _failed(stops[-1], limit)
        return _solution(pb, built, lp_point, stops, bound, inp, (t0, limit), False, relax=True)
    if lp_point is not None:
        exact = not len(bins) and not integer_x  # nothing integer: the LP is the model
        best = _best(
            best, lp_point if exact else repaired(pb, built, lp_point.values, integer_x, "rounded_lp")
        )
    step1: Point | None = best  # the best plan with quantities possibly fractional
    # 0b. many order nodes: a tighter bound by styles, and a plan from the nodes the relaxation uses
    guided = len(bins) > 0 and frequent_reviews(pb)
    if guided and lp_point is not None and not _within(best, bound, gap):
        if len(pb.styles) > 1:
            duals = np.asarray(h.getSolution().row_dual, dtype=np.float64)
            budget = min(BOUND_SHARE * remaining(), BOUND_S_PER_STYLE * len(pb.styles))
            bound = min(bound, decomposition_bound(pb, built, duals, budget, new_highs))
        if not _within(best, bound, gap):
            status, found = _guided_search(
                h, built, Nodes.of(pb, built), lp_point, best, GUIDED_SHARE * remaining()
            )
            stops += [status] if status is not None else []
            step1 = _best(step1, found)
            if not integer_x:
                best = step1
    # 1. binaries integer, quantities continuous
    if len(bins) and not _within(step1, bound, gap) and not (guided and remaining() < FULL_SEARCH_LPS * lp_s):
        _set_integer(h, bins, True)
        if step1 is not None:
            _set_solution(h, step1)
        point, bound1 = run(mip=True)
        bound = min(bound, bound1)
        step1 = _best(point, step1)
        if not integer_x:
            best = step1
    elif not len(bins) and integer_x and lp_point is not None:
        step1 = lp_point
    # 2. binaries fixed, quantities integer
    if integer_x and step1 is not None and not _within(best, bound, gap):
        rounded = repaired(pb, built, step1.values, True, "rounded")
        best = _best(best, rounded)
        if not _within(best, bound, gap):
            y = np.round(step1.values[bins])
            h.changeColsBounds(len(bins), bins, y, y)
            _set_integer(h, np.concatenate([x_cols, bins]), True)
            if rounded is not None and np.array_equal(np.round(rounded.values[bins]), y):
                _set_solution(h, rounded)
            h.setOptionValue("mip_rel_gap", gap / 2)
            point, _ = run(mip=True)
            best = _best(best, point)
    if best is None:
        raise _failed(stops[-1] if stops else "-", limit)
    return _solution(pb, built, best, stops, bound, inp, (t0, limit), integer_x)


def _failed(status: str, limit: float) -> SolverFailed:
    return SolverFailed(
        f"求解器在 {limit:g} 秒内连线性松弛都没有解完（状态：{status}），没有可用的方案；请放宽 time_limit_s "
        "或减少情景数、复核日",
        f"the solver did not even finish the LP relaxation within {limit:g} s (status: {status}), so "
        "there is no plan to give; raise time_limit_s or use fewer scenarios or review days",
        status=status,
    )


def _solution(
    pb: Problem,
    built: Built,
    point: Point,
    stops: list[str],
    bound: float,
    inp: PlanInput,
    clock: tuple[float, float],
    integer_x: bool,
    relax: bool = False,
) -> Solution:
    t0, limit = clock
    values = point.values
    gap = min(1.0, max(0.0, bound - point.objective) / max(1.0, abs(point.objective)))
    optimal = gap <= inp.mip_rel_gap + 1e-9
    warnings = list(built.warnings)
    if not optimal and point.source != "by_style":
        known = math.isfinite(bound)
        warnings.append(
            PlanWarning(
                code="not_proven_optimal",
                zh=f"求解在 {limit:g} 秒时间限制内未达到目标差距：方案可行，"
                + (f"与上界相差最多 {gap:.1%}" if known else "但上界未知"),
                en=f"the solver stopped at the {limit:g} s time limit before reaching the target gap: "
                "the plan is feasible, "
                + (f"at most {gap:.1%} below the bound" if known else "but no bound is known"),
            )
        )
    if point.source == "by_style" and not optimal:
        warnings.append(
            PlanWarning(
                code="planned_by_style",
                zh=f"模型太大，逐款求解线性松弛后取整（起订量已修正，产能已核对），与上界相差最多 {gap:.1%}",
                en="the model is large: each style's relaxation was solved on its own and rounded (MOQs "
                f"repaired, capacities checked); at most {gap:.1%} below the bound",
            )
        )
    if point.source == "rounded_lp" and not optimal:
        warnings.append(
            PlanWarning(
                code="rounded_relaxation",
                zh="方案来自线性松弛解取整（起订量已修正）：整数搜索没有找到更好的方案",
                en="the plan is the LP relaxation rounded (MOQs repaired): the integer search found "
                "nothing better",
            )
        )
    served = np.zeros((*pb.shape, pb.wait + 1))
    got = built.served(values)
    served[..., : got.shape[3]] = got
    fixed_cost = 0.0
    for g, idx in zip(built.groups, _x_index(built), strict=True):
        g.x_value = np.round(values[idx]) if integer_x else values[idx]
        has_y = g.y_col >= 0
        if has_y.any():
            fixed_cost += float((g.prob[has_y] * np.round(values[g.y_col[has_y]]) * pb.fixed[g.f]).sum())
    return Solution(
        problem=pb,
        groups=built.groups,
        served=np.maximum(served, 0.0),
        stock=np.maximum(values[built.i_cols], 0.0),
        back=np.maximum(values[built.z_back], 0.0).sum(axis=2),
        fixed_cost=fixed_cost,
        objective=point.objective,
        status="Optimal" if optimal else next((x for x in stops if x != "Optimal"), stops[-1]),
        optimal=optimal,
        mip_gap=gap,
        bound=bound,
        time_s=time.perf_counter() - t0,
        n_vars=int(built.lp.num_col_),
        n_binary=len(built.binary_cols),
        n_integer=0 if relax else built.n_integer,
        n_rows=int(built.lp.num_row_),
        n_nonzeros=built.n_nonzeros,
        warnings=warnings,
    )
