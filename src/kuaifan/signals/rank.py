"""选品: rank products for the next stream by expected GMV per minute on air.

Per tenant and product: minutes on air (its explanation segments), GMV earned, and the GMV it
could not earn while sold out (unmet units × its price). The expected GMV per minute is shrunk
towards the tenant's average over ``prior_minutes`` (default 10) minutes, so a product shown for two
lucky minutes does not top the list:

    gpm = (gmv + unmet_gmv + prior_minutes · tenant_rate) / (minutes + prior_minutes)

A product that was never on air (no ``product_show``) is ranked at the tenant rate. A tenant with
no air time at all (order exports only) has no GMV per minute (null): its products rank by GMV
plus unmet GMV.
"""

from __future__ import annotations

import polars as pl

from kuaifan.signals.frame import air_segments


def rank_products(
    df: pl.DataFrame,
    variant_hours: pl.DataFrame,
    *,
    prior_minutes: float = 10.0,
) -> pl.DataFrame:
    """tenant, item, minutes, gmv_fen, unmet_gmv_fen, gmv_per_minute_fen, rank (1 = best) per product."""
    minutes = air_segments(df).group_by("tenant", "item").agg(pl.col("minutes").sum())
    price = (
        variant_hours.filter(pl.col("units") > 0)
        .group_by("tenant", "item", "sku_id")
        .agg((pl.col("gmv_fen").sum() / pl.col("units").sum()).alias("unit_fen"))
    )
    has_unmet = "unmet_units" in variant_hours.columns
    per_sku = variant_hours.group_by("tenant", "item", "sku_id").agg(
        pl.col("gmv_fen").sum(),
        (pl.col("unmet_units").sum() if has_unmet else pl.lit(0.0)).alias("unmet_units"),
    )
    item_price = price.group_by("tenant", "item").agg(pl.col("unit_fen").mean().alias("item_fen"))
    per_sku = (
        per_sku.join(price, on=["tenant", "item", "sku_id"], how="left")
        .join(item_price, on=["tenant", "item"], how="left")
        .with_columns(
            (pl.col("unmet_units") * pl.coalesce("unit_fen", "item_fen", pl.lit(0.0))).alias("unmet_gmv")
        )
    )
    items = (
        per_sku.group_by("tenant", "item")
        .agg(pl.col("gmv_fen").sum().cast(pl.Float64), pl.col("unmet_gmv").sum().alias("unmet_gmv_fen"))
        .join(minutes, on=["tenant", "item"], how="full", coalesce=True)
        .with_columns(pl.col("gmv_fen", "unmet_gmv_fen", "minutes").fill_null(0.0))
    )
    total = pl.col("gmv_fen") + pl.col("unmet_gmv_fen")
    on_air = pl.col("minutes").sum().over("tenant")
    tenant_rate = (total.sum() / on_air.clip(1e-9)).over("tenant")
    gpm = (total + prior_minutes * tenant_rate) / (pl.col("minutes") + prior_minutes)
    items = items.with_columns(
        # no air time at all (e.g. order exports only): GMV per minute is unknown, not infinite
        pl.when(on_air > 0).then(gpm).alias("gmv_per_minute_fen"),
        total.alias("_total"),
    )
    return (
        items.sort(
            ["tenant", "gmv_per_minute_fen", "_total", "item"],
            descending=[False, True, True, False],
            nulls_last=True,
        )
        .with_columns(pl.int_range(1, pl.len() + 1).over("tenant").alias("rank"))
        .select("tenant", "item", "minutes", "gmv_fen", "unmet_gmv_fen", "gmv_per_minute_fen", "rank")
    )
