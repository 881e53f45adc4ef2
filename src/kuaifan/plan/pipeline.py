"""The forecast step of the loop as one pure function: demand signals + costs → a plan input.

``forecast_plan_input`` is what ``kuaifan forecast`` runs (and what the backtest runs day by day):

1. the signals' demand per variant and China day (orders reported after the last live day count
   on it), styles ranked by demand so far (or the ones asked for);
2. every style of the shop is the forecaster's training panel; the chosen styles are forecast over
   the horizon from the day after the data ends and split over their variants;
3. the plan input: prices, the costs file's unit costs, salvage and factories, stock on hand (the
   costs file's, else the last ``stock_level`` seen), goods already on order (earlier plans' orders
   still to arrive) and ``scenarios`` demand paths per style.

No reading or writing here: the caller reads the signals, the costs file and the earlier plans, and
writes what it wants of the result (the plan input JSON, the forecast tables, the summary).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast, get_args

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict

from kuaifan.errors import InputError, NotFoundError
from kuaifan.forecast import Forecast
from kuaifan.plan.costs import CostsConfig
from kuaifan.plan.from_signals import (
    ModelName,
    build_plan_input,
    daily_demand,
    forecast_variants,
    incoming_from_plans,
    last_live_day,
    plan_catalogue,
    stock_on_hand,
    style_history,
    variant_mix,
)
from kuaifan.plan.model import PlanInput, PlanResult
from kuaifan.signals import DemandSignals
from kuaifan.signals.frame import day_date

MODELS: tuple[str, ...] = get_args(ModelName)


class StyleForecastSummary(BaseModel):
    """One chosen style: its history so far and its forecast total over the horizon."""

    model_config = ConfigDict(frozen=True)

    item: str
    history_days: int
    units: int
    demand_units: float
    variants: int
    forecast_p10: float
    forecast_p50: float
    forecast_p90: float
    planned: bool  # False: no price known, the style is not in the plan input


class ForecastSummary(BaseModel):
    """What ``kuaifan forecast --json`` prints (without the path it wrote to)."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    model: str
    history_last_day: str
    start_date: str
    horizon_days: int
    scenarios: int
    variants: int
    styles: list[StyleForecastSummary]
    skipped_no_price: list[str]
    on_order_units: float  # earlier orders still to arrive, in the plan as incoming
    on_order_not_planned: list[str]  # variants with goods on order that this plan leaves out


@dataclass(frozen=True, slots=True)
class ForecastedPlan:
    """The forecast step's result: the summary, the plan input, the forecasts and their tables."""

    summary: ForecastSummary
    plan_input: PlanInput
    styles: Forecast  # per style: sample paths over the horizon
    variants: Forecast  # per variant
    tables: dict[str, pl.DataFrame]  # style_forecast, variant_forecast: p10/p50/p90 with dates


def check_model(model: str) -> ModelName:
    """The model name, or an InputError listing the known ones."""
    if model not in MODELS:
        raise InputError(
            f"--model 应为 {', '.join(MODELS)} 之一，收到 {model!r}",
            f"--model: expected one of {', '.join(MODELS)}, got {model!r}",
            field="model",
        )
    return cast(ModelName, model)


