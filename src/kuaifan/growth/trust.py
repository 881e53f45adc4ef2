"""Trust that accumulates (信任沉淀): viewers who follow a room, followers who come back and buy.

Per room (an account: a brand's store room or an influencer's room) and week (China time):

- ``viewers``: distinct viewers who entered; ``new_followers``: first follows of the room;
  ``follow_rate`` = new_followers / viewers (viewer → follower, 转粉率);
- ``followers_before``: everyone who followed the room before the week;
  ``followers_back``: of them, who watched the room this week; ``return_rate`` = back / before;
- ``follower_buy_rate``: of the returning followers, who paid an order in the room this week;
  ``other_buy_rate``: the same for the week's viewers who do not follow the room.

Trust accumulates when followers keep coming back and buy more readily than other viewers.
"""

from __future__ import annotations

import polars as pl

from kuaifan.growth.orders import week_of
from kuaifan.signals.frame import china_day


def _rate(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))


def room_trust(events: pl.DataFrame, orders: pl.DataFrame) -> pl.DataFrame:
    """Per (room, week): the viewer → follower and follower → buyer figures above."""
    rooms = (
        orders.filter(pl.col("channel") != "shelf")
        .group_by("room_id")
        .agg(pl.col("channel").first(), pl.col("brand").unique().sort().str.join("+").alias("brands"))
    )
    acts = events.filter(
        pl.col("kind").is_in(["enter", "follow"])
        & pl.col("room_id").is_not_null()
        & pl.col("user_key").is_not_null()
    ).select("kind", "room_id", "user_key", week_of(china_day("ts_ms")).alias("week"))
    if acts.is_empty():
        return pl.DataFrame()
    viewers = acts.filter(pl.col("kind") == "enter").unique(["room_id", "week", "user_key"])
    follows = (
        acts.filter(pl.col("kind") == "follow")
        .group_by("room_id", "user_key")
        .agg(pl.col("week").min().alias("follow_week"))
    )
    buyers = (
        orders.filter(pl.col("room_id").is_not_null() & pl.col("user_key").is_not_null())
        .select("room_id", "user_key", week_of(pl.col("day")).alias("week"))
        .unique()
        .with_columns(pl.lit(True).alias("bought"))
    )
    v = (
        viewers.join(follows, on=["room_id", "user_key"], how="left")
        .join(buyers, on=["room_id", "user_key", "week"], how="left")
        .with_columns(
            (pl.col("follow_week") < pl.col("week")).fill_null(False).alias("follower"),
            pl.col("bought").fill_null(False),
        )
    )
    weekly = v.group_by("room_id", "week").agg(
        pl.len().alias("viewers"),
        pl.col("follower").sum().alias("followers_back"),
        (pl.col("follower") & pl.col("bought")).sum().alias("followers_bought"),
        (~pl.col("follower")).sum().alias("other_viewers"),
        (~pl.col("follower") & pl.col("bought")).sum().alias("others_bought"),
    )
    new = follows.group_by("room_id", pl.col("follow_week").alias("week")).agg(
        pl.len().alias("new_followers")
    )
    out = (
        weekly.join(new, on=["room_id", "week"], how="full", coalesce=True)
        .with_columns(
            pl.col(
                "viewers",
                "followers_back",
                "followers_bought",
                "other_viewers",
                "others_bought",
                "new_followers",
            ).fill_null(0)
        )
        .sort("room_id", "week")
        .with_columns(
            (pl.col("new_followers").cum_sum().over("room_id") - pl.col("new_followers")).alias(
                "followers_before"
            )
        )
    )
    return (
        out.with_columns(
            _rate("new_followers", "viewers").alias("follow_rate"),
            _rate("followers_back", "followers_before").alias("return_rate"),
            _rate("followers_bought", "followers_back").alias("follower_buy_rate"),
            _rate("others_bought", "other_viewers").alias("other_buy_rate"),
        )
        .join(rooms, on="room_id", how="left")
        .select(
            "room_id",
            "channel",
            "brands",
            "week",
            "viewers",
            "new_followers",
            "follow_rate",
            "followers_before",
            "followers_back",
            "return_rate",
            "followers_bought",
            "follower_buy_rate",
            "other_buy_rate",
        )
    )
