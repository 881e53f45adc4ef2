"""The factory's view: only demand shared with it, sized to its spare capacity, ranked by margin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kuaifan.errors import NotFoundError
from kuaifan.match import FactorySet, OrderSet, factory_view
from kuaifan.match.book import FactoryBook, Job

from .helpers import factory, order, orders_set


def demand(
    tenant: str, *orders: dict[str, Any], share: list[str] | None = None, show: bool = False
) -> OrderSet:
    sharing = {"share_with": share, "show_brand": show} if share is not None else None
    return OrderSet.model_validate({**orders_set(*orders), "tenant": tenant, "sharing": sharing})


FACTORIES = FactorySet.model_validate(
    {
        "factories": [
            factory(
                "HZ-1",
                capacity_per_day=20,
                cost_factor=0.8,
                account="hz1",
                price_tiers=[{"min_qty": 0, "factor": 1.1}, {"min_qty": 50, "factor": 1.0}],
            ),
            factory("GZ-1", belt="广州十三行"),
        ]
    }
)


def test_only_demand_shared_with_the_factory_is_seen() -> None:
    pool = [
        demand("acme", order("A1", 30, due_day=5), share=["*"]),
        demand("beta", order("B1", 30, due_day=5), share=["belt:广州十三行"]),
        demand("gamma", order("C1", 30, due_day=5)),  # shares nothing
        demand("delta", order("D1", 30, due_day=5), share=["account:hz1"], show=True),
        demand("eps", order("E1", 30, due_day=5), share=["HZ-1"]),
    ]
    view = factory_view("HZ-1", FACTORIES, pool)
    assert sorted(x.order_id for x in view.items) == ["A1", "D1", "E1"]
    assert view.brands_sharing == 3
    brands = {x.order_id: x.brand for x in view.items}
    assert brands["D1"] == "delta" and brands["A1"].startswith("品牌-") and "acme" not in brands["A1"]
    other = factory_view("GZ-1", FACTORIES, pool)
    assert sorted(x.order_id for x in other.items) == ["A1", "B1"]


def test_margin_and_ranking() -> None:
    pool = [
        demand(
            "acme",
            order("small", 30, due_day=5),
            order("big", 60, due_day=5, unit_cost=20.0),
            order("maybe", 60, due_day=8, kind="forecast_reorder", probability=0.5),
            share=["*"],
        )
    ]
    view = factory_view("HZ-1", FACTORIES, pool)
    by_id = {x.order_id: x for x in view.items}
    # 30 units at tier 1.1, own cost 0.8 of the reference 10: 30 × 10 × 0.3 = 90
    assert by_id["small"].margin == pytest.approx(90.0) and by_id["small"].unit_price == pytest.approx(11.0)
    # 60 units at tier 1.0 of 20: 60 × 20 × 0.2 = 240
    assert by_id["big"].margin == pytest.approx(240.0)
    assert by_id["maybe"].expected_margin == pytest.approx(0.5 * 60 * 10 * 0.2)
    assert [x.order_id for x in sorted(view.items, key=lambda x: x.rank)] == ["big", "small", "maybe"]


def test_demand_is_sized_to_spare_capacity_and_the_best_set_fits() -> None:
    # 20 a day, 10 booked on days 0-4: by day 4 the factory has 50 free units
    factories = FactorySet.model_validate(
        {"factories": [factory("HZ-1", capacity_per_day=20, load_by_day=[10] * 5)]}
    )
    pool = [
        demand(
            "acme",
            order("O1", 40, due_day=4),
            order("O2", 40, due_day=4, unit_cost=12.0),
            order("O3", 80, due_day=4),
            share=["*"],
        )
    ]
    view = factory_view("HZ-1", factories, pool)
    fits = {x.order_id: x.fit_qty for x in view.items}
    assert fits == {"O1": 40, "O2": 40, "O3": 50}
    chosen = [x for x in view.items if x.in_best_set]
    book = FactoryBook(np.full(5, 20.0 - 10.0))
    for k, x in enumerate(chosen):
        book.add(Job(k, 0, 4, float(x.fit_qty)))
    assert book.fits()
    assert sum(x.fit_qty for x in chosen) <= 50 and view.best_set.units == sum(x.fit_qty for x in chosen)
    # the best mix is O3's 50 units (margin 50 × 10 × 0.15) rather than one of the 40s
    assert [x.order_id for x in chosen] == ["O3"]


def test_demand_it_cannot_make_says_why() -> None:
    pool = [
        demand(
            "acme",
            order("knit", 30, due_day=5, processes=["sweater"]),
            order("big-moq", 5, due_day=5),
            order("shoes", 30, due_day=5, category="shoes"),
            share=["*"],
        )
    ]
    factories = FactorySet.model_validate({"factories": [factory("HZ-1", moq_per_style=10)]})
    view = factory_view("HZ-1", factories, pool)
    reasons = {x.order_id: x.not_fit for x in view.items}
    assert reasons == {"knit": "process", "big-moq": "moq"}
    assert view.other_categories == 1 and all(x.rank == 0 for x in view.items)


def test_unknown_factory() -> None:
    with pytest.raises(NotFoundError):
        factory_view("nope", FACTORIES, [])
