"""Funnel counts per hour: shows, clicks, carts, orders, units, GMV, refunds and asked-for mentions.

Two grains, both per tenant, channel (店播 store / 达播 influencer) and UTC hour:

- :func:`product_hourly` per product (``item``): shows and clicks live here (they are product-level);
- :func:`variant_hourly` per variant (``sku_id``, ``spec``): carts, orders, units, GMV, mentions.

GMV is the paid amount of orders by payment time (re-attributed orders count in the hour they
were paid); refunds are shown separately, never netted.
"""

from __future__ import annotations

import polars as pl

_COUNTS = [
    pl.col("kind").eq("product_show").sum().alias("shows"),
    pl.col("kind").eq("product_click").sum().alias("clicks"),
    pl.col("kind").eq("cart_add").sum().alias("carts"),
    pl.col("kind").eq("order_paid").sum().alias("orders"),
    pl.col("qty").filter(pl.col("kind") == "order_paid").sum().alias("units"),
    pl.col("amount_fen").filter(pl.col("kind") == "order_paid").sum().alias("gmv_fen"),
    pl.col("amount_fen").filter(pl.col("kind") == "order_refund").sum().alias("refund_fen"),
]
_FUNNEL = ("product_show", "product_click", "cart_add", "order_paid", "order_refund")
_MENTION_COUNTS = [
    pl.len().alias("mentions"),
    pl.col("intent").is_in(["size_fit", "variant"]).sum().alias("asks"),
    pl.col("intent").eq("stock").sum().alias("stock_asks"),
    pl.col("missed").sum().alias("missed"),
    pl.col("intent").eq("link").sum().alias("link_asks"),
]
PRODUCT_KEYS = ("tenant", "channel", "item", "hour_ms")
VARIANT_KEYS = ("tenant", "channel", "item", "sku_id", "hour_ms")


def _mention_counts(mentions: pl.DataFrame, keys: tuple[str, ...]) -> pl.DataFrame:
    return (
        mentions.group_by(*keys)
        .agg(_MENTION_COUNTS)
        .with_columns(
            pl.col(c).cast(pl.Int64) for c in ("mentions", "asks", "stock_asks", "missed", "link_asks")
        )
    )


def product_hourly(df: pl.DataFrame, mentions: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per tenant, channel, item, hour: funnel counts and (with ``mentions``) comment counts."""
    base = (
        df.filter(pl.col("kind").is_in(_FUNNEL) & pl.col("item").is_not_null())
        .group_by(*PRODUCT_KEYS)
        .agg(_COUNTS)
    )
    if mentions is not None:
        base = base.join(
            _mention_counts(mentions, PRODUCT_KEYS), on=list(PRODUCT_KEYS), how="full", coalesce=True
        )
    return _fill(base).sort(*PRODUCT_KEYS)


def variant_hourly(
    df: pl.DataFrame, mentions: pl.DataFrame | None = None, unmet: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per tenant, channel, item, sku_id, hour: carts, orders, units, GMV, refunds, mentions, unmet.

    ``unmet`` is :func:`kuaifan.signals.unmet.unmet_hourly` (estimated demand while sold out);
    ``demand_units`` = units + unmet_units.
    """
    var_kinds = ("cart_add", "order_paid", "order_refund")
    base = (
        df.filter(pl.col("kind").is_in(var_kinds) & pl.col("sku_id").is_not_null())
        .group_by(*VARIANT_KEYS)
        .agg(_COUNTS[2:])
    )
    if mentions is not None:
        pinned = mentions.filter(pl.col("sku_id").is_not_null())
        base = base.join(
            _mention_counts(pinned, VARIANT_KEYS), on=list(VARIANT_KEYS), how="full", coalesce=True
        )
    if unmet is not None:
        per = unmet.group_by(*VARIANT_KEYS).agg(pl.col("unmet_units").sum())
        base = base.join(per, on=list(VARIANT_KEYS), how="full", coalesce=True)
    out = _fill(base)
    if "unmet_units" in out.columns:
        out = out.with_columns((pl.col("units") + pl.col("unmet_units")).alias("demand_units"))
    return out.sort(*VARIANT_KEYS)


def _fill(frame: pl.DataFrame) -> pl.DataFrame:
    numeric = [c for c, t in frame.schema.items() if t.is_numeric() and c != "hour_ms"]
    return frame.with_columns(pl.col(c).fill_null(0) for c in numeric)


def channel_split(variant_hours: pl.DataFrame) -> pl.DataFrame:
    """Per tenant and item: units and GMV in store (店播) vs influencer (达播) rooms; store share."""
    wide = variant_hours.group_by("tenant", "item").agg(
        pl.col("units").filter(pl.col("channel") == "store").sum().alias("store_units"),
        pl.col("units").filter(pl.col("channel") == "influencer").sum().alias("influencer_units"),
        pl.col("gmv_fen").filter(pl.col("channel") == "store").sum().alias("store_gmv_fen"),
        pl.col("gmv_fen").filter(pl.col("channel") == "influencer").sum().alias("influencer_gmv_fen"),
    )
    total = pl.col("store_gmv_fen") + pl.col("influencer_gmv_fen")
    return wide.with_columns(
        pl.when(total > 0).then(pl.col("store_gmv_fen") / total).otherwise(None).alias("store_share")
    ).sort("tenant", "item")
