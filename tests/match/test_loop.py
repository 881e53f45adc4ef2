"""Into the loop: the planner's orders to matched factories, their purchase orders, re-order rounds."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from kuaifan.errors import InputError
from kuaifan.match import (
    FactorySet,
    OrderSet,
    book_result,
    load_factories,
    match,
    orders_from_plan,
    rematch,
    reorders_from_plan,
    write_purchase_orders,
)
from kuaifan.match.data import belts_path
from kuaifan.match.loop import guess_category
from kuaifan.plan import PlanResult, parse_plan_input, plan
from kuaifan.plan.purchase_orders import HEADERS

from .helpers import factory, order, orders_set


def plan_input(name: str | None = "法式碎花连衣裙") -> dict[str, Any]:
    demand = [[30.0] * 14, [50.0] * 14, [80.0] * 14]
    variants = [
        {
            "id": f"b1-p1-{k}",
            "style": "b1-p1",
            "name": name,
            "color": color,
            "size": size,
            "price": 199.0,
            "unit_cost": 60.0,
            "salvage_value": 20.0,
            "demand_scenarios": demand,
        }
        for k, (color, size) in enumerate([("黑色", "S"), ("黑色", "M"), ("杏色", "M")])
    ]
    return {
        "horizon_days": 14,
        "review_days": [0, 7],
        "start_date": "2025-06-02",
        "variants": variants,
        "factories": [{"id": "F1", "lead_time_days": 5, "capacity_per_day": 2000, "moq_per_style": 100}],
        "time_limit_s": 20,
    }


@pytest.fixture(scope="module")
def planned() -> PlanResult:
    return plan(parse_plan_input(plan_input()))


def test_plan_orders_carry_the_names_a_factory_reads(planned: PlanResult) -> None:
    assert planned.orders, "the plan orders something now"
    for line in planned.orders:
        assert (
            line.product_name == "法式碎花连衣裙"
            and line.color in ("黑色", "杏色")
            and line.size in ("S", "M")
        )


def test_plan_orders_become_one_match_order_per_style(planned: PlanResult) -> None:
    orders = orders_from_plan(planned, tenant="acme")
    assert len(orders.orders) == 1
    o = orders.orders[0]
    assert o.category == "womenswear" and set(o.processes) == {"print", "woven"}
    assert o.qty == sum(line.qty for line in planned.orders)
    assert {(ln.sku, ln.color, ln.size) for ln in o.lines} == {
        (x.variant, x.color, x.size) for x in planned.orders
    }
    assert o.due_date == min(x.delivery_date for x in planned.orders if x.delivery_date)
    assert o.unit_cost == pytest.approx(sum(x.amount for x in planned.orders) / o.qty, abs=1e-3)


def test_purchase_orders_go_to_the_matched_factories(planned: PlanResult, tmp_path: Path) -> None:
    result = match(orders_from_plan(planned, tenant="acme"), load_factories(belts_path()))
    assert result.assignments and not result.unmatched
    paths = write_purchase_orders(result, tmp_path)
    by_factory = {a.factory_id: a for a in result.assignments}
    assert sorted(p.name for p in paths) == sorted(
        f"PO-{fid}.{ext}" for fid in by_factory for ext in ("csv", "xlsx")
    )
    for fid, a in by_factory.items():
        with (tmp_path / f"PO-{fid}.csv").open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == HEADERS
        body = rows[1:]
        assert sum(int(r[2]) for r in body) == a.qty
        assert {r[5] for r in body} == {a.delivery_date.isoformat()}
        assert {r[6] for r in body} == {"法式碎花连衣裙"}
        assert {(r[1], r[7], r[8]) for r in body} <= {(x.variant, x.color, x.size) for x in planned.orders}
        ws = load_workbook(tmp_path / f"PO-{fid}.xlsx").active
        assert ws is not None
        cells = [tuple(r) for r in ws.iter_rows(values_only=True)]
        assert cells[1][:2] == ("工厂 Factory", a.factory_name)
        assert ("工厂编号 Factory id", fid) in [c[:2] for c in cells]


def test_a_plan_without_a_telling_name_needs_a_category() -> None:
    nameless = plan(parse_plan_input(plan_input(name=None)))
    with pytest.raises(InputError) as err:
        orders_from_plan(nameless)
    assert "--category" in err.value.zh and "b1-p1" in err.value.en
    assert orders_from_plan(nameless, category="女装").orders[0].category == "womenswear"


def test_reorder_rules_are_forecast_demand(planned: PlanResult) -> None:
    rules = [r for r in planned.reorder_policy if sum(o.qty for o in r.orders) > 0]
    found = reorders_from_plan(planned, tenant="acme")
    assert len(found) == len(rules)
    for o, r in zip(found, rules, strict=True):
        assert o.kind == "forecast_reorder" and o.probability == pytest.approx(r.probability)
        assert o.release_day == r.day and o.qty == sum(x.qty for x in r.orders)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("法式碎花连衣裙", "womenswear"),
        ("冰丝商务polo衫", "menswear"),
        ("儿童加绒卫衣", "kidswear"),
        ("英伦马丁靴", "shoes"),
        ("丝绒雾面口红", "cosmetics"),
        ("拼装积木", "toys"),
        ("保温杯", "home"),
    ],
)
def test_categories_from_product_names(name: str, category: str) -> None:
    assert guess_category(name)[0] == category


def test_a_reorder_round_sees_what_the_first_booked() -> None:
    """Round 1 fills the cheap factory's first days; round 2's order, due as soon, goes elsewhere
    (it would have gone to the cheap factory on its own)."""
    factories = FactorySet.model_validate(
        {
            "factories": [
                factory("A", capacity_per_day=10),
                factory("B", capacity_per_day=10, price_tiers=[{"min_qty": 0, "factor": 1.2}]),
            ]
        }
    )
    first = match(OrderSet.model_validate(orders_set(order("O1", 30, due_day=2))), factories)
    assert [a.factory_id for a in first.assignments] == ["A"]
    second_orders = OrderSet.model_validate(orders_set(order("O2", 20, due_day=2)))
    assert [a.factory_id for a in match(second_orders, factories).assignments] == ["A"]
    again, booked = rematch([first], factories, second_orders)
    assert [a.factory_id for a in again.assignments] == ["B"] and not again.unmatched
    assert booked.by_id()["A"].load_by_day[:3] == [10, 10, 10]
    assert booked.by_id()["B"].load_by_day == []


def test_booked_load_lands_on_the_factory_calendar() -> None:
    factories = FactorySet.model_validate(
        {
            "start_date": "2025-06-01",
            "factories": [factory("A", capacity_per_day=10, load_by_day=[4, 4, 4, 4])],
        }
    )
    # orders start a day after the factory's load: day 0 of the orders is load_by_day[1]
    result = match(OrderSet.model_validate(orders_set(order("O1", 12, due_day=1))), factories)
    assert result.assignments[0].qty == 12
    booked = book_result(factories, result)
    a = booked.by_id()["A"]
    assert a.load_start == date(2025, 6, 1)
    assert a.load_by_day[:4] == [4, 10, 10, 4]
