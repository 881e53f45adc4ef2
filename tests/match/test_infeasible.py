"""Orders no factory can make: the error names the order and the binding reason (zh and en)."""

from __future__ import annotations

import pytest

from kuaifan.match import FactorySet, MatchSettings, OrderSet, match

from .helpers import factory, order, orders_set


def run(
    orders: list[dict[str, object]], factories: list[dict[str, object]], **kw: object
) -> dict[str, object]:
    result = match(
        OrderSet.model_validate(orders_set(*orders)),
        FactorySet.model_validate({"factories": factories}),
        MatchSettings(**kw),  # type: ignore[arg-type]
    )
    assert len(result.unmatched) == 1
    u = result.unmatched[0]
    assert u.order_id in u.zh and u.order_id in u.en
    return {"reason": u.reason, "qty": u.qty, "zh": u.zh, "en": u.en, "details": u.details}


def test_no_factory_makes_the_category() -> None:
    got = run([order("O1", 10, due_day=5, category="shoes")], [factory("A")])
    assert got["reason"] == "capability" and got["qty"] == 10
    assert "鞋靴" in str(got["zh"]) and "shoes" in str(got["en"])
    assert got["details"]["check"] == "category"  # type: ignore[index]


def test_a_process_no_factory_of_the_category_runs() -> None:
    got = run(
        [order("O1", 10, due_day=5, processes=["down"])], [factory("A"), factory("B", processes=["knit"])]
    )
    assert got["reason"] == "capability"
    assert got["details"]["missing"] == ["down"]  # type: ignore[index]
    assert "羽绒充绒" in str(got["zh"]) and "down filling" in str(got["en"])


def test_quick_response_orders_need_a_factory_that_takes_them() -> None:
    got = run([order("O1", 10, due_day=5)], [factory("A", takes_quick_response=False)])
    assert got["reason"] == "capability" and got["details"]["check"] == "quick_response"  # type: ignore[index]


def test_every_capable_factory_is_too_late() -> None:
    got = run([order("O1", 10, due_day=3, max_late_days=1)], [factory("A", prep_days=4, ship_days=1)])
    assert got["reason"] == "date"
    assert got["details"]["earliest_date"] == "2025-06-07"  # type: ignore[index]
    assert got["details"]["last_date"] == "2025-06-06"  # type: ignore[index]
    assert "2025-06-07" in str(got["zh"]) and "2025-06-05" in str(got["en"])


def test_the_order_is_below_every_moq() -> None:
    got = run([order("O1", 40, due_day=5)], [factory("A", moq_per_style=100), factory("B", moq_per_style=60)])
    assert got["reason"] == "moq" and got["details"]["lowest_moq"] == 60  # type: ignore[index]
    assert "60" in str(got["zh"]) and "MOQ" in str(got["en"])


def test_not_enough_capacity_by_the_last_day() -> None:
    # 2 days of 30 units, 50 already booked: 10 free; the order has 25
    got = run([order("O1", 25, due_day=1)], [factory("A", capacity_per_day=30, load_by_day=[25, 25])])
    assert got["reason"] == "capacity" and got["qty"] == 15
    assert got["details"]["most_all_factories"] == 10  # type: ignore[index]


def test_capacity_taken_by_other_orders_names_them() -> None:
    # one factory, 10 units by day 1; O1 (dearer product) wins it, O2 is left with nothing
    orders = [order("O1", 10, due_day=1, unit_cost=50.0), order("O2", 10, due_day=1)]
    got = run(orders, [factory("A", capacity_per_day=5)])
    assert got["reason"] == "capacity" and got["qty"] == 10
    assert got["details"]["competing_orders"] == ["O1"]  # type: ignore[index]
    assert "O1" in str(got["zh"]) and "O1" in str(got["en"])


def test_a_partial_order_is_made_as_far_as_capacity_goes() -> None:
    result = match(
        OrderSet.model_validate(orders_set(order("O1", 30, due_day=1))),
        FactorySet.model_validate({"factories": [factory("A", capacity_per_day=10)]}),
    )
    assert result.orders[0].status == "partial" and result.orders[0].made_qty == 20
    assert result.unmatched[0].qty == 10 and result.unmatched[0].reason == "capacity"


@pytest.mark.parametrize("lang_field", ["zh", "en"])
def test_messages_come_in_both_languages(lang_field: str) -> None:
    got = run([order("O1", 40, due_day=5)], [factory("A", moq_per_style=100)])
    text = str(got[lang_field])
    assert text.startswith("订单 O1" if lang_field == "zh" else "order O1")
