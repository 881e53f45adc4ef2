"""One room, one stream: audience, funnel, sales, chatter → ordered events + ground truth.

``simulate_room`` depends only on (world, config, room index, the room's SeedSequence), so
rooms can be generated in any order, in any process, with identical output.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.sim.audience import (
    Visits,
    arrival_intensity,
    online_samples,
    sample_bodies,
    sample_visits,
    user_keys,
    viewer_ids,
)
from kuaifan.sim.catalogue import World
from kuaifan.sim.chatter import plan_comments, render_comments
from kuaifan.sim.config import SimConfig
from kuaifan.sim.market import REFUND_RATE, Funnel, Sales, VariantIndex, plan_stock, run_funnel, serve
from kuaifan.sim.plan import RoomPlan, moved_price, plan_room, unit_prices
from kuaifan.sim.regulars import DayAudience, Regulars, place_regulars
from kuaifan.sim.table import EventTable, RoomEvents, RoomIdentity

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]
HOUR_MS = 3_600_000
# Gift values in fen (1 抖币 = 0.1 yuan) and how often each is sent.
GIFT_FEN = np.array([10, 20, 90, 150, 520, 990, 2990, 29990], dtype=np.int64)
GIFT_P = np.array([0.45, 0.15, 0.12, 0.10, 0.08, 0.05, 0.035, 0.015])
LATE_ORDER_P = 0.04


@dataclass(frozen=True, slots=True)
class RoomResult:
    ident: RoomIdentity
    events: RoomEvents
    truth_comments: pl.DataFrame
    truth_variants: pl.DataFrame
    catalogue: pl.DataFrame
    viewers: int  # distinct viewers (UV) of the stream
    plan: RoomPlan | None = None  # several-days runs: what aired, who watched, followed and bought
    gids: U64 | None = None
    followers: U64 | None = None
    buyers: U64 | None = None


def simulate_room(
    world: World,
    config: SimConfig,
    index: int,
    seq: np.random.SeedSequence,
    day: DayAudience | None = None,
) -> RoomResult:
    """One stream of room ``index``; ``day`` (several-days runs) brings the room's returning audience."""
    s_plan, s_aud, s_funnel, s_stock, s_orders, s_social, s_chat, s_text = seq.spawn(8)
    if day is None:
        plan = plan_room(world, config, index, np.random.default_rng(s_plan))
    else:
        plan = plan_room(
            world, config, index, np.random.default_rng(s_plan), day=day.day, keep=day.history.keep
        )
    ident = RoomIdentity(config.tenant, plan.room_id, plan.stream_id, plan.channel, plan.author_id)

    rng = np.random.default_rng(s_aud)
    surges = [
        (float(a) / 1000.0, float(rng.uniform(0.8, 2.0)))
        for a, k in zip(plan.seg_start_ms.tolist(), plan.seg_product.tolist(), strict=True)
        if k in plan.hot
    ]
    intensity = arrival_intensity(plan.duration_s, surges)
    visits = sample_visits(rng, plan.n_viewers, plan.duration_s, intensity)
    bodies = sample_bodies(rng, plan.n_viewers, config.audience)
    pools = [int(b.brand_id[1:]) for b in plan.brands]
    gids = viewer_ids(rng, plan.n_viewers, index, pools, 3 * config.viewers)
    regulars: Regulars | None = None
    if day is not None:
        regulars = place_regulars(np.random.default_rng(seq.spawn(1)[0]), gids, day)
        gids = regulars.gids
    keys = user_keys(config.seed, gids)

    vidx = VariantIndex.of(plan.products)
    skus = SkuColumns.of(plan, vidx)
    funnel = run_funnel(
        np.random.default_rng(s_funnel),
        plan,
        visits,
        bodies,
        vidx,
        buy_boost=None if regulars is None else regulars.buy_boost,
    )
    demand_by_product = np.bincount(
        vidx.product[funnel.intent_variant], weights=funnel.intent_qty, minlength=len(plan.products)
    ).astype(np.int64)
    stock = plan_stock(np.random.default_rng(s_stock), plan, bodies, vidx, demand_by_product)
    sales = serve(funnel.intent_ms, funnel.intent_variant, funnel.intent_qty, stock)

    table = EventTable(plan.stream_id, plan.start_ms)
    table.add("stream_start", np.zeros(1, np.int64))
    _catalogue_events(table, plan, vidx, skus)
    followed = _viewer_events(
        table,
        np.random.default_rng(s_social),
        plan,
        visits,
        keys,
        following=None if regulars is None else regulars.following,
    )
    order_rows = _order_events(
        table, np.random.default_rng(s_orders), plan, vidx, skus, funnel, sales, visits, keys
    )
    _stock_events(table, plan, vidx, skus, stock, sales, funnel)
    chat = plan_comments(
        np.random.default_rng(s_chat), plan, visits, bodies, vidx, funnel, sales, order_rows.intent
    )
    texts, truth = render_comments(
        random.Random(int(s_text.generate_state(1)[0])), plan, bodies, visits, chat
    )
    table.add(
        "comment",
        chat.ts_ms,
        user_key=keys.gather(visits.viewer[chat.visit]),
        text=texts,
    )
    table.add("stream_end", np.array([plan.end_ms], np.int64))
    events = table.finish()

    # Comments were added in plan order, the order of the truth rows.
    posted = events.of_kind("comment").select("msg_id", "ts_ms")
    truth_comments = (
        posted.select(
            "msg_id",
            pl.lit(plan.room_id).alias("room_id"),
            pl.lit(plan.stream_id).alias("stream_id"),
            "ts_ms",
        )
        .hstack(truth)
        .sort("msg_id")
    )
    result = RoomResult(
        ident=ident,
        events=events,
        truth_comments=truth_comments,
        truth_variants=_variant_truth(plan, vidx, stock, funnel, sales),
        catalogue=_catalogue(plan, stock),
        viewers=plan.n_viewers,
    )
    if day is None:
        return result
    return dataclasses.replace(
        result,
        plan=plan,
        gids=gids,
        followers=np.unique(gids[followed]),
        buyers=np.unique(gids[order_rows.buyer]),
    )


