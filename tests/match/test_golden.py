"""Golden instances (tests/match/golden): the solver finds the brute-force optimum of each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kuaifan.match import FactorySet, MatchSettings, OrderSet, match
from kuaifan.match.instance import build_instance
from kuaifan.match.plan import check_plan, plan_cost
from kuaifan.match.solve import solve

from .helpers import brute_force
from .make_golden import INSTANCES, build

GOLDEN = Path(__file__).parent / "golden"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_solver_finds_the_brute_force_optimum(name: str) -> None:
    golden = load(name)
    orders = OrderSet.model_validate(golden["orders"])
    factories = FactorySet.model_validate(golden["factories"])
    inst = build_instance(orders, factories, MatchSettings.model_validate(golden["settings"]))
    plan, report = solve(inst, mip_rel_gap=0.0)
    assert check_plan(inst, plan) == []
    assert plan_cost(inst, plan).total == pytest.approx(golden["optimum"], abs=1e-6)
    assert report.optimal
    unmet = {o.id: int(plan.unmet[i]) for i, o in enumerate(inst.orders) if plan.unmet[i]}
    assert unmet == golden["unmet"]


@pytest.mark.parametrize("name", sorted(INSTANCES))
def test_golden_files_hold_the_brute_force_optimum(name: str) -> None:
    """The stored optimum is what the brute force finds today (the files are not hand-edited)."""
    orders, factories, settings = build(INSTANCES[name])
    cost, _ = brute_force(build_instance(orders, factories, settings))
    assert cost == pytest.approx(load(name)["optimum"], abs=1e-6)


def test_golden_plan_is_what_match_reports() -> None:
    golden = load("split_for_capacity")
    result = match(OrderSet.model_validate(golden["orders"]), FactorySet.model_validate(golden["factories"]))
    placed = sorted([a.order_id, a.factory_id, a.qty] for a in result.assignments)
    assert placed == golden["plan"]
    assert result.totals.total == pytest.approx(golden["optimum"])
    assert result.orders[0].status == "split"
