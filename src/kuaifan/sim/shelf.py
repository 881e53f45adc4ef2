"""Shelf sales (货架): orders from search and the store page, outside the live rooms.

Every brand sells on the shelf every day: a Poisson number of orders around a brand level ×
a market factor all brands share (weekday pattern, slow AR(1) drift) × a small brand-day noise,
so the other brands' shelf series are good controls for one brand's. What live streams do to the
shelf is the switch ``SimConfig.live_effect`` (or ``live_new_share`` s): on a day a brand sells
GMV L live, the shelf loses orders worth (1 - s) · L of what it would have sold (demand moved
into the room, 存量转移); with s = 1 live demand is all new (做大蛋糕). The truth per brand and day
(potential, actual and moved shelf GMV, live GMV per channel) is written beside the events.

Seeds: brand j uses ``SeedSequence(seed, spawn_key=(2, j))``, the market ``(3,)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.sim.audience import user_keys
from kuaifan.sim.catalogue import Brand, Product, World
from kuaifan.sim.config import SHANGHAI, SimConfig
from kuaifan.sim.market import MULTI_BUY, REFUND_RATE
from kuaifan.sim.table import EventTable, RoomEvents, RoomIdentity

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
# Orders per hour of a China day (relative): quiet nights, lunch, the evening peak.
_NIGHT_AND_DAY = [0.5, 0.3, 0.2, 0.15, 0.1, 0.15, 0.3, 0.6, 0.9, 1.0, 1.1, 1.2, 1.3, 1.2, 1.1, 1.0]
HOURLY = np.array([*_NIGHT_AND_DAY, 1.0, 1.1, 1.2, 1.4, 1.6, 1.7, 1.5, 1.0], dtype=np.float64)
WEEKDAY = np.array([1.0, 0.97, 0.98, 1.0, 1.05, 1.12, 1.10])  # Monday … Sunday
FAN_SHARE = 0.35  # shelf buyers who are in the brand's fan pool (the people its rooms also reach)
SIZE_CURVE = np.array([0.12, 0.28, 0.3, 0.18, 0.08, 0.03, 0.01])


def first_day_start_ms(config: SimConfig) -> int:
    """UTC ms of 00:00 China time on the day the run starts."""
    local = config.start.astimezone(SHANGHAI)
    return int(datetime(local.year, local.month, local.day, tzinfo=SHANGHAI).timestamp() * 1000)


def market_factor(config: SimConfig) -> F64:
    """The demand level all brands share, per day: weekday pattern × a slow AR(1) drift."""
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(3,)))
    drift = np.zeros(config.days)
    shocks = rng.normal(0.0, 0.04, config.days)
    for d in range(config.days):
        drift[d] = (0.85 * drift[d - 1] if d else 0.0) + shocks[d]
    weekday0 = config.start.astimezone(SHANGHAI).weekday()
    week = WEEKDAY[(weekday0 + np.arange(config.days)) % 7]
    return np.asarray(week * np.exp(drift), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class LiveDay:
    """A brand's paid live GMV on one day (fen), and whether its store room was on air."""

    store_gmv: int = 0
    influencer_gmv: int = 0
    store_on: bool = False


@dataclass(frozen=True, slots=True)
class ShelfResult:
    brand_id: str
    ident: RoomIdentity
    events: RoomEvents | None  # None: no order at all
    truth: pl.DataFrame  # one row per day


def _variant(rng: np.random.Generator, p: Product) -> int:
    i1 = int(rng.choice(len(p.axis1), p=np.asarray(p.axis1_weights)))
    if not p.axis2:
        return i1
    if p.axis2_weights:
        w = np.asarray(p.axis2_weights)
    else:
        w = SIZE_CURVE[: len(p.axis2)] / SIZE_CURVE[: len(p.axis2)].sum()
    return p.variant_index(i1, int(rng.choice(len(p.axis2), p=w)))


