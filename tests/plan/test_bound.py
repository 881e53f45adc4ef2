"""The decomposition bound (bound.py) and the guided search for frequent review days (solver.py)."""

from __future__ import annotations

import time
from typing import Any

import highspy
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kuaifan.plan import parse_plan_input, plan, simulate
from kuaifan.plan.bound import decomposition_bound
from kuaifan.plan.milp import Built, build_model, build_problem
from kuaifan.plan.solver import frequent_reviews, new_highs

from .helpers import factory, variant


def _styles_input(
    seed: int, n_styles: int, horizon: int, cap: tuple[int, int] = (8, 20), cost: float = 40.0, **extra: Any
) -> dict[str, Any]:
    """Styles sharing two factories' capacity (per day, drawn from ``cap``), with MOQs and fixed
    costs, reviews every day; price 100, unit cost ``cost``."""
    rng = np.random.default_rng(seed)
    variants = []
    for s in range(n_styles):
        scale = rng.uniform(2, 9)
        for v in range(int(rng.integers(1, 3))):
            paths = rng.poisson(scale * rng.uniform(0.5, 1.5, size=(3, 1)), size=(3, horizon))
            variants.append(variant(f"S{s}-{v}", paths.astype(float).tolist(), style=f"S{s}", unit_cost=cost))
    data: dict[str, Any] = {
        "horizon_days": horizon,
        "variants": variants,
        "factories": [
            factory(
                "F1",
                lead=1,
                cap=float(rng.integers(*cap)),
                moq_per_style=10,
                fixed_cost_per_order=60,
                unit_cost_factor=1.2,
            ),
            factory("F2", lead=2, cap=float(rng.integers(*cap)), moq_per_style=20, fixed_cost_per_order=30),
        ],
        "policy_buckets": 2,
        "mip_rel_gap": 0,
    }
    data.update(extra)
    return data


def _lp_and_optimum(built: Built, whole_units: bool) -> tuple[float, float | None, np.ndarray]:
    """LP relaxation value and row duals, and the MIP optimum of the full model solved exactly
    (quantities continuous unless ``whole_units``: the larger optimum, that every bound here must
    still reach); None if no plan meets the constraints."""
    integrality = built.lp.integrality_
    h = new_highs()
    built.lp.integrality_ = []
    h.passModel(built.lp)
    h.run()
    lp_value = h.getInfo().objective_function_value
    duals = np.asarray(h.getSolution().row_dual, dtype=np.float64)
    built.lp.integrality_ = integrality
    exact = new_highs()
    exact.setOptionValue("mip_rel_gap", 0.0)
    exact.passModel(built.lp)
    if not whole_units:
        kinds = np.array([highspy.HighsVarType.kContinuous] * built.lp.num_col_)
        kinds[built.binary_cols] = highspy.HighsVarType.kInteger
        exact.changeColsIntegrality(built.lp.num_col_, np.arange(built.lp.num_col_, dtype=np.int32), kinds)
    exact.run()
    if exact.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return lp_value, None, duals
    assert exact.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return lp_value, exact.getInfo().objective_function_value, duals


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_styles=st.integers(2, 3),
    cap=st.sampled_from([(8, 20), (40, 80)]),
    cost=st.sampled_from([40.0, 75.0]),
    fill=st.sampled_from([None, 0.6]),
    presale=st.booleans(),
)
def test_decomposition_bound_lies_between_the_optimum_and_the_relaxation(
    seed: int, n_styles: int, cap: tuple[int, int], cost: float, fill: float | None, presale: bool
) -> None:
    """Thin margins (cost 75 of 100) with a required fill rate make the fill-rate row (a >= row that
    couples styles) bind, so its price is negative."""
    extra: dict[str, Any] = {"min_fill_rate": fill}
    if presale:
        extra["presale"] = {"max_wait_days": 2, "cancel_share": 0.4}
    inp = parse_plan_input(_styles_input(seed, n_styles, 5, cap, cost, **extra))
    pb = build_problem(inp)
    built = build_model(pb, inp)
    lp_value, optimum, duals = _lp_and_optimum(built, whole_units=False)
    assume(optimum is not None)  # a required fill rate the capacities cannot reach
    assert optimum is not None
    # styles solved as LPs with the relaxation's own prices give back the relaxation's value
    as_lps = decomposition_bound(pb, built, duals, 60.0, new_highs, integer=False)
    assert as_lps == pytest.approx(lp_value, rel=1e-7, abs=1e-6)
    bound = decomposition_bound(pb, built, duals, 60.0, new_highs)
    assert optimum - 1e-6 * max(1.0, abs(optimum)) <= bound <= lp_value + 1e-6 * max(1.0, abs(lp_value))


