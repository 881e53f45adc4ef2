"""Store vs influencer (vs shelf) side by side, per brand and over time: ``kuaifan growth channels``.

``channel_report`` combines the stream economics, new-to-brand buyers, repeat cohorts, buyer
overlap and room trust of one tenant's events into tables (polars frames); the use case turns
them into the JSON the CLI and the API print.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kuaifan.growth.buyers import first_orders, new_to_brand, overlap, repeat_cohorts
from kuaifan.growth.economics import order_economics, stream_economics
from kuaifan.growth.orders import paid_orders, week_of
from kuaifan.growth.settings import Economics
from kuaifan.growth.trust import room_trust


@dataclass(frozen=True, slots=True)
class ChannelReport:
    streams: pl.DataFrame  # per (live stream, brand) and (shelf, brand, day)
    channels: pl.DataFrame  # per (brand, channel)
    weekly: pl.DataFrame  # per (brand, channel, week)
    cohorts: pl.DataFrame  # per (brand, first week, first channel)
    overlap: pl.DataFrame  # per brand
    trust: pl.DataFrame  # per (room, week)
    first_day: int | None
    last_day: int | None


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))


def _rollup(streams: pl.DataFrame, orders: pl.DataFrame, firsts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    money = streams.group_by(by).agg(
        pl.col("stream_id").filter(pl.col("channel") != "shelf").n_unique().alias("streams"),
        pl.col("hours").sum(),
        *(
            pl.col(c).sum()
            for c in (
                "orders",
                "gmv_fen",
                "refund_fen",
                "net_gmv_fen",
                "commission_fen",
                "ad_spend_fen",
                "cogs_fen",
                "margin_fen",
                "uncosted_gmv_fen",
            )
        ),
        pl.col("cost_missing").any(),
        pl.col("rate_missing").any(),
    )
    people = orders.group_by(by).agg(
        pl.col("user_key").drop_nulls().n_unique().alias("buyers"),
        pl.col("user_key").filter(pl.col("new_to_brand")).n_unique().alias("new_buyers"),
    )
    won = firsts.rename({"first_channel": "channel"})
    if "week" in by:
        won = won.with_columns(week_of(pl.col("first_day")).alias("week"))
    repeat = won.group_by(by).agg(
        pl.col("repeat_day").is_not_null().mean().alias("repeat_rate"),
        (pl.col("repeat_channel") == "store").mean().alias("repeat_in_store_rate"),
    )
    return (
        money.join(people, on=by, how="left")
        .join(repeat, on=by, how="left")
        .with_columns(
            _ratio("refund_fen", "gmv_fen").alias("refund_rate"),
            _ratio("margin_fen", "net_gmv_fen").alias("margin_rate"),
            pl.when(pl.col("hours") > 0)
            .then(pl.col("margin_fen") / pl.col("hours"))
            .alias("margin_per_hour_fen"),
            _ratio("new_buyers", "buyers").alias("new_to_brand_share"),
            pl.when(pl.col("new_buyers") > 0)
            .then((pl.col("commission_fen") + pl.col("ad_spend_fen")) / pl.col("new_buyers"))
            .alias("cost_per_new_buyer_fen"),
        )
        .sort(by)
    )


def channel_report(
    events: pl.DataFrame, econ: Economics, tenant: str, *, warmup_days: int = 0
) -> ChannelReport:
    """Every growth table of a tenant's events (orders, refunds, follows, entries, stream bounds)."""
    orders = paid_orders(events, econ.brands, tenant)
    firsts = first_orders(orders)
    orders = new_to_brand(order_economics(orders, econ), firsts, warmup_days)
    streams = stream_economics(orders.drop("commission_fen", "cogs_fen"), events, econ)
    last = int(orders["day"].max()) if orders.height else None  # type: ignore[arg-type]
    first = int(orders["day"].min()) if orders.height else None  # type: ignore[arg-type]
    weekly_streams = streams.with_columns(week_of(pl.col("day")).alias("week"))
    weekly_orders = orders.with_columns(week_of(pl.col("day")).alias("week"))
    return ChannelReport(
        streams=streams,
        channels=_rollup(streams, orders, firsts, ["brand", "channel"]),
        weekly=_rollup(weekly_streams, weekly_orders, firsts, ["brand", "channel", "week"]),
        cohorts=repeat_cohorts(firsts, last) if last is not None else pl.DataFrame(),
        overlap=overlap(firsts),
        trust=room_trust(events, orders),
        first_day=first,
        last_day=last,
    )
