"""Buyers of a brand: who is new to it, who comes back, and who buys in both kinds of room.

New-to-brand (首购): a buyer's first paid order of the brand in the log; the channel of that order
is where the brand won the buyer. The log has a beginning: buyers who bought before it look new in
its first weeks, so ``warmup_days`` leaves the first days out of the new-to-brand counts (their
buyers are still known, so they are not counted as new later).

Repeat cohorts: buyers grouped by the week (Monday, China time) and channel of their first order;
for k = 1, 2, 4 weeks, the share who paid another order of the brand on a later day within k
weeks (null while a cohort has not been watched that long), and the share so far.
"""

from __future__ import annotations

import polars as pl

from kuaifan.growth.orders import WEEK_DAYS, week_of

REPEAT_WEEKS = (1, 2, 4)


def first_orders(orders: pl.DataFrame) -> pl.DataFrame:
    """Per (brand, buyer): first order time, day and channel, and the day of their next order on a
    later day (null if none)."""
    known = orders.filter(pl.col("user_key").is_not_null()).sort("ts_ms")
    first = known.group_by("brand", "user_key").agg(
        pl.col("ts_ms").first().alias("first_ts_ms"),
        pl.col("day").first().alias("first_day"),
        pl.col("channel").first().alias("first_channel"),
        pl.col("order_id").first().alias("first_order_id"),
        pl.col("channel").unique().alias("channels"),
        pl.len().alias("orders"),
    )
    later = (
        known.join(first.select("brand", "user_key", "first_day"), on=["brand", "user_key"])
        .filter(pl.col("day") > pl.col("first_day"))
        .group_by("brand", "user_key")
        .agg(
            pl.col("day").min().alias("repeat_day"),
            pl.col("channel").sort_by("ts_ms").first().alias("repeat_channel"),
        )
    )
    return first.join(later, on=["brand", "user_key"], how="left")


def new_to_brand(orders: pl.DataFrame, firsts: pl.DataFrame, warmup_days: int = 0) -> pl.DataFrame:
    """The orders with ``new_to_brand`` (the buyer's first order of the brand, after the warm-up)."""
    if orders.is_empty():
        return orders.with_columns(pl.lit(False).alias("new_to_brand"))
    start = int(orders["day"].min()) + warmup_days  # type: ignore[arg-type]
    ids = firsts.filter(pl.col("first_day") >= start).select(pl.col("first_order_id").alias("order_id"))
    return orders.with_columns(pl.col("order_id").is_in(ids["order_id"].implode()).alias("new_to_brand"))


def repeat_cohorts(firsts: pl.DataFrame, last_day: int) -> pl.DataFrame:
    """Per brand, first-purchase week and first channel: buyers and repeat shares."""
    df = firsts.with_columns(week_of(pl.col("first_day")).alias("cohort_day"))
    cols = []
    for k in REPEAT_WEEKS:
        horizon = k * WEEK_DAYS
        watched = pl.col("cohort_day") + WEEK_DAYS - 1 + horizon <= last_day  # whole cohort seen k weeks
        share = (
            pl.col("repeat_day").is_not_null() & (pl.col("repeat_day") - pl.col("first_day") <= horizon)
        ).sum() / pl.len()
        cols.append(pl.when(watched.all()).then(share).otherwise(None).alias(f"repeat_{k}w"))
    return (
        df.group_by("brand", "cohort_day", "first_channel")
        .agg(
            pl.len().alias("buyers"), *cols, pl.col("repeat_day").is_not_null().mean().alias("repeat_to_date")
        )
        .rename({"first_channel": "channel"})
        .sort("brand", "cohort_day", "channel")
    )


def overlap(firsts: pl.DataFrame) -> pl.DataFrame:
    """Per brand: buyers in store rooms, influencer rooms, both, on the shelf; Jaccard of store and
    influencer buyers; and of the buyers the brand won in influencer rooms, the share who later
    bought in its store rooms (达播 → 店播)."""
    has = {c: pl.col("channels").list.contains(c) for c in ("store", "influencer", "shelf")}
    # The first later order of an influencer-won buyer is not enough: any later store order counts.
    return (
        firsts.group_by("brand")
        .agg(
            pl.len().alias("buyers"),
            has["store"].sum().alias("store_buyers"),
            has["influencer"].sum().alias("influencer_buyers"),
            has["shelf"].sum().alias("shelf_buyers"),
            (has["store"] & has["influencer"]).sum().alias("both_live"),
            (has["store"] | has["influencer"]).sum().alias("either_live"),
            (pl.col("first_channel") == "influencer").sum().alias("won_by_influencer"),
            ((pl.col("first_channel") == "influencer") & has["store"]).sum().alias("influencer_to_store"),
        )
        .with_columns(
            pl.when(pl.col("either_live") > 0)
            .then(pl.col("both_live") / pl.col("either_live"))
            .alias("jaccard"),
            pl.when(pl.col("won_by_influencer") > 0)
            .then(pl.col("influencer_to_store") / pl.col("won_by_influencer"))
            .alias("influencer_to_store_share"),
        )
        .sort("brand")
    )
