"""Who comments when, about what (vectorised), and the rendering of those plans into text.

Three sources of comments:
- background chatter: each visit comments at a per-viewer rate; the intent mix depends on the
  product on screen, and size questions use the commenter's (or their partner's / child's) body;
- reactions: 已拍 right after a paid order, 没抢到 / 求补货 right after missing a sold-out variant;
- 扣1 waves when a hot product goes up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.events import COMMENT_INTENTS as INTENTS
from kuaifan.sim.audience import Bodies, Visits, wearer
from kuaifan.sim.comments import (
    FORM_BACKGROUND,
    FORM_BOUGHT,
    FORM_KOU1,
    FORM_MISSED,
    INTENT_CODE,
    WEARER_CHILD,
    WEARER_PARTNER,
    WEARER_SELF,
    CommentWriter,
    Ctx,
)
from kuaifan.sim.market import Funnel, Sales, VariantIndex, wanted_variants
from kuaifan.sim.plan import RoomPlan

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

COMMENTS_PER_VIEWER_S = 1.0 / 900.0
_SIZED_MIX = {
    "price": 0.12,
    "size_fit": 0.22,
    "variant": 0.09,
    "stock": 0.07,
    "link": 0.07,
    "shipping": 0.06,
    "quality": 0.07,
    "purchased": 0.02,
    "after_sales": 0.03,
    "praise": 0.08,
    "other": 0.17,
}
_PLAIN_MIX = {
    "price": 0.16,
    "size_fit": 0.0,
    "variant": 0.10,
    "stock": 0.06,
    "link": 0.08,
    "shipping": 0.08,
    "quality": 0.14,
    "purchased": 0.02,
    "after_sales": 0.04,
    "praise": 0.10,
    "other": 0.22,
}


def _mix(weights: dict[str, float]) -> npt.NDArray[np.float64]:
    w = np.array([weights[name] for name in INTENTS], dtype=np.float64)
    out: npt.NDArray[np.float64] = w / w.sum()
    return out


@dataclass(frozen=True, slots=True)
class ChatPlan:
    ts_ms: I64
    visit: I64
    product: I64
    i1: I64
    i2: I64
    alt: I64  # neighbouring size index or -1
    intent: I64  # INTENT_CODE for background comments (reactions decide in the writer)
    form: I64


def plan_comments(
    rng: np.random.Generator,
    plan: RoomPlan,
    visits: Visits,
    bodies: Bodies,
    vidx: VariantIndex,
    funnel: Funnel,
    sales: Sales,
    order_intents: I64,
) -> ChatPlan:
    end = plan.end_ms - 1
    n2 = np.array([max(1, len(p.axis2)) for p in plan.products], dtype=np.int64)

    # Background: Poisson per visit, chatty viewers talk more (lognormal, mean 1).
    talk = rng.lognormal(-0.5, 1.0, plan.n_viewers)
    dur = (visits.leave_ms - visits.arrive_ms).astype(np.float64)
    n = rng.poisson(dur / 1000.0 * COMMENTS_PER_VIEWER_S * talk[visits.viewer])
    b_visit = np.repeat(np.arange(dur.size), n)
    b_ms = visits.arrive_ms[b_visit] + (rng.random(b_visit.size) * dur[b_visit]).astype(np.int64)
    b_product = plan.seg_product[plan.segment_at(b_ms)]
    b1, b2, b_alt = wanted_variants(rng, plan, bodies, visits.viewer[b_visit], b_product, size_noise=0.0)
    sized = np.array([p.sized for p in plan.products])[b_product]
    u = rng.random(b_ms.size)
    cdf_sized, cdf_plain = np.cumsum(_mix(_SIZED_MIX)), np.cumsum(_mix(_PLAIN_MIX))
    intent = np.where(
        sized,
        np.searchsorted(cdf_sized, u, side="right"),
        np.searchsorted(cdf_plain, u, side="right"),
    ).clip(0, len(INTENTS) - 1)
    # Wanted variant already sold out: many say so.
    variant = vidx.offset[b_product] + b1 * n2[b_product] + b2
    gone = sales.sellout_ms[variant]
    sold_out = (gone >= 0) & (gone <= b_ms)
    intent = np.where(sold_out & (rng.random(b_ms.size) < 0.35), INTENT_CODE["stock"], intent)

    # Reactions to one's own order, or to missing a sold-out variant.
    bought = order_intents[rng.random(order_intents.size) < 0.22]
    missed = np.flatnonzero((sales.sold < funnel.intent_qty) & (rng.random(sales.sold.size) < 0.5))
    react = np.concatenate([bought, missed])
    r_form = np.concatenate([np.full(bought.size, FORM_BOUGHT), np.full(missed.size, FORM_MISSED)])
    delay = np.where(
        r_form == FORM_BOUGHT, rng.uniform(2_000, 25_000, react.size), rng.uniform(3_000, 40_000, react.size)
    )
    r_ms = np.minimum(funnel.intent_ms[react] + delay.astype(np.int64), end)
    r_variant = funnel.intent_variant[react]
    r_product = vidx.product[r_variant]
    r_local = vidx.local[r_variant]

    # 扣1 waves: when a hot product goes up, some of the room types 1.
    k_visit: list[I64] = []
    k_ms: list[I64] = []
    k_product: list[I64] = []
    for a, k in zip(plan.seg_start_ms.tolist(), plan.seg_product.tolist(), strict=True):
        if k not in plan.hot:
            continue
        hi = int(np.searchsorted(visits.arrive_ms, a, side="right"))
        here = np.flatnonzero(visits.leave_ms[:hi] > a)
        who = here[rng.random(here.size) < 0.06]
        k_visit.append(who)
        k_ms.append(np.minimum(a + rng.integers(2_000, 40_000, who.size), end))
        k_product.append(np.full(who.size, k, dtype=np.int64))
    kv = np.concatenate(k_visit) if k_visit else np.zeros(0, np.int64)

    return ChatPlan(
        ts_ms=np.concatenate([b_ms, r_ms, np.concatenate(k_ms) if k_ms else np.zeros(0, np.int64)]),
        visit=np.concatenate([b_visit, funnel.click_visit[funnel.intent_click[react]], kv]),
        product=np.concatenate([b_product, r_product, np.concatenate(k_product) if k_product else kv]),
        i1=np.concatenate([b1, r_local // n2[r_product], np.zeros(kv.size, np.int64)]),
        i2=np.concatenate([b2, r_local % n2[r_product], np.zeros(kv.size, np.int64)]),
        alt=np.concatenate([b_alt, np.full(react.size + kv.size, -1, np.int64)]),
        intent=np.concatenate([intent, np.full(react.size + kv.size, INTENT_CODE["other"])]),
        form=np.concatenate([np.full(b_ms.size, FORM_BACKGROUND), r_form, np.full(kv.size, FORM_KOU1)]),
    )


def _wearers(plan: RoomPlan, bodies: Bodies, viewer: I64, product: I64) -> tuple[I64, F64, F64]:
    """Per comment: wearer code, height, weight of whoever the product is for."""
    code = np.full(viewer.size, WEARER_SELF, dtype=np.int64)
    h = np.zeros(viewer.size)
    w = np.zeros(viewer.size)
    male = bodies.male[viewer]
    lines = np.array([p.line for p in plan.products], dtype=object)[product]
    for line in ("women", "men", "kids", ""):
        rows = np.flatnonzero(lines == line)
        hh, ww = wearer(bodies, line)
        h[rows], w[rows] = hh[viewer[rows]], ww[viewer[rows]]
        if line == "women":
            code[rows] = np.where(male[rows], WEARER_PARTNER, WEARER_SELF)
        elif line == "men":
            code[rows] = np.where(male[rows], WEARER_SELF, WEARER_PARTNER)
        elif line == "kids":
            code[rows] = WEARER_CHILD
    return code, h, w


def render_comments(
    r: random.Random, plan: RoomPlan, bodies: Bodies, visits: Visits, chat: ChatPlan
) -> tuple[list[str], pl.DataFrame]:
    """Texts (in plan order) and their truth: intent and the five labelled fields."""
    viewer = visits.viewer[chat.visit]
    code, height, weight = _wearers(plan, bodies, viewer, chat.product)
    writer = CommentWriter(r)
    max_link = len(plan.products)
    # What a comment needs from its product, looked up once per product.
    static = [
        (p.category, p.noun, p.line, k + 1, p.colors, p.axis1, p.axis2 if p.sized else (), bool(p.colors),
         p.axis2 if p.axis2 and not p.sized else ())
        for k, p in enumerate(plan.products)
    ]  # fmt: skip
    texts: list[str] = []
    labels: list[tuple[object, ...]] = []
    rows = zip(
        chat.product.tolist(), chat.i1.tolist(), chat.i2.tolist(), chat.alt.tolist(), chat.intent.tolist(),
        chat.form.tolist(), code.tolist(), height.tolist(), weight.tolist(), strict=True,
    )  # fmt: skip
    for k, i1, i2, alt, intent, form, who, h, w in rows:
        category, noun, line, link_no, colors, axis1, sizes, colored, options = static[k]
        ctx = Ctx(
            category=category,
            noun=noun,
            line=line,
            link_no=link_no,
            max_link=max_link,
            colors=colors,
            color=axis1[i1] if colored else None,
            size=sizes[i2] if sizes else None,
            alt_size=sizes[alt] if sizes and alt >= 0 else None,
            option=(options[i2] if options else None) if colored else axis1[i1],
            height=h,
            weight=w,
            wearer=who,
        )
        text, lab = writer.write(intent, form, ctx)
        texts.append(text)
        labels.append(lab)
    names = ("intent", "height_cm", "weight_kg", "size", "color", "link_no")
    columns = dict(zip(names, zip(*labels, strict=True), strict=True)) if labels else {n: () for n in names}
    n2 = np.array([max(1, len(p.axis2)) for p in plan.products], dtype=np.int64)
    offset = np.concatenate([[0], np.cumsum([len(p.variants) for p in plan.products])[:-1]]).astype(np.int64)
    variant = offset[chat.product] + chat.i1 * n2[chat.product] + chat.i2
    skus = pl.Series([v.sku_id for p in plan.products for v in p.variants]).gather(variant)
    items = pl.Series([p.item_id for p in plan.products]).gather(chat.product)
    categories = pl.Series([p.category for p in plan.products]).gather(chat.product)
    truth = pl.DataFrame(
        {"category": categories, "text": texts, **columns, "item_id": items, "sku_id": skus},
        schema={
            "category": pl.String,
            "text": pl.String,
            "intent": pl.String,
            "height_cm": pl.Int64,
            "weight_kg": pl.Float64,
            "size": pl.String,
            "color": pl.String,
            "link_no": pl.Int64,
            "item_id": pl.String,
            "sku_id": pl.String,
        },
    )
    return texts, truth
