"""Solving the matching MIP with HiGHS within a time limit, one independent part at a time.

1. The greedy plan (greedy.py): the baseline, and every part's first incumbent, so a time limit
   never ends without a plan.
2. The orders and factories split into parts that share no factory (connected components of the
   pairs), smallest first; each part is its own MIP, given time in proportion to its size, and a
   gap target so that the whole plan meets the gap asked (parts closed tight leave slack to the
   rest). A part of more than ``LARGE_PART`` pairs is relaxed, bounded and fixed first (large.py).
3. Each part's HiGHS solution replaces the greedy one when it is cheaper; the gap is against the
   sum of the parts' bounds (HiGHS's, or the coarse relaxation's when a part stopped early), so it
   holds for the whole problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np

from kuaifan.match.greedy import greedy_plan
from kuaifan.match.instance import Instance
from kuaifan.match.large import coarse_bound, solve_large
from kuaifan.match.milp import Model, build_model, plan_of, rounded_down, values_of
from kuaifan.match.plan import MatchPlan, Placement, plan_cost
from kuaifan.plan.solver import new_highs

MIN_PART_S = 0.2  # the least time a part is given
MIN_SHARE_S = 2.0  # a part gets at least this (or its fair share of the time left) for a bound
LARGE_PART = 2500  # pairs: above this a part is relaxed, bounded and fixed first (large.py)
SEARCH_SHARE = 0.85  # of a part's time: the search over tiers; the rest: whole units
SEARCH_GAP_SHARE = 0.8  # of the gap asked: the search's target (whole units may take some of the rest)
MAX_PART_GAP = 0.05  # a part never stops searching further than this from its bound


@dataclass(frozen=True)
class SolveReport:
    status: str  # "optimal" (within the gap asked), "time_limit", "greedy" (no MIP improvement)
    optimal: bool
    gap: float  # (cost - bound) / cost
    objective: float
    bound: float
    greedy_cost: float
    time_s: float
    parts: int
    n_vars: int
    n_binary: int
    n_integer: int
    n_rows: int


def components(inst: Instance) -> list[tuple[list[int], list[int]]]:
    """(orders, pairs) of each part that shares no factory with another; orders without pairs apart."""
    parent = list(range(len(inst.orders) + len(inst.factories)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    n = len(inst.orders)
    for pair in inst.pairs:
        a, b = find(pair.order), find(n + pair.factory)
        if a != b:
            parent[a] = b
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i in range(n):
        groups.setdefault(find(i), ([], []))[0].append(i)
    for p, pair in enumerate(inst.pairs):
        groups[find(pair.order)][1].append(p)
    return sorted(groups.values(), key=lambda g: -len(g[1]))


def solve(
    inst: Instance, time_limit_s: float | None = None, mip_rel_gap: float | None = None
) -> tuple[MatchPlan, SolveReport]:
    t0 = time.perf_counter()
    limit = float(inst.settings.time_limit_s if time_limit_s is None else time_limit_s)
    gap = float(inst.settings.mip_rel_gap if mip_rel_gap is None else mip_rel_gap)
    greedy = greedy_plan(inst)
    # small parts first: they usually finish early and leave their time to the large ones
    parts = sorted((c for c in components(inst) if c[1]), key=lambda c: len(c[1]))
    placements: list[Placement] = []
    unmet = greedy.unmet.copy()
    # orders no factory can make at all cost the same in every plan: outside the objective and the gap
    bound = 0.0
    matchable = sorted({inst.pairs[p].order for p in range(len(inst.pairs))})
    sizes = [len(c[1]) for c in parts]
    stats = np.zeros(4, dtype=np.int64)
    statuses: list[str] = []
    costs = [plan_cost(inst, greedy, c[0]).total for c in parts]
    # the gap asked is for the whole plan: what the parts solved so far leave unused, later parts may use
    slack = SEARCH_GAP_SHARE * gap * sum(costs)
    for k, (orders, pair_ids) in enumerate(parts):
        left = limit - (time.perf_counter() - t0)
        fair = left / (len(parts) - k)
        budget = max(MIN_PART_S, min(fair, MIN_SHARE_S), left * sizes[k] / max(1, sum(sizes[k:])))
        part_greedy = costs[k]
        part_gap = min(MAX_PART_GAP, max(gap / 4, slack / max(sum(costs[k:]), 1e-9)))
        if len(pair_ids) > LARGE_PART:
            big = solve_large(inst, orders, pair_ids, budget, gap, _solve_part)
            stats += [big.n_cols, big.n_binary, 0, big.n_rows]
            trial = MatchPlan(big.placements, _with(unmet, big.unmet))
            if plan_cost(inst, trial, orders).total <= part_greedy + 1e-6:
                placements += big.placements
                unmet = trial.unmet
                statuses.append(big.status)
            else:
                placements += [pl for pl in greedy.placements if pl.pair in set(pair_ids)]
                statuses.append("greedy")
            bound += big.bound
            slack -= plan_cost(inst, MatchPlan(placements, unmet), orders).total - big.bound
            continue
        model = build_model(inst, orders, pair_ids)
        stats += [model.n_cols, model.n_binary, model.n_integer, model.n_rows]
        start = values_of(model, inst, greedy)
        found, part_bound, status = _solve_part(inst, model, start, budget, part_gap)
        if status != "optimal":  # stopped early, maybe before its root: the coarse relaxation bounds it too
            coarse = coarse_bound(inst, orders, pair_ids, max(MIN_PART_S, limit - (time.perf_counter() - t0)))
            part_bound = max(part_bound, coarse.bound if coarse is not None else 0.0)
        chosen: list[Placement]
        if found is not None:
            chosen, unmet_part = plan_of(model, inst, found)
            trial = MatchPlan(chosen, _with(unmet, unmet_part))
            if plan_cost(inst, trial, orders).total <= part_greedy + 1e-6:
                unmet = trial.unmet
            else:
                chosen, status = [pl for pl in greedy.placements if pl.pair in set(pair_ids)], "greedy"
        else:
            chosen, status = [pl for pl in greedy.placements if pl.pair in set(pair_ids)], "greedy"
        placements += chosen
        bound += part_bound
        statuses.append(status)
        slack -= plan_cost(inst, MatchPlan(chosen, unmet), orders).total - part_bound
    plan = MatchPlan(placements, unmet)
    # so are the units beyond what all capable factories together could make for an order
    floor = float((inst.unmet[matchable] * inst.shortfall[matchable]).sum())
    cost = plan_cost(inst, plan, matchable).total - floor
    bound -= floor
    bound = min(bound, cost)
    rel = (cost - bound) / max(abs(cost), 1e-9) if cost > 0 else 0.0
    optimal = rel <= gap + 1e-9
    status = (
        "optimal"
        if optimal
        else ("time_limit" if "time_limit" in statuses else statuses[-1] if statuses else "optimal")
    )
    greedy_cost = plan_cost(inst, greedy, matchable).total - floor
    return plan, SolveReport(
        status,
        optimal,
        max(0.0, rel),
        cost,
        bound,
        greedy_cost,
        time.perf_counter() - t0,
        len(parts),
        *(int(x) for x in stats),
    )


def _with(unmet: np.ndarray, part: dict[int, int]) -> np.ndarray:
    out = unmet.copy()
    for i, q in part.items():
        out[i] = q
    return out


def _solve_part(
    inst: Instance, model: Model, start: np.ndarray, budget: float, gap: float
) -> tuple[np.ndarray | None, float, str]:
    """(column values or None, lower bound, status) of one part within ``budget`` seconds.

    1. Tiers binary, units continuous, from ``start``: the search, and the bound (a relaxation of
       whole units, so a valid bound for them).
    2. Tiers fixed, units whole, from the first solution rounded down: the plan.
    """
    t0 = time.perf_counter()
    h: highspy.Highs = new_highs()
    h.setOptionValue("time_limit", float(budget) * SEARCH_SHARE)
    h.setOptionValue("mip_rel_gap", float(gap))
    h.setOptionValue("random_seed", 7)
    h.passModel(model.lp)
    _set_start(h, start)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    # a valid bound even when stopped by the time limit (0: none known, costs are never negative)
    bound = max(0.0, float(info.mip_dual_bound)) if math.isfinite(info.mip_dual_bound) else 0.0
    text = "optimal" if status == highspy.HighsModelStatus.kOptimal else "time_limit"
    if info.primal_solution_status != 2:
        return None, bound, text
    values = np.asarray(h.getSolution().col_value, dtype=np.float64)
    whole = rounded_down(model, inst, values)
    z = np.array([c for pc in model.pairs for c in pc.z], dtype=np.int32)
    n = np.array([c for pc in model.pairs for c in pc.n], dtype=np.int32)
    h.changeColsBounds(len(z), z, whole[z], whole[z])
    h.changeColsIntegrality(len(n), n, np.array([highspy.HighsVarType.kInteger] * len(n)))
    h.setOptionValue("time_limit", max(MIN_PART_S, budget - (time.perf_counter() - t0)))
    _set_start(h, whole)
    h.run()
    if h.getInfo().primal_solution_status == 2:
        better = np.asarray(h.getSolution().col_value, dtype=np.float64)
        if float(h.getInfo().objective_function_value) <= _objective(model, whole) + 1e-6:
            return better, bound, text
    return whole, bound, text


def _objective(model: Model, values: np.ndarray) -> float:
    return float(np.dot(np.asarray(model.lp.col_cost_), values))


def _set_start(h: highspy.Highs, values: np.ndarray) -> None:
    sol = highspy.HighsSolution()
    sol.col_value = values.tolist()
    sol.value_valid = True
    h.setSolution(sol)
