"""The batch reference: the live metrics of one stream from a whole polars DataFrame at once.

``batch_snapshot(df)`` gives exactly what ``RoomState.snapshot()`` gives after replaying the
same rows (except ``late_events``, which depends on arrival order): the integer counters come
from polars group-bys written independently of the incremental code, and both paths then share
the formulas of ``kuaifan.live.metrics``. ``df`` has the event log's columns
(``kuaifan.events.EVENT_COLUMNS``); row order matters only for the room header (first row).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, PRODUCT_KINDS
from kuaifan.live import metrics as M
from kuaifan.live.metrics import MINUTE_MS, CommentTagger, keyword_tags
from kuaifan.live.room import DEFAULT_LATENESS_MS, DEFAULT_RATE_MINUTES
from kuaifan.live.windows import closed_before

_CLICK_KINDS = ("product_click", "cart_add", "order_paid")
_META = ("tenant", "platform", "room_id", "stream_id", "channel", "author_id")


def canonical(df: pl.DataFrame) -> pl.DataFrame:
    """The frame with every event column in the log's types (missing columns as nulls)."""
    cols = [
        pl.col(n).cast(POLARS_SCHEMA[n]) if n in df.columns else pl.lit(None, POLARS_SCHEMA[n]).alias(n)
        for n in EVENT_COLUMNS
    ]
    return df.select(cols)


def _kind(*kinds: str) -> pl.Expr:
    return pl.col("kind").is_in(list(kinds))


def _count(cond: pl.Expr) -> pl.Expr:
    return cond.cast(pl.Int64).sum()


def _sum(col: str, cond: pl.Expr, null_as: int) -> pl.Expr:
    return pl.col(col).filter(cond).fill_null(null_as).sum()


def _distinct(bit: int) -> pl.Expr:
    return pl.col("user_key").filter((pl.col("_bits") & bit) != 0).n_unique()


def _room_exprs() -> list[pl.Expr]:
    """One expression per ROOM_COUNTERS entry, in order."""
    online = _kind("online_count") & pl.col("qty").is_not_null()
    tags = pl.col("_tags")
    exprs = [
        pl.len().cast(pl.Int64),
        _count(_kind("enter")),
        _sum("amount_fen", _kind("order_paid"), 0),
        _count(_kind("order_paid")),
        _sum("qty", _kind("order_paid"), 0),
        _sum("amount_fen", _kind("order_refund"), 0),
        _count(_kind("order_refund")),
        _count(_kind("comment")),
        _sum("qty", _kind("like"), 1),
        _count(_kind("gift")),
        _sum("amount_fen", _kind("gift"), 0),
        _count(_kind("share")),
        _count(_kind("follow")),
        _count(_kind("product_show")),
        _count(_kind("product_show") & pl.col("user_key").is_null()),
        _count(_kind("product_click")),
        _count(_kind("cart_add")),
        _sum("qty", _kind("cart_add"), 1),
        _sum("qty", online, 0),
        _count(online),
        pl.col("qty").filter(online).max().fill_null(0),
        _count((tags & M.COMPLAINT) != 0),
        _count((tags & M.ASK) != 0),
    ]
    exprs += [_distinct(1 << k) for k in range(M.N_BITS)]
    return [e.cast(pl.Int64).alias(name) for e, name in zip(exprs, M.ROOM_COUNTERS, strict=True)]


def _user_bits() -> pl.Expr:
    expr = pl.lit(0, pl.Int64)
    for kind, bits in M.USER_BITS.items():
        cond = pl.col("kind") == kind
        expr = pl.when(cond).then(pl.lit(bits, pl.Int64)).otherwise(expr)
    # Room-level shows and events without a user carry no user bits.
    return pl.when(pl.col("user_key").is_null()).then(0).otherwise(expr)


def _latest(df: pl.DataFrame, by: str, value: str, order: list[str], cond: pl.Expr) -> dict[Any, Any]:
    """Per ``by`` key: ``value`` of the last row when sorted by ``order`` (the max tuple)."""
    part = df.filter(cond & pl.col(value).is_not_null() & pl.col(by).is_not_null()).sort(order)
    if part.height == 0:
        return {}
    last = part.group_by(by, maintain_order=True).agg(pl.col(value).last(), pl.col("ts_ms").last())
    return {k: (t, v) for k, v, t in last.select(by, value, "ts_ms").iter_rows()}


