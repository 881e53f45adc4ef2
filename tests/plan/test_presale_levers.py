"""Pre-sale with cancellations that rise with the wait, pre-orders already taken, and the per-style
outlook (first batch, left-over and fill over the scenarios, levers used): small problems with
optima worked out by hand."""

from __future__ import annotations

import pytest

from kuaifan.plan import parse_plan_input, plan, simulate
from kuaifan.plan.policy import played

from .helpers import factory, variant


def test_a_buyer_who_waits_cancels_a_little_more_every_day() -> None:
    # 10 asked on day 0, nothing in stock; the factory delivers on day 3. 20 % cancel at once and
    # 10 % of those still waiting on each further day: 10 · 0.8 · 0.9³ = 5.832 are left to serve.
    inp = parse_plan_input(
        {
            "horizon_days": 5,
            "review_days": [0],
            "variants": [variant("A", [[10, 0, 0, 0, 0]], price=100, unit_cost=30, salvage_value=0)],
            "factories": [factory(lead=3)],
            "presale": {"max_wait_days": 4, "cancel_share": 0.2, "cancel_per_day": 0.1},
        }
    )
    res = plan(inp)
    assert sum(o.qty for o in res.orders) == 6  # 5.832 → the 6th unit still pays (0.832 · 100 > 30)
    assert res.expected.presold_units == pytest.approx(5.832)
    assert res.expected.profit == pytest.approx(583.2 - 6 * 30)
    assert res.demand_mode == "presale"
    # the plan played forward gives the same books
    assert simulate(inp, res).profit == pytest.approx(res.expected.profit)
    # one day longer (delivery on day 4): 10 · 0.8 · 0.9⁴ = 5.2488 wait, and a 6th unit is no longer
    # worth its cost (0.2488 · 100 < 30)
    late = plan(parse_plan_input({**inp.model_dump(), "factories": [factory(lead=4)]}))
    assert sum(o.qty for o in late.orders) == 5 and late.expected.presold_units == pytest.approx(5)


def test_pre_orders_already_taken_wait_for_stock_and_cancel_as_they_wait() -> None:
    # 12 pre-orders wait (they may ship until day 3), 5 in stock, 4 more buyers on day 1 who do not
    # wait (max_wait_days 0); 25 % of the pre-orders still waiting cancel on each further day.
    data = {
        "horizon_days": 4,
        "review_days": [0],
        "variants": [
            variant("A", [[0, 4, 0, 0]], price=100, unit_cost=30, salvage_value=0, on_hand=5,
                    backorders=[{"qty": 12, "max_wait_days": 3}])
        ],
        "factories": [factory(lead=2)],
        "presale": {"max_wait_days": 0, "cancel_share": 0.0, "cancel_per_day": 0.25, "price_discount": 0.1},
    }  # fmt: skip
    inp = parse_plan_input(data)
    res = plan(inp)
    # The plan may give stock to whoever pays more: 1 pre-order (90) on day 0, the 4 new buyers
    # (100) on day 1; of the 11 pre-orders left, 11 · 0.75² = 6.1875 still wait on day 2, when the
    # order arrives: 6 units (a 7th would serve 0.1875 of a buyer). Profit 400 + 7 · 90 − 6 · 30.
    assert sum(o.qty for o in res.orders) == 6
    assert res.expected.profit == pytest.approx(850)
    assert res.expected.demand_units == pytest.approx(16)  # the 12 taken and the 4 asked
    # Played forward, stock ships the pre-orders first (as a shop must): 5 on day 0, and of the 7
    # left 7 · 0.75² = 3.9375 on day 2; the day-1 buyers find nothing. A lower bound of the plan.
    played_out = simulate(inp, res)
    assert played_out.served_units == pytest.approx(5 + 3.9375)
    assert played_out.profit == pytest.approx(8.9375 * 90 - 6 * 30)


def test_each_style_reads_its_first_batch_left_over_and_fill_over_the_scenarios() -> None:
    # two styles; four scenarios of demand; reviews on days 0 and 2 with a 1-day lead time
    low, high = [2, 2, 2, 2], [6, 6, 6, 6]
    data = {
        "horizon_days": 4,
        "review_days": [0, 2],
        "policy_buckets": 2,
        "variants": [
            variant("A-M", [low, high, low, high], style="A", color="黑色", size="M"),
            variant("B-L", [[3, 3, 3, 3]] * 4, style="B", color="白色", size="L"),
        ],
        "factories": [factory("F1", lead=0), factory("F2", lead=1, unit_cost_factor=0.9)],
    }
    res = plan(parse_plan_input(data))
    by = {s.style: s for s in res.styles}
    assert set(by) == {"A", "B"}
    a, b = by["A"], by["B"]
    assert a.first_batch == sum(o.qty for o in res.orders if o.style == "A")
    assert a.demand_units.p10 == 8 and a.demand_units.p90 == 24 and a.demand_units.mean == 16
    for s in (a, b):
        assert 0 <= s.fill_rate.p10 <= s.fill_rate.p50 <= s.fill_rate.p90 <= 1
        assert 0 <= s.leftover_rate.p10 <= s.leftover_rate.p90 <= 1
    assert b.fill_rate.mean == pytest.approx(1.0) and b.leftover_units.mean == pytest.approx(0.0)
    # style A's later demand is known from its first two days: it re-orders in the high scenarios
    assert "reorder" in a.levers and a.reorder_units.p90 > 0
    assert res.specs["A-M"].color == "黑色" and res.specs["B-L"].size == "L"
    # the outlook of the plan played forward on its own scenarios is the solved one
    outcomes, _ = played(parse_plan_input(data), res)
    assert outcomes.leftover.sum() == pytest.approx(sum(s.leftover_units.mean for s in res.styles) * 4)