@dataclass(frozen=True, slots=True)
class SkuColumns:
    """The room's variants as polars columns, gathered by room variant index."""

    sku_id: pl.Series
    item_id: pl.Series
    spec: pl.Series
    vidx: VariantIndex

    @staticmethod
    def of(plan: RoomPlan, vidx: VariantIndex) -> SkuColumns:
        return SkuColumns(
            sku_id=pl.Series("sku_id", [v.sku_id for p in plan.products for v in p.variants]),
            item_id=pl.Series("item_id", [p.item_id for p in plan.products for _ in p.variants]),
            spec=pl.Series("spec", [v.spec_json for p in plan.products for v in p.variants]),
            vidx=vidx,
        )

    def take(self, variant: I64, spec: bool = True) -> dict[str, pl.Series | I64]:
        cols: dict[str, pl.Series | I64] = {
            "sku_id": self.sku_id.gather(variant),
            "item_id": self.item_id.gather(variant),
            "link_no": self.vidx.product[variant] + 1,
        }
        if spec:
            cols["spec"] = self.spec.gather(variant)
        return cols


def _catalogue_events(table: EventTable, plan: RoomPlan, vidx: VariantIndex, skus: SkuColumns) -> None:
    """product_show per segment, price_change when the host cuts (and restores) a price."""
    main = vidx.offset[plan.seg_product]
    price0 = np.array(
        [
            unit_prices(plan, k, np.array([a]))[0, 0]
            for a, k in zip(plan.seg_start_ms.tolist(), plan.seg_product.tolist(), strict=True)
        ]
    )
    table.add("product_show", plan.seg_start_ms, amount_fen=price0, **skus.take(main, spec=False))

    for m in plan.price_moves:
        p = plan.products[m.product]
        vs = np.arange(vidx.offset[m.product], vidx.offset[m.product] + len(p.variants))
        cut = np.array([moved_price(v.price_fen, m.factor) for v in p.variants], dtype=np.int64)
        table.add("price_change", np.full(vs.size, m.at_ms, np.int64), amount_fen=cut, **skus.take(vs))
        if m.revert_ms is not None:
            back = np.array([v.price_fen for v in p.variants], dtype=np.int64)
            t = np.full(vs.size, m.revert_ms, np.int64)
            table.add("price_change", t, amount_fen=back, **skus.take(vs))


