"""The event log as the growth reports see it: orders with their brand, channel, China day, refunds.

Channels: ``store`` (店播), ``influencer`` (达播), ``shelf`` (货架). An order without a channel is
a shelf order when it has no room, else a store order. A product's brand comes from the brand
map (a file, the tenant's settings, or the simulator's ``growth/brands.csv``); a product the map
does not know belongs to the tenant itself (a tenant is usually one brand's shop).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

from kuaifan.signals.frame import china_day

# The kinds the growth reports read (views, likes, comments … are not needed).
GROWTH_KINDS: Final = (
    "order_paid",
    "order_refund",
    "follow",
    "enter",
    "stream_start",
    "stream_end",
)
CHANNELS: Final = ("store", "influencer", "shelf")
WEEK_DAYS: Final = 7


def brand_expr(brand_of: Mapping[str, str], default: str) -> pl.Expr:
    """The brand of ``item_id``: exact ids first, then prefixes written ``"b1-*"``, else ``default``."""
    exact = {k: v for k, v in brand_of.items() if not k.endswith("*")}
    expr = pl.col("item_id").replace_strict(exact, default=None, return_dtype=pl.String)
    for prefix, brand in sorted(
        ((k[:-1], v) for k, v in brand_of.items() if k.endswith("*")), key=lambda kv: -len(kv[0])
    ):
        expr = (
            pl.when(expr.is_null() & pl.col("item_id").str.starts_with(prefix))
            .then(pl.lit(brand))
            .otherwise(expr)
        )
    return expr.fill_null(default).alias("brand")


def channel_expr() -> pl.Expr:
    return (
        pl.when(pl.col("channel").is_not_null())
        .then(pl.col("channel"))
        .when(pl.col("room_id").is_null())
        .then(pl.lit("shelf"))
        .otherwise(pl.lit("store"))
        .alias("channel")
    )


def paid_orders(events: pl.DataFrame, brand_of: Mapping[str, str], tenant: str) -> pl.DataFrame:
    """One row per paid order: brand, channel, room, stream, author, user, item, qty, GMV, refund, day.

    ``refund_fen`` / ``refund_qty`` are the refunds recorded for the order (capped at what was paid).
    A duplicate order id keeps its first payment.
    """
    paid = (
        events.filter(pl.col("kind") == "order_paid")
        .sort("ts_ms")
        .unique("order_id", keep="first", maintain_order=True)
        .select(
            "order_id",
            "ts_ms",
            channel_expr(),
            "room_id",
            pl.coalesce("stream_id", "room_id").alias("stream_id"),
            "author_id",
            "user_key",
            "item_id",
            "sku_id",
            pl.col("qty").fill_null(1),
            pl.col("amount_fen").fill_null(0).alias("gmv_fen"),
            brand_expr(brand_of, tenant),
            china_day("ts_ms").alias("day"),
        )
    )
    refunds = (
        events.filter(pl.col("kind") == "order_refund")
        .group_by("order_id")
        .agg(
            pl.col("amount_fen").fill_null(0).sum().alias("refund_fen"),
            pl.col("qty").fill_null(0).sum().alias("refund_qty"),
        )
    )
    return paid.join(refunds, on="order_id", how="left").with_columns(
        pl.min_horizontal(pl.col("refund_fen").fill_null(0), "gmv_fen").alias("refund_fen"),
        pl.min_horizontal(pl.col("refund_qty").fill_null(0), "qty").alias("refund_qty"),
    )


def week_of(day: pl.Expr) -> pl.Expr:
    """The Monday (China day number) of the week of a China day number (1970-01-01 was a Thursday)."""
    return day - (day + 3) % WEEK_DAYS


def room_brands(orders: pl.DataFrame) -> pl.DataFrame:
    """Per live stream: its room, channel, author and the brands it sold (sorted, joined by '+')."""
    return (
        orders.filter(pl.col("channel") != "shelf")
        .group_by("stream_id")
        .agg(
            pl.col("room_id").first(),
            pl.col("channel").first(),
            pl.col("author_id").drop_nulls().first(),
            pl.col("brand").unique().sort().str.join("+").alias("brands"),
        )
    )
