"""快手电商 order pages (``open.order.cursor.list`` responses saved as JSON) → raw order items.

Response (PLATFORMS.md §4.2; the shape comes from client code and is **partly unconfirmed**, so the
parser is tolerant): ``result`` (1 = ok), ``data{cursor, orderList[]}``; an order has
``orderBaseInfo{oid, status, buyerOpenId, createTime, payTime, totalFee, expressFee, cpsType …}``,
``orderItemInfo{itemId, skuId, relSkuId, skuDesc, itemTitle, num, price …}`` (one item per order),
``orderRefundList[]``. Money in 分, times in **ms**.

Per paid order (``payTime`` > 0): an ``order_paid`` item, ``msg_id`` ``order_paid:<oid>``, sku_id =
``skuId`` (``relSkuId`` when absent), item_id = ``itemId``, qty = ``num``, amount_fen =
``totalFee``, spec from ``skuDesc`` (``颜色:黑色;尺码:M`` pairs, else ``{"规格": skuDesc}``),
channel ``influencer`` for a distribution order (``cpsType`` 2, 分销), else ``store``. Live room
attribution is not in the documented fields (**unconfirmed**), so room_id stays empty. Refund
statuses are undocumented here: refunds are not taken from these pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from kuaifan.sources.orders import paid_msg_id
from kuaifan.sources.push import as_id, as_int

DISTRIBUTION: Final = 2
_PAIR: Final = re.compile(r"\s*([^:：;；,，]+)\s*[:：]\s*([^;；,，]+)")


def is_kuaishou_page(value: Any) -> bool:
    data = value.get("data") if isinstance(value, dict) else None
    return isinstance(data, dict) and isinstance(data.get("orderList"), list)


def orders(page: Any) -> list[Any]:
    data = page.get("data") if isinstance(page, dict) else None
    found = data.get("orderList") if isinstance(data, dict) else None
    return found if isinstance(found, list) else []


def order_items(order: Any) -> Iterator[dict[str, Any] | str]:
    if not isinstance(order, dict):
        yield f"order: expected a JSON object, got {type(order).__name__}"
        return
    base, item = order.get("orderBaseInfo"), order.get("orderItemInfo")
    if not isinstance(base, dict) or not isinstance(item, dict):
        yield "order: orderBaseInfo / orderItemInfo missing"
        return
    oid = as_id(base.get("oid"))
    if oid is None:
        yield "order: orderBaseInfo.oid is missing"
        return
    pay_time = as_int(base.get("payTime"))
    if not pay_time:
        return
    sku = as_id(item.get("skuId")) or as_id(item.get("relSkuId"))
    qty, amount = as_int(item.get("num")), as_int(base.get("totalFee"))
    if sku is None or qty is None or amount is None:
        missing = [n for n, v in (("skuId", sku), ("num", qty), ("totalFee", amount)) if v is None]
        yield f"order {oid}: {', '.join(missing)} missing"
        return
    paid: dict[str, Any] = {
        "kind": "order_paid", "platform": "kuaishou", "msg_id": paid_msg_id(oid), "order_id": oid,
        "ts_ms": pay_time, "sku_id": sku, "qty": qty, "amount_fen": amount,
        "channel": "influencer" if as_int(base.get("cpsType")) == DISTRIBUTION else "store",
    }  # fmt: skip
    optional = {
        "item_id": as_id(item.get("itemId")),
        "spec": spec_of(item.get("skuDesc")),
        "user_id": base.get("buyerOpenId") if isinstance(base.get("buyerOpenId"), str) else None,
    }
    yield paid | {k: v for k, v in optional.items() if v}


def product_name(order: Any) -> tuple[str, str] | None:
    item = order.get("orderItemInfo") if isinstance(order, dict) else None
    if isinstance(item, dict):
        item_id, title = as_id(item.get("itemId")), item.get("itemTitle")
        if item_id is not None and isinstance(title, str) and title.strip():
            return item_id, title.strip()
    return None


def spec_of(desc: Any) -> dict[str, str] | None:
    if not isinstance(desc, str) or not desc.strip():
        return None
    pairs = {k.strip(): v.strip() for k, v in _PAIR.findall(desc)}
    return pairs or {"规格": desc.strip()}
