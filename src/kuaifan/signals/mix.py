"""Size curve and colour mix per style: sales mix and asked-for mix, blended with shrinkage.

For one style (``item``) and one axis (size or colour), with n_s units of demand (sold + unmet, so
a size that sold out early is not under-counted) and n_a comments asking for a value:

    share(v) = (n_s · sales_share(v) + w · n_a · asked_share(v) + k · prior(v)) / (n_s + w · n_a + k)

``w`` (default 0.5) says a question is worth half a unit; ``k`` (default 10) pseudo-units pull a
thin style towards the prior. The size prior is the tenant's pooled curve over its other styles with the same
size range (a new dress borrows the brand's usual size curve), the colour prior is even.
"""

from __future__ import annotations

import polars as pl

MIX_SCHEMA: dict[str, pl.DataType] = {
    "tenant": pl.String(),
    "item": pl.String(),
    "axis": pl.String(),
    "value": pl.String(),
    "sales_units": pl.Float64(),
    "asks": pl.Float64(),
    "sales_share": pl.Float64(),
    "asked_share": pl.Float64(),
    "prior": pl.Float64(),
    "share": pl.Float64(),
}


def style_mix(
    catalogue: pl.DataFrame,
    variant_demand: pl.DataFrame,
    mentions: pl.DataFrame | None = None,
    *,
    ask_weight: float = 0.5,
    prior_strength: float = 10.0,
) -> pl.DataFrame:
    """Blended size curve and colour mix per tenant and style.

    ``catalogue``: tenant, item, sku_id, color, size (``frame.variant_catalogue``);
    ``variant_demand``: tenant, sku_id, demand_units (e.g. summed ``variant_hourly``);
    ``mentions``: ``comment_mentions`` rows (their resolved color / size).
    """
    demand = variant_demand.group_by("tenant", "sku_id").agg(pl.col("demand_units").sum().cast(pl.Float64))
    cat = catalogue.join(demand, on=["tenant", "sku_id"], how="left").with_columns(
        pl.col("demand_units").fill_null(0.0)
    )
    parts = []
    for axis in ("size", "color"):
        values = cat.filter(pl.col(axis).is_not_null())
        if values.height == 0:
            continue
        sales = values.group_by("tenant", "item", pl.col(axis).alias("value")).agg(
            pl.col("demand_units").sum().alias("sales_units")
        )
        if mentions is not None and mentions.height:
            asks = (
                mentions.filter(pl.col(axis).is_not_null())
                .group_by("tenant", "item", pl.col(axis).cast(pl.String).alias("value"))
                .agg(pl.len().cast(pl.Float64).alias("asks"))
            )
            sales = sales.join(asks, on=["tenant", "item", "value"], how="left")
        else:
            sales = sales.with_columns(pl.lit(0.0).alias("asks"))
        sales = sales.with_columns(pl.col("asks").fill_null(0.0))
        parts.append(_blend(sales, axis, ask_weight, prior_strength))
    if not parts:
        return pl.DataFrame(schema=MIX_SCHEMA)
    return pl.concat(parts).select(list(MIX_SCHEMA)).sort("tenant", "item", "axis", "value")


def _blend(rows: pl.DataFrame, axis: str, w: float, k: float) -> pl.DataFrame:
    style = ["tenant", "item"]
    n_s = pl.col("sales_units").sum().over(style)
    n_a = pl.col("asks").sum().over(style)
    rows = rows.with_columns(
        pl.when(n_s > 0).then(pl.col("sales_units") / n_s).otherwise(None).alias("sales_share"),
        pl.when(n_a > 0).then(pl.col("asks") / n_a).otherwise(None).alias("asked_share"),
        pl.lit(axis).alias("axis"),
    )
    if axis == "size":
        # Pooled curve over the tenant's styles with the same size range (the same set of values).
        ranged = rows.with_columns(pl.col("value").sort().implode().over(style).list.join("|").alias("range"))
        # Leave the style itself out: its own sales are already in the blend.
        pooled_n = pl.col("sales_units").sum().over("tenant", "range", "value") - pl.col("sales_units")
        pooled_total = pl.col("sales_units").sum().over("tenant", "range") - n_s
        count = pl.len().over(style).cast(pl.Float64)
        rows = ranged.with_columns(
            pl.when(pooled_total > 0)
            .then((pooled_n + 1.0) / (pooled_total + count))
            .otherwise(1.0 / count)
            .alias("prior")
        ).drop("range")
    else:
        rows = rows.with_columns((1.0 / pl.len().over(style).cast(pl.Float64)).alias("prior"))
    blended = (pl.col("sales_units") + w * pl.col("asks") + k * pl.col("prior")) / (n_s + w * n_a + k)
    rows = rows.with_columns(blended.alias("share"))
    # Normalise (the pooled prior sums to 1 only up to its smoothing).
    return rows.with_columns((pl.col("share") / pl.col("share").sum().over(style)).alias("share"))