def _stock_events(
    table: EventTable,
    plan: RoomPlan,
    vidx: VariantIndex,
    skus: SkuColumns,
    stock: I64,
    sales: Sales,
    funnel: Funnel,
) -> None:
    """stock_level of every SKU when its product goes up, then as it sells (after the orders)."""
    # Stock of every SKU of the product when it goes up (what is left after earlier sales).
    sold_at = funnel.intent_ms[sales.sold > 0]
    sold_v = funnel.intent_variant[sales.sold > 0]
    sold_q = sales.sold[sales.sold > 0]
    rows_t: list[I64] = []
    rows_v: list[I64] = []
    rows_s: list[I64] = []
    for a, k in zip(plan.seg_start_ms.tolist(), plan.seg_product.tolist(), strict=True):
        vs = np.arange(vidx.offset[k], vidx.offset[k] + len(plan.products[k].variants))
        before = sold_at < a
        gone = np.bincount(sold_v[before], weights=sold_q[before], minlength=vidx.size).astype(np.int64)
        rows_t.append(np.full(vs.size, a, np.int64))
        rows_v.append(vs)
        rows_s.append(stock[vs] - gone[vs])
    # Then as it sells: the last level per SKU in each 10-second window (0 included: sell-out).
    order = np.lexsort((sold_at, sold_v))
    rem = sales.remaining[sales.sold > 0][order]
    t_sorted, v_sorted = sold_at[order], sold_v[order]
    bucket = t_sorted // 10_000
    last = np.ones(v_sorted.size, dtype=bool)
    last[:-1] = (v_sorted[1:] != v_sorted[:-1]) | (bucket[1:] != bucket[:-1])
    rows_t.append(t_sorted[last])
    rows_v.append(v_sorted[last])
    rows_s.append(rem[last])
    t_all, v_all, s_all = np.concatenate(rows_t), np.concatenate(rows_v), np.concatenate(rows_s)
    ts_order = np.lexsort((v_all, t_all))
    table.add("stock_level", t_all[ts_order], stock=s_all[ts_order], **skus.take(v_all[ts_order]))


