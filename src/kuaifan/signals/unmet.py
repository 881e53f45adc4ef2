"""Unmet demand while sold out (censored demand), per stream, variant and hour.

Once a variant's stock hits 0, its orders stop but its demand does not: viewers still click the
product's link, still add the variant to the cart and say 没抢到 / 求补货. The estimate blends two
extrapolations of the variant's selling rate before the sell-out over the sold-out time:

- **by clicks** (``unmet_clicks``): clicks on the product are the room's exposure clock — they follow
  the product's air time and traffic surges and do not stop when a variant sells out. Units per
  click of the variant = the product's units per click × the variant's share of the product's cart
  adds (carts are not censored by stock), shrunk towards an even split;
- **by carts** (``unmet_carts``): cart adds of the variant itself during the sold-out time × the
  product's units per cart while in stock (shrunk towards the room's).

Two corrections keep the estimate honest: a click or cart leads to a purchase some seconds later, so
each is shifted by a lag before it is compared with the sell-out time; and a sell-out is a stopping
time (the variant stops selling exactly when sales reach the stock), which biases the rate before it
upwards, so one order per sell-out is taken off the variant's units. When a product has no clicks
(file imports) the cart estimate stands alone; with neither, the units per minute before the
sell-out are extrapolated over the sold-out minutes.

``missed_comments`` (没抢到 / 求补货 placed on the variant or its product during the sold-out time)
is reported beside the estimate as evidence; it is not added, because how often a disappointed
buyer says so is not known from the events alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kuaifan.signals.frame import MINUTE_MS, stream_bounds

STREAM_KEYS = ["tenant", "stream_id"]
ITEM_KEYS = ["tenant", "stream_id", "item"]
SKU_KEYS = ["tenant", "stream_id", "item", "sku_id"]


@dataclass(frozen=True, slots=True)
class UnmetParams:
    """Knobs of the estimator (defaults fit a typical room; see module doc)."""

    click_lag_ms: int = 45_000  # a click turns into a purchase this long after, on average
    cart_lag_ms: int = 20_000
    share_prior: float = 0.5  # pseudo cart adds per variant in the variant-share estimate
    ratio_prior_carts: float = 5.0  # pseudo carts pulling a product's units/cart to the room's
    click_weight: float = 0.5  # weight of the click estimate when both are available
    missed_grace_ms: int = 60_000  # 没抢到 comments up to this long after the sold-out time count


def soldout_intervals(df: pl.DataFrame) -> pl.DataFrame:
    """Per stream and variant, the times it was at 0 stock: tenant, stream_id, item, sku_id, out_ms, back_ms.

    From ``stock_level`` events: an interval opens when stock reaches 0 and closes when it is positive
    again (restock) or the stream ends.
    """
    bounds = stream_bounds(df).select(*STREAM_KEYS, "end_ms")
    levels = (
        df.filter(
            (pl.col("kind") == "stock_level") & pl.col("sku_id").is_not_null() & pl.col("stock").is_not_null()
        )
        .select(*SKU_KEYS, "ts_ms", (pl.col("stock") <= 0).alias("out"))
        .sort(*SKU_KEYS, "ts_ms")
    )
    changes = levels.filter(
        pl.col("out") != pl.col("out").shift(1, fill_value=False).over(SKU_KEYS)
    ).with_columns(pl.col("ts_ms").shift(-1).over(SKU_KEYS).alias("next_ms"))
    return (
        changes.filter(pl.col("out"))
        .join(bounds, on=STREAM_KEYS, how="left")
        .select(
            *SKU_KEYS,
            pl.col("ts_ms").alias("out_ms"),
            pl.coalesce("next_ms", pl.max_horizontal("end_ms", "ts_ms")).alias("back_ms"),
        )
        .sort(*SKU_KEYS, "out_ms")
    )


def _in_intervals(
    events: pl.DataFrame, intervals: pl.DataFrame, bounds: pl.DataFrame, on: list[str], lag_ms: int
) -> pl.DataFrame:
    """Events (with ``ts_ms``) whose lagged time falls in a sold-out interval, one row per (event, sku).

    The lagged time stops at the stream's end: a click in the last seconds still buys in the stream.
    """
    shifted = (
        events.join(bounds.select(*STREAM_KEYS, "end_ms"), on=STREAM_KEYS, how="left")
        .with_columns(
            pl.min_horizontal(
                pl.col("ts_ms") + lag_ms, pl.max_horizontal(pl.col("end_ms") - 1, "ts_ms")
            ).alias("eff_ms")
        )
        .drop("end_ms")
    )
    return (
        shifted.join(intervals, on=on, how="inner")
        .filter((pl.col("eff_ms") >= pl.col("out_ms")) & (pl.col("eff_ms") < pl.col("back_ms")))
        .with_columns((pl.col("eff_ms") // 3_600_000 * 3_600_000).alias("hour_ms"))
    )


@dataclass(frozen=True, slots=True)
class _Parts:
    intervals: pl.DataFrame
    click_out: pl.DataFrame
    cart_out: pl.DataFrame
    rates: pl.DataFrame


def variant_rates(df: pl.DataFrame, params: UnmetParams | None = None) -> pl.DataFrame:
    """Per stream and variant of a product with a sell-out: the counts and rates behind the estimate."""
    return _parts(df, params or UnmetParams()).rates


def _parts(df: pl.DataFrame, p: UnmetParams) -> _Parts:
    intervals = soldout_intervals(df)
    bounds = stream_bounds(df)
    clicks = df.filter((pl.col("kind") == "product_click") & pl.col("item").is_not_null()).select(
        *ITEM_KEYS, "ts_ms"
    )
    carts = df.filter((pl.col("kind") == "cart_add") & pl.col("sku_id").is_not_null()).select(
        *SKU_KEYS, "ts_ms"
    )
    orders = df.filter((pl.col("kind") == "order_paid") & pl.col("sku_id").is_not_null()).select(
        *SKU_KEYS, "ts_ms", "qty"
    )
    out_items = intervals.select(*ITEM_KEYS).unique()
    # Variants of each product that had a sell-out, with everything needed for their rates.
    skus = (
        df.filter(
            pl.col("kind").is_in(["stock_level", "cart_add", "order_paid"]) & pl.col("sku_id").is_not_null()
        )
        .select(*SKU_KEYS)
        .unique()
        .join(out_items, on=ITEM_KEYS, how="semi")
    )
    n_out = intervals.group_by(SKU_KEYS).agg(
        pl.len().alias("sellouts"),
        pl.col("out_ms").min().alias("first_out_ms"),
        (pl.col("back_ms") - pl.col("out_ms")).sum().alias("out_ms_total"),
    )
    click_out = _in_intervals(clicks, intervals, bounds, ITEM_KEYS, p.click_lag_ms)
    cart_out = _in_intervals(carts, intervals, bounds, SKU_KEYS, p.cart_lag_ms)
    per_sku = (
        skus.join(
            orders.group_by(SKU_KEYS).agg(pl.col("qty").sum().alias("units"), pl.len().alias("orders")),
            on=SKU_KEYS,
            how="left",
        )
        .join(carts.group_by(SKU_KEYS).agg(pl.len().alias("carts")), on=SKU_KEYS, how="left")
        .join(cart_out.group_by(SKU_KEYS).agg(pl.len().alias("carts_out")), on=SKU_KEYS, how="left")
        .join(click_out.group_by(SKU_KEYS).agg(pl.len().alias("clicks_out")), on=SKU_KEYS, how="left")
        .join(n_out, on=SKU_KEYS, how="left")
        .join(clicks.group_by(ITEM_KEYS).agg(pl.len().alias("item_clicks")), on=ITEM_KEYS, how="left")
        .join(bounds.select(*STREAM_KEYS, "start_ms", "end_ms"), on=STREAM_KEYS, how="left")
        .with_columns(
            pl.col(
                "units",
                "orders",
                "carts",
                "carts_out",
                "clicks_out",
                "sellouts",
                "out_ms_total",
                "item_clicks",
            )
            .fill_null(0)
            .cast(pl.Float64)
        )
    )
    item_q = (pl.col("units").sum() / pl.col("orders").sum().clip(1)).over(ITEM_KEYS).clip(1.0)
    per_sku = per_sku.with_columns(
        (pl.col("units") - item_q * pl.col("sellouts")).clip(0).alias("adj_units"),
        (pl.col("carts") - pl.col("carts_out")).alias("carts_in"),
        (pl.col("item_clicks") - pl.col("clicks_out")).alias("clicks_in"),
        (
            (pl.col("carts") + p.share_prior)
            / (pl.col("carts").sum() + p.share_prior * pl.len()).over(ITEM_KEYS)
        ).alias("share"),
    )
    room_ratio = (pl.col("adj_units").sum() / pl.col("carts_in").sum().clip(1)).over(STREAM_KEYS)
    k = p.ratio_prior_carts
    per_sku = per_sku.with_columns(
        (pl.col("adj_units").sum() / (pl.col("share") * pl.col("clicks_in")).sum().clip(1e-9))
        .over(ITEM_KEYS)
        .alias("per_click"),
        (
            (pl.col("adj_units").sum().over(ITEM_KEYS) + k * room_ratio)
            / (pl.col("carts_in").sum().over(ITEM_KEYS) + k)
        ).alias("per_cart"),
        (pl.col("carts").sum().over(STREAM_KEYS) > 0).alias("has_carts"),
        (pl.col("item_clicks") > 0).alias("has_clicks"),
        (
            pl.col("adj_units")
            / ((pl.col("end_ms") - pl.col("start_ms") - pl.col("out_ms_total")).clip(MINUTE_MS))
        ).alias("per_ms"),
    )
    w_click = (
        pl.when(pl.col("has_clicks") & pl.col("has_carts"))
        .then(p.click_weight)
        .when(pl.col("has_clicks"))
        .then(1.0)
        .otherwise(0.0)
    )
    rates = per_sku.with_columns(
        (pl.col("per_click") * pl.col("share")).alias("unit_per_click"),
        w_click.alias("w_click"),
        (pl.col("has_carts") & (w_click < 1.0)).alias("use_carts"),
        (~pl.col("has_clicks") & ~pl.col("has_carts")).alias("use_time"),
    )
    return _Parts(intervals, click_out, cart_out, rates)


def unmet_hourly(
    df: pl.DataFrame, mentions: pl.DataFrame | None = None, params: UnmetParams | None = None
) -> pl.DataFrame:
    """Estimated unmet units per tenant, stream, room, channel, item, sku_id, hour (prepared events)."""
    p = params or UnmetParams()
    parts = _parts(df, p)
    intervals, click_out, cart_out = parts.intervals, parts.click_out, parts.cart_out
    if intervals.height == 0:
        return _empty()
    bounds = stream_bounds(df)
    rates = parts.rates.select(
        *SKU_KEYS, "unit_per_click", "per_cart", "per_ms", "w_click", "use_carts", "use_time"
    )
    hourly_clicks = click_out.group_by(*SKU_KEYS, "hour_ms").agg(pl.len().alias("clicks_soldout"))
    hourly_carts = cart_out.group_by(*SKU_KEYS, "hour_ms").agg(pl.len().alias("carts_soldout"))
    by_time = (
        intervals.select(
            *SKU_KEYS,
            (pl.col("out_ms") // 3_600_000 * 3_600_000).alias("hour_ms"),
            (pl.col("back_ms") - pl.col("out_ms")).alias("soldout_ms"),
        )
        .group_by(*SKU_KEYS, "hour_ms")
        .agg(pl.col("soldout_ms").sum())
    )
    keys = [*SKU_KEYS, "hour_ms"]
    hours = (
        pl.concat([f.select(keys) for f in (hourly_clicks, hourly_carts, by_time)])
        .unique()
        .join(hourly_clicks, on=keys, how="left")
        .join(hourly_carts, on=keys, how="left")
        .join(by_time, on=keys, how="left")
        .join(_missed(mentions, intervals, p), on=keys, how="left")
        .join(rates, on=SKU_KEYS, how="left")
        .with_columns(pl.col("clicks_soldout", "carts_soldout", "soldout_ms", "missed_comments").fill_null(0))
    )
    est = hours.with_columns(
        (pl.col("unit_per_click") * pl.col("clicks_soldout")).alias("unmet_clicks"),
        (pl.col("per_cart") * pl.col("carts_soldout")).alias("unmet_carts"),
    ).with_columns(
        pl.when(pl.col("use_time"))
        .then(pl.col("per_ms") * pl.col("soldout_ms"))
        .otherwise(
            pl.col("w_click") * pl.col("unmet_clicks")
            + pl.when(pl.col("use_carts"))
            .then((1 - pl.col("w_click")) * pl.col("unmet_carts"))
            .otherwise(0.0)
        )
        .alias("unmet_units")
    )
    return (
        est.join(bounds.select(*STREAM_KEYS, "room_id", "channel"), on=STREAM_KEYS, how="left")
        .select(
            "tenant", "stream_id", "room_id", "channel", "item", "sku_id", "hour_ms",
            (pl.col("soldout_ms") / MINUTE_MS).alias("soldout_minutes"),
            pl.col("clicks_soldout").cast(pl.Int64), pl.col("carts_soldout").cast(pl.Int64),
            pl.col("missed_comments").cast(pl.Int64),
            "unmet_clicks", "unmet_carts", "unmet_units",
        )
        .sort("tenant", "stream_id", "item", "sku_id", "hour_ms")
    )  # fmt: skip


def _missed(mentions: pl.DataFrame | None, intervals: pl.DataFrame, p: UnmetParams) -> pl.DataFrame:
    """没抢到 / 求补货 comments on a variant (or on its product, unplaced) while it was sold out."""
    schema = {"tenant": pl.String, "stream_id": pl.String, "item": pl.String, "sku_id": pl.String,
              "hour_ms": pl.Int64, "missed_comments": pl.UInt32}  # fmt: skip
    if mentions is None or mentions.height == 0:
        return pl.DataFrame(schema=schema)
    missed = mentions.filter(pl.col("missed")).select(*ITEM_KEYS, pl.col("sku_id").alias("m_sku"), "ts_ms")
    window = intervals.with_columns(pl.col("back_ms") + p.missed_grace_ms)
    hit = (
        missed.join(window, on=ITEM_KEYS, how="inner")
        .filter(
            (pl.col("ts_ms") >= pl.col("out_ms"))
            & (pl.col("ts_ms") < pl.col("back_ms"))
            & (pl.col("m_sku").is_null() | (pl.col("m_sku") == pl.col("sku_id")))
        )
        .with_columns((pl.col("ts_ms") // 3_600_000 * 3_600_000).alias("hour_ms"))
    )
    return hit.group_by(*SKU_KEYS, "hour_ms").agg(pl.len().alias("missed_comments"))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "tenant": pl.String, "stream_id": pl.String, "room_id": pl.String, "channel": pl.String,
            "item": pl.String, "sku_id": pl.String, "hour_ms": pl.Int64, "soldout_minutes": pl.Float64,
            "clicks_soldout": pl.Int64, "carts_soldout": pl.Int64, "missed_comments": pl.Int64,
            "unmet_clicks": pl.Float64, "unmet_carts": pl.Float64, "unmet_units": pl.Float64,
        }
    )  # fmt: skip


def unmet_by_variant(df: pl.DataFrame, hourly: pl.DataFrame) -> pl.DataFrame:
    """Per stream and sold-out variant: sold units, first sell-out, sold-out minutes, unmet units."""
    intervals = soldout_intervals(df)
    first = intervals.group_by(SKU_KEYS).agg(
        pl.col("out_ms").min().alias("sellout_ts_ms"),
        ((pl.col("back_ms") - pl.col("out_ms")).sum() / MINUTE_MS).alias("soldout_minutes"),
    )
    sold = (
        df.filter((pl.col("kind") == "order_paid") & pl.col("sku_id").is_not_null())
        .group_by(SKU_KEYS)
        .agg(pl.col("qty").sum().alias("sold_units"))
    )
    est = hourly.group_by(SKU_KEYS).agg(
        pl.col(
            "clicks_soldout", "carts_soldout", "missed_comments", "unmet_clicks", "unmet_carts", "unmet_units"
        ).sum(),
    )
    rooms = stream_bounds(df).select(*STREAM_KEYS, "room_id", "channel")
    return (
        first.join(rooms, on=STREAM_KEYS, how="left")
        .join(est, on=SKU_KEYS, how="left")
        .join(sold, on=SKU_KEYS, how="left")
        .with_columns(
            pl.col("sold_units").fill_null(0),
            pl.col("clicks_soldout", "carts_soldout", "missed_comments").fill_null(0),
            pl.col("unmet_units", "unmet_clicks", "unmet_carts").fill_null(0.0),
        )
        .sort(SKU_KEYS)
    )
