"""What the growth reports need besides the event log: commission rates, ad spend, unit costs, brands.

From the tenant's settings (``[tenants.NAME.growth]`` in kuaifan.toml, model ``GrowthSettings``)
and / or from files. Files win over settings where both give a value for the same key.

- commission (达播佣金): CSV or TOML rows with any of ``stream_id``, ``author_id``, ``item_id`` and
  a ``rate`` (0.2 or 20%). The most specific rule wins: stream + item, stream, author + item,
  author, item, then the default ``commission_rate``.
- ad spend (千川): CSV with ``stream_id`` and ``spend_fen`` (or ``spend`` in yuan), optional ``date``.
- costs: CSV with ``item_id`` (or ``sku_id``) and ``unit_cost_fen`` (or ``unit_cost`` in yuan) or
  ``cost_share`` (of the price paid); the default ``cost_share`` for products not listed.
- brands: CSV with ``item_id`` and ``brand`` (or ``brand_id``); settings may map id prefixes
  (``"b1-*" = "云织"``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kuaifan.errors import ConfigError, InputError, first_problem
from kuaifan.growth.tables import numeric_column, read_table, require_columns

RULE_KEYS = ("stream_id", "author_id", "item_id")


class CommissionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stream_id: str | None = None
    author_id: str | None = None
    item_id: str | None = None
    rate: float = Field(ge=0.0, le=1.0)


class GrowthSettings(BaseModel):
    """The ``growth`` table of a tenant in kuaifan.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    commission_rate: float | None = Field(None, ge=0.0, le=1.0, description="default 达播 commission rate")
    commission: tuple[CommissionRule, ...] = ()
    cost_share: float | None = Field(
        None, ge=0.0, le=1.0, description="unit cost / price for unlisted products"
    )
    brands: dict[str, str] = Field(default_factory=dict, description='item id (or "prefix*") -> brand')

    @classmethod
    def of(cls, raw: dict[str, Any] | GrowthSettings | None, where: str = "growth") -> GrowthSettings:
        """Validate a settings table; ConfigError naming the key otherwise."""
        if isinstance(raw, GrowthSettings):
            return raw
        try:
            return cls.model_validate(raw or {})
        except ValidationError as exc:
            name, msg = first_problem(exc)
            raise ConfigError(
                f"{where}.{name}: {msg}", f"{where}.{name}: {msg}", key=f"{where}.{name}"
            ) from None


@dataclass(frozen=True, slots=True)
class Economics:
    """Everything the economics need besides the events, merged from settings and files."""

    commission: tuple[CommissionRule, ...] = ()
    commission_rate: float | None = None
    ad_spend_fen: dict[str, int] = field(default_factory=dict)  # stream_id -> fen
    unit_cost_fen: dict[str, float] = field(default_factory=dict)  # item or sku id -> fen per unit
    cost_share: dict[str, float] = field(default_factory=dict)  # item or sku id -> share of price
    default_cost_share: float | None = None
    brands: dict[str, str] = field(default_factory=dict)


def _rate(value: object, where: str) -> float:
    text = str(value).strip()
    try:
        rate = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        raise InputError(
            f"{where}：佣金率 {text!r} 不是数字", f"{where}: commission rate {text!r} is not a number"
        ) from None
    if not 0.0 <= rate <= 1.0:
        raise InputError(
            f"{where}：佣金率 {text} 不在 0–1（0–100%）之间",
            f"{where}: commission rate {text} is not within 0-1 (0-100%)",
        )
    return rate


def read_commission(path: Path) -> tuple[CommissionRule, ...]:
    """Commission rules from a CSV / Parquet table or a TOML file (``[[commission]]`` entries)."""
    if path.suffix.lower() == ".toml":
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(
                f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}", path=str(path)
            ) from None
        try:
            return GrowthSettings.of(
                {k: v for k, v in raw.items() if k in ("commission", "commission_rate")}, str(path)
            ).commission
        except ConfigError as exc:
            raise InputError(exc.zh, exc.en, path=str(path)) from None
    df = read_table(path)
    require_columns(df, ["rate"], path)
    if not any(k in df.columns for k in RULE_KEYS):
        require_columns(df, ["stream_id"], path)
    rules = []
    for i, row in enumerate(df.iter_rows(named=True)):
        keys = {
            k: (str(row[k]).strip() or None) if row.get(k) is not None else None
            for k in RULE_KEYS
            if k in df.columns
        }
        rules.append(CommissionRule(**keys, rate=_rate(row["rate"], f"{path}:{i + 2}")))
    return tuple(rules)


def read_ad_spend(path: Path) -> dict[str, int]:
    df = read_table(path)
    require_columns(df, ["stream_id"], path)
    if "spend_fen" in df.columns:
        fen = numeric_column(df, "spend_fen", path)
    else:
        require_columns(df, ["spend"], path)
        fen = numeric_column(df, "spend", path) * 100.0
    out: dict[str, int] = {}
    for stream, value in zip(df["stream_id"].cast(pl.String).to_list(), fen.to_list(), strict=True):
        out[stream] = out.get(stream, 0) + round(value)
    return out


def read_costs(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(unit cost in fen, cost share) per item or sku id."""
    df = read_table(path)
    key = "sku_id" if "sku_id" in df.columns and "item_id" not in df.columns else "item_id"
    require_columns(df, [key], path)
    ids = df[key].cast(pl.String).to_list()
    if "cost_share" in df.columns:
        share = numeric_column(df, "cost_share", path).to_list()
        return {}, dict(zip(ids, share, strict=True))
    if "unit_cost_fen" in df.columns:
        unit = numeric_column(df, "unit_cost_fen", path).to_list()
    else:
        require_columns(df, ["unit_cost"], path)
        unit = (numeric_column(df, "unit_cost", path) * 100.0).to_list()
    return dict(zip(ids, unit, strict=True)), {}


def read_brands(path: Path) -> dict[str, str]:
    df = read_table(path)
    column = "brand" if "brand" in df.columns else "brand_id"
    require_columns(df, ["item_id", column], path)
    pairs = df.select(pl.col("item_id").cast(pl.String), pl.col(column).cast(pl.String)).unique(
        "item_id", keep="first"
    )
    return {str(k): str(v) for k, v in pairs.iter_rows()}


def economics(
    settings: GrowthSettings | None = None,
    *,
    commission: Path | None = None,
    ad_spend: Path | None = None,
    costs: Path | None = None,
    brands: Path | None = None,
) -> Economics:
    """Settings and files merged (file rules first, so they win over settings rules of the same rank)."""
    s = settings or GrowthSettings()
    unit, share = read_costs(costs) if costs else ({}, {})
    return Economics(
        commission=(read_commission(commission) if commission else ()) + s.commission,
        commission_rate=s.commission_rate,
        ad_spend_fen=read_ad_spend(ad_spend) if ad_spend else {},
        unit_cost_fen=unit,
        cost_share=share,
        default_cost_share=s.cost_share,
        brands={**s.brands, **(read_brands(brands) if brands else {})},
    )
