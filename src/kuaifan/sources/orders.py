"""What order platforms have in common: stable message ids, channel rules and order notices.

Order events from a push, from an order page saved from a platform API and from a merchant export
must deduplicate against each other, so they share one message id per sub-order (the export's
scheme, ``sources.orders_export``): ``order_paid:<sub-order id>`` and ``order_refund:<sub-order id>``.

Order pushes (抖店 tags, 快手 events, TikTok Shop webhooks) mostly say *that* an order changed, not
what was in it (no SKU, often no amount). A notice that matters for demand (paid, refunded) but
cannot become an event on its own is kept as a dead letter whose reason starts with
``NEEDS_DETAIL``: the raw notice is kept, the count shows in ``kuaifan stats``, and ingesting the
order pages (or an order-detail lookup) produces the events, deduplicated with anything already stored.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

from kuaifan.sources.base import DeadLetter
from kuaifan.sources.push import dead

PAID: Final = "order_paid"
REFUND: Final = "order_refund"
NEEDS_DETAIL: Final = "needs order detail"


def paid_msg_id(sub_order_id: str) -> str:
    return f"{PAID}:{sub_order_id}"


def refund_msg_id(sub_order_id: str) -> str:
    return f"{REFUND}:{sub_order_id}"


def channel_of(author_id: str | None, own_author_ids: Collection[str], *, self_sale: bool = False) -> str:
    """店播 (store) unless a creator other than the shop's own accounts sold it (达播, influencer)."""
    if author_id is None or self_sale or author_id in own_author_ids:
        return "store"
    return "influencer"


def needs_detail(source: str, what: str, order_id: str | None, raw: Any, position: int) -> DeadLetter:
    """A demand-relevant order notice that carries no SKU or amount (see the module doc)."""
    shown = order_id or "?"
    reason = f"{NEEDS_DETAIL}: {what} notice for order {shown} carries no SKU lines"
    return dead(source, reason, raw, position)
