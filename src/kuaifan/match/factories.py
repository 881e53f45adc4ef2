"""Factories as data: what a sourcing team knows about each factory of an industrial belt (产业带).

Money is in 元, quantities in units (件 / 双 / 支), days in whole days. A factory's quote for an
order is the order's reference unit cost (核价) × the factor of the price tier its quantity falls in
(all-units tiers: 300 units at the 300+ tier are all priced at that tier). Capacity is in standard
units a day; an order whose units take longer than the factory's standard product says so with its
``work_factor``. ``load_by_day`` is what is already booked, day by day from ``load_start``.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from kuaifan.match.vocab import category_key, known_categories, known_processes, process_key

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Ident = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s/\\]+$")]
MAX_LOAD_DAYS = 366


class PriceTier(BaseModel):
    """From ``min_qty`` units on, every unit is quoted at ``factor`` × the order's reference cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_qty: int = Field(ge=0, le=10_000_000)
    factor: float = Field(gt=0, le=10, allow_inf_nan=False)


def normalise_categories(values: list[str]) -> list[str]:
    """Category keys of ``values`` (keys, 中文 or English names), in order, without repeats."""
    out: list[str] = []
    for v in values:
        key = category_key(v)
        if key is None:
            raise PydanticCustomError(
                "unknown_category",
                "unknown category {value!r}; known: {known}",
                {"value": v, "known": known_categories()},
            )
        if key not in out:
            out.append(key)
    return out


def normalise_processes(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        key = process_key(v)
        if key is None:
            raise PydanticCustomError(
                "unknown_process",
                "unknown process {value!r}; known: {known}",
                {"value": v, "known": known_processes()},
            )
        if key not in out:
            out.append(key)
    return out


class Factory(BaseModel):
    """One factory: capability, capacity and its current load, lead time, prices, track record."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Ident
    name: str = Field(min_length=1, max_length=200, description="the name on a purchase order")
    belt: str = Field(min_length=1, max_length=100, description="产业带, e.g. 杭州女装")
    city: str = Field(default="", max_length=100)
    province: str = Field(default="", max_length=100)
    categories: list[str] = Field(min_length=1, description="product categories it makes")
    processes: list[str] = Field(min_length=1, description="production processes it runs in house")
    moq_per_style: int = Field(ge=1, le=1_000_000, description="起订量: fewest units of one style per order")
    capacity_per_day: float = Field(gt=0, le=10_000_000, allow_inf_nan=False, description="standard units")
    load_by_day: list[NonNeg] = Field(
        default_factory=list,
        max_length=MAX_LOAD_DAYS,
        description="units already booked on each day from load_start; later days: none booked",
    )
    load_start: date | None = Field(default=None, description="date of load_by_day[0]; default the set's")
    prep_days: int = Field(ge=0, le=180, description="days from order to the first production day")
    ship_days: int = Field(default=2, ge=0, le=60, description="days from finishing to the buyer")
    price_tiers: list[PriceTier] = Field(min_length=1, description="ascending min_qty, the first 0")
    setup_cost: NonNeg = Field(default=0.0, description="per style order: pattern, sample, line change (元)")
    cost_factor: float = Field(
        default=0.85,
        gt=0,
        le=10,
        allow_inf_nan=False,
        description="its own variable cost per unit as a share of the reference cost (factory view margin)",
    )
    quality_score: Share = Field(default=0.85, description="inspection pass rate / QC score, 0..1")
    on_time_rate: Share = Field(default=0.9, description="share of past orders delivered on time")
    export_experience: bool = Field(default=False, description="has made export orders (外贸)")
    takes_quick_response: bool = Field(
        default=True, description="takes small quick-response orders (小单快反)"
    )
    account: str | None = Field(
        default=None, max_length=64, description="the kuaifan tenant that operates this factory's profile"
    )

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        return normalise_categories(v)

    @field_validator("processes")
    @classmethod
    def _processes(cls, v: list[str]) -> list[str]:
        return normalise_processes(v)

    @field_validator("price_tiers")
    @classmethod
    def _tiers(cls, v: list[PriceTier]) -> list[PriceTier]:
        if v[0].min_qty != 0:
            raise PydanticCustomError("tier_start", "the first price tier must start at min_qty 0")
        for a, b in pairwise(v):
            if b.min_qty <= a.min_qty:
                raise PydanticCustomError("tier_order", "price tiers must have strictly ascending min_qty")
        return v

    def quote_factor(self, qty: float) -> float:
        """The price factor of ``qty`` units (all-units tiers)."""
        factor = self.price_tiers[0].factor
        for tier in self.price_tiers:
            if qty >= tier.min_qty:
                factor = tier.factor
        return factor


class FactorySet(BaseModel):
    """The factories file: ``kuaifan match --factories FILE``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="kuaifan match factories",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    start_date: date | None = Field(default=None, description="date of every load_by_day[0] not dated")
    factories: list[Factory] = Field(min_length=1)
    meta: dict[str, Any] = Field(default_factory=dict, description="free data carried along (sources …)")

    @model_validator(mode="after")
    def _unique(self) -> FactorySet:
        seen: set[str] = set()
        for i, f in enumerate(self.factories):
            if f.id in seen:
                raise PydanticCustomError(
                    "duplicate_id",
                    "factories[{index}]: duplicate factory id {value!r}",
                    {"index": i, "value": f.id},
                )
            seen.add(f.id)
        return self

    def by_id(self) -> dict[str, Factory]:
        return {f.id: f for f in self.factories}
