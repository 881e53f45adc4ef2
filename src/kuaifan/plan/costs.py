"""The business facts a plan needs that no live room shows: costs, factories, the planning calendar.

A TOML file (``examples/costs.toml``) read by ``kuaifan forecast --costs FILE``::

    horizon_days = 28
    category = "apparel"            # the default launch curve for a shop's first launches (docs/plan.md)
    review_days = [0, 7, 14, 21]
    unit_cost_share = 0.35          # unit cost as a share of the live price, where a style has none
    salvage_share = 0.10            # value of a unit left at the end, as a share of the price
    presale = {max_wait_days = 7, cancel_share = 0.3}

    [[factories]]
    id = "F1"
    lead_time_days = 7
    capacity_per_day = 400
    moq_per_style = 100
    fixed_cost_per_order = 300

    [styles."b1-p003"]              # per style (the item id of the live room), all optional
    unit_cost = 52.0
    salvage_value = 15.0
    price = 149.0                   # when the live room never showed a price

    [on_hand]                       # units in stock per variant (sku); default: the last stock_level seen
    "b1-p003-01" = 20

    [preorders]                     # 预售 orders taken, not shipped yet: units and the days they may wait
    "b1-p003-01" = [{qty = 12, max_wait_days = 5}]

Errors name the file and the key, in Chinese and English.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kuaifan.errors import InputError, NotFoundError, first_problem
from kuaifan.plan.model import Backorder, Factory, NonNegFloat, Presale


class StyleCosts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_cost: NonNegFloat | None = Field(default=None, description="purchase price per unit (元)")
    salvage_value: NonNegFloat | None = Field(default=None, description="value of a unit left over (元)")
    price: NonNegFloat | None = Field(default=None, description="selling price (元), if not seen live")


class CostsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_days: int = Field(default=28, ge=1, le=366)
    category: str = Field(
        default="apparel",
        description="the shop's category: its default launch curve while it has no launches of its own",
    )
    review_days: list[int] | None = Field(default=None, description="default: every 7 days")
    unit_cost_share: float = Field(default=0.35, gt=0, le=1)
    salvage_share: float = Field(default=0.10, ge=0, lt=1)
    presale: Presale | None = None
    factories: list[Factory] = Field(min_length=1)
    styles: dict[str, StyleCosts] = Field(default_factory=dict)
    on_hand: dict[str, NonNegFloat] = Field(default_factory=dict)
    preorders: dict[str, list[Backorder]] = Field(
        default_factory=dict, description="per variant: pre-orders taken and not yet shipped"
    )
    time_limit_s: float = Field(default=60.0, gt=0, le=86400)
    policy_buckets: int = Field(
        default=3, ge=1, le=20, description="re-order rules per style and review day (demand buckets)"
    )

    @field_validator("category")
    @classmethod
    def _known_category(cls, v: str) -> str:
        from kuaifan.forecast.curve import CATEGORY_CURVES

        if v not in CATEGORY_CURVES:
            raise ValueError(f"expected one of {', '.join(CATEGORY_CURVES)}")
        return v

    def review_days_for(self, horizon: int) -> list[int]:
        days = self.review_days if self.review_days is not None else list(range(0, horizon, 7))
        return [d for d in days if 0 <= d < horizon] or [0]


def load_costs(path: Path) -> CostsConfig:
    """The costs file, validated; NotFoundError / InputError naming the file and the key."""
    if not path.is_file():
        raise NotFoundError(f"找不到成本文件：{path}", f"costs file not found: {path}", path=str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}：TOML 语法错误：{exc}", f"{path}: TOML syntax error: {exc}") from None
    try:
        return CostsConfig.model_validate(data)
    except ValidationError as exc:
        key, msg = first_problem(exc, "(top level)")
        raise InputError(
            f"{path}：{key}：{msg}", f"{path}: {key}: {msg}", path=str(path), field=key
        ) from None
