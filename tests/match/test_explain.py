"""Explanations: the runner-up and the cost difference are real, and what they say would make the
runner-up win does make it win."""

from __future__ import annotations

from typing import Any

import pytest

from kuaifan.match import FactorySet, MatchResult, OrderSet, match
from kuaifan.match.synth import synthetic_factories, synthetic_orders

from .helpers import factory, order, orders_set


def three(b_factor: float = 1.1, **b: Any) -> list[dict[str, Any]]:
    return [
        factory("A", setup_cost=20, quality_score=0.9),
        factory("B", price_tiers=[{"min_qty": 0, "factor": b_factor}], **b),
        factory("C", price_tiers=[{"min_qty": 0, "factor": 1.5}]),
    ]


def run(factories: list[dict[str, Any]], *orders: dict[str, Any]) -> MatchResult:
    return match(
        OrderSet.model_validate(orders_set(*orders)), FactorySet.model_validate({"factories": factories})
    )


def test_runner_up_cost_difference_and_price_cut() -> None:
    result = run(three(), order("O1", 50, due_day=3))
    e = result.orders[0].explanation
    assert result.orders[0].factories == ["A"] and e is not None and e.runner_up is not None
    assert e.runner_up.factory_id == "B"
    # A: 50 × 10 + setup 20 + risk 50 × 10 × 0.5 × 0.1 = 545; B: 50 × 11 = 550
    assert e.chosen_cost == pytest.approx(545.0)
    assert e.runner_up.total_cost == pytest.approx(550.0)
    assert e.cost_difference == pytest.approx(5.0)
    assert e.to_win is not None and e.to_win.price_cut_per_unit == pytest.approx(0.1)
    # B's quote cut by a little more than it says: B wins
    cut = (e.to_win.price_cut_per_unit + 0.02) / 10.0
    again = run(three(b_factor=1.1 - cut), order("O1", 50, due_day=3))
    assert again.orders[0].factories == ["B"]
    # and by a little less: A keeps it
    cut = (e.to_win.price_cut_per_unit - 0.02) / 10.0
    assert run(three(b_factor=1.1 - cut), order("O1", 50, due_day=3)).orders[0].factories == ["A"]


def test_the_why_names_the_factories_and_the_cheaper_terms() -> None:
    e = run(three(), order("O1", 50, due_day=3)).orders[0].explanation
    assert e is not None
    assert "A 厂" in e.zh and "B 厂" in e.zh and "按期交货" in e.zh
    assert "quotes ¥10.00/unit" in e.en and "on time" in e.en


def test_a_late_runner_up_wins_with_capacity_on_time() -> None:
    # B is cheaper but can only make 30 of 50 on time: the rest would be late
    # A: 50 × 12 + 200 = 800; B: 500 + 200 + lateness 5 × (10 × 1 + 10 × 2) = 850; a split pays two setups
    factories = [
        factory("A", setup_cost=200, price_tiers=[{"min_qty": 0, "factor": 1.2}]),
        factory("B", setup_cost=200, capacity_per_day=10, price_tiers=[{"min_qty": 0, "factor": 1.0}]),
    ]
    o = order("O1", 50, due_day=2, max_late_days=3, late_penalty_per_day=5.0)
    result = run(factories, o)
    assert result.orders[0].factories == ["A"]
    e = result.orders[0].explanation
    assert e is not None and e.runner_up is not None and e.runner_up.factory_id == "B"
    assert e.runner_up.late_units == 20 and e.cost_difference == pytest.approx(50.0)
    assert e.to_win is not None and e.to_win.extra_capacity_units == 20
    assert e.to_win.by_date is not None and e.to_win.by_date.isoformat() == "2025-06-04"
    # give B the capacity it asks for by that date: B wins
    factories[1]["capacity_per_day"] = 10 + 20 / 3 + 0.01
    assert run(factories, o).orders[0].factories == ["B"]


def test_a_split_is_explained_by_what_one_factory_cannot_do() -> None:
    factories = [
        factory("A", capacity_per_day=3, setup_cost=5),
        factory("B", capacity_per_day=5, setup_cost=5, price_tiers=[{"min_qty": 0, "factor": 1.3}]),
    ]
    result = run(factories, order("O1", 8, due_day=1))
    e = result.orders[0].explanation
    assert result.orders[0].status == "split" and e is not None
    assert e.zh.startswith("拆单") and e.en.startswith("split")
    assert e.runner_up is not None and e.runner_up.factory_id == "B" and e.cost_difference is not None
    assert e.cost_difference > 0  # all at B costs more than the split


def test_an_order_only_one_factory_can_make() -> None:
    result = run(
        [factory("A"), factory("B", categories=["shoes"], processes=["shoes"])], order("O1", 10, due_day=2)
    )
    e = result.orders[0].explanation
    assert e is not None and e.runner_up is None and e.cost_difference is None
    assert "没有别的工厂" in e.zh and "no other factory" in e.en


def test_explanations_on_a_belt_world_are_consistent() -> None:
    result = match(synthetic_orders(11, 40), synthetic_factories(3, 40))
    explained = [o for o in result.orders if o.explanation is not None]
    assert len(explained) == sum(o.made_qty > 0 for o in result.orders)
    for o in explained:
        e = o.explanation
        assert e is not None
        assert e.chosen_cost == pytest.approx(o.cost, abs=0.02)
        if e.runner_up is not None and e.runner_up.total_cost is not None:
            assert e.cost_difference == pytest.approx(e.runner_up.total_cost - e.chosen_cost, abs=0.02)
            # the plan is optimal within its gap: no single runner-up is much cheaper
            assert e.cost_difference >= -result.solver.gap * result.solver.objective - 0.02
