"""Planner input and output: pydantic models at the edge, one parse function with zh + en errors.

Money is in currency units (元) as floats, quantities in units. Days are counted from the
plan's day 0 (``start_date`` when given). The JSON Schema of the input is generated from
:class:`PlanInput` and committed as ``schemas/plan_input.schema.json``; regenerate it with
``python -c "from kuaifan.plan.model import schema_text; print(schema_text(), end='')"
> schemas/plan_input.schema.json``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kuaifan.errors import InputError, field_path, zh_problem

NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Presale(BaseModel):
    """预售: demand that finds no stock may wait for a later delivery instead of being lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_wait_days: int = Field(ge=0, le=90, description="a buyer waits at most this many days for delivery")
    cancel_share: float = Field(
        ge=0, le=1, description="share of unmet demand that cancels at once instead of waiting"
    )
    price_discount: float = Field(
        default=0.0, ge=0, lt=1, description="discount given on pre-sold units, as a share of price"
    )
    cancel_per_day: float = Field(
        default=0.0,
        ge=0,
        lt=1,
        description=(
            "share of the buyers still waiting who cancel on each further day of waiting: of the "
            "unmet demand, (1 - cancel_share) × (1 - cancel_per_day)^a is still there a days later"
        ),
    )

    def keep(self, days: int) -> float:
        """Share of unmet demand still waiting ``days`` (≥ 1) days later."""
        return (1.0 - self.cancel_share) * (1.0 - self.cancel_per_day) ** days


class Receipt(BaseModel):
    """Units already on order: they arrive at the start of ``day`` (ignored if day >= horizon_days)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day: int = Field(ge=0, le=3660)
    qty: NonNegFloat


class Backorder(BaseModel):
    """Pre-orders already taken (预售, paid) and not yet shipped. They may wait ``max_wait_days`` more
    days (from day 0) and, with pre-sale, lose ``cancel_per_day`` of those still waiting on each
    further day. The plan ships them from stock on hand or arriving goods as it pays (it may prefer
    new demand at a higher price); played forward (``simulate``, the backtest) they ship first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    qty: NonNegFloat
    max_wait_days: int = Field(ge=0, le=366, description="the last day (from day 0) it may ship on")


class Variant(BaseModel):
    """One sellable variant (colour × size) of a style, with its demand scenarios."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    style: str = Field(min_length=1, max_length=200, description="MOQ and fixed order costs are per style")
    name: str | None = Field(default=None, max_length=200, description="商品名称, printed on purchase orders")
    color: str | None = Field(default=None, max_length=100, description="颜色, printed on purchase orders")
    size: str | None = Field(default=None, max_length=50, description="尺码, printed on purchase orders")
    price: NonNegFloat = Field(description="selling price per unit (元)")
    unit_cost: NonNegFloat = Field(description="purchase price per unit at a factory (元)")
    salvage_value: NonNegFloat = Field(default=0.0, description="value of a unit left at horizon end (元)")
    shortage_cost: NonNegFloat = Field(
        default=0.0, description="penalty per unit of demand not served, beyond the lost margin (元)"
    )
    holding_cost_per_day: NonNegFloat = Field(default=0.0, description="cost per unit in stock per day")
    on_hand: NonNegFloat = Field(default=0.0, description="units in stock at the start of day 0")
    incoming: list[Receipt] = Field(
        default_factory=list, description="units already on order (in transit), by day of arrival"
    )
    backorders: list[Backorder] = Field(
        default_factory=list, description="pre-orders already sold and waiting for stock"
    )
    demand_scenarios: list[list[NonNegFloat]] = Field(
        min_length=1,
        description=(
            "equally likely daily demand paths, each horizon_days long; scenario i of every variant "
            "belongs to the same joint scenario, so all variants have the same number of scenarios"
        ),
    )


class Factory(BaseModel):
    """A factory in the belt: how fast, how much, from how many units."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    lead_time_days: int = Field(ge=0, le=366, description="an order placed on day d arrives on day d + lead")
    capacity_per_day: float = Field(
        gt=0,
        allow_inf_nan=False,
        description=(
            "units the factory makes a day for us; orders placed within any lead-time window "
            "(at least one day) total at most capacity_per_day × lead_time_days"
        ),
    )
    moq_per_style: NonNegFloat = Field(default=0.0, description="起订量: minimum units of a style per order")
    fixed_cost_per_order: NonNegFloat = Field(default=0.0, description="cost per order per style (元)")
    unit_cost_factor: float = Field(
        default=1.0, gt=0, allow_inf_nan=False, description="this factory's price = unit_cost × factor"
    )
    styles: list[str] | None = Field(default=None, description="styles this factory makes; default all")


