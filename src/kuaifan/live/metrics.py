"""罗盘-style live metrics: the counter layout both paths fill, and the formulas on top.

The live path (``RoomState``) and the batch reference (``batch.py``) fill the same integer
counters; every ratio is then computed here, by the same Python code from the same integers,
so a replay equals the batch result exactly (floats included).

Definitions (DESIGN.md; PLATFORMS.md §6 marks which are confirmed):

- GMV (``gmv_fen``): sum of ``amount_fen`` of ``order_paid`` events; refunds are separate.
- PV: ``enter`` events. UV: distinct users seen in the room — an ``enter`` or any user-level room
  event (comment, like, gift, follow, share, product_click, cart_add, order_paid). A user whose
  enter push was lost still watched; this keeps every numerator below a subset of its denominator,
  so every conversion rate lies in [0, 1]. ``entered`` is the narrower "distinct users with an
  enter event". Per minute, UV is the distinct users seen in that minute.
- GPM = GMV / PV × 1000 (fen per thousand views); UV价值 = GMV / UV (fen per viewer).
- 观看-成交转化率 ``conversion`` = buyers / UV.
- 商品曝光-点击率 ``exposure_ctr`` = clickers / exposed viewers. A user is exposed to a link by a
  user-level ``product_show`` or by clicking it (a click implies the product was seen). When the
  platform pushes room-level shows (``product_show`` without ``user_key``: the link went up for
  everyone), every viewer counts as exposed, so the denominator is UV.
- 商品点击-成交转化率 ``click_conversion`` = buyers / clickers; clickers are users with a
  ``product_click``, ``cart_add`` or ``order_paid`` (buying implies clicking).
- 互动率 = users who commented, liked, shared or followed / UV; 转粉率 = distinct followers / UV.
- 退款率 = refunded amount / GMV (refunds counted by refund event time, as 罗盘 does).
- Online: ``online_count`` samples — now (latest by event time; ties: the larger value), peak,
  average (mean of samples).
- Sell rate: units paid in the last ``rate_minutes`` UTC minutes up to the latest event time,
  per elapsed minute (at least one); sell-out ETA = stock / sell rate.

Events without ``user_key`` count in every count metric but in no distinct metric.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final

MINUTE_MS: Final = 60_000

# ---- per-user flag bits (overall and per minute) -------------------------------------------
SEEN: Final = 1
ENTERED: Final = 2
INTERACT: Final = 4
FOLLOW: Final = 8
CLICK: Final = 16
BUY: Final = 32
EXPOSED: Final = 64
N_BITS: Final = 7

# ---- per-(link, user) flag bits -------------------------------------------------------------
L_SHOWN: Final = 1
L_CLICK: Final = 2
L_BUY: Final = 4

# ---- room counters (overall and per minute): one list of ints, these indexes ----------------
EVENTS, PV, GMV, ORDERS, UNITS, REFUND_FEN, REFUNDS, COMMENTS, LIKES, GIFTS, GIFT_FEN = range(11)
SHARES, FOLLOWS, SHOWS, ROOM_SHOWS, CLICKS, CARTS, CART_UNITS = range(11, 18)
ONLINE_SUM, ONLINE_SAMPLES, ONLINE_PEAK, COMPLAINTS, ASKS = range(18, 23)
DIST0: Final = 23  # distinct counters, one per flag bit, in bit order
UV, ENTERED_USERS, INTERACTORS, FOLLOWERS, CLICKERS, BUYERS, EXPOSED_USERS = range(DIST0, DIST0 + N_BITS)
N_ROOM: Final = DIST0 + N_BITS

ROOM_COUNTERS: Final = (
    "events", "pv", "gmv_fen", "orders", "units", "refund_fen", "refunds", "comments", "likes", "gifts",
    "gift_fen", "shares", "follows", "shows", "room_shows", "clicks", "cart_adds", "cart_units",
    "online_sum", "online_samples", "online_peak", "complaints", "asks",
    "uv", "entered", "interactors", "followers", "clickers", "buyers", "exposed_users",
)  # fmt: skip
assert len(ROOM_COUNTERS) == N_ROOM

# For a byte of newly set flag bits: the distinct counters to increment.
NEW_BITS_TO_COUNTERS: Final[tuple[tuple[int, ...], ...]] = tuple(
    tuple(DIST0 + k for k in range(N_BITS) if v & (1 << k)) for v in range(256)
)

# What each user-level kind says about the user.
USER_BITS: Final[dict[str, int]] = {
    "enter": SEEN | ENTERED,
    "comment": SEEN | INTERACT,
    "like": SEEN | INTERACT,
    "share": SEEN | INTERACT,
    "follow": SEEN | INTERACT | FOLLOW,
    "gift": SEEN,
    "product_click": SEEN | CLICK | EXPOSED,
    "cart_add": SEEN | CLICK | EXPOSED,
    "order_paid": SEEN | CLICK | EXPOSED | BUY,
    "product_show": SEEN | EXPOSED,  # user-level shows only
}
LINK_BITS: Final[dict[str, int]] = {
    "product_show": L_SHOWN,
    "product_click": L_SHOWN | L_CLICK,
    "cart_add": L_SHOWN | L_CLICK,
    "order_paid": L_SHOWN | L_CLICK | L_BUY,
}

# ---- link / variant counters ------------------------------------------------------------------
(L_SHOWS, L_ROOM_SHOWS, L_CLICKS, L_CARTS, L_ORDERS, L_UNITS, L_GMV, L_REFUNDS, L_REFUND_FEN,
 L_CLICKERS, L_BUYERS, L_EXPOSED) = range(12)  # fmt: skip
N_LINK: Final = 12
LINK_COUNTERS: Final = (
    "shows", "room_shows", "clicks", "cart_adds", "orders", "units", "gmv_fen", "refunds", "refund_fen",
    "clickers", "buyers", "exposed_users",
)  # fmt: skip
# For newly set link bits: the link counters to increment.
LINK_NEW_BITS: Final[tuple[tuple[int, ...], ...]] = tuple(
    tuple(c for bit, c in ((L_SHOWN, L_EXPOSED), (L_CLICK, L_CLICKERS), (L_BUY, L_BUYERS)) if v & bit)
    for v in range(8)
)
V_SHOWS, V_CLICKS, V_CARTS, V_ORDERS, V_UNITS, V_GMV, V_REFUNDS, V_REFUND_FEN, V_BUYERS = range(9)
N_VARIANT: Final = 9
VARIANT_COUNTERS: Final = (
    "shows",
    "clicks",
    "cart_adds",
    "orders",
    "units",
    "gmv_fen",
    "refunds",
    "refund_fen",
    "buyers",
)

# ---- comment tags (a keyword check; kuaifan.text.classify can replace it) -----------------------
ASK: Final = 1  # demand we may not be serving: sold out, restock, still available?
COMPLAINT: Final = 2

ASK_WORDS: Final = (
    "没抢到", "抢不到", "求补货", "补货", "还有吗", "还有没有", "有货吗", "没货", "缺货", "断货", "售罄",
    "卖完", "加库存", "上库存", "返场", "没拍到", "拍不了", "拍不到",
)  # fmt: skip
COMPLAINT_WORDS: Final = (
    "投诉", "差评", "假货", "骗人", "骗子", "坑人", "质量差", "质量太差", "太差了", "退货", "退款",
    "不退", "客服不回", "没人处理", "一直不回", "破了", "断了", "开线", "掉色", "起球", "发错",
    "少发", "漏发", "不发货", "还没发货", "欺骗", "举报",
)  # fmt: skip
# Literal alternations: Python's re and polars' (Rust) regex agree on them.
ASK_PATTERN: Final = "|".join(re.escape(w) for w in ASK_WORDS)
COMPLAINT_PATTERN: Final = "|".join(re.escape(w) for w in COMPLAINT_WORDS)
_ASK_RE = re.compile(ASK_PATTERN)
_COMPLAINT_RE = re.compile(COMPLAINT_PATTERN)

CommentTagger = Callable[[str], int]


def keyword_tags(text: str) -> int:
    """ASK | COMPLAINT bits of a comment by keyword (substring) match."""
    tags = ASK if _ASK_RE.search(text) else 0
    if _COMPLAINT_RE.search(text):
        tags |= COMPLAINT
    return tags


def classifier_tagger(classify: Callable[[str], Any]) -> CommentTagger:
    """A tagger from a comment classifier such as ``kuaifan.text.classify``.

    Intent ``stock`` is an ask; ``quality``/``after_sales`` with negative sentiment is a complaint.
    The keyword check still applies, so the classifier only adds tags.
    """

    def tags(text: str) -> int:
        c = classify(text)
        t = keyword_tags(text)
        intent = getattr(c, "intent", None)
        if intent == "stock":
            t |= ASK
        if intent in ("quality", "after_sales") and float(getattr(c, "sentiment", 0.0)) < 0:
            t |= COMPLAINT
        return t

    return tags


# ---- formulas ----------------------------------------------------------------------------------
def ratio(num: int | float, den: int | float) -> float | None:
    """num / den, or None when the denominator is 0 (not "0%": there is nothing to divide)."""
    return num / den if den else None


def room_metrics(c: Sequence[int], online_now: int | None, room_level_shows: bool) -> dict[str, Any]:
    """All room metrics (overall or one minute) from the counters ``c`` (ROOM_COUNTERS layout)."""
    out: dict[str, Any] = dict(zip(ROOM_COUNTERS, c, strict=True))
    peak = c[ONLINE_PEAK]
    out["online_peak"] = peak if c[ONLINE_SAMPLES] else None
    out["online_now"] = online_now
    out["online_avg"] = ratio(c[ONLINE_SUM], c[ONLINE_SAMPLES])
    uv = c[UV]
    exposed = uv if room_level_shows else c[EXPOSED_USERS]
    out["exposed"] = exposed
    out["gpm_fen"] = ratio(c[GMV] * 1000, c[PV])
    out["uv_value_fen"] = ratio(c[GMV], uv)
    out["conversion"] = ratio(c[BUYERS], uv)
    out["exposure_ctr"] = ratio(c[CLICKERS], exposed)
    out["click_conversion"] = ratio(c[BUYERS], c[CLICKERS])
    out["interaction_rate"] = ratio(c[INTERACTORS], uv)
    out["follow_rate"] = ratio(c[FOLLOWERS], uv)
    out["refund_rate"] = ratio(c[REFUND_FEN], c[GMV])
    return out


def sell_rate(units_in_window: int, t_ref_ms: int, first_ts_ms: int, rate_minutes: int) -> float:
    """Units per minute over the last ``rate_minutes`` UTC minutes up to ``t_ref_ms``.

    The window starts at the beginning of the minute ``rate_minutes - 1`` before the minute of
    ``t_ref_ms`` (never before the stream's first event); elapsed time is at least one minute.
    """
    start = t_ref_ms - t_ref_ms % MINUTE_MS - (rate_minutes - 1) * MINUTE_MS
    elapsed = t_ref_ms - max(start, first_ts_ms)
    return units_in_window * MINUTE_MS / max(elapsed, MINUTE_MS)


def window_minutes(t_ref_ms: int, rate_minutes: int) -> range:
    """The minute keys (ms) the sell-rate window covers."""
    cur = t_ref_ms - t_ref_ms % MINUTE_MS
    return range(cur - (rate_minutes - 1) * MINUTE_MS, cur + 1, MINUTE_MS)


def eta_minutes(stock: int | None, rate_per_min: float) -> float | None:
    """Minutes until sold out at ``rate_per_min``: 0 when already out, None when unknown or idle."""
    if stock is None:
        return None
    if stock <= 0:
        return 0.0
    return stock / rate_per_min if rate_per_min > 0 else None


def link_metrics(c: Sequence[int], room_uv: int, stock: int | None, rate_per_min: float) -> dict[str, Any]:
    """Link metrics from LINK_COUNTERS ``c``; exposure is room UV once the link went up room-wide."""
    out: dict[str, Any] = dict(zip(LINK_COUNTERS, c, strict=True))
    exposed = room_uv if c[L_ROOM_SHOWS] else c[L_EXPOSED]
    out["exposed"] = exposed
    out["exposure_ctr"] = ratio(c[L_CLICKERS], exposed)
    out["click_conversion"] = ratio(c[L_BUYERS], c[L_CLICKERS])
    out["conversion"] = ratio(c[L_BUYERS], room_uv)
    out["refund_rate"] = ratio(c[L_REFUND_FEN], c[L_GMV])
    out["stock"] = stock
    out["sell_rate_per_min"] = rate_per_min
    out["eta_min"] = eta_minutes(stock, rate_per_min)
    return out


def variant_metrics(c: Sequence[int], stock: int | None, rate_per_min: float) -> dict[str, Any]:
    out: dict[str, Any] = dict(zip(VARIANT_COUNTERS, c, strict=True))
    out["refund_rate"] = ratio(c[V_REFUND_FEN], c[V_GMV])
    out["stock"] = stock
    out["sold_out"] = stock is not None and stock <= 0
    out["sell_rate_per_min"] = rate_per_min
    out["eta_min"] = eta_minutes(stock, rate_per_min)
    return out


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in [0, 100]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-p * len(ordered) // 100))  # ceil(p/100 * n), at least 1
    return ordered[min(int(rank), len(ordered)) - 1]
