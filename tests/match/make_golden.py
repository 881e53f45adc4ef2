"""Writes tests/match/golden/*.json: small instances and their optima found by brute force.

Run ``.venv/bin/python tests/match/make_golden.py`` after changing an instance; the tests check the
solver against the optimum stored here and recompute the brute force to keep the files honest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kuaifan.match import FactorySet, MatchSettings, OrderSet
from kuaifan.match.instance import build_instance

try:
    from .helpers import brute_force, factory, order, orders_set
except ImportError:  # run as a script
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from helpers import brute_force, factory, order, orders_set  # type: ignore[no-redef]

GOLDEN = Path(__file__).parent / "golden"

INSTANCES: dict[str, dict[str, Any]] = {
    "split_for_capacity": {
        "why": "the cheap factory makes 6 of 8 units by the due day: split 6 + 2 beats all at the dear one",
        "factories": [
            factory("A", capacity_per_day=3, setup_cost=5),
            factory("B", capacity_per_day=5, setup_cost=5, price_tiers=[{"min_qty": 0, "factor": 1.3}]),
        ],
        "orders": [order("O1", 8, due_day=1)],
    },
    "tier_beats_split": {
        "why": "all 10 at A reach its 8+ tier; a split would pay A's small-order price",
        "factories": [
            factory("A", price_tiers=[{"min_qty": 0, "factor": 1.2}, {"min_qty": 8, "factor": 1.0}]),
            factory("B", capacity_per_day=2, price_tiers=[{"min_qty": 0, "factor": 1.01}]),
        ],
        "orders": [order("O1", 10, due_day=1)],
    },
    "lateness_trade": {
        "why": "A makes 4 of 6 on time and the rest a day late; that lateness costs less than B's price",
        "factories": [
            factory("A", capacity_per_day=2),
            factory("B", capacity_per_day=10, price_tiers=[{"min_qty": 0, "factor": 1.25}]),
        ],
        "orders": [order("O1", 6, due_day=1, max_late_days=2, late_penalty_per_day=1.0)],
    },
    "moq_blocks_cheap": {
        "why": "A is cheaper but asks 6 units a style; 5 go to B",
        "factories": [
            factory("A", moq_per_style=6),
            factory("B", price_tiers=[{"min_qty": 0, "factor": 1.4}]),
        ],
        "orders": [order("O1", 5, due_day=1)],
    },
    "two_orders_compete": {
        "why": "A's capacity fits one order; the dearer product saves more there",
        "factories": [
            factory("A", capacity_per_day=2),
            factory("B", price_tiers=[{"min_qty": 0, "factor": 1.1}]),
        ],
        "orders": [order("O1", 4, due_day=1), order("O2", 4, due_day=1, unit_cost=20.0)],
    },
    "quality_risk": {
        "why": "A's low quality score costs more than B's 5% higher quote",
        "factories": [
            factory("A", quality_score=0.6),
            factory("B", price_tiers=[{"min_qty": 0, "factor": 1.05}]),
        ],
        "orders": [order("O1", 6, due_day=1)],
    },
    "split_limit": {
        "why": "three factories make 4 units each by the due day, at most two per order: 8 made, 2 unmet",
        "factories": [
            factory("A", capacity_per_day=2),
            factory("B", capacity_per_day=2),
            factory("C", capacity_per_day=2, price_tiers=[{"min_qty": 0, "factor": 1.1}]),
        ],
        "orders": [order("O1", 10, due_day=1)],
        "settings": {"max_factories_per_order": 2},
    },
    "prep_and_release": {
        "why": "O2 is placed on day 2; A still makes both: days 0-3 give 8 units for 8 (tight)",
        "factories": [
            factory("A", capacity_per_day=2),
            factory("B", capacity_per_day=3, prep_days=1, price_tiers=[{"min_qty": 0, "factor": 1.1}]),
        ],
        "orders": [order("O1", 5, due_day=2), order("O2", 3, due_day=3, release_day=2)],
    },
}


def build(spec: dict[str, Any]) -> tuple[OrderSet, FactorySet, MatchSettings]:
    orders = OrderSet.model_validate(orders_set(*spec["orders"]))
    factories = FactorySet.model_validate({"factories": spec["factories"]})
    settings = MatchSettings(**spec.get("settings", {}))
    return orders, factories, settings


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, spec in INSTANCES.items():
        orders, factories, settings = build(spec)
        inst = build_instance(orders, factories, settings)
        cost, plan = brute_force(inst)
        placed = sorted(
            [
                inst.orders[inst.pairs[pl.pair].order].id,
                inst.factories[inst.pairs[pl.pair].factory].id,
                pl.qty,
            ]
            for pl in plan.placements
        )
        out = {
            "why": spec["why"],
            "orders": orders.model_dump(mode="json", exclude_defaults=True),
            "factories": factories.model_dump(mode="json", exclude_defaults=True),
            "settings": settings.model_dump(mode="json", exclude_defaults=True),
            "optimum": round(cost, 6),
            "plan": placed,
            "unmet": {o.id: int(plan.unmet[i]) for i, o in enumerate(inst.orders) if plan.unmet[i]},
        }
        (GOLDEN / f"{name}.json").write_text(
            json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print(name, round(cost, 4), placed, out["unmet"])


if __name__ == "__main__":
    main()
