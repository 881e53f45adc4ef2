"""What ``kuaifan match --json`` prints and ``POST /v1/match`` returns (pydantic, frozen)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kuaifan.match.orders import MatchSettings

Reason = Literal["capability", "moq", "date", "capacity"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Delivery(_Out):
    date: date
    qty: int


class LineOut(_Out):
    sku: str
    color: str | None = None
    size: str | None = None
    qty: int


class Assignment(_Out):
    """Units of one order at one factory: what goes on that factory's purchase order."""

    order_id: str
    tenant: str | None
    style: str
    product_name: str | None
    category: str
    factory_id: str
    factory_name: str
    belt: str
    city: str
    qty: int
    unit_price: float = Field(description="the factory's quote per unit at this quantity (元)")
    price_factor: float = Field(description="quote / the order's reference cost")
    tier_min_qty: int = Field(description="the price tier this quantity falls in, from this many units")
    amount: float = Field(description="qty × unit_price (元)")
    setup_cost: float
    risk_cost: float = Field(description="quality and delivery risk priced per unit, summed (元)")
    late_cost: float
    total_cost: float
    production_start: date
    delivery_date: date = Field(description="the day the last units reach the buyer")
    deliveries: list[Delivery] = Field(description="partial deliveries by date (分批交货)")
    late_units: int
    on_time: bool
    work_factor: float = Field(default=1.0, description="capacity a unit takes at the factory")
    lines: list[LineOut] = Field(description="colour × size lines made here")


class CostOption(_Out):
    """One factory making the whole order, with everything else kept as planned."""

    factory_id: str
    factory_name: str
    belt: str
    total_cost: float | None = Field(description="null if it cannot make all of it")
    unit_price: float
    late_units: int
    makes_units: int = Field(description="units it could make by the latest acceptable day")
    blocked_by: Reason | None = Field(default=None, description="why it cannot make all of it")


class ToWin(_Out):
    """What would have to change for the runner-up to be chosen instead (one change suffices)."""

    zh: str
    en: str
    price_cut_per_unit: float | None = None
    price_cut_share: float | None = Field(default=None, description="of its quote")
    extra_capacity_units: int | None = None
    by_date: date | None = None


class Explanation(_Out):
    zh: str
    en: str
    chosen_cost: float
    runner_up: CostOption | None
    cost_difference: float | None = Field(
        description="runner-up's cost − the plan's cost for this order (元)"
    )
    to_win: ToWin | None


class OrderOutcome(_Out):
    order_id: str
    tenant: str | None
    style: str
    product_name: str | None
    qty: int
    due_date: date
    status: Literal["matched", "split", "partial", "unmatched"]
    made_qty: int
    unmet_qty: int
    cost: float = Field(description="what making it costs in this plan (元), without the unmet units")
    factories: list[str]
    explanation: Explanation | None = None


class Unmatched(_Out):
    """Units of an order no factory makes, and the binding reason."""

    order_id: str
    qty: int
    reason: Reason
    zh: str
    en: str
    details: dict[str, Any] = Field(default_factory=dict)


class Totals(_Out):
    purchase: float
    setup: float
    risk: float
    late: float
    total: float = Field(description="purchase + setup + risk + late (元); unmet units not priced")
    units: int
    units_made: int
    units_unmet: int
    orders: int
    orders_matched: int = Field(description="all units made")
    orders_split: int


class SolverOut(_Out):
    status: Literal["optimal", "time_limit", "greedy"]
    optimal: bool
    gap: float = Field(
        description="(cost − lower bound) / cost; the cost includes unmet units at their penalty"
    )
    objective: float
    bound: float
    greedy_cost: float = Field(description="the greedy cheapest-feasible plan's cost, same terms")
    saving_vs_greedy: float = Field(description="share of the greedy cost the plan saves")
    time_s: float
    parts: int
    n_vars: int
    n_binary: int
    n_rows: int


class MatchResult(_Out):
    """Output of ``kuaifan match --json``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="kuaifan match output")

    start_date: date
    tenant: str | None
    assignments: list[Assignment]
    orders: list[OrderOutcome]
    unmatched: list[Unmatched]
    totals: Totals
    solver: SolverOut
    settings: MatchSettings
