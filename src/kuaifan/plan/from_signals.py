"""From a tenant's demand signals to a plan input: the loop on real data (signals → forecast → plan).

1. ``daily_demand``: the signals' demand per variant and hour (sold + unmet while sold out) summed per
   day in China time;
2. ``style_history``: per style (the live room's item), one row per day from its first day with
   demand to the last day of the data, days without demand as 0 (a style off air sells nothing);
3. a forecaster (``choose_forecaster``) gives each style's demand paths over the horizon, starting
   the day after the data ends, and ``split_styles`` splits them over the style's variants by the
   signals' size curve × colour mix (prior) and what each variant sold or was asked for (observed);
4. ``build_plan_input``: the variants with their live price, the costs file's unit cost, salvage and
   factories, stock on hand (the file's, else the last ``stock_level`` seen), goods already on order
   (``incoming_from_plans``: earlier plans' orders still to arrive) and ``scenarios`` demand paths
   per style picked at evenly spaced quantiles of the style total (see ``stratified_joint``).

Pure functions of frames and arrays; the CLI (``kuaifan forecast``) does the reading and writing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.errors import InputError
from kuaifan.forecast import (
    Forecast,
    Forecaster,
    LaunchCurve,
    LevelCalibrated,
    LGBMQuantile,
    StatsBaseline,
    split_styles,
)
from kuaifan.forecast.curve import MIN_TRAIN_DAYS
from kuaifan.plan.costs import CostsConfig
from kuaifan.plan.model import PlanInput, PlanResult, Receipt, Variant
from kuaifan.signals.frame import china_day, day_date

F64 = npt.NDArray[np.float64]
ModelName = Literal["auto", "lgbm", "curve", "prior", "autoets", "ses", "naive"]
LGBM_MIN_ROWS = 300  # below this a cross-series LightGBM has too little to learn from
CURVE_MIN_STYLES = 3  # styles with MIN_TRAIN_DAYS of history that a launch curve needs
PRIOR_MAX_DAYS = 28  # a style this young still follows a launch curve (the category's, if need be)
CALIBRATION_MIN_STYLES = 6  # styles held out (3 folds) to calibrate LightGBM's level and spread
CALIBRATION_MIN_DAYS = 7  # each with more days than this (the calibration scores cut-offs 1..7)


# Kinds that only happen while a room is live: the last day with one of them is the data's last day.
LIVE_KINDS = ("stream_start", "stream_end", "product_show", "product_click", "cart_add", "comment", "enter")


def last_live_day(events: pl.DataFrame) -> int | None:
    """The last China day on which a room was live (None: no live events, e.g. order exports only)."""
    live = events.filter(pl.col("kind").is_in(LIVE_KINDS))
    if live.is_empty():
        return None
    return int(live.select(china_day("ts_ms").max()).item())


def daily_demand(variant_hours: pl.DataFrame, last_day: int | None = None) -> pl.DataFrame:
    """item, sku_id, day, units, demand_units: the signals per variant and China day. Orders
    re-attributed or reported after ``last_day`` (the last live day) count on that day: they were
    bought in its streams, and a day after the data ends is no day of zero demand."""
    day = china_day("hour_ms")
    if last_day is not None:
        day = pl.min_horizontal(day, pl.lit(last_day, dtype=pl.Int64))
    return (
        variant_hours.group_by("item", "sku_id", day.alias("day"))
        .agg(pl.col("units").sum(), pl.col("demand_units").sum())
        .sort("item", "sku_id", "day")
    )


def style_history(daily: pl.DataFrame, items: Sequence[str], last_day: int) -> pl.DataFrame:
    """unique_id (item), ds (day number), y (demand units): consecutive days, zeros filled in."""
    per_day = (
        daily.filter(pl.col("item").is_in(list(items)) & (pl.col("day") <= last_day))
        .group_by("item", "day")
        .agg(pl.col("demand_units").sum())
    )
    first = (
        per_day.filter(pl.col("demand_units") > 0).group_by("item").agg(pl.col("day").min().alias("first"))
    )
    grid = first.select("item", pl.int_ranges("first", last_day + 1).alias("day")).explode("day")
    return (
        grid.join(per_day, on=["item", "day"], how="left")
        .select(
            pl.col("item").alias("unique_id"),
            pl.col("day").alias("ds"),
            pl.col("demand_units").fill_null(0.0).cast(pl.Float64).alias("y"),
        )
        .sort("unique_id", "ds")
    )


def choose_forecaster(
    history: pl.DataFrame,
    name: ModelName = "auto",
    seed: int = 0,
    category: str = "apparel",
    youngest: int | None = None,
) -> Forecaster:
    """The named model, trained on ``history``. ``auto``: LightGBM quantiles across styles from
    ``LGBM_MIN_ROWS`` style-days (level-calibrated on held-out styles when there are enough); else
    the shop's launch curve when ``CURVE_MIN_STYLES`` styles have ``MIN_TRAIN_DAYS`` days each; else,
    while the styles to forecast are younger than ``PRIOR_MAX_DAYS`` (``youngest``: the longest
    history among them, default the panel's), the category's default launch curve (``prior``: a
    launch spike is not carried on); else AutoETS per style (SES below 8 days)."""
    if name == "auto":
        lengths = history.group_by("unique_id").len()["len"]
        if history.height >= LGBM_MIN_ROWS:
            name = "lgbm"
        elif int((lengths >= MIN_TRAIN_DAYS).sum()) >= CURVE_MIN_STYLES:
            name = "curve"
        elif (int(lengths.max()) if youngest is None else youngest) < PRIOR_MAX_DAYS:  # type: ignore[arg-type]
            name = "prior"
        else:
            name = "autoets"
    if name == "prior":
        return LaunchCurve.for_category(category)
    if name == "curve":
        return LaunchCurve()
    if name == "lgbm":
        if history.height < LGBM_MIN_ROWS:  # its quantile trees would not split: p10 = p50 = p90
            raise InputError(
                f"LightGBM 需要至少 {LGBM_MIN_ROWS} 个款式·天的历史，本店只有 {history.height} 个："
                "请用 --model auto / curve / autoets，或读取更长的历史（--history）",
                f"LightGBM needs at least {LGBM_MIN_ROWS} style-days of history, the shop has "
                f"{history.height}: use --model auto / curve / autoets, or read more history (--history)",
                field="model",
            )
        series = history.group_by("unique_id").len()
        if int((series["len"] > CALIBRATION_MIN_DAYS).sum()) >= CALIBRATION_MIN_STYLES:
            # the level of a young style is what a forecast gets most wrong: its bias and spread
            # measured on the shop's own styles held out (LevelCalibrated) make the intervals
            return LevelCalibrated(lambda: LGBMQuantile(seed=seed, median_only=True), folds=3, seed=seed)
        return LGBMQuantile(seed=seed)
    return StatsBaseline(name)


def plan_catalogue(
    variant_hours: pl.DataFrame, catalogue: pl.DataFrame, items: Sequence[str]
) -> pl.DataFrame:
    """item, sku_id, color, size, price_fen of every variant of ``items``: the signals' catalogue
    (variants whose spec was seen, sold or not) and every variant that had demand without a spec (a
    product without 规格 is its own only variant), priced by its own sales where no price was seen."""
    wanted = pl.col("item").is_in(list(items))
    sold = (
        variant_hours.filter(wanted)
        .group_by("item", "sku_id")
        .agg(pl.col("gmv_fen").sum(), pl.col("units").sum(), pl.col("demand_units").sum())
    )
    known = (
        catalogue.filter(wanted)
        .select("item", "sku_id", "color", "size", pl.col("price_fen").alias("seen_fen"), listed=pl.lit(True))
        .unique("sku_id", keep="first")
    )
    own_price = pl.when(pl.col("units") > 0).then(pl.col("gmv_fen") / pl.col("units"))
    return (
        known.join(sold, on=["item", "sku_id"], how="full", coalesce=True)
        .filter(pl.col("listed").fill_null(False) | (pl.col("demand_units") > 0))
        .with_columns(pl.coalesce("seen_fen", own_price).alias("price_fen"))
        .select("item", "sku_id", "color", "size", "price_fen")
        .sort("item", "sku_id")
    )


def variant_mix(sig_mix: pl.DataFrame, catalogue: pl.DataFrame, observed: pl.DataFrame) -> pl.DataFrame:
    """style, unique_id, prior, observed for ``split_styles``: prior = the style's colour share × size
    share from the signals' blended mix (an axis the mix does not know counts as 1), observed = the
    variant's demand units so far."""
    shares = {
        (item, axis, value): float(share)
        for item, axis, value, share in sig_mix.select("item", "axis", "value", "share").iter_rows()
    }
    seen = dict(observed.select("sku_id", "demand_units").iter_rows())
    rows = []
    for item, sku, color, size in catalogue.select("item", "sku_id", "color", "size").iter_rows():
        prior = shares.get((item, "color", color), 1.0) * shares.get((item, "size", size), 1.0)
        rows.append((item, sku, prior, float(seen.get(sku, 0.0))))
    schema = {"style": pl.String, "unique_id": pl.String, "prior": pl.Float64, "observed": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def forecast_variants(
    history: pl.DataFrame,
    mix: pl.DataFrame,
    horizon: int,
    *,
    train: pl.DataFrame | None = None,
    model: ModelName = "auto",
    n_samples: int = 200,
    seed: int = 0,
    category: str = "apparel",
) -> tuple[Forecast, Forecast, str]:
    """(style forecast, variant forecast, model name) for the styles of ``history``; the model
    learns from ``train`` (default ``history``): all of the shop's styles, not only the chosen."""
    panel = train if train is not None else history
    youngest = int(history.group_by("unique_id").len()["len"].max())  # type: ignore[arg-type]
    forecaster = choose_forecaster(panel, model, seed, category, youngest)
    styles = forecaster.fit(panel).predict(horizon, history=history, n_samples=n_samples, seed=seed)
    return styles, split_styles(styles, mix, seed=seed), forecaster.name


def stock_on_hand(events: pl.DataFrame) -> dict[str, float]:
    """The last ``stock_level`` seen per sku (event time)."""
    levels = events.filter((pl.col("kind") == "stock_level") & pl.col("stock").is_not_null())
    last = levels.sort("ts_ms").group_by("sku_id").agg(pl.col("stock").last())
    return {str(s): float(max(int(q), 0)) for s, q in last.iter_rows()}


def stratified_joint(paths: F64, k: int, rng: np.random.Generator) -> F64:
    """k of a style's (V, S, H) paths at evenly spaced quantiles of the style total, in a random
    order: each style spans its distribution, and styles are not made to move together."""
    n = paths.shape[1]
    order = np.argsort(paths.sum(axis=(0, 2)), kind="stable")
    picks = order[((np.arange(k) + 0.5) * n / k).astype(np.int64)] if n > k else order
    out: F64 = paths[:, rng.permutation(picks), :]
    return out


def incoming_from_plans(plans: Sequence[PlanResult], start: date) -> dict[str, list[Receipt]]:
    """Goods already ordered (the orders of earlier plans) that arrive on or after ``start``, per
    variant as receipts on days counted from ``start``. Deliveries before ``start`` are stock by then:
    the stock on hand (the last ``stock_level`` or the costs file) accounts for them."""
    units: dict[tuple[str, int], float] = {}
    for plan in plans:
        for line in plan.orders:
            arrives = line.delivery_date
            if arrives is None and plan.start_date is not None:
                arrives = plan.start_date + timedelta(days=line.delivery_day)
            if arrives is None:
                raise ValueError(f"order of {line.variant} has no delivery date (its plan has no start_date)")
            if arrives >= start:
                key = (line.variant, (arrives - start).days)
                units[key] = units.get(key, 0.0) + line.qty
    out: dict[str, list[Receipt]] = {}
    for (variant, day), qty in sorted(units.items()):
        out.setdefault(variant, []).append(Receipt(day=day, qty=qty))
    return out


@dataclass(frozen=True, slots=True)
class Built:
    plan_input: PlanInput
    skipped: list[str] = field(default_factory=list)  # styles without any known price


def build_plan_input(
    catalogue: pl.DataFrame,
    variants: Forecast,
    costs: CostsConfig,
    *,
    start_day: int,
    on_hand: dict[str, float],
    incoming: dict[str, list[Receipt]] | None = None,
    scenarios: int = 20,
    seed: int = 0,
    meta: dict[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
) -> Built:
    """The plan input of every style in ``variants`` (catalogue: item, sku_id, price_fen per variant);
    ``names``: product names (商品名称) by style, printed on the purchase orders."""
    horizon = variants.horizon
    rng = np.random.default_rng(seed)
    index = {sku: i for i, sku in enumerate(variants.ids)}
    cat = (
        catalogue.filter(pl.col("sku_id").is_in(variants.ids))
        .unique("sku_id", keep="first")
        .sort("item", "sku_id")
    )
    out: list[Variant] = []
    skipped: list[str] = []
    for (item,), rows in cat.group_by(["item"], maintain_order=True):
        style = costs.styles.get(str(item))
        live = [p / 100.0 for p in rows["price_fen"].to_list() if p is not None and p > 0]
        fallback = (
            style.price if style and style.price is not None else (float(np.median(live)) if live else None)
        )
        if fallback is None:  # no price anywhere: the style is left out, and said so
            skipped.append(str(item))
            continue
        skus = rows["sku_id"].to_list()
        colors = rows["color"].to_list() if "color" in rows.columns else [None] * len(skus)
        sizes = rows["size"].to_list() if "size" in rows.columns else [None] * len(skus)
        paths = stratified_joint(variants.samples[[index[s] for s in skus]], scenarios, rng)
        for j, (sku, fen) in enumerate(zip(skus, rows["price_fen"].to_list(), strict=True)):
            price = style.price if style and style.price is not None else (fen / 100.0 if fen else fallback)
            unit_cost = costs.unit_cost_share * price
            if style and style.unit_cost is not None:
                unit_cost = style.unit_cost
            salvage = costs.salvage_share * price
            if style and style.salvage_value is not None:
                salvage = style.salvage_value
            out.append(
                Variant(
                    id=sku, style=str(item), name=(names or {}).get(str(item)), color=colors[j],
                    size=sizes[j], price=round(price, 2),
                    unit_cost=round(unit_cost, 2), salvage_value=round(salvage, 2),
                    on_hand=costs.on_hand.get(sku, on_hand.get(sku, 0.0)),
                    incoming=(incoming or {}).get(sku, []),
                    backorders=costs.preorders.get(sku, []),
                    demand_scenarios=[[float(x) for x in path] for path in paths[j]],
                )
            )  # fmt: skip
    if not out:
        shown = ", ".join(skipped[:5])
        raise InputError(
            f"所选款式都没有价格：请在成本文件中给出 styles.<款式>.price（{shown}）",
            f"no chosen style has a price: give styles.<item>.price in the costs file ({shown})",
            field="styles",
        )
    inp = PlanInput(
        horizon_days=horizon,
        review_days=costs.review_days_for(horizon),
        variants=out,
        factories=costs.factories,
        presale=costs.presale,
        start_date=day_date(start_day),
        time_limit_s=costs.time_limit_s,
        policy_buckets=costs.policy_buckets,
        meta=meta or {},
    )
    return Built(inp, skipped)