class PlanInput(BaseModel):
    """Input of ``kuaifan plan``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="kuaifan plan input",
        json_schema_extra={"$schema": "https://json-schema.org/draft/2020-12/schema"},
    )

    horizon_days: int = Field(ge=1, le=366)
    review_days: list[int] | None = Field(
        default=None, description="days on which orders may be placed (default: every day), ascending"
    )
    variants: list[Variant] = Field(min_length=1)
    factories: list[Factory] = Field(min_length=1)
    presale: Presale | None = Field(default=None, description="absent: unmet demand is lost")
    start_date: date | None = Field(default=None, description="calendar date of day 0, for delivery dates")
    policy_buckets: int = Field(
        default=3,
        ge=1,
        le=20,
        description=(
            "on each later review day, scenarios are grouped into at most this many buckets of the "
            "style's demand to date; re-orders are one quantity per bucket"
        ),
    )
    min_fill_rate: float | None = Field(
        default=None, ge=0, le=1, description="required expected fill rate (served / demand), if any"
    )
    integer_quantities: bool = Field(default=True, description="order whole units")
    time_limit_s: float = Field(default=60.0, gt=0, le=86400, description="solver time limit")
    mip_rel_gap: float = Field(
        default=0.01, ge=0, le=1, description="stop when the plan is within this share of the bound"
    )
    meta: dict[str, Any] = Field(default_factory=dict, description="free data carried along, not used")


# --- output -----------------------------------------------------------------------------------------


class OrderLine(BaseModel):
    """An order to place now (day 0 or the first review day)."""

    model_config = ConfigDict(extra="forbid")

    day: int
    factory: str
    variant: str
    style: str
    qty: int
    unit_price: float
    amount: float
    delivery_day: int
    delivery_date: date | None = None
    # what a factory's order desk reads besides the ids (from the plan input's variant, if given)
    product_name: str | None = None
    color: str | None = None
    size: str | None = None


class RuleOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    factory: str
    variant: str
    qty: int
    delivery_day: int


class ReorderRule(BaseModel):
    """On ``day``, if the style's demand on days 0..day-1 is in [min, max), place ``orders``."""

    model_config = ConfigDict(extra="forbid")

    day: int
    style: str
    signal: Literal["style_demand_to_date"] = "style_demand_to_date"
    min: float | None = Field(description="inclusive lower bound; null: no lower bound")
    max: float | None = Field(description="exclusive upper bound; null: no upper bound")
    probability: float = Field(description="share of scenarios that fall in this bucket")
    orders: list[RuleOrder]
    order_up_to: dict[str, float] = Field(
        description="per variant: mean stock + on order after this order, in the bucket's scenarios"
    )


class Expected(BaseModel):
    """Expectations over the scenarios (sample average) of the plan as solved."""

    model_config = ConfigDict(extra="forbid")

    profit: float
    revenue: float
    purchase_cost: float
    fixed_order_cost: float
    salvage: float
    holding_cost: float
    shortage_cost: float
    demand_units: float
    served_units: float
    presold_units: float
    ordered_units: float
    first_order_units: float
    leftover_units: float
    fill_rate: float = Field(description="served / demand")
    leftover_rate: float = Field(description="leftover / (on hand + ordered)")


class VariantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    color: str | None = None
    size: str | None = None


class Band(BaseModel):
    """A quantity over the plan's demand scenarios: its mean and p10 / p50 / p90."""

    model_config = ConfigDict(extra="forbid")

    mean: float
    p10: float
    p50: float
    p90: float


class StyleOutlook(BaseModel):
    """What the plan means for one style, over the scenarios: what the brand reads first."""

    model_config = ConfigDict(extra="forbid")

    style: str
    first_batch: int = Field(description="units ordered now (all factories)")
    first_batch_by_factory: dict[str, int]
    reorder_units: Band = Field(description="units the re-order rules order after today")
    demand_units: Band
    presold_units: float = Field(description="expected units sold on pre-sale (shipped after waiting)")
    leftover_units: Band = Field(description="units left at the end of the horizon (sold off at salvage)")
    leftover_rate: Band = Field(description="left over / (on hand + incoming + ordered)")
    fill_rate: Band = Field(description="served / demand")
    profit: Band
    factories: list[str] = Field(description="factories the plan uses for the style")
    levers: list[str] = Field(
        description="presale, reorder, two_factories, clearance: the levers the plan uses for the style"
    )


class SolverInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str
    optimal: bool
    mip_gap: float = Field(
        description="(bound - profit) / profit, capped at 1.0 (also when no bound is known)"
    )
    objective: float
    objective_bound: float | None = Field(description="upper bound on expected profit; null if unknown")
    time_s: float
    n_vars: int
    n_binary: int
    n_integer: int
    n_rows: int
    n_nonzeros: int


