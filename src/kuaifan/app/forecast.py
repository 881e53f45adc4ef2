"""``kuaifan forecast``: a tenant's stored demand, forecast per variant, written as a plan input.

The demand per style and China day (sold + unmet while sold out) of the last ``history_days``,
forecast over the horizon from the day after the data ends (the model learns from every style of
the shop), split over the variants by the size curve × colour mix, and written as the plan input
that ``kuaifan plan`` solves, with live prices, the costs file, stock on hand and the goods already
on order (``placed``: earlier ``kuaifan plan --json`` outputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kuaifan.app.signals import SignalsQuery, read_signals
from kuaifan.config import Settings
from kuaifan.errors import InputError, NotFoundError, cannot_write, first_problem
from kuaifan.plan.costs import CostsConfig, load_costs
from kuaifan.plan.from_signals import (
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
from kuaifan.report.frames import write_frames
from kuaifan.signals.frame import day_date
from kuaifan.store import Store

__all__ = [
    "CostsConfig", "ForecastOptions", "ForecastOutcome", "ForecastRequest", "ForecastSummary", "forecast",
    "forecast_plan_input", "read_plan_result",
]  # fmt: skip

SHORT_HISTORY_DAYS = 3
HISTORY_DAYS = 90  # the history read by default: a season of a fast-fashion style, memory bounded
Model = Literal["auto", "lgbm", "curve", "autoets", "ses", "naive"]
MODELS: tuple[Model, ...] = ("auto", "lgbm", "curve", "autoets", "ses", "naive")


class ForecastOptions(BaseModel):
    """What to forecast: the styles (``items``, else the ``top`` by demand so far), the horizon
    (default: the costs file's), the model, the number of demand scenarios, the history read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str | None = None
    items: list[str] | None = None
    top: int = Field(5, ge=1, le=200)
    horizon: int | None = Field(None, ge=1, le=366)
    model: Model = "auto"
    scenarios: int = Field(20, ge=1, le=500)
    seed: int = 0
    history_days: int = Field(HISTORY_DAYS, ge=0)

    @field_validator("model", mode="before")
    @classmethod
    def _known_model(cls, v: object) -> object:
        if v not in MODELS:
            raise ValueError(f"expected one of {', '.join(MODELS)}, got {v!r}")
        return v


class ForecastRequest(ForecastOptions):
    """``kuaifan forecast``: the options plus the files read and written."""

    costs: Path
    placed: list[Path] = Field(default_factory=list)
    out: Path | None = None  # default: $KUAIFAN_HOME/reports/plan_input.json
    tables_dir: Path | None = None

    @classmethod
    def from_options(cls, **options: Any) -> ForecastRequest:
        """From command-line options; a bad value is an InputError naming the option (zh + en)."""
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            key, msg = first_problem(exc)
            msg = msg.removeprefix("Value error, ")
            flag = "--" + key.replace("_", "-")
            raise InputError(f"{flag}：{msg}", f"{flag}: {msg}", field=key) from None


class StyleForecast(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: str
    history_days: int
    units: int
    demand_units: float
    variants: int
    forecast_p10: float
    forecast_p50: float
    forecast_p90: float
    planned: bool


class ForecastSummary(BaseModel):
    """``kuaifan forecast --json``."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    model: str
    history_last_day: str
    start_date: str
    horizon_days: int
    scenarios: int
    variants: int
    styles: list[StyleForecast]
    skipped_no_price: list[str]
    on_order_units: float  # earlier orders still to arrive, in the plan as incoming
    on_order_not_planned: list[str]  # variants with goods on order that this plan leaves out
    plan_input: str | None = None  # where the plan input was written

    @property
    def short_history(self) -> list[str]:
        """Styles with under SHORT_HISTORY_DAYS days of history (their forecast carries the last level)."""
        return [s.item for s in self.styles if s.history_days < SHORT_HISTORY_DAYS]


@dataclass(frozen=True, slots=True)
class ForecastOutcome:
    summary: ForecastSummary
    plan_input: PlanInput
    tables: dict[str, pl.DataFrame]  # the daily p10 / p50 / p90 per style and per variant


def forecast(settings: Settings, store: Store, req: ForecastRequest) -> tuple[ForecastSummary, list[Path]]:
    """Forecast, write the plan input (and the tables when asked); the summary and the tables written."""
    options = ForecastOptions.model_validate(req.model_dump(include=set(ForecastOptions.model_fields)))
    placed = [read_plan_result(p) for p in req.placed]
    done = forecast_plan_input(settings, store, load_costs(req.costs), options, placed=placed)
    out = req.out or settings.home / "reports" / "plan_input.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(done.plan_input.model_dump_json(indent=2, exclude_none=True) + "\n", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(out, exc) from None
    written = write_frames(done.tables, req.tables_dir) if req.tables_dir is not None else []
    return done.summary.model_copy(update={"plan_input": str(out)}), written


def forecast_plan_input(
    settings: Settings,
    store: Store,
    costs: CostsConfig,
    req: ForecastOptions,
    *,
    placed: Sequence[PlanResult] = (),
) -> ForecastOutcome:
    """The forecast of the stored demand as a plan input (nothing written); see the module doc."""
    name, sig = read_signals(settings, store, SignalsQuery(tenant=req.tenant, days=req.history_days))
    daily = daily_demand(sig.variant_hours, last_live_day(sig.events))
    totals = daily.group_by("item").agg(pl.col("units").sum(), pl.col("demand_units").sum())
    selling = totals.filter(pl.col("demand_units") > 0)
    known = set(selling["item"].to_list())
    if req.items:
        unknown = [i for i in req.items if i not in known]
        if unknown:
            raise NotFoundError(
                f"这些款式没有需求数据：{', '.join(unknown)}",
                f"no demand data for these styles: {', '.join(unknown)}",
            )
        chosen = list(dict.fromkeys(req.items))
    else:
        ranked = selling.sort(["demand_units", "item"], descending=[True, False])
        chosen = ranked["item"].head(req.top).to_list()
    if not chosen:
        raise NotFoundError("没有任何款式有需求", "no style has any demand yet")
    last_day = int(daily["day"].max())  # type: ignore[arg-type]
    train = style_history(daily, sorted(known), last_day)  # the model learns from every style
    history = train.filter(pl.col("unique_id").is_in(chosen))
    days = req.horizon or costs.horizon_days
    catalogue = plan_catalogue(sig.variant_hours, sig.catalogue, chosen)
    observed = daily.group_by("sku_id").agg(pl.col("demand_units").sum())
    mix = variant_mix(sig.mix, catalogue, observed)
    styles, variants, used = forecast_variants(
        history, mix, days, train=train, model=req.model,
        n_samples=max(200, req.scenarios), seed=req.seed,
    )  # fmt: skip
    meta = {"tenant": name, "model": used, "history_last_day": str(day_date(last_day)), "styles": chosen}
    try:
        incoming = incoming_from_plans(list(placed), day_date(last_day + 1))
    except ValueError as exc:
        raise InputError(f"--placed：{exc}", f"--placed: {exc}", field="placed") from None
    built = build_plan_input(
        catalogue, variants, costs, start_day=last_day + 1, on_hand=stock_on_hand(sig.events),
        incoming=incoming, scenarios=req.scenarios, seed=req.seed, meta=meta,
    )  # fmt: skip
    inp = built.plan_input
    planned_ids = {v.id for v in inp.variants}
    totals_by = {r[0]: r for r in totals.iter_rows()}
    days_of = dict(history.group_by("unique_id").agg(pl.len().alias("days")).iter_rows())
    tables = {
        "style_forecast": forecast_table(styles.quantiles, "style"),
        "variant_forecast": forecast_table(
            variants.quantiles.join(mix.select(pl.col("unique_id"), "style"), on="unique_id", how="left"),
            "variant",
        ),
    }
    summary_styles = []
    for item in chosen:  # by demand so far, or as --item named them
        total = styles.samples[styles.ids.index(item)].sum(axis=1)
        p10, p50, p90 = (float(x) for x in np.quantile(total, [0.1, 0.5, 0.9]))
        summary_styles.append(
            StyleForecast(
                item=item,
                history_days=int(days_of.get(item, 0)),
                units=int(totals_by[item][1]),
                demand_units=round(float(totals_by[item][2]), 1),
                variants=int(mix.filter(pl.col("style") == item).height),
                forecast_p10=round(p10, 1),
                forecast_p50=round(p50, 1),
                forecast_p90=round(p90, 1),
                planned=item not in built.skipped,
            )
        )
    summary = ForecastSummary(
        tenant=name,
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
    return ForecastOutcome(summary, inp, tables)


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


def read_plan_result(path: Path) -> PlanResult:
    """An earlier ``kuaifan plan --json`` output (or a demo's plan.json); InputError naming the file."""
    if not path.is_file():
        raise NotFoundError(f"找不到计划文件：{path}", f"plan file not found: {path}", path=str(path))
    try:
        return PlanResult.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        reason = first_problem(exc)[1] if isinstance(exc, ValidationError) else str(exc)
        raise InputError(
            f"{path} 不是 kuaifan plan 的输出：{reason}",
            f"{path} is not a kuaifan plan output: {reason}",
            path=str(path),
        ) from None
