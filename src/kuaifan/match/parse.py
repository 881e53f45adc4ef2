"""Loading the factories and orders files: JSON, a table (CSV / Excel) with Chinese headers, or the
plan's JSON. Every problem is an ``InputError`` with a Chinese and an English message that names the
file, the field and, for a table, the line; nothing is half read.
"""

from __future__ import annotations

from pathlib import Path

from kuaifan.match.factories import FactorySet
from kuaifan.match.loop import orders_from_plan
from kuaifan.match.orders import OrderSet
from kuaifan.match.reading import read_json, validate
from kuaifan.match.tables import factories_from_table, orders_from_table
from kuaifan.plan.model import PlanResult


def load_factories(path: Path) -> FactorySet:
    """A factories file: JSON (the schema's shape) or a CSV / Excel sheet with one factory a row."""
    if path.suffix.lower() in (".csv", ".tsv", ".xlsx", ".xlsm"):
        return factories_from_table(path)
    return validate(FactorySet, read_json(path), str(path))


def load_orders(path: Path, tenant: str | None = None, category: str | None = None) -> OrderSet:
    """An orders file: JSON (the schema's shape), a CSV / Excel sheet with one colour × size a row, or
    the JSON of ``kuaifan plan --json`` (its orders to place now; ``category`` for styles whose
    product name does not tell it)."""
    if path.suffix.lower() in (".csv", ".tsv", ".xlsx", ".xlsm"):
        found = orders_from_table(path)
    else:
        data = read_json(path)
        if isinstance(data, dict) and "reorder_policy" in data and "orders" in data:
            found = orders_from_plan(validate(PlanResult, data, str(path)), tenant=tenant, category=category)
        else:
            found = validate(OrderSet, data, str(path))
    if tenant is not None and found.tenant is None:
        found = found.model_copy(update={"tenant": tenant})
    return found
