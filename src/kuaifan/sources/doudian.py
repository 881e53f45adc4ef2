"""抖店 (Doudian) open platform message push: orders and after-sales.

Request: ``POST`` with headers ``app-id`` (the app_key) and ``event-sign`` = lower-case hex
MD5(app_key + raw body + app_secret) (PLATFORMS.md §2.1, from SDKs quoting the message-push guide;
an HMAC variant for pushes is **unconfirmed**, so only MD5 is accepted). ``app-id`` must be the
tenant's key. The body is a JSON array of ``{tag, msg_id, data}`` where ``data`` is itself JSON text
(``msgId`` is tolerated for ``msg_id``; ``data`` as an object too). Reply ``{"code":0,"msg":"success"}``.
No send time is signed, so there is no time window: repeats are deduplicated on msg_id.

Tags → events:

- 206 退款成功 (refund succeeded) → ``order_refund`` of the sub-order ``s_id`` (amount_fen =
  ``refund_amount``, ts = ``success_time``); ``msg_id`` ``order_refund:<s_id>``, as the order
  export and the order pages, so all three deduplicate. (206/207 numbering **unconfirmed**: one
  SDK maps 207 to 退款成功; we follow the structs of two others.)
- 101 支付成功 and 110 已支付待处理 (paid) and 200 买家发起售后 (refund asked): the push carries no
  SKU, so they are kept as ``needs order detail`` dead letters (``sources.orders``) until the
  order's detail or pages are ingested.
- every other known tag (created, shipped, completed, cancelled before payment, address changes,
  after-sale steps …): acknowledged and ignored; unknown tags: dead letters.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final

import orjson

from kuaifan.sources.orders import needs_detail, refund_msg_id
from kuaifan.sources.platforms import DoudianSettings
from kuaifan.sources.push import (
    PushBatch,
    PushRejected,
    PushRequest,
    Reply,
    Verified,
    as_id,
    as_int,
    dead,
    json_body,
)

NAME: Final = "doudian"
REFUND_SUCCESS: Final = "206"
PAID_TAGS: Final = {"101": "paid", "110": "paid (pending)", "200": "refund request"}
# Known tags that carry nothing for demand (PLATFORMS.md §2.2).
IGNORED_TAGS: Final = frozenset(
    {"100", "102", "103", "104", "105", "106", "108", "109", "111", "113", "126"}
    | {str(t) for t in range(201, 228) if t != 206}
    | {"400", "417"}
)


def sign(app_key: str, body: bytes, app_secret: str) -> str:
    """event-sign of a push body."""
    return hashlib.md5(app_key.encode() + body + app_secret.encode(), usedforsecurity=False).hexdigest()


class DoudianSource:
    """PushSource for one tenant's 抖店 message push."""

    name = NAME
    platform = "doudian"

    def __init__(self, settings: DoudianSettings) -> None:
        self.settings = settings

    def verify(self, request: PushRequest) -> Verified:
        key, secret = self.settings.app_key, self.settings.app_secret
        if key is None or secret is None:
            raise PushRejected("config", "doudian app_key / app_secret are not configured")
        got = request.headers.get("event-sign", "").strip().lower()
        if not got:
            raise PushRejected("signature", "missing header: event-sign")
        app_id = request.headers.get("app-id", "").strip()
        if app_id and not hmac.compare_digest(app_id.encode(), key.encode()):
            raise PushRejected("signature", "app-id is not this tenant's app_key")
        if not hmac.compare_digest(sign(key, request.body, secret.get_secret_value()).encode(), got.encode()):
            raise PushRejected("signature", "event-sign does not match the body and the app secret")
        return Verified()

    def parse(self, request: PushRequest) -> PushBatch:
        out = PushBatch()
        body, bad = json_body(NAME, request.body)
        if bad is not None:
            out.dead.append(bad)
            return out
        messages = body if isinstance(body, list) else [body]
        for position, message in enumerate(messages, 1):
            result = _message(message, position)
            if isinstance(result, dict):
                out.items.append(result)
            elif result is None:
                out.ignored += 1
            else:
                out.dead.append(result)
            if isinstance(message, dict):
                msg_id = as_id(message.get("msg_id", message.get("msgId")))
                if msg_id is not None:
                    out.msg_ids.append(msg_id)
        return out

    def ok_reply(self) -> Reply:
        return Reply(200, {"code": 0, "msg": "success"})

    def fail_reply(self) -> Reply:
        return Reply(503, {"code": 1, "msg": "fail"})


def _message(message: Any, position: int) -> dict[str, Any] | Any:
    """A raw item, None (ignored) or a DeadLetter."""
    if not isinstance(message, dict):
        return dead(NAME, f"expected a JSON object, got {type(message).__name__}", message, position)
    tag = as_id(message.get("tag"))
    msg_id = as_id(message.get("msg_id", message.get("msgId")))
    if tag is None:
        return dead(NAME, "tag is missing", message, position)
    if msg_id is None:
        return dead(NAME, "msg_id is missing", message, position)
    data = message.get("data")
    if isinstance(data, str):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            return dead(NAME, f"data: malformed JSON text: {exc}", message, position)
    if not isinstance(data, dict):
        return dead(NAME, "data: expected a JSON object (or its JSON text)", message, position)
    if tag in PAID_TAGS:
        order = as_id(data.get("p_id"))
        return needs_detail(NAME, f"tag {tag} ({PAID_TAGS[tag]})", order, message, position)
    if tag in IGNORED_TAGS:
        return None
    if tag != REFUND_SUCCESS:
        return dead(NAME, f"unknown tag {tag[:20]!r}", message, position)
    sub_order = as_id(data.get("s_id"))
    amount = as_int(data.get("refund_amount"))
    when = as_int(data.get("success_time")) or as_int(data.get("update_time"))
    if sub_order is None:
        return dead(NAME, "tag 206: s_id is missing", message, position)
    if amount is None:
        return dead(NAME, "tag 206: refund_amount is missing", message, position)
    if when is None:
        return dead(NAME, "tag 206: success_time is missing", message, position)
    return {
        "kind": "order_refund", "platform": "doudian", "order_id": sub_order,
        "msg_id": refund_msg_id(sub_order), "amount_fen": amount, "ts_ms": when * 1000,
    }  # fmt: skip
