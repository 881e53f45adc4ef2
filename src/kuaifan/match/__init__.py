"""Industrial belts and factory matching (产业带 · 供需匹配).

Public API::

    load_factories(path) -> FactorySet          # JSON, or a CSV / Excel sheet with Chinese headers
    load_orders(path, tenant=None) -> OrderSet  # JSON, CSV / Excel, or the JSON of `kuaifan plan`
    match(orders, factories, settings) -> MatchResult      # the MIP on HiGHS, every order explained
    factory_view(factory_id, factories, demand) -> FactoryView  # shared demand that fits a factory
    orders_from_plan(plan) -> OrderSet; write_purchase_orders(result, out_dir) -> list[Path]
    rematch(previous_results, factories, orders) -> (MatchResult, booked FactorySet)

The JSON Schemas of the inputs and the output are committed under ``schemas/`` (``schema_texts``).
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from kuaifan.match.engine import match
from kuaifan.match.factories import Factory, FactorySet, PriceTier
from kuaifan.match.factory_view import FactoryView, factory_view
from kuaifan.match.loop import (
    book_result,
    orders_from_plan,
    rematch,
    reorders_from_plan,
    write_purchase_orders,
)
from kuaifan.match.orders import MatchOrder, MatchSettings, OrderSet, Sharing, SkuLine
from kuaifan.match.parse import load_factories, load_orders
from kuaifan.match.result import MatchResult

SCHEMAS: dict[str, type[BaseModel]] = {
    "match_factories.schema.json": FactorySet,
    "match_orders.schema.json": OrderSet,
    "match_result.schema.json": MatchResult,
    "match_factory_view.schema.json": FactoryView,
}


def schema_texts() -> dict[str, str]:
    """File name -> the committed JSON Schema text under ``schemas/``, byte for byte."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema()
        schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    return out


__all__ = [
    "Factory",
    "FactorySet",
    "FactoryView",
    "MatchOrder",
    "MatchResult",
    "MatchSettings",
    "OrderSet",
    "PriceTier",
    "Sharing",
    "SkuLine",
    "book_result",
    "factory_view",
    "load_factories",
    "load_orders",
    "match",
    "orders_from_plan",
    "rematch",
    "reorders_from_plan",
    "schema_texts",
    "write_purchase_orders",
]