def forecast_plan_input(
    signals: DemandSignals,
    costs: CostsConfig,
    *,
    tenant: str,
    items: Sequence[str] | None = None,
    top: int = 5,
    horizon: int | None = None,
    model: str = "auto",
    scenarios: int = 20,
    seed: int = 0,
    placed: Sequence[PlanResult] = (),
    names: Mapping[str, str] | None = None,
) -> ForecastedPlan:
    """Forecast the chosen styles (``items``, else the ``top`` by demand so far) over ``horizon``
    days (default the costs file's) and build their plan input; see the module doc.

    InputError for an unknown model, a placed plan without dates or no priced style; NotFoundError
    when a named style has no demand or no style has any."""
    name = check_model(model)
    daily = daily_demand(signals.variant_hours, last_live_day(signals.events))
    totals = daily.group_by("item").agg(pl.col("units").sum(), pl.col("demand_units").sum())
    selling = totals.filter(pl.col("demand_units") > 0)
    known = set(selling["item"].to_list())
    chosen = choose_styles(selling, known, items, top)
    last_day = int(daily["day"].max())  # type: ignore[arg-type]
    train = style_history(daily, sorted(known), last_day)  # the model learns from every style
    history = train.filter(pl.col("unique_id").is_in(chosen))
    days = horizon or costs.horizon_days
    catalogue = plan_catalogue(signals.variant_hours, signals.catalogue, chosen)
    observed = daily.group_by("sku_id").agg(pl.col("demand_units").sum())
    mix = variant_mix(signals.mix, catalogue, observed)
    styles, variants, used = forecast_variants(
        history,
        mix,
        days,
        train=train,
        model=name,
        n_samples=max(200, scenarios),
        seed=seed,
        category=costs.category,
    )
    meta = {"tenant": tenant, "model": used, "history_last_day": str(day_date(last_day)), "styles": chosen}
    try:
        incoming = incoming_from_plans(list(placed), day_date(last_day + 1))
    except ValueError as exc:
        raise InputError(f"--placed：{exc}", f"--placed: {exc}", field="placed") from None
    built = build_plan_input(
        catalogue, variants, costs, start_day=last_day + 1, on_hand=stock_on_hand(signals.events),
        incoming=incoming, scenarios=scenarios, seed=seed, meta=meta, names=names,
    )  # fmt: skip
    inp = built.plan_input
    planned_ids = {v.id for v in inp.variants}
    totals_by = {r[0]: r for r in totals.iter_rows()}
    days_of = dict(history.group_by("unique_id").agg(pl.len().alias("days")).iter_rows())
    n_variants = dict(mix.group_by("style").agg(pl.len()).iter_rows())
    summary_styles = []
    for item in chosen:  # by demand so far, or as items named them
        total = styles.samples[styles.ids.index(item)].sum(axis=1)
        p10, p50, p90 = (float(x) for x in np.quantile(total, [0.1, 0.5, 0.9]))
        summary_styles.append(
            StyleForecastSummary(
                item=item,
                history_days=int(days_of.get(item, 0)),
                units=int(totals_by[item][1]),
                demand_units=round(float(totals_by[item][2]), 1),
                variants=int(n_variants.get(item, 0)),
                forecast_p10=round(p10, 1),
                forecast_p50=round(p50, 1),
                forecast_p90=round(p90, 1),
                planned=item not in built.skipped,
            )
        )
    summary = ForecastSummary(
        tenant=tenant,
        model=used,
        history_last_day=str(day_date(last_day)),
        start_date=str(inp.start_date),
        horizon_days=inp.horizon_days,
        scenarios=len(inp.variants[0].demand_scenarios),
        variants=len(inp.variants),
        styles=summary_styles,
        skipped_no_price=built.skipped,
        on_order_units=sum(r.qty for sku, rs in incoming.items() if sku in planned_ids for r in rs),
        on_order_not_planned=sorted(sku for sku in incoming if sku not in planned_ids),
    )
    tables = {
        "style_forecast": forecast_table(styles.quantiles, "style"),
        "variant_forecast": forecast_table(
            variants.quantiles.join(mix.select(pl.col("unique_id"), "style"), on="unique_id", how="left"),
            "variant",
        ),
    }
    return ForecastedPlan(summary, inp, styles, variants, tables)


def choose_styles(selling: pl.DataFrame, known: set[str], items: Sequence[str] | None, top: int) -> list[str]:
    """The styles to plan: ``items`` in their order (each must have demand), else the ``top`` by
    demand so far (ties by id)."""
    if items:
        unknown = [i for i in items if i not in known]
        if unknown:
            raise NotFoundError(
                f"这些款式没有需求数据：{', '.join(unknown)}",
                f"no demand data for these styles: {', '.join(unknown)}",
            )
        chosen = list(dict.fromkeys(items))
    else:
        ranked = selling.sort(["demand_units", "item"], descending=[True, False])
        chosen = ranked["item"].head(top).to_list()
    if not chosen:
        raise NotFoundError("没有任何款式有需求", "no style has any demand yet")
    return chosen


def forecast_table(quantiles: pl.DataFrame, key: str) -> pl.DataFrame:
    """A forecast's quantiles with calendar dates (China days), as a planner's spreadsheet reads them."""
    cols = [pl.col("unique_id").alias(key)]
    if key == "variant":
        cols.append(pl.col("style"))
    return quantiles.select(
        *cols,
        pl.col("ds").cast(pl.Date).alias("date"),
        *[pl.col(q).round(2) for q in ("p10", "p50", "p90")],
    ).sort(key, "date")