def simulate_shelf(
    config: SimConfig, world: World, j: int, live: dict[int, LiveDay], market: F64
) -> ShelfResult:
    """Brand ``j``'s shelf orders (and their refunds) over the run, and the truth per day."""
    brand: Brand = world.brands[j]
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(2, j)))
    level = config.shelf_orders * float(rng.lognormal(0.0, 0.25))
    appeal = np.array([p.appeal for p in brand.products])
    appeal /= appeal.sum()
    day0 = first_day_start_ms(config)
    moved_share = 1.0 - config.new_share
    rows: dict[str, list[object]] = {k: [] for k in ("ts", "sku", "item", "spec", "qty", "amount", "gid")}
    order_ids: list[str] = []
    truth: list[dict[str, object]] = []
    for d in range(config.days):
        n = int(rng.poisson(level * market[d] * float(rng.lognormal(0.0, 0.05))))
        products = rng.choice(len(brand.products), size=n, p=appeal)
        qty = np.ones(n, dtype=np.int64)
        amount = np.zeros(n, dtype=np.int64)
        variants: list[int] = []
        for i, k in enumerate(products.tolist()):
            p = brand.products[k]
            v = _variant(rng, p)
            variants.append(v)
            multi = MULTI_BUY.get(p.category, 0.1)
            qty[i] = 1 + int(rng.random() < multi)
            amount[i] = p.variants[v].price_fen * qty[i]
        hours = rng.choice(24, size=n, p=HOURLY / HOURLY.sum())
        ts = day0 + d * DAY_MS + hours * HOUR_MS + rng.integers(0, HOUR_MS, n)
        fan = rng.random(n) < FAN_SHARE
        member = rng.integers(0, 3 * config.viewers, n).astype(np.uint64)
        fan_ids = (np.uint64(1) << np.uint64(62)) + (np.uint64(j + 1) << np.uint64(40)) + member
        fresh = (
            (np.uint64(1) << np.uint64(60))
            + (np.uint64(j) << np.uint64(52))
            + (np.uint64(d) << np.uint64(32))
            + np.arange(n, dtype=np.uint64)
        )
        gid = np.where(fan, fan_ids, fresh)
        # Moved demand: drop, in random order, the orders the live rooms took from the shelf today.
        ld = live.get(d, LiveDay())
        target = moved_share * (ld.store_gmv + ld.influencer_gmv)
        keep = np.ones(n, dtype=bool)
        moved = 0
        for i in rng.permutation(n).tolist():
            if moved >= target:
                break
            if moved + amount[i] <= target + amount[i] / 2:
                keep[i] = False
                moved += int(amount[i])
        truth.append(
            {
                "brand_id": brand.brand_id,
                "day": d,
                "day_start_ms": day0 + d * DAY_MS,
                "store_on": ld.store_on,
                "store_live_gmv_fen": ld.store_gmv,
                "influencer_live_gmv_fen": ld.influencer_gmv,
                "shelf_potential_gmv_fen": int(amount.sum()),
                "shelf_gmv_fen": int(amount[keep].sum()),
                "moved_gmv_fen": moved,
            }
        )
        for i in np.flatnonzero(keep).tolist():
            p = brand.products[int(products[i])]
            var = p.variants[variants[i]]
            rows["ts"].append(int(ts[i]))
            rows["sku"].append(var.sku_id)
            rows["item"].append(p.item_id)
            rows["spec"].append(var.spec_json)
            rows["qty"].append(int(qty[i]))
            rows["amount"].append(int(amount[i]))
            rows["gid"].append(int(gid[i]))
            order_ids.append(f"shelf-{brand.brand_id}-d{d + 1:03d}-o{i + 1:05d}")
    ident = RoomIdentity(config.tenant, None, None, "shelf", None)
    return ShelfResult(
        brand.brand_id, ident, _events(config, brand, rng, rows, order_ids, day0), pl.DataFrame(truth)
    )


def _events(
    config: SimConfig,
    brand: Brand,
    rng: np.random.Generator,
    rows: dict[str, list[object]],
    order_ids: list[str],
    day0: int,
) -> RoomEvents | None:
    if not order_ids:
        return None
    ts = np.asarray(rows["ts"], dtype=np.int64)
    order = np.lexsort((np.arange(ts.size), ts))
    keys = user_keys(config.seed, np.asarray(rows["gid"], dtype=np.uint64)[order])
    sku = pl.Series("sku_id", rows["sku"]).gather(order)
    item = pl.Series("item_id", rows["item"]).gather(order)
    spec = pl.Series("spec", rows["spec"]).gather(order)
    qty = np.asarray(rows["qty"], dtype=np.int64)[order]
    amount = np.asarray(rows["amount"], dtype=np.int64)[order]
    oid = [order_ids[i] for i in order.tolist()]
    table = EventTable(f"shelf-{brand.brand_id}", day0)
    t = ts[order] - day0
    table.add(
        "order_paid",
        t,
        user_key=keys,
        order_id=oid,
        sku_id=sku,
        item_id=item,
        spec=spec,
        qty=qty,
        amount_fen=amount,
    )
    cat = {p.item_id: p.category for p in brand.products}
    rate = np.array([REFUND_RATE[cat[i]] for i in item.to_list()])
    ref = np.flatnonzero(rng.random(t.size) < rate)
    ref_t = t[ref] + rng.integers(HOUR_MS, 48 * HOUR_MS, ref.size)
    o = np.lexsort((ref, ref_t))
    r = ref[o]
    table.add(
        "order_refund",
        ref_t[o],
        user_key=keys.gather(r),
        order_id=[oid[i] for i in r.tolist()],
        sku_id=sku.gather(r),
        item_id=item.gather(r),
        spec=spec.gather(r),
        qty=qty[r],
        amount_fen=amount[r],
    )
    return table.finish()
