"""The economics of each stream, per brand: GMV, refunds, commission, ad spend, cost of goods,
contribution margin and margin per hour on air; shelf sales per brand and day beside them.

An influencer stream selling two brands is split by brand: its orders carry their own brand,
and its ad spend and hours on air are shared by the brands' GMV shares.

    contribution margin = GMV - refunds - cost of goods (units kept) - commission - ad spend

Commission is charged on the GMV kept (refunded orders pay none, as platforms settle it).
"""

from __future__ import annotations

import polars as pl

from kuaifan.growth.settings import CommissionRule, Economics

HOUR_MS = 3_600_000


def _rank(rule: CommissionRule) -> tuple[str, ...]:
    """The keys a rule is matched on: a stream rule ignores the author it may also name."""
    if rule.stream_id is not None:
        return ("stream_id", "item_id") if rule.item_id is not None else ("stream_id",)
    if rule.author_id is not None:
        return ("author_id", "item_id") if rule.item_id is not None else ("author_id",)
    return ("item_id",) if rule.item_id is not None else ()


def _rule_frame(rules: tuple[CommissionRule, ...], keys: tuple[str, ...]) -> pl.DataFrame:
    """The rules of rank ``keys`` (the first one wins per key), as a join table."""
    rows = [{**{k: getattr(r, k) for k in keys}, "rate": r.rate} for r in rules if _rank(r) == keys]
    schema = {**{k: pl.String for k in keys}, "rate": pl.Float64}
    return pl.DataFrame(rows, schema=schema).unique(list(keys), keep="first", maintain_order=True)


def commission_rate(orders: pl.DataFrame, econ: Economics) -> pl.Series:
    """Per order: the commission rate (influencer orders only; 0 for store and shelf, null if unknown)."""
    ranks = (("stream_id", "item_id"), ("stream_id",), ("author_id", "item_id"), ("author_id",), ("item_id",))
    frame = orders.select("stream_id", "author_id", "item_id").with_row_index("_row")
    found = []
    for i, keys in enumerate(ranks):
        table = _rule_frame(econ.commission, keys).rename({"rate": f"_r{i}"})
        frame = frame.join(table, on=list(keys), how="left", nulls_equal=False)
        found.append(pl.col(f"_r{i}"))
    frame = frame.sort("_row")
    rate = frame.select(pl.coalesce([*found, pl.lit(econ.commission_rate, dtype=pl.Float64)])).to_series()
    return (
        pl.select(pl.when(orders["channel"] == "influencer").then(rate).otherwise(0.0))
        .to_series()
        .alias("rate")
    )


def cost_of_goods(orders: pl.DataFrame, econ: Economics) -> pl.Series:
    """Per order: cost of the units kept (null when no cost is known for the product)."""
    unit = pl.coalesce(
        pl.col("sku_id").replace_strict(econ.unit_cost_fen, default=None, return_dtype=pl.Float64),
        pl.col("item_id").replace_strict(econ.unit_cost_fen, default=None, return_dtype=pl.Float64),
    )
    share = pl.coalesce(
        pl.col("sku_id").replace_strict(econ.cost_share, default=None, return_dtype=pl.Float64),
        pl.col("item_id").replace_strict(econ.cost_share, default=None, return_dtype=pl.Float64),
        pl.lit(econ.default_cost_share, dtype=pl.Float64),
    )
    kept_qty = pl.col("qty") - pl.col("refund_qty")
    kept_gmv = pl.col("gmv_fen") - pl.col("refund_fen")
    return orders.select(pl.coalesce(unit * kept_qty, share * kept_gmv).alias("cogs_fen")).to_series()


def order_economics(orders: pl.DataFrame, econ: Economics) -> pl.DataFrame:
    """The orders with ``commission_fen`` and ``cogs_fen`` (nulls where a rate or cost is unknown)."""
    rate = commission_rate(orders, econ)
    return orders.with_columns(
        ((pl.col("gmv_fen") - pl.col("refund_fen")) * rate).alias("commission_fen"),
        cost_of_goods(orders, econ),
    )


