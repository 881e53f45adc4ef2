"""Golden instances with known answers: newsvendor, brute-forced MOQ/fixed-cost plans, capacity,
lead times, infeasibility and pre-sale."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.plan import PlanInfeasible, parse_plan_input, plan, simulate

from .helpers import factory, lost_sales_profit, variant


def newsvendor_value(q: float, demand: np.ndarray, p: float, c: float, g: float, b: float) -> float:
    sold = np.minimum(q, demand)
    return float(np.mean(p * sold + g * (q - sold) - b * (demand - sold)) - c * q)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(20, 120),
    price=st.integers(50, 300),
    cost_share=st.floats(0.1, 0.9),
    salvage_share=st.floats(0.0, 0.9),
    shortage=st.sampled_from([0.0, 5.0, 40.0]),
)
def test_newsvendor_matches_the_critical_fractile(
    seed: int, k: int, price: int, cost_share: float, salvage_share: float, shortage: float
) -> None:
    rng = np.random.default_rng(seed)
    demand = rng.negative_binomial(3, 0.05, size=k).astype(float)
    cost = round(price * cost_share, 2)
    salvage = round(cost * salvage_share, 2)
    inp = parse_plan_input(
        {
            "horizon_days": 1,
            "variants": [
                variant(
                    "V",
                    [[d] for d in demand],
                    price=price,
                    unit_cost=cost,
                    salvage_value=salvage,
                    shortage_cost=shortage,
                )
            ],
            "factories": [factory(lead=0)],
            "mip_rel_gap": 0,
        }
    )
    result = plan(inp)
    q = sum(o.qty for o in result.orders)
    fractile = (price - cost + shortage) / (price - salvage + shortage)
    # smallest q with empirical CDF >= critical fractile (SAA newsvendor optimum)
    ordered = np.sort(demand)
    q_star = ordered[max(0, math.ceil(fractile * k - 1e-9) - 1)]
    best = newsvendor_value(q_star, demand, price, cost, salvage, shortage)
    # the critical-fractile quantile is optimal among all integer quantities (checks the formula)
    grid = max(
        newsvendor_value(x, demand, price, cost, salvage, shortage) for x in range(int(ordered[-1]) + 1)
    )
    assert best == pytest.approx(grid, abs=1e-6)
    # the planner's answer is optimal, reported correctly, and is a critical-fractile quantile
    assert newsvendor_value(q, demand, price, cost, salvage, shortage) == pytest.approx(best, abs=1e-6)
    assert result.expected.profit == pytest.approx(best, abs=1e-6)
    cdf_below = np.mean(demand < q)
    cdf_at = np.mean(demand <= q)
    assert cdf_below <= fractile + 1e-9 and (cdf_at >= fractile - 1e-9 or q == 0)


def test_newsvendor_many_scenarios_hits_the_quantile() -> None:
    rng = np.random.default_rng(5)
    demand = rng.poisson(80, size=1000).astype(float)
    inp = parse_plan_input(
        {
            "horizon_days": 1,
            "variants": [variant("V", [[d] for d in demand], price=100, unit_cost=40, salvage_value=10)],
            "factories": [factory(lead=0)],
            "mip_rel_gap": 0,
        }
    )
    q = sum(o.qty for o in plan(inp).orders)
    fractile = 60 / 90
    assert np.mean(demand < q) <= fractile <= np.mean(demand <= q)


def _brute_single_order(scen: list[list[list[float]]], moq: float, fixed: float, cap: float) -> float:
    """Two variants of one style, one order on day 0, lead 0: enumerate integer quantities."""
    best = -math.inf
    k = len(scen[0])
    for q1, q2 in itertools.product(range(int(cap) + 1), repeat=2):
        total = q1 + q2
        if total and not moq <= total <= cap:
            continue
        profit = -40.0 * total - (fixed if total else 0.0)
        for kk in range(k):
            for q, v in ((q1, 0), (q2, 1)):
                arrivals = [[q] + [0] * (len(scen[v][kk]) - 1)]
                profit += lost_sales_profit(arrivals, [scen[v][kk]], 100.0, 10.0, holding=0.5) / k
        best = max(best, profit)
    return best


@pytest.mark.parametrize(
    ("seed", "moq", "fixed"), [(1, 12, 60.0), (2, 25, 0.0), (3, 8, 400.0), (4, 40, 100.0)]
)
def test_moq_and_fixed_cost_match_brute_force(seed: int, moq: float, fixed: float) -> None:
    rng = np.random.default_rng(seed)
    scen = [rng.integers(0, 6, size=(5, 3)).astype(float).tolist() for _ in range(2)]
    cap = 30.0
    inp = parse_plan_input(
        {
            "horizon_days": 3,
            "review_days": [0],
            "variants": [variant(f"V{i}", scen[i], holding_cost_per_day=0.5) for i in range(2)],
            "factories": [factory(lead=0, cap=cap, moq_per_style=moq, fixed_cost_per_order=fixed)],
            "mip_rel_gap": 0,
        }
    )
    result = plan(inp)
    assert result.expected.profit == pytest.approx(_brute_single_order(scen, moq, fixed, cap), abs=1e-6)
    total = sum(o.qty for o in result.orders)
    assert total == 0 or moq <= total <= cap


def test_two_stage_buckets_match_brute_force() -> None:
    """Order on day 0, re-order on day 1 per bucket of day-0 demand (low: 1, 2; high: 5, 6)."""
    demand = [[1, 3, 2], [2, 1, 4], [5, 6, 6], [6, 2, 7]]
    moq, fixed, top = 4, 20.0, 16
    inp = parse_plan_input(
        {
            "horizon_days": 3,
            "review_days": [0, 1],
            "policy_buckets": 2,
            "variants": [variant("V", [[float(x) for x in d] for d in demand])],
            "factories": [factory(lead=0, cap=100, moq_per_style=moq, fixed_cost_per_order=fixed)],
            "mip_rel_gap": 0,
        }
    )
    allowed = [0, *range(moq, top + 1)]
    best = -math.inf
    for q0, q_low, q_high in itertools.product(allowed, repeat=3):
        value = 0.0
        for d in demand:
            q1 = q_low if d[0] < 5 else q_high
            value += lost_sales_profit([[q0, q1, 0]], [d], 100.0, 10.0) - 40.0 * (q0 + q1)
            value -= fixed * ((q0 > 0) + (q1 > 0))
        best = max(best, value / len(demand))
    result = plan(inp)
    assert result.expected.profit == pytest.approx(best, abs=1e-6)
    rules = [r for r in result.reorder_policy if r.day == 1]
    assert [(r.min, r.max, r.probability) for r in rules] == [(None, 5.0, 0.5), (5.0, None, 0.5)]
    # replaying the described policy gives the solver's expectation
    assert simulate(inp, result).profit == pytest.approx(best, abs=1e-6)


def _multi_stage_input(**extra: Any) -> dict[str, Any]:
    rng = np.random.default_rng(11)
    scale = rng.lognormal(1.5, 0.6, size=12)
    variants = [
        variant(
            f"{style}-{size}",
            rng.poisson(scale[:, None] * share * np.ones(14)).astype(float).tolist(),
            style=style,
            price=price,
            unit_cost=cost,
            salvage_value=cost / 3,
        )
        for style, price, cost in (("DRESS", 199, 62), ("TEE", 89, 28))
        for size, share in (("S", 0.3), ("M", 0.5), ("L", 0.2))
    ]
    base = {
        "horizon_days": 14,
        "review_days": [0, 3, 7],
        "variants": variants,
        "factories": [
            factory("F1", lead=4, cap=40, moq_per_style=20, fixed_cost_per_order=150),
            factory("F2", lead=2, cap=15, moq_per_style=10, fixed_cost_per_order=80, unit_cost_factor=1.2),
        ],
        "mip_rel_gap": 0.0001,
    }
    base.update(extra)
    return base


def test_policy_replay_reproduces_the_expected_profit() -> None:
    inp = parse_plan_input(_multi_stage_input())
    result = plan(inp)
    replay = simulate(inp, result)
    assert replay.profit == pytest.approx(result.expected.profit, rel=1e-9, abs=1e-6)
    assert replay.fill_rate == pytest.approx(result.expected.fill_rate, abs=1e-9)
    assert replay.leftover_units == pytest.approx(result.expected.leftover_units, abs=1e-6)
    # every order respects the MOQ per factory and style
    moq = {f.id: f.moq_per_style for f in inp.factories}
    for r in result.reorder_policy:
        for fid in {o.factory for o in r.orders}:
            assert sum(o.qty for o in r.orders if o.factory == fid) >= moq[fid]
    # rules partition the scenarios on each (day, style)
    for key in {(r.day, r.style) for r in result.reorder_policy}:
        assert sum(r.probability for r in result.reorder_policy if (r.day, r.style) == key) == pytest.approx(
            1
        )
    # fresh demand paths: an out-of-sample replay runs on any number of scenarios
    fresh = np.random.default_rng(99).poisson(2.0, size=(6, 40, 14)).astype(float)
    out = simulate(inp, result, fresh)
    assert 0 <= out.fill_rate <= 1 and out.demand_units == pytest.approx(fresh.sum() / 40)


def test_capacity_binds_over_every_lead_time_window() -> None:
    big = [[50.0] * 10, [60.0] * 10]
    inp = parse_plan_input(
        {"horizon_days": 10, "variants": [variant("V", big)], "factories": [factory(lead=2, cap=10)]}
    )
    result = plan(inp)
    # orders on days 0..7 can arrive by day 9; any 2-day window holds at most 10 × 2 units
    assert result.expected.ordered_units == pytest.approx(80)
    assert result.expected.served_units == pytest.approx(80)
    assert sum(o.qty for o in result.orders) <= 20


def test_lead_time_beyond_horizon_gives_no_orders_and_says_so() -> None:
    inp = parse_plan_input(
        {
            "horizon_days": 5,
            "variants": [variant("V", [[3.0] * 5, [1.0] * 5], on_hand=4)],
            "factories": [factory(lead=10)],
        }
    )
    result = plan(inp)
    assert result.orders == [] and all(not r.orders for r in result.reorder_policy)
    codes = {w.code for w in result.warnings}
    assert {"lead_time_beyond_horizon", "no_useful_orders"} <= codes
    assert any("交期" in w.zh for w in result.warnings)
    # only the 4 units on hand sell: 4 in both scenarios
    assert result.expected.served_units == pytest.approx(4)
    assert result.expected.profit == pytest.approx(400)


def test_unreachable_fill_rate_is_a_clear_error() -> None:
    data = {
        "horizon_days": 6,
        "variants": [variant("V", [[20.0] * 6])],
        "factories": [factory(lead=1, cap=5)],
        "min_fill_rate": 0.9,
    }
    with pytest.raises(PlanInfeasible) as info:
        plan(parse_plan_input(data))
    assert "满足率" in info.value.zh and "fill rate" in info.value.en
    assert info.value.exit_code == 65
    data["min_fill_rate"] = 0.2
    assert plan(parse_plan_input(data)).expected.fill_rate >= 0.2 - 1e-9


def test_moq_above_capacity_warns_and_fails_a_required_fill_rate() -> None:
    data = {
        "horizon_days": 6,
        "variants": [variant("V", [[5.0] * 6])],
        "factories": [factory(lead=2, cap=10, moq_per_style=500)],
    }
    result = plan(parse_plan_input(data))
    assert "moq_above_capacity" in {w.code for w in result.warnings} and result.orders == []
    with pytest.raises(PlanInfeasible):
        plan(parse_plan_input({**data, "min_fill_rate": 0.5}))


def test_presale_raises_profit_when_demand_exceeds_supply() -> None:
    base = {
        "horizon_days": 6,
        "review_days": [0],
        "variants": [variant("V", [[10.0] * 6, [12.0] * 6])],
        "factories": [factory(lead=2)],
        "mip_rel_gap": 0,
    }
    lost = plan(parse_plan_input(base))
    pre_inp = parse_plan_input({**base, "presale": {"max_wait_days": 3, "cancel_share": 0.3}})
    pre = plan(pre_inp)
    assert lost.demand_mode == "lost_sales" and pre.demand_mode == "presale"
    assert pre.expected.profit > lost.expected.profit + 100
    # days 0 and 1 cannot be served from stock; 70% of that demand waits for day 2
    assert pre.expected.presold_units == pytest.approx(0.7 * (20 + 24) / 2)
    assert simulate(pre_inp, pre).profit == pytest.approx(pre.expected.profit, abs=1e-6)