def test_decomposition_bound_is_tighter_than_the_relaxation() -> None:
    # capacity to spare: the relaxation's gap is mostly fractions of MOQs and fixed costs
    inp = parse_plan_input(_styles_input(1, 4, 8, (40, 80)))
    pb = build_problem(inp)
    built = build_model(pb, inp)
    lp_value, optimum, duals = _lp_and_optimum(built, whole_units=False)
    bound = decomposition_bound(pb, built, duals, 60.0, new_highs)
    assert optimum is not None and optimum <= bound + 1e-6
    # each style alone, with whole orders, closes most of it (measured: 94 %)
    assert bound < lp_value - 0.5 * (lp_value - optimum)
    # no time: no bound rather than a wrong one
    assert decomposition_bound(pb, built, duals, 0.0, new_highs) == float("inf")


@pytest.mark.parametrize(
    ("days", "frequent"),
    [(list(range(0, 21, 2)), True), ([0, 7, 14], False), ([0, 1, 7, 14, 21], False), (list(range(8)), True)],
)
def test_frequent_reviews(days: list[int], frequent: bool) -> None:
    inp = parse_plan_input({**_styles_input(1, 2, 22), "review_days": days})
    assert frequent_reviews(build_problem(inp)) is frequent


@pytest.mark.parametrize("fill", [None, 0.6])
def test_guided_search_plan_is_whole_feasible_and_bounded(fill: float | None) -> None:
    """Daily reviews take the guided path; its plan keeps MOQs, replays to its profit, and the
    reported bound and gap are honest against the exact optimum."""
    data = _styles_input(3, 3, 8, (40, 80), min_fill_rate=fill, mip_rel_gap=0.001, time_limit_s=20)
    inp = parse_plan_input(data)
    pb = build_problem(inp)
    assert frequent_reviews(pb)
    _, optimum, _ = _lp_and_optimum(build_model(pb, inp), whole_units=True)
    assert optimum is not None
    result = plan(inp)
    e = result.expected
    assert e.profit <= optimum + 1e-6
    assert result.solver.objective_bound is not None and result.solver.objective_bound >= optimum - 1e-6
    assert result.solver.mip_gap >= (optimum - e.profit) / max(1.0, abs(e.profit)) - 1e-9
    assert e.profit >= 0.97 * optimum  # a small instance: the search closes (almost) all of it
    if fill is not None:
        assert e.fill_rate >= fill - 1e-9
    moq = {f.id: f.moq_per_style for f in inp.factories}
    for rule in result.reorder_policy:
        for fid in {o.factory for o in rule.orders}:
            assert sum(o.qty for o in rule.orders if o.factory == fid) >= moq[fid]
    for fid, style in {(o.factory, o.style) for o in result.orders}:
        assert sum(o.qty for o in result.orders if (o.factory, o.style) == (fid, style)) >= moq[fid]
    replay = simulate(inp, result)
    assert replay.profit == pytest.approx(e.profit, rel=1e-9, abs=1e-6)


def test_guided_search_under_a_tight_time_limit_still_gives_a_whole_plan() -> None:
    data = _styles_input(5, 12, 14, (40, 80), mip_rel_gap=0.0001, time_limit_s=1.5)
    inp = parse_plan_input(data)
    assert frequent_reviews(build_problem(inp))
    t0 = time.perf_counter()
    result = plan(inp)
    assert time.perf_counter() - t0 < 10
    e = result.expected
    assert sum(o.qty for o in result.orders) > 0 and e.profit > 0
    bound = result.solver.objective_bound
    assert bound is not None and bound >= e.profit
    assert result.solver.mip_gap == pytest.approx(min(1.0, (bound - e.profit) / e.profit))
    if not result.solver.optimal:
        assert "not_proven_optimal" in {w.code for w in result.warnings}
    assert simulate(inp, result).profit == pytest.approx(e.profit, rel=1e-9, abs=1e-6)
    moq = {f.id: f.moq_per_style for f in inp.factories}
    for rule in result.reorder_policy:
        for fid in {o.factory for o in rule.orders}:
            assert sum(o.qty for o in rule.orders if o.factory == fid) >= moq[fid]
