"""Orders to place as data: a brand's batches (one style each, lines per colour × size), and the
settings that price lateness and quality risk.

``unit_cost`` is the order's reference unit cost (核价, 元): what a typical factory of the belt
quotes for the style; factories quote a factor of it by quantity (see :mod:`kuaifan.match.factories`).
Days count from the order set's ``start_date`` (day 0: the day the orders are placed); an order is
due on ``due_date`` (or ``due_day``) at the buyer's warehouse.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from kuaifan.match.factories import normalise_categories, normalise_processes

Ident = Annotated[str, Field(min_length=1, max_length=200)]


class SkuLine(BaseModel):
    """One colour × size of the order, as the factory's order desk reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str = Field(min_length=1, max_length=200)
    color: str | None = Field(default=None, max_length=100)
    size: str | None = Field(default=None, max_length=50)
    qty: int = Field(ge=1, le=10_000_000)


class MatchOrder(BaseModel):
    """One batch of one style to make."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident
    style: str = Field(min_length=1, max_length=200, description="款号; MOQs are per style")
    product_name: str | None = Field(default=None, max_length=200, description="商品名称")
    category: str
    processes: list[str] = Field(default_factory=list, description="processes the style needs")
    qty: int = Field(default=0, ge=0, le=10_000_000, description="units; default the sum of the lines")
    lines: list[SkuLine] = Field(default_factory=list, description="colour × size breakdown")
    unit_cost: float = Field(gt=0, le=1_000_000, allow_inf_nan=False, description="reference cost 核价 (元)")
    due_date: date | None = None
    due_day: int | None = Field(default=None, ge=0, le=730, description="day of the set; or due_date")
    release_day: int = Field(default=0, ge=0, le=730, description="first day the order can be placed")
    max_late_days: int = Field(default=7, ge=0, le=60, description="later than this it is worth nothing")
    late_penalty_per_day: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        description="元 per unit per day late; default settings.late_share_per_day × unit_cost",
    )
    work_factor: float = Field(
        default=1.0, gt=0, le=100, allow_inf_nan=False, description="capacity per unit"
    )
    quick_response: bool = Field(default=True, description="a 小单快反 order: only factories that take them")
    needs_export_experience: bool = False
    belts: list[str] | None = Field(default=None, description="only factories of these belts")
    exclude_factories: list[str] = Field(default_factory=list)
    kind: Literal["order", "forecast_reorder"] = "order"
    probability: float = Field(default=1.0, gt=0, le=1, description="forecast re-orders: chance it is placed")
    tenant: str | None = Field(default=None, max_length=64, description="the brand; default the set's")

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: Any) -> Any:
        return normalise_categories([v])[0] if isinstance(v, str) else v

    @field_validator("processes")
    @classmethod
    def _processes(cls, v: list[str]) -> list[str]:
        return normalise_processes(v)

    @model_validator(mode="after")
    def _totals(self) -> MatchOrder:
        if self.lines:
            total = sum(line.qty for line in self.lines)
            if self.qty and self.qty != total:
                raise PydanticCustomError(
                    "qty_lines",
                    "qty {qty} differs from the sum of the lines {total}",
                    {"qty": self.qty, "total": total},
                )
            object.__setattr__(self, "qty", total)
        if self.qty < 1:
            raise PydanticCustomError("qty_missing", "give qty or lines")
        if (self.due_date is None) == (self.due_day is None):
            raise PydanticCustomError("due_missing", "give exactly one of due_date and due_day")
        return self


class Sharing(BaseModel):
    """Which factories may see this open demand in their view (kuaifan match --for-factory)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share_with: list[str] = Field(
        default_factory=list,
        description="'*' (every factory), a factory id, 'belt:<产业带>' or 'account:<tenant>'",
    )
    show_brand: bool = Field(default=False, description="show the tenant's name, else an alias")


class OrderSet(BaseModel):
    """The orders file: ``kuaifan match --orders FILE``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="kuaifan match orders",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    start_date: date = Field(description="day 0: the day the orders are placed")
    tenant: str | None = Field(default=None, max_length=64, description="the brand placing them")
    orders: list[MatchOrder] = Field(min_length=1)
    sharing: Sharing | None = Field(default=None, description="absent: shared with nobody")
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> OrderSet:
        seen: set[str] = set()
        for i, o in enumerate(self.orders):
            if o.id in seen:
                raise PydanticCustomError(
                    "duplicate_id",
                    "orders[{index}]: duplicate order id {value!r}",
                    {"index": i, "value": o.id},
                )
            seen.add(o.id)
            if o.due_date is not None and o.due_date < self.start_date:
                raise PydanticCustomError(
                    "due_past",
                    "orders[{index}]: due_date {due} is before start_date {start}",
                    {"index": i, "due": o.due_date.isoformat(), "start": self.start_date.isoformat()},
                )
        return self

    def due_day(self, order: MatchOrder) -> int:
        if order.due_day is not None:
            return order.due_day
        assert order.due_date is not None
        return (order.due_date - self.start_date).days


class MatchSettings(BaseModel):
    """How lateness and risk are priced, and how long to search."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    late_share_per_day: float = Field(
        default=0.05, ge=0, le=10, description="default lateness cost per unit and day, share of unit_cost"
    )
    quality_weight: float = Field(
        default=0.5,
        ge=0,
        le=10,
        description="risk cost per unit = unit_cost × (quality_weight × (1 − quality_score) + "
        "on_time_weight × (1 − on_time_rate))",
    )
    on_time_weight: float = Field(default=0.3, ge=0, le=10)
    max_factories_per_order: int = Field(
        default=3, ge=1, le=20, description="most factories one order is split over"
    )
    time_limit_s: float = Field(default=15.0, gt=0, le=3600)
    mip_rel_gap: float = Field(default=0.005, ge=0, le=1)
    max_candidates: int = Field(
        default=0,
        ge=0,
        le=10_000,
        description="factories considered per order, cheapest first (0: all capable); the gap stays "
        "against the bound of all of them",
    )

    def late_penalty(self, order: MatchOrder) -> float:
        if order.late_penalty_per_day is not None:
            return order.late_penalty_per_day
        return self.late_share_per_day * order.unit_cost

    def risk_per_unit(self, unit_cost: float, quality: float, on_time: float) -> float:
        return unit_cost * (self.quality_weight * (1 - quality) + self.on_time_weight * (1 - on_time))


Kind = Literal["order", "forecast_reorder"]
