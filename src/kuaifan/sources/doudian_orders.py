"""抖店 order JSON as the open API returns it (order.orderDetail, order.searchList) → raw order items.

Shapes (PLATFORMS.md §2.3): ``orderDetail`` → ``data.shop_order_detail`` (one shop order);
``searchList`` → ``data.shop_order_list[]``. A shop order holds ``sku_order_list[]``, one entry per
sub-order (子订单) with ``order_id``, ``sku_id``, ``product_id``, ``product_name``,
``spec[{name, value}]``, ``item_num``, ``pay_amount`` (分), ``author_id``, ``room_id``,
``theme_type``, ``c_biz``, ``create_time`` / ``pay_time`` (Unix **seconds**) and ``after_sale_info``.

Per sub-order:

- paid when it has a ``pay_time`` (unpaid and cancelled-before-payment orders have none): an
  ``order_paid`` item, ``msg_id`` ``order_paid:<sub-order id>`` as in the order export and the
  push, order_id = the sub-order id, item_id = ``product_id``, qty = ``item_num``, amount_fen =
  ``pay_amount`` of the sub-order, room_id = ``room_id`` when not 0 (``theme_type`` is not used: its
  meaning is **unconfirmed**), user_id = the shop order's ``doudian_open_id``;
- channel: ``influencer`` with author_id when an ``author_id`` is present, is not one of the shop's
  own accounts and ``c_biz`` is not 8 (小店自卖); otherwise ``store``;
- refunded when ``after_sale_info.refund_status`` is 3 (退款成功): also an ``order_refund`` item
  (``order_refund:<sub-order id>``) for the sub-order's paid amount and quantity (the detail has no
  refund amount; a partial refund is only exact from the refund push, tag 206), at ``update_time``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, Final

from kuaifan.sources.orders import channel_of, paid_msg_id, refund_msg_id
from kuaifan.sources.push import as_id, as_int

REFUND_SUCCESS: Final = 3
SELF_SALE_C_BIZ: Final = 8


def is_doudian_page(value: Any) -> bool:
    data = value.get("data") if isinstance(value, dict) else None
    return isinstance(data, dict) and ("shop_order_list" in data or "shop_order_detail" in data)


def shop_orders(page: Any) -> list[Any]:
    data = page.get("data") if isinstance(page, dict) else None
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("shop_order_detail"), dict):
        return [data["shop_order_detail"]]
    orders = data.get("shop_order_list")
    return orders if isinstance(orders, list) else []


def order_items(order: Any, own_author_ids: Collection[str]) -> Iterator[dict[str, Any] | str]:
    """Raw items of one shop order, or the reasons its sub-orders are refused."""
    if not isinstance(order, dict):
        yield f"shop order: expected a JSON object, got {type(order).__name__}"
        return
    lines = order.get("sku_order_list")
    if not isinstance(lines, list):
        yield f"shop order {as_id(order.get('order_id'))}: sku_order_list is missing"
        return
    buyer = order.get("doudian_open_id")
    for line in lines:
        yield from _line_items(
            line, order, buyer if isinstance(buyer, str) and buyer else None, own_author_ids
        )


def _line_items(
    line: Any, order: dict[str, Any], buyer: str | None, own: Collection[str]
) -> Iterator[dict[str, Any] | str]:
    if not isinstance(line, dict):
        yield "sku order: expected a JSON object"
        return
    sub = as_id(line.get("order_id"))
    if sub is None:
        yield "sku order: order_id is missing"
        return
    pay_time = as_int(line["pay_time"] if "pay_time" in line else order.get("pay_time"))
    if not pay_time:
        return  # not paid: no sale
    sku, qty, amount = as_id(line.get("sku_id")), as_int(line.get("item_num")), as_int(line.get("pay_amount"))
    if sku is None or qty is None or amount is None:
        missing = [n for n, v in (("sku_id", sku), ("item_num", qty), ("pay_amount", amount)) if v is None]
        yield f"sku order {sub}: {', '.join(missing)} missing"
        return
    author = as_id(line.get("author_id"))
    paid: dict[str, Any] = {
        "kind": "order_paid", "platform": "doudian", "msg_id": paid_msg_id(sub), "order_id": sub,
        "ts_ms": pay_time * 1000, "sku_id": sku, "qty": qty, "amount_fen": amount,
        "channel": channel_of(author, own, self_sale=as_int(line.get("c_biz")) == SELF_SALE_C_BIZ),
    }  # fmt: skip
    optional = {
        "item_id": as_id(line.get("product_id")),
        "room_id": as_id(line.get("room_id")),
        "author_id": author,
        "spec": _spec(line.get("spec")),
        "user_id": buyer,
    }
    paid |= {k: v for k, v in optional.items() if v is not None}
    yield paid
    info = line.get("after_sale_info")
    if isinstance(info, dict) and as_int(info.get("refund_status")) == REFUND_SUCCESS:
        when = as_int(line.get("update_time")) or as_int(order.get("update_time")) or pay_time
        yield paid | {"kind": "order_refund", "msg_id": refund_msg_id(sub), "ts_ms": when * 1000}


def product_name(line: Any) -> tuple[str, str] | None:
    if isinstance(line, dict):
        item, name = as_id(line.get("product_id")) or as_id(line.get("sku_id")), line.get("product_name")
        if item is not None and isinstance(name, str) and name.strip():
            return item, name.strip()
    return None


def _spec(value: Any) -> dict[str, str] | None:
    if not isinstance(value, list):
        return None
    out = {
        str(p["name"]).strip(): str(p["value"]).strip()
        for p in value
        if isinstance(p, dict) and p.get("name") not in (None, "") and p.get("value") not in (None, "")
    }
    return out or None
