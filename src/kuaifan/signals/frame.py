"""Shared preparation of an events frame: product keys, variant axes, hours, stream bounds, air time.

Every signal is a pure function of a polars frame with the event log's columns (``EVENT_COLUMNS``;
missing optional columns are added as nulls). Keys used throughout:

- ``item``: the product (style) — ``item_id``, or ``sku_id`` when a platform has no item id;
- ``sku_id`` + ``spec``: the variant; ``color`` / ``size`` are read from the spec
  (颜色 or 色号 for colour, 尺码 for size). An event with a spec but no ``item_id`` names the
  product in ``sku_id`` (an order export's 商品ID): its variant becomes ``sku_id·colour/size``;
- ``hour_ms``: event time floored to the UTC hour (epoch ms).

``product_show`` and ``product_click`` are product-level (a platform reports a click on the link,
not on a colour × size), so they count towards ``item`` only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import polars as pl

from kuaifan.events import POLARS_SCHEMA
from kuaifan.live.resolver import COLOR_KEYS, SIZE_KEY

HOUR_MS: Final = 3_600_000
MINUTE_MS: Final = 60_000
DAY_MS: Final = 86_400_000
CHINA_OFFSET_MS: Final = 8 * HOUR_MS  # China time is UTC+8 all year: a China day is a fixed UTC span
EPOCH: Final = date(1970, 1, 1)
PRODUCT_LEVEL_KINDS: Final = frozenset({"product_show", "product_click"})


def china_day(ms_col: str) -> pl.Expr:
    """Day number (days since 1970-01-01) of a UTC ms column in China time."""
    return ((pl.col(ms_col) + CHINA_OFFSET_MS) // DAY_MS).cast(pl.Int64)


def china_day_of(ms: int) -> int:
    """Day number of one UTC ms instant in China time."""
    return (ms + CHINA_OFFSET_MS) // DAY_MS


def china_day_start_ms(day: int) -> int:
    """UTC ms of 00:00 China time on day number ``day``."""
    return day * DAY_MS - CHINA_OFFSET_MS


def day_date(day: int) -> date:
    """The calendar date of day number ``day``."""
    return EPOCH + timedelta(days=day)


# The kinds any signal reads. Views, likes, follows, gifts, shares and online counts (about 80 % of
# a live room's events) say nothing about demand per variant, so a store read can leave them out.
# A stream without stream_start / stream_end is then bounded by its first and last event of these
# kinds (comments, clicks and carts run through a stream) instead of any kind.
SIGNAL_KINDS: Final = (
    "comment",
    "product_show",
    "product_click",
    "cart_add",
    "order_paid",
    "order_refund",
    "stock_level",
    "price_change",
    "stream_start",
    "stream_end",
    "review",  # written reviews: the fit feedback per style (signals.fit)
)


def conform_events(events: pl.DataFrame) -> pl.DataFrame:
    """The log's columns with the log's types; absent optional columns become nulls."""
    missing = [name for name in ("kind", "tenant", "ts_ms") if name not in events.columns]
    if missing:
        raise ValueError(f"events frame lacks required columns: {', '.join(missing)}")
    cols = [
        (pl.col(name) if name in events.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in POLARS_SCHEMA.items()
    ]
    return events.select(cols)


def prepare(events: pl.DataFrame) -> pl.DataFrame:
    """Conformed events plus ``item``, ``color``, ``size``, ``hour_ms`` and a filled ``stream_id``."""
    df = conform_events(events)
    color = pl.coalesce(*[pl.col("spec").str.json_path_match(f"$.{k}") for k in COLOR_KEYS])
    size = pl.col("spec").str.json_path_match(f"$.{SIZE_KEY}")
    # Without an item id, sku_id names the product and the spec the variant (a merchant order export
    # has 商品ID and 商品规格, no SKU id): the variant is the product's id with its spec values.
    label = pl.concat_str(color, size, separator="/", ignore_nulls=True)
    label = pl.when(label != "").then(label).otherwise(pl.col("spec"))
    product_level = (
        pl.col("item_id").is_null() & pl.col("spec").is_not_null() & pl.col("sku_id").is_not_null()
    )
    return df.with_columns(
        pl.coalesce("item_id", "sku_id").alias("item"),
        pl.when(product_level)
        .then(pl.concat_str(pl.col("sku_id"), pl.lit("·"), label))
        .otherwise(pl.col("sku_id"))
        .alias("sku_id"),
        color.alias("color"),
        size.alias("size"),
        (pl.col("ts_ms") // HOUR_MS * HOUR_MS).alias("hour_ms"),
        pl.coalesce("stream_id", "room_id", pl.lit("-")).alias("stream_id"),
        pl.col("channel").fill_null("store"),
    )


def stream_bounds(df: pl.DataFrame) -> pl.DataFrame:
    """Per (tenant, stream_id): room, channel, start and end (stream_start/stream_end, else first/last event).

    Orders re-attributed after the stream carry their payment time, so they stay inside the bounds.
    """
    live = df.filter(~pl.col("kind").is_in(["order_refund"]))
    return live.group_by("tenant", "stream_id").agg(
        pl.col("room_id").drop_nulls().first(),
        pl.col("channel").drop_nulls().first(),
        pl.coalesce(
            pl.col("ts_ms").filter(pl.col("kind") == "stream_start").min(), pl.col("ts_ms").min()
        ).alias("start_ms"),
        pl.coalesce(
            pl.col("ts_ms").filter(pl.col("kind") == "stream_end").max(), pl.col("ts_ms").max()
        ).alias("end_ms"),
    )


def air_segments(df: pl.DataFrame) -> pl.DataFrame:
    """Product explanation segments: a ``product_show`` until the next one in the stream (or its end).

    Columns: tenant, stream_id, item, seg_start_ms, seg_end_ms, minutes.
    """
    bounds = stream_bounds(df).select("tenant", "stream_id", "end_ms")
    shows = (
        df.filter(pl.col("kind") == "product_show")
        .select("tenant", "stream_id", "item", "ts_ms")
        .sort("tenant", "stream_id", "ts_ms")
        .join(bounds, on=["tenant", "stream_id"], how="left")
    )
    return (
        shows.with_columns(
            pl.col("ts_ms").shift(-1).over("tenant", "stream_id").alias("next_ms"),
        )
        .select(
            "tenant",
            "stream_id",
            "item",
            pl.col("ts_ms").alias("seg_start_ms"),
            pl.coalesce("next_ms", "end_ms").alias("seg_end_ms"),
        )
        .with_columns(((pl.col("seg_end_ms") - pl.col("seg_start_ms")).clip(0) / MINUTE_MS).alias("minutes"))
    )


def variant_catalogue(df: pl.DataFrame) -> pl.DataFrame:
    """Every variant seen in the events: tenant, item, sku_id, spec, color, size, last known price (fen)."""
    rows = df.filter(pl.col("spec").is_not_null() & pl.col("sku_id").is_not_null())
    unit_price = (
        pl.when(pl.col("kind") == "order_paid")
        .then(pl.col("amount_fen") // pl.col("qty").clip(1))
        .when(pl.col("kind") == "price_change")
        .then(pl.col("amount_fen"))
    )
    return (
        rows.with_columns(unit_price.alias("unit_fen"))
        .sort("ts_ms")
        .group_by("tenant", "item", "sku_id")
        .agg(
            pl.col("spec").last(),
            pl.col("color").drop_nulls().last(),
            pl.col("size").drop_nulls().last(),
            pl.col("unit_fen").drop_nulls().median().alias("price_fen"),
        )
        .sort("tenant", "item", "sku_id")
    )
