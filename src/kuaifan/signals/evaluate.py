"""Check the unmet-demand estimate against a simulator run's ground truth (truth/variants.parquet).

The truth has, per stream × SKU, ``unmet_units``: purchase intents that found the variant sold out.
:func:`room_errors` compares room totals; :func:`naive_unmet` is the textbook baseline (units per
minute before the sell-out × sold-out minutes) that the benchmark reports a ratio against.
"""

from __future__ import annotations

import polars as pl

from kuaifan.signals.frame import prepare, stream_bounds
from kuaifan.signals.mentions import Classifier, comment_mentions
from kuaifan.signals.unmet import SKU_KEYS, UnmetParams, soldout_intervals, unmet_by_variant, unmet_hourly


def estimate_unmet(
    events: pl.DataFrame, classifier: Classifier | None = None, params: UnmetParams | None = None
) -> pl.DataFrame:
    """unmet_by_variant of raw events (prepare → mentions → hourly → per variant)."""
    df = prepare(events)
    return unmet_by_variant(df, unmet_hourly(df, comment_mentions(df, classifier), params))


def naive_unmet(events: pl.DataFrame) -> pl.DataFrame:
    """Baseline: per sold-out variant, units per minute before its first sell-out × sold-out minutes."""
    df = prepare(events)
    intervals = (
        soldout_intervals(df)
        .group_by(SKU_KEYS)
        .agg(pl.col("out_ms").min(), (pl.col("back_ms") - pl.col("out_ms")).sum().alias("out_total"))
    )
    sold = (
        df.filter(pl.col("kind") == "order_paid")
        .group_by(SKU_KEYS)
        .agg(pl.col("qty").sum().cast(pl.Float64).alias("units"))
    )
    start = stream_bounds(df).select("tenant", "stream_id", "start_ms")
    return (
        intervals.join(sold, on=SKU_KEYS, how="left")
        .join(start, on=["tenant", "stream_id"], how="left")
        .select(
            *SKU_KEYS,
            (
                pl.col("units").fill_null(0.0)
                / (pl.col("out_ms") - pl.col("start_ms")).clip(60_000)
                * pl.col("out_total")
            ).alias("unmet_units"),
        )
    )


def room_errors(estimate: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per room: true and estimated unmet units, error and relative error.

    ``estimate`` has stream_id, sku_id, unmet_units; ``truth`` is the simulator's variants table.
    """
    est = estimate.select("stream_id", "sku_id", pl.col("unmet_units").alias("estimated"))
    joined = truth.select("room_id", "stream_id", "sku_id", "unmet_units").join(
        est, on=["stream_id", "sku_id"], how="full", coalesce=True
    )
    # An estimate for a stream the truth does not know would be a bug; keep it visible.
    return (
        joined.group_by("room_id")
        .agg(
            pl.col("unmet_units").sum().cast(pl.Float64).alias("true"), pl.col("estimated").fill_null(0).sum()
        )
        .with_columns((pl.col("estimated") - pl.col("true")).alias("error"))
        .with_columns(
            pl.when(pl.col("true") > 0).then(pl.col("error").abs() / pl.col("true")).alias("rel_error")
        )
        .sort("room_id")
    )


def wape(rooms: pl.DataFrame) -> float:
    """Σ|estimated − true| / Σ true over rooms (room-level weighted absolute percentage error)."""
    total = float(rooms["true"].sum())
    return float(rooms["error"].abs().sum()) / total if total > 0 else 0.0