def _viewer_events(
    table: EventTable,
    rng: np.random.Generator,
    plan: RoomPlan,
    visits: Visits,
    keys: pl.Series,
    following: B | None = None,
) -> I64:
    """enter, online_count, like (aggregated per user per 2 s), gift, follow, share; returns the
    viewers who followed. ``following`` (per viewer): who already follows, and so does not again."""
    vkeys = keys.gather(visits.viewer)
    table.add("enter", visits.arrive_ms, user_key=vkeys)
    ts, online = online_samples(rng, visits, plan.duration_s)
    table.add("online_count", ts, qty=online)

    dur = (visits.leave_ms - visits.arrive_ms).astype(np.float64)
    likers = np.flatnonzero(rng.random(visits.arrive_ms.size) < 0.12)
    n_taps = 1 + rng.poisson(dur[likers] / 60_000.0)
    rep = np.repeat(likers, n_taps)
    t = visits.arrive_ms[rep] + (rng.random(rep.size) * dur[rep]).astype(np.int64)
    window = t // 2000
    key = np.unique(rep.astype(np.int64) * (1 << 24) + window)
    rep, window = key >> 24, key & ((1 << 24) - 1)
    like_ms = np.minimum(window * 2000 + 1999, plan.end_ms - 1)
    like_order = np.lexsort((rep, like_ms))
    qty = np.minimum(rng.geometric(0.2, rep.size), 60)
    table.add("like", like_ms[like_order], user_key=vkeys.gather(rep[like_order]), qty=qty)

    gifters = np.flatnonzero(rng.random(dur.size) < 0.012)
    gifters = np.repeat(gifters, 1 + rng.poisson(0.5, gifters.size))
    gift_ms = visits.arrive_ms[gifters] + (rng.random(gifters.size) * dur[gifters]).astype(np.int64)
    unit = GIFT_FEN[rng.choice(GIFT_FEN.size, size=gifters.size, p=GIFT_P)]
    gift_qty = np.where(
        (unit <= 20) & (rng.random(gifters.size) < 0.3), rng.choice([5, 10, 66, 99], gifters.size), 1
    )
    o = np.lexsort((gifters, gift_ms))
    table.add(
        "gift",
        gift_ms[o],
        user_key=vkeys.gather(gifters[o]),
        qty=gift_qty[o],
        amount_fen=(unit * gift_qty)[o],
    )

    first = visits.first if following is None else visits.first & ~following[visits.viewer]
    followed = np.zeros(0, np.int64)
    for kind, pool, p in (
        ("follow", np.flatnonzero(first), 0.03),
        ("share", np.arange(dur.size), 0.012),
    ):
        who = pool[rng.random(pool.size) < p]
        at = visits.arrive_ms[who] + (rng.random(who.size) * dur[who]).astype(np.int64)
        o = np.lexsort((who, at))
        table.add(kind, at[o], user_key=vkeys.gather(who[o]))
        if kind == "follow":
            followed = visits.viewer[who]
    return followed


@dataclass(frozen=True, slots=True)
class OrderRows:
    """Paid orders (one per served intent), in payment order."""

    intent: I64  # index into the funnel's intents
    paid_ms: I64
    buyer: I64  # the room viewer who paid


def _order_events(
    table: EventTable,
    rng: np.random.Generator,
    plan: RoomPlan,
    vidx: VariantIndex,
    skus: SkuColumns,
    funnel: Funnel,
    sales: Sales,
    visits: Visits,
    keys: pl.Series,
) -> OrderRows:
    """product_click, cart_add, order_paid (some re-attributed hours later), order_refund."""
    o = np.lexsort((funnel.click_visit, funnel.click_ms))
    click_user = keys.gather(visits.viewer[funnel.click_visit[o]])
    main = vidx.offset[funnel.click_product[o]]
    table.add("product_click", funnel.click_ms[o], user_key=click_user, **skus.take(main, spec=False))

    cart_variant = funnel.click_variant[funnel.cart_click]
    cart_visit = funnel.click_visit[funnel.cart_click]
    o = np.lexsort((np.arange(cart_variant.size), funnel.cart_ms))
    cart_user = keys.gather(visits.viewer[cart_visit[o]])
    table.add("cart_add", funnel.cart_ms[o], user_key=cart_user, qty=1, **skus.take(cart_variant[o]))

    served = np.flatnonzero(sales.sold > 0)
    served = served[np.lexsort((served, funnel.intent_ms[served]))]
    paid_ms = funnel.intent_ms[served]
    variant = funnel.intent_variant[served]
    qty = sales.sold[served]
    amount = np.zeros(served.size, dtype=np.int64)
    for k in np.unique(vidx.product[variant]).tolist():
        rows = np.flatnonzero(vidx.product[variant] == k)
        prices = unit_prices(plan, k, paid_ms[rows])
        amount[rows] = prices[np.arange(rows.size), vidx.local[variant[rows]]] * qty[rows]
    buyer = visits.viewer[funnel.click_visit[funnel.intent_click[served]]]
    order_id = [f"{plan.stream_id}-o{i + 1:06d}" for i in range(served.size)]
    late = rng.random(served.size) < LATE_ORDER_P
    arrival = np.where(late, plan.end_ms + rng.integers(HOUR_MS, 6 * HOUR_MS, served.size), paid_ms)
    table.add(
        "order_paid",
        paid_ms,
        arrival,
        user_key=keys.gather(buyer),
        order_id=order_id,
        qty=qty,
        amount_fen=amount,
        **skus.take(variant),
    )

    cats = [p.category for p in plan.products]
    rate = np.array([REFUND_RATE[cats[k]] for k in vidx.product[variant].tolist()])
    refunded = np.flatnonzero(rng.random(served.size) < rate)
    ref_ms = np.maximum(
        paid_ms[refunded] + rng.integers(HOUR_MS, 48 * HOUR_MS, refunded.size),
        arrival[refunded] + rng.integers(10 * 60_000, 2 * HOUR_MS, refunded.size),
    )
    o = np.lexsort((refunded, ref_ms))
    r_rows = refunded[o]
    table.add(
        "order_refund",
        ref_ms[o],
        user_key=keys.gather(buyer[r_rows]),
        order_id=[order_id[i] for i in r_rows.tolist()],
        qty=qty[r_rows],
        amount_fen=amount[r_rows],
        **skus.take(variant[r_rows]),
    )
    return OrderRows(intent=served, paid_ms=paid_ms, buyer=buyer)


