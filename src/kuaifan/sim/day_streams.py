"""A short selling stream of a few styles, from the day's demand and the shop's stock: the days after
a launch (返场 streams), and a shop's past launches, as events kuaifan reads like any other.

The launch stream itself is the full simulator (``simulate``); later days only need what the demand
signals read, so this is the funnel alone, per buyer (purchase intent), in time order:

- a click on the product's link 45 s before (and ``clicks_per_buyer`` − 1 more browsing clicks
  spread over the stream: clicks are the room's exposure clock), a cart add 20 s before;
- an order when a unit is in stock — else, on pre-sale (``presale_keep``), an order for later
  delivery by that share of the buyers (the rest leave with the item in their cart), or nothing;
- ``stock_level`` of every variant when its product goes up and after each sale (the last level per
  10 s), 0 when it sells out — unless it is on pre-sale: then the link stays up (预售, no 0 level).

Buyers arrive evenly over the stream. Same inputs and seed → the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.sim.table import EventTable, RoomIdentity
from kuaifan.sim.writer import canonical_frame

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
CLICK_LAG_MS = 45_000
CART_LAG_MS = 20_000


@dataclass(frozen=True, slots=True)
class Listing:
    """One variant as the shop lists it."""

    sku_id: str
    item_id: str
    spec_json: str  # {"颜色": "黑色", "尺码": "M"} as JSON text
    price_fen: int


@dataclass(frozen=True, slots=True)
class StreamSales:
    events: pl.DataFrame  # the log's columns, in time order
    sold: I64  # (V,) units sold from stock
    preordered: I64  # (V,) units ordered on pre-sale (to ship when stock arrives)


def sales_stream(
    ident: RoomIdentity,
    listings: Sequence[Listing],
    demand: I64,
    stock: I64,
    *,
    start_ms: int,
    minutes: int = 60,
    presale_keep: float | None = None,
    clicks_per_buyer: float = 4.0,
    seed: int | Sequence[int] = 0,
) -> StreamSales:
    """The events of one stream selling ``listings`` (every variant of the styles on air) to
    ``demand`` buyers per variant, with ``stock`` units on hand (see the module doc)."""
    rng = np.random.default_rng(seed)
    n_v = len(listings)
    demand = np.maximum(np.asarray(demand, dtype=np.int64), 0)
    left = np.maximum(np.asarray(stock, dtype=np.int64), 0).copy()
    span = minutes * 60_000
    table = EventTable(ident.stream_id or "", start_ms)  # a selling stream always has an id (or "")
    items = list(dict.fromkeys(x.item_id for x in listings))
    link = {item: i + 1 for i, item in enumerate(items)}
    sku = pl.Series([x.sku_id for x in listings])
    item_of = pl.Series([x.item_id for x in listings])
    spec = pl.Series([x.spec_json for x in listings])
    links = np.array([link[x.item_id] for x in listings], dtype=np.int64)
    price = np.array([x.price_fen for x in listings], dtype=np.int64)
    first = np.array([[x.item_id for x in listings].index(i) for i in items], dtype=np.int64)

    def cols(v: I64, with_spec: bool = True) -> dict[str, pl.Series | I64]:
        out: dict[str, pl.Series | I64] = {
            "sku_id": sku.gather(v),
            "item_id": item_of.gather(v),
            "link_no": links[v],
        }
        if with_spec:
            out["spec"] = spec.gather(v)
        return out

    table.add("stream_start", np.zeros(1, np.int64))
    table.add("product_show", np.zeros(len(items), np.int64), amount_fen=price[first], **cols(first, False))
    up = np.flatnonzero((left > 0) | (presale_keep is None))  # a variant on pre-sale shows no 0
    table.add("stock_level", np.zeros(up.size, np.int64), stock=left[up], **cols(up))
    # buyers: one purchase intent each, evenly over the stream (after the first click can happen)
    buyer_v = np.repeat(np.arange(n_v, dtype=np.int64), demand)
    at = (
        np.sort(rng.integers(CLICK_LAG_MS + 1, span, buyer_v.size)) if buyer_v.size else np.zeros(0, np.int64)
    )
    buyer_v = rng.permutation(buyer_v)
    keys = [f"{rng.integers(1 << 62):016x}{rng.integers(1 << 62):016x}" for _ in range(buyer_v.size)]
    served = np.zeros(buyer_v.size, dtype=bool)
    presold = np.zeros(buyer_v.size, dtype=bool)
    keep = rng.random(buyer_v.size) < (presale_keep or 0.0)
    level = np.zeros(buyer_v.size, dtype=np.int64)
    for i, v in enumerate(buyer_v):  # first come, first served
        if left[v] > 0:
            left[v] -= 1
            served[i] = True
        elif presale_keep is not None and keep[i]:
            presold[i] = True
        level[i] = left[v]
    user = pl.Series(keys, dtype=pl.String)
    # browsing clicks over the whole stream, per product, proportional to its buyers
    extra = rng.poisson(max(clicks_per_buyer - 1.0, 0.0) * np.bincount(buyer_v, minlength=n_v))
    extra_v = np.repeat(np.arange(n_v, dtype=np.int64), extra)
    click_at = np.concatenate([at - CLICK_LAG_MS, rng.integers(0, span, extra_v.size)])
    click_v = np.concatenate([buyer_v, extra_v])
    o = np.argsort(click_at, kind="stable")
    table.add("product_click", click_at[o], **cols(click_v[o], False))
    table.add("cart_add", at - CART_LAG_MS, user_key=user, qty=1, **cols(buyer_v))
    ordered = np.flatnonzero(served | presold)
    order_ids = [f"{ident.stream_id}-o{i + 1:06d}" for i in range(ordered.size)]
    table.add(
        "order_paid", at[ordered], user_key=user.gather(ordered), qty=1, amount_fen=price[buyer_v[ordered]],
        order_id=order_ids, **cols(buyer_v[ordered]),
    )  # fmt: skip
    # stock after each sale from stock, the last level per variant and 10 s; no 0 on pre-sale
    sale = np.flatnonzero(served)
    if sale.size:
        sv, st, sl = buyer_v[sale], at[sale], level[sale]
        o = np.lexsort((st, sv))
        sv, st, sl = sv[o], st[o], sl[o]
        last = np.ones(sv.size, dtype=bool)
        last[:-1] = (sv[1:] != sv[:-1]) | (st[1:] // 10_000 != st[:-1] // 10_000)
        show = last & ((sl > 0) | (presale_keep is None))
        o = np.argsort(st[show], kind="stable")
        table.add("stock_level", st[show][o], stock=sl[show][o], **cols(sv[show][o]))
    table.add("stream_end", np.array([span], np.int64))
    events = canonical_frame(table.finish(), ident)
    sold = np.bincount(buyer_v[served], minlength=n_v).astype(np.int64)
    pre = np.bincount(buyer_v[presold], minlength=n_v).astype(np.int64)
    return StreamSales(events.sort("ts_ms", maintain_order=True), sold, pre)
