"""Small plan inputs built in code, and an independent evaluator of order quantities."""

from __future__ import annotations

from typing import Any


def variant(vid: str, scenarios: list[list[float]], style: str = "S1", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": vid,
        "style": style,
        "price": 100.0,
        "unit_cost": 40.0,
        "salvage_value": 10.0,
        "demand_scenarios": scenarios,
    }
    base.update(kw)
    return base


def factory(fid: str = "F1", lead: int = 0, cap: float = 1e6, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": fid, "lead_time_days": lead, "capacity_per_day": cap}
    base.update(kw)
    return base


def lost_sales_profit(
    stock_in: list[list[float]],
    demand: list[list[float]],
    price: float,
    salvage: float,
    holding: float = 0.0,
) -> float:
    """One scenario, one variant: arrivals per day and demand per day -> revenue + salvage - holding."""
    stock = 0.0
    total = 0.0
    for arrivals, d in zip(stock_in[0], demand[0], strict=True):
        stock += arrivals
        sold = min(stock, d)
        stock -= sold
        total += price * sold - holding * stock
    return total + salvage * stock