def _variant_truth(
    plan: RoomPlan, vidx: VariantIndex, stock: I64, funnel: Funnel, sales: Sales
) -> pl.DataFrame:
    v = funnel.intent_variant
    demand = np.bincount(v, weights=funnel.intent_qty, minlength=vidx.size).astype(np.int64)
    sold = np.bincount(v, weights=sales.sold, minlength=vidx.size).astype(np.int64)
    buyers = np.bincount(v, minlength=vidx.size).astype(np.int64)
    sellout = [int(t) + plan.start_ms if t >= 0 else None for t in sales.sellout_ms.tolist()]
    return _variant_rows(plan).with_columns(
        pl.Series("stock", stock),
        pl.Series("demand_units", demand),
        pl.Series("demand_buyers", buyers),
        pl.Series("sold_units", sold),
        pl.Series("unmet_units", demand - sold),
        pl.Series("sellout_ts_ms", sellout, dtype=pl.Int64),
    )


_VARIANT_SCHEMA = {
    "room_id": pl.String,
    "stream_id": pl.String,
    "channel": pl.String,
    "author_id": pl.String,
    "brand_id": pl.String,
    "brand": pl.String,
    "item_id": pl.String,
    "sku_id": pl.String,
    "product": pl.String,
    "category": pl.String,
    "spec": pl.String,
    "color": pl.String,
    "size": pl.String,
    "link_no": pl.Int64,
    "price_fen": pl.Int64,
}


def _variant_rows(plan: RoomPlan) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for k, p in enumerate(plan.products):
        for var in p.variants:
            rows.append(
                {
                    "room_id": plan.room_id,
                    "stream_id": plan.stream_id,
                    "channel": plan.channel,
                    "author_id": plan.author_id,
                    "brand_id": p.brand_id,
                    "brand": p.brand_name,
                    "item_id": p.item_id,
                    "sku_id": var.sku_id,
                    "product": p.name,
                    "category": p.category,
                    "spec": var.spec_json,
                    "color": var.axis1 if p.colors else None,
                    "size": var.axis2 if p.sized else None,
                    "link_no": k + 1,
                    "price_fen": var.price_fen,
                }
            )
    return pl.DataFrame(rows, schema=_VARIANT_SCHEMA)


def _catalogue(plan: RoomPlan, stock: I64) -> pl.DataFrame:
    return _variant_rows(plan).with_columns(pl.Series("stock", stock))
