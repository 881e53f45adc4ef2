"""Per-room summary of a tenant's events: the first thing `make demo` prints.

A pure function from an events frame (the log's columns) to plain rows, so it is
the same whether the events come from the store, a file or a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True, slots=True)
class RoomSummary:
    room_id: str
    channel: str | None
    streams: int
    viewers: int  # distinct user_key of `enter` events (UV)
    peak_online: int
    gmv_fen: int  # paid amount of orders placed in the room (refunds separate)
    refund_fen: int
    orders: int  # distinct order_id
    buyers: int
    comments: int
    top_products: list[tuple[str, int]]  # (product, gmv_fen), best first; product = item_id or sku_id
    sellouts: int  # (sku, variant) pairs whose stock reached 0


def summarise_rooms(events: pl.DataFrame, top_n: int = 3) -> list[RoomSummary]:
    """One RoomSummary per room, busiest (by GMV) first. Events without a room are ignored."""
    ev = events.filter(pl.col("room_id").is_not_null())
    if ev.is_empty():
        return []
    kind = pl.col("kind")
    per_room = (
        ev.group_by("room_id")
        .agg(
            channel=pl.col("channel").drop_nulls().first(),
            streams=pl.col("stream_id").drop_nulls().n_unique(),
            viewers=pl.col("user_key").filter(kind == "enter").drop_nulls().n_unique(),
            peak_online=pl.col("qty").filter(kind == "online_count").max().fill_null(0),
            gmv_fen=pl.col("amount_fen").filter(kind == "order_paid").sum(),
            refund_fen=pl.col("amount_fen").filter(kind == "order_refund").sum(),
            orders=pl.col("order_id").filter(kind == "order_paid").drop_nulls().n_unique(),
            buyers=pl.col("user_key").filter(kind == "order_paid").drop_nulls().n_unique(),
            comments=(kind == "comment").sum(),
        )
        .sort(["gmv_fen", "room_id"], descending=[True, False])
    )
    top = (
        ev.filter(kind == "order_paid")
        .with_columns(product=pl.coalesce("item_id", "sku_id"))
        .group_by(["room_id", "product"])
        .agg(pl.col("amount_fen").sum().alias("gmv"))
        .sort(["room_id", "gmv", "product"], descending=[False, True, False])
        .group_by("room_id", maintain_order=True)
        .head(top_n)
    )
    tops: dict[str, list[tuple[str, int]]] = {}
    for room, product, gmv in top.iter_rows():
        tops.setdefault(room, []).append((product, int(gmv)))
    sold_out = (
        ev.filter((kind == "stock_level") & (pl.col("stock") == 0))
        .select(["room_id", "sku_id", "spec"])
        .unique()
        .group_by("room_id")
        .len()
    )
    sellouts = dict(sold_out.iter_rows())
    return [
        RoomSummary(
            room_id=r["room_id"],
            channel=r["channel"],
            streams=int(r["streams"]),
            viewers=int(r["viewers"]),
            peak_online=int(r["peak_online"]),
            gmv_fen=int(r["gmv_fen"] or 0),
            refund_fen=int(r["refund_fen"] or 0),
            orders=int(r["orders"]),
            buyers=int(r["buyers"]),
            comments=int(r["comments"]),
            top_products=tops.get(r["room_id"], []),
            sellouts=int(sellouts.get(r["room_id"], 0)),
        )
        for r in per_room.iter_rows(named=True)
    ]