def _rate(units: dict[int, int], t_ref: int, first_ts: int, rate_minutes: int) -> float:
    window = sum(units.get(m, 0) for m in M.window_minutes(t_ref, rate_minutes))
    return M.sell_rate(window, t_ref, first_ts, rate_minutes)


def _units_by_minute(df: pl.DataFrame, key: str) -> dict[str, dict[int, int]]:
    orders = df.filter(_kind("order_paid") & pl.col(key).is_not_null())
    agg = orders.group_by(key, "_minute").agg(pl.col("qty").fill_null(0).sum())
    out: dict[str, dict[int, int]] = {}
    for k, m, q in agg.iter_rows():
        out.setdefault(k, {})[m] = q
    return out


def batch_snapshot(
    df: pl.DataFrame,
    *,
    room_id: str | None = None,
    stream_id: str | None = None,
    lateness_ms: int = DEFAULT_LATENESS_MS,
    rate_minutes: int = DEFAULT_RATE_MINUTES,
    tagger: CommentTagger = keyword_tags,
) -> dict[str, Any]:
    """The snapshot RoomState would hold after replaying ``df`` (minus ``late_events``)."""
    df = canonical(df)
    if df.height == 0:
        raise ValueError("no events")
    texts = df["text"].to_list()
    kinds = df["kind"].to_list()
    tags = [tagger(t) if k == "comment" and t else 0 for k, t in zip(kinds, texts, strict=True)]
    df = df.with_columns(
        (pl.col("ts_ms") - pl.col("ts_ms") % MINUTE_MS).alias("_minute"),
        pl.Series("_tags", tags, dtype=pl.Int64),
        _user_bits().alias("_bits"),
        pl.coalesce("item_id", "sku_id").alias("_link"),
    )
    first_ts = int(df["ts_ms"].min())  # type: ignore[arg-type]
    max_ts = int(df["ts_ms"].max())  # type: ignore[arg-type]
    cb = closed_before(max_ts, lateness_ms)
    first = df.row(0, named=True)
    meta = {k: first[k] for k in _META}
    meta["room_id"] = room_id if room_id is not None else meta["room_id"]
    meta["stream_id"] = stream_id if stream_id is not None else meta["stream_id"]
    starts = df.filter(_kind("stream_start"))["ts_ms"]
    ends = df.filter(_kind("stream_end"))["ts_ms"]

    # ---- room: overall and per minute ----
    overall_c = list(df.select(_room_exprs()).row(0))
    per_minute = df.group_by("_minute").agg(_room_exprs()).sort("_minute")
    online_rows = _kind("online_count") & pl.col("qty").is_not_null()
    online_last = _latest(
        df.with_columns(pl.lit(0).alias("_all")), "_all", "qty", ["ts_ms", "qty"], online_rows
    )
    minute_online = _latest(df, "_minute", "qty", ["ts_ms", "qty"], online_rows)
    room_level = overall_c[M.ROOM_SHOWS] > 0
    overall = M.room_metrics(overall_c, online_last[0][1] if online_last else None, room_level)
    minutes = []
    for row in per_minute.iter_rows():
        m, counters = row[0], list(row[1:])
        out: dict[str, Any] = {"minute_ms": m, "closed": m < cb}
        last = minute_online.get(m)
        out.update(M.room_metrics(counters, None if last is None else last[1], room_level))
        minutes.append(out)

    # ---- variants ----
    prod = df.filter(_kind(*sorted(PRODUCT_KINDS)))
    sku_rows = prod.filter(pl.col("sku_id").is_not_null())
    vagg = (
        sku_rows.group_by("sku_id")
        .agg(
            _count(_kind("product_show")).alias("shows"),
            _count(_kind("product_click")).alias("clicks"),
            _count(_kind("cart_add")).alias("cart_adds"),
            _count(_kind("order_paid")).alias("orders"),
            _sum("qty", _kind("order_paid"), 0).alias("units"),
            _sum("amount_fen", _kind("order_paid"), 0).alias("gmv_fen"),
            _count(_kind("order_refund")).alias("refunds"),
            _sum("amount_fen", _kind("order_refund"), 0).alias("refund_fen"),
            pl.col("user_key").filter(_kind("order_paid")).drop_nulls().n_unique().alias("buyers"),
            pl.col("item_id").max().alias("item_id"),
        )
        .with_columns(pl.coalesce("item_id", "sku_id").alias("_vlink"))
    )
    spec = _latest(sku_rows, "sku_id", "spec", ["ts_ms", "spec"], pl.lit(True))
    price = _latest(sku_rows, "sku_id", "amount_fen", ["ts_ms", "amount_fen"],
                    _kind("product_show", "price_change"))  # fmt: skip
    stock_rows = sku_rows.with_columns((-pl.col("stock")).alias("_neg_stock"))
    stock = _latest(stock_rows, "sku_id", "_neg_stock", ["ts_ms", "_neg_stock"], _kind("stock_level"))
    var_units = _units_by_minute(df, "sku_id")
    variants: dict[str, dict[str, Any]] = {}
    for r in vagg.iter_rows(named=True):
        sku = r["sku_id"]
        st = stock.get(sku)
        out = {
            "sku_id": sku,
            "link": r["_vlink"],
            "item_id": r["item_id"],
            "spec": spec[sku][1] if sku in spec else None,
            "price_fen": price[sku][1] if sku in price else None,
            "stock_ts_ms": None if st is None else st[0],
        }
        counters = [r[name] for name in M.VARIANT_COUNTERS]
        rate = _rate(var_units.get(sku, {}), max_ts, first_ts, rate_minutes)
        out.update(M.variant_metrics(counters, None if st is None else -st[1], rate))
        variants[sku] = out

    # ---- links ----
    link_rows = prod.filter(pl.col("_link").is_not_null())
    click_kinds = _kind(*_CLICK_KINDS)
    user_show = _kind("product_show") & pl.col("user_key").is_not_null()
    lagg = link_rows.group_by("_link").agg(
        _count(_kind("product_show")).alias("shows"),
        _count(_kind("product_show") & pl.col("user_key").is_null()).alias("room_shows"),
        _count(_kind("product_click")).alias("clicks"),
        _count(_kind("cart_add")).alias("cart_adds"),
        _count(_kind("order_paid")).alias("orders"),
        _sum("qty", _kind("order_paid"), 0).alias("units"),
        _sum("amount_fen", _kind("order_paid"), 0).alias("gmv_fen"),
        _count(_kind("order_refund")).alias("refunds"),
        _sum("amount_fen", _kind("order_refund"), 0).alias("refund_fen"),
        pl.col("user_key").filter(click_kinds).drop_nulls().n_unique().alias("clickers"),
        pl.col("user_key").filter(_kind("order_paid")).drop_nulls().n_unique().alias("buyers"),
        pl.col("user_key").filter(click_kinds | user_show).drop_nulls().n_unique().alias("exposed_users"),
        pl.col("ts_ms").filter(_kind("product_show")).max().alias("last_show_ms"),
        pl.col("ts_ms").filter(click_kinds | _kind("product_show")).max().alias("last_active_ms"),
    )
    link_no = _latest(link_rows, "_link", "link_no", ["ts_ms", "link_no"], pl.lit(True))
    link_units = _units_by_minute(df, "_link")
    links: dict[str, dict[str, Any]] = {}
    for r in lagg.iter_rows(named=True):
        key = r["_link"]
        stocks = [v["stock"] for v in variants.values() if v["link"] == key and v["stock"] is not None]
        out = {
            "link": key,
            "link_no": link_no[key][1] if key in link_no else None,
            "last_show_ms": r["last_show_ms"],
            "last_active_ms": r["last_active_ms"],
            "stock_skus": len(stocks),
            "sold_out_skus": sum(1 for s in stocks if s <= 0),
            "sold_out": bool(stocks) and all(s <= 0 for s in stocks),
        }
        counters = [r[name] for name in M.LINK_COUNTERS]
        rate = _rate(link_units.get(key, {}), max_ts, first_ts, rate_minutes)
        out.update(M.link_metrics(counters, overall_c[M.UV], sum(stocks) if stocks else None, rate))
        links[key] = out

    def link_order(k: str) -> tuple[bool, int, str]:
        ln = links[k]["link_no"]
        return (ln is None, 0 if ln is None else ln, k)

    return {
        **meta,
        "first_ts_ms": first_ts,
        "max_ts_ms": max_ts,
        "watermark_ms": max_ts - lateness_ms,
        "closed_before_ms": cb,
        "lateness_ms": lateness_ms,
        "rate_minutes": rate_minutes,
        "started_ms": int(starts.min()) if starts.len() else None,  # type: ignore[arg-type]
        "ended_ms": int(ends.max()) if ends.len() else None,  # type: ignore[arg-type]
        "events": df.height,
        "overall": overall,
        "minutes": minutes,
        "links": [links[k] for k in sorted(links, key=link_order)],
        "variants": [variants[s] for s in sorted(variants, key=lambda s: (variants[s]["link"], s))],
    }