def stream_hours(events: pl.DataFrame) -> pl.DataFrame:
    """Per live stream: start, end and hours on air (stream_start/stream_end, else first/last event)."""
    live = events.filter(pl.col("stream_id").is_not_null() & (pl.col("kind") != "order_refund"))
    return (
        live.group_by("stream_id")
        .agg(
            pl.coalesce(
                pl.col("ts_ms").filter(pl.col("kind") == "stream_start").min(), pl.col("ts_ms").min()
            ).alias("start_ms"),
            pl.coalesce(
                pl.col("ts_ms").filter(pl.col("kind") == "stream_end").max(), pl.col("ts_ms").max()
            ).alias("end_ms"),
        )
        .with_columns(((pl.col("end_ms") - pl.col("start_ms")) / HOUR_MS).alias("hours"))
    )


_SUMS = ("gmv_fen", "refund_fen", "commission_fen", "cogs_fen")


def _totals(per_day: bool) -> list[pl.Expr]:
    return [
        pl.col("channel").first(),
        *([] if per_day else [pl.col("day").min()]),
        pl.col("room_id").drop_nulls().first(),
        pl.col("author_id").drop_nulls().first(),
        pl.len().alias("orders"),
        pl.col("user_key").drop_nulls().n_unique().alias("buyers"),
        *(pl.col(c).sum() for c in _SUMS),
        pl.col("cogs_fen").is_null().any().alias("cost_missing"),
        pl.col("commission_fen").is_null().any().alias("rate_missing"),
        pl.col("gmv_fen").filter(pl.col("cogs_fen").is_null()).sum().alias("uncosted_gmv_fen"),
    ]


def stream_economics(orders: pl.DataFrame, events: pl.DataFrame, econ: Economics) -> pl.DataFrame:
    """One row per (live stream, brand), plus one per (brand, China day) of shelf sales (stream_id
    ``shelf``): orders, buyers, GMV, refunds, commission, ad spend, cost of goods, margin, hours.
    A live stream's day is the day of its first paid order."""
    o = order_economics(orders, econ)
    live = o.filter(pl.col("channel") != "shelf").group_by("stream_id", "brand").agg(_totals(False))
    shelf = (
        o.filter(pl.col("channel") == "shelf")
        .group_by("brand", "day")
        .agg(_totals(True))
        .with_columns(pl.lit("shelf").alias("stream_id"))
        .select(live.columns)
    )
    hours = stream_hours(events).select("stream_id", "hours")
    spend = pl.DataFrame(
        {"stream_id": list(econ.ad_spend_fen), "stream_ad_spend_fen": list(econ.ad_spend_fen.values())},
        schema={"stream_id": pl.String, "stream_ad_spend_fen": pl.Int64},
    )
    share = pl.col("gmv_fen") / pl.col("gmv_fen").sum().over("stream_id")
    live = (
        live.join(hours, on="stream_id", how="left")
        .join(spend, on="stream_id", how="left")
        .with_columns(
            (pl.col("hours") * share).alias("hours"),
            (pl.col("stream_ad_spend_fen").fill_null(0) * share).alias("ad_spend_fen"),
        )
        .drop("stream_ad_spend_fen")
    )
    shelf = shelf.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("hours"), pl.lit(0.0).alias("ad_spend_fen")
    )
    out = pl.concat([live, shelf], how="vertical_relaxed")
    return out.with_columns(
        (pl.col("gmv_fen") - pl.col("refund_fen")).alias("net_gmv_fen"),
        (
            pl.col("gmv_fen")
            - pl.col("refund_fen")
            - pl.col("cogs_fen").fill_null(0)
            - pl.col("commission_fen").fill_null(0)
            - pl.col("ad_spend_fen")
        ).alias("margin_fen"),
    ).sort("day", "brand", "channel", "stream_id")
