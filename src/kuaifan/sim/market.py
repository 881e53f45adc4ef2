"""The shopping funnel and the stock: clicks → carts → purchase intents → paid orders.

Every purchase intent is latent demand for one variant. Intents are served in time order
while stock lasts (a buyer takes what is left); once a variant is at 0 its intents become
unmet demand. So for every variant: sold + unmet == demand, and no order after sell-out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kuaifan.sim.audience import Bodies, Visits, fitting_size, wearer
from kuaifan.sim.catalogue import Product
from kuaifan.sim.plan import RoomPlan

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

REFUND_RATE = {
    "apparel": 0.14,
    "shoes": 0.10,
    "kids": 0.08,
    "beauty": 0.04,
    "food": 0.03,
    "home": 0.05,
    "digital": 0.05,
}
MULTI_BUY = {"food": 0.35, "beauty": 0.25, "home": 0.2}


@dataclass(frozen=True, slots=True)
class VariantIndex:
    """Room-wide variant numbering: variant v of product k is ``offset[k] + v``."""

    offset: I64
    product: I64  # per room variant: its product index
    local: I64  # per room variant: index within its product

    @staticmethod
    def of(products: tuple[Product, ...]) -> VariantIndex:
        sizes = np.array([len(p.variants) for p in products], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        product = np.repeat(np.arange(len(products), dtype=np.int64), sizes)
        local = np.arange(int(sizes.sum()), dtype=np.int64) - offset[product]
        return VariantIndex(offset, product, local)

    @property
    def size(self) -> int:
        return int(self.product.size)


def wanted_variants(
    rng: np.random.Generator, plan: RoomPlan, bodies: Bodies, viewer: I64, product: I64, size_noise: float
) -> tuple[I64, I64, I64]:
    """What each (viewer, product) pair would buy: (axis-1 index, axis-2 index, alternative size index).

    Colour / flavour from the product's demand mix; size from the wearer's body (the size
    curve follows the audience), a neighbouring size with probability ``size_noise``.
    """
    n = viewer.size
    i1 = np.zeros(n, dtype=np.int64)
    i2 = np.zeros(n, dtype=np.int64)
    alt = np.full(n, -1, dtype=np.int64)
    for k in np.unique(product).tolist():
        p = plan.products[k]
        rows = np.flatnonzero(product == k)
        i1[rows] = rng.choice(len(p.axis1), size=rows.size, p=np.asarray(p.axis1_weights))
        if p.sized:
            h, w = wearer(bodies, p.line)
            fit = fitting_size(h[viewer[rows]], w[viewer[rows]], p.line, p.axis2)
            top = len(p.axis2) - 1
            step = np.where(rng.random(rows.size) < 0.5, -1, 1)
            step = np.where(fit == 0, 1, np.where(fit == top, -1, step))
            other = np.clip(fit + step, 0, top)
            noisy = rng.random(rows.size) < size_noise
            i2[rows] = np.where(noisy, other, fit)
            alt[rows] = np.where(noisy, fit, other)
        elif p.axis2:
            i2[rows] = rng.choice(len(p.axis2), size=rows.size, p=np.asarray(p.axis2_weights))
    return i1, i2, alt


@dataclass(frozen=True, slots=True)
class Funnel:
    """Per click: visit, time, product. Carts and intents refer to clicks by index."""

    click_visit: I64
    click_ms: I64
    click_product: I64
    click_variant: I64  # room variant each clicker wants
    cart_click: I64
    cart_ms: I64
    intent_click: I64  # the click each purchase intent came from
    intent_ms: I64
    intent_qty: I64
    intent_variant: I64


def run_funnel(
    rng: np.random.Generator,
    plan: RoomPlan,
    visits: Visits,
    bodies: Bodies,
    vidx: VariantIndex,
    buy_boost: F64 | None = None,
) -> Funnel:
    """``buy_boost`` (per viewer, several-days runs): returning fans and buyers trust the room more."""
    end = plan.end_ms - 1
    cv: list[I64] = []
    ct: list[I64] = []
    cp: list[I64] = []
    for a, b, k in zip(
        plan.seg_start_ms.tolist(), plan.seg_end_ms.tolist(), plan.seg_product.tolist(), strict=True
    ):
        hi = int(np.searchsorted(visits.arrive_ms, b))
        cand = np.flatnonzero(visits.leave_ms[:hi] > a)
        lo_t = np.maximum(visits.arrive_ms[cand], a)
        ov = np.minimum(visits.leave_ms[cand], b) - lo_t
        appeal = plan.products[k].appeal
        p_click = 1.0 - np.exp(-ov / 1000.0 * 0.0011 * appeal)
        hit = rng.random(cand.size) < p_click
        cv.append(cand[hit])
        ct.append(lo_t[hit] + (rng.random(int(hit.sum())) * ov[hit]).astype(np.int64))
        cp.append(np.full(int(hit.sum()), k, dtype=np.int64))
    click_visit = np.concatenate(cv) if cv else np.zeros(0, np.int64)
    click_ms = np.concatenate(ct) if ct else np.zeros(0, np.int64)
    click_product = np.concatenate(cp) if cp else np.zeros(0, np.int64)
    viewer = visits.viewer[click_visit]
    i1, i2, _ = wanted_variants(rng, plan, bodies, viewer, click_product, size_noise=0.2)
    n2 = np.array([max(1, len(p.axis2)) for p in plan.products], dtype=np.int64)
    click_variant = vidx.offset[click_product] + i1 * n2[click_product] + i2

    # Buy: cheaper and more appealing products convert better (商品点击-成交转化率 ~ 5-25 %).
    appeal = np.array([p.appeal for p in plan.products])
    price = np.array([p.base_price_fen / 100.0 for p in plan.products])
    p_buy = np.clip(0.12 * np.sqrt(appeal) * (price / 150.0) ** -0.3, 0.02, 0.45)[click_product]
    if buy_boost is not None:
        p_buy = np.minimum(p_buy * buy_boost[viewer], 0.7)
    buys = np.flatnonzero(rng.random(click_ms.size) < p_buy)
    intent_ms = np.minimum(click_ms[buys] + rng.exponential(45_000.0, buys.size).astype(np.int64) + 1500, end)
    multi = np.array([MULTI_BUY.get(p.category, 0.1) for p in plan.products])[click_product[buys]]
    u = rng.random(buys.size)
    qty = 1 + (u < multi).astype(np.int64) + (u < multi / 4).astype(np.int64)

    # Cart adds: about half the buyers go through the cart, a few browsers add and leave.
    buyer_cart = buys[rng.random(buys.size) < 0.45]
    browser = np.setdiff1d(np.arange(click_ms.size), buys, assume_unique=True)
    browser_cart = browser[rng.random(browser.size) < 0.12]
    pos = np.searchsorted(buys, buyer_cart)
    cart_buy_ms = click_ms[buyer_cart] + (
        rng.random(buyer_cart.size) * (intent_ms[pos] - click_ms[buyer_cart])
    )
    cart_browse_ms = np.minimum(
        click_ms[browser_cart] + rng.exponential(20_000.0, browser_cart.size) + 500, end
    )
    cart_click = np.concatenate([buyer_cart, browser_cart])
    cart_ms = np.concatenate([cart_buy_ms.astype(np.int64), cart_browse_ms.astype(np.int64)])
    return Funnel(
        click_visit=click_visit,
        click_ms=click_ms,
        click_product=click_product,
        click_variant=click_variant,
        cart_click=cart_click,
        cart_ms=cart_ms,
        intent_click=buys,
        intent_ms=intent_ms,
        intent_qty=qty,
        intent_variant=click_variant[buys],
    )


def plan_stock(
    rng: np.random.Generator, plan: RoomPlan, bodies: Bodies, vidx: VariantIndex, demand_by_product: I64
) -> I64:
    """Stock per room variant: the seller's forecast (model mix × product demand) times an error.

    Some variants come out short (they sell out and leave unmet demand), others long.
    """
    stock = np.zeros(vidx.size, dtype=np.int64)
    for k, p in enumerate(plan.products):
        w1 = np.asarray(p.axis1_weights)
        if p.sized:
            h, w = wearer(bodies, p.line)
            fit = fitting_size(h, w, p.line, p.axis2)
            w2 = np.bincount(fit, minlength=len(p.axis2)) / max(1, fit.size)
        elif p.axis2:
            w2 = np.asarray(p.axis2_weights)
        else:
            w2 = np.ones(1)
        share = np.outer(w1, w2).ravel()
        product_error = float(rng.lognormal(np.log(1.15), 0.35))
        err = product_error * rng.lognormal(0.0, 0.35, share.size)
        expected = float(demand_by_product[k]) * share * err
        stock[vidx.offset[k] : vidx.offset[k] + share.size] = np.maximum(3, np.rint(expected)).astype(
            np.int64
        )
    return stock


@dataclass(frozen=True, slots=True)
class Sales:
    """Intents resolved against stock (arrays in intent order)."""

    sold: I64  # units served per intent (0 … qty)
    remaining: I64  # stock of the intent's variant after it
    sellout_ms: I64  # per room variant: time stock hit 0, or -1


def serve(intent_ms: I64, intent_variant: I64, qty: I64, stock: I64) -> Sales:
    """First come, first served per variant; a buyer takes what is left, the rest is unmet."""
    order = np.lexsort((np.arange(intent_ms.size), intent_ms, intent_variant))
    v = intent_variant[order]
    q = qty[order]
    cum = np.cumsum(q)
    first = np.ones(v.size, dtype=bool)
    first[1:] = v[1:] != v[:-1]
    group_start = np.maximum.accumulate(np.where(first, np.arange(v.size), 0))
    base = np.where(group_start > 0, cum[group_start - 1], 0)
    within = cum - base
    served_cum = np.minimum(within, stock[v])
    served_prev = np.minimum(within - q, stock[v])
    sold_sorted = served_cum - served_prev
    remaining_sorted = stock[v] - served_cum
    sold = np.empty_like(sold_sorted)
    remaining = np.empty_like(remaining_sorted)
    sold[order] = sold_sorted
    remaining[order] = remaining_sorted
    sellout = np.full(stock.size, -1, dtype=np.int64)
    hit = (remaining_sorted == 0) & (sold_sorted > 0)
    # The first intent that emptied the variant (later ones sell nothing, so only one hits).
    sellout[v[hit]] = intent_ms[order][hit]
    return Sales(sold=sold, remaining=remaining, sellout_ms=sellout)