class PlanWarning(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    zh: str
    en: str


class PlanResult(BaseModel):
    """Output of ``kuaifan plan --json``."""

    model_config = ConfigDict(extra="forbid", title="kuaifan plan output")

    orders: list[OrderLine]
    reorder_policy: list[ReorderRule]
    expected: Expected
    solver: SolverInfo
    warnings: list[PlanWarning]
    horizon_days: int
    scenarios: int
    start_date: date | None
    demand_mode: Literal["lost_sales", "presale"]
    styles: list[StyleOutlook] = Field(default_factory=list, description="per style, over the scenarios")
    specs: dict[str, VariantSpec] = Field(
        default_factory=dict, description="variant id → its colour and size, where the input names them"
    )


# --- parsing ----------------------------------------------------------------------------------------


def _bad(path: str, zh: str, en: str) -> InputError:
    return InputError(f"规划输入 {path}：{zh}", f"plan input {path}: {en}", field=path)


def parse_plan_input(data: Any) -> PlanInput:
    """Validate raw JSON data; raise InputError naming the first bad field (zh + en)."""
    try:
        inp = PlanInput.model_validate(data)
    except ValidationError as err:
        e = err.errors()[0]
        path = field_path(tuple(e["loc"]))
        raise _bad(path, zh_problem(e), str(e["msg"])) from None
    check_plan_input(inp)
    return inp


def parse_plan_json(text: str) -> PlanInput:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"规划输入不是合法 JSON：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}",
            f"plan input is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
        ) from None
    return parse_plan_input(data)


def check_plan_input(inp: PlanInput) -> None:
    """Rules across fields that a JSON Schema cannot say; raise InputError naming the field."""
    horizon = inp.horizon_days
    if inp.review_days is not None:
        days = inp.review_days
        for i, d in enumerate(days):
            if not 0 <= d < horizon:
                raise _bad(
                    f"review_days[{i}]",
                    f"{d} 不在 0..{horizon - 1} 之内",
                    f"{d} is outside 0..{horizon - 1}",
                )
            if i and d <= days[i - 1]:
                raise _bad(f"review_days[{i}]", "必须严格递增", "must be strictly ascending")
        if not days:
            raise _bad("review_days", "不能为空（省略表示每天）", "must not be empty (omit it for every day)")
    seen_variants: set[str] = set()
    n_scen = len(inp.variants[0].demand_scenarios)
    for i, v in enumerate(inp.variants):
        if v.id in seen_variants:
            raise _bad(f"variants[{i}].id", f"重复的变体 {v.id!r}", f"duplicate variant {v.id!r}")
        seen_variants.add(v.id)
        if len(v.demand_scenarios) != n_scen:
            raise _bad(
                f"variants[{i}].demand_scenarios",
                f"有 {len(v.demand_scenarios)} 个情景，应与 variants[0] 相同（{n_scen} 个）："
                "情景是各变体共同的",
                f"has {len(v.demand_scenarios)} scenarios, expected {n_scen} like variants[0]: "
                "scenarios are joint across variants",
            )
        for j, path in enumerate(v.demand_scenarios):
            if len(path) != horizon:
                raise _bad(
                    f"variants[{i}].demand_scenarios[{j}]",
                    f"长度 {len(path)} 天，应为 horizon_days = {horizon}",
                    f"has {len(path)} days, expected horizon_days = {horizon}",
                )
    seen_factories: set[str] = set()
    styles = {v.style for v in inp.variants}
    for i, f in enumerate(inp.factories):
        if f.id in seen_factories:
            raise _bad(f"factories[{i}].id", f"重复的工厂 {f.id!r}", f"duplicate factory {f.id!r}")
        seen_factories.add(f.id)
        for j, s in enumerate(f.styles or []):
            if s not in styles:
                raise _bad(f"factories[{i}].styles[{j}]", f"未知款式 {s!r}", f"unknown style {s!r}")
    for i, v in enumerate(inp.variants):
        for f in inp.factories:
            cost = v.unit_cost * f.unit_cost_factor
            if v.salvage_value > cost and (f.styles is None or v.style in f.styles):
                raise _bad(
                    f"variants[{i}].salvage_value",
                    f"残值 {v.salvage_value} 高于工厂 {f.id} 的进价 {cost:g}：多订永远划算，规划无界",
                    f"{v.salvage_value} is above the price {cost:g} at factory {f.id}: ordering more "
                    "always pays and the plan is unbounded",
                )


def input_json_schema() -> dict[str, Any]:
    return PlanInput.model_json_schema()


def output_json_schema() -> dict[str, Any]:
    return PlanResult.model_json_schema()


def schema_text() -> str:
    """The committed schemas/plan_input.schema.json, byte for byte."""
    return json.dumps(input_json_schema(), ensure_ascii=False, indent=2) + "\n"
