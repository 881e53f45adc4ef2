"""Names shown to people for the values the packages use (zh, en)."""

from __future__ import annotations

from typing import Final

INTENT_NAMES: Final = {
    "price": ("价格", "price"),
    "size_fit": ("尺码", "size & fit"),
    "variant": ("款式/颜色", "variant"),
    "stock": ("库存/返场", "stock"),
    "link": ("链接", "link"),
    "shipping": ("物流", "shipping"),
    "quality": ("质量", "quality"),
    "purchased": ("已购", "purchased"),
    "after_sales": ("售后", "after-sales"),
    "praise": ("好评", "praise"),
    "other": ("其他", "other"),
}
CHANNEL_NAMES: Final = {
    "store": ("店播", "store"),
    "influencer": ("达播", "influencer"),
    "shelf": ("货架", "shelf"),
}
