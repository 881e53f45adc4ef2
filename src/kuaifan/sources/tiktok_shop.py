"""TikTok Shop Partner API webhooks (order and return status changes).

Signature (official, with the official test vector, PLATFORMS.md §5): header ``Authorization``
(no scheme) = lower-case hex HMAC-SHA256(key = app_secret, message = app_key + raw body). The signed
string holds no send time, and TikTok retries for hours, so there is no time window: repeats are
deduplicated on ``tts_notification_id``. Reply 200 with an empty body.

Envelope: ``type`` (topic number), ``tts_notification_id``, ``shop_id``, ``timestamp`` (s), ``data``.
The docs warn against relying on ``type`` alone; we use it with the fields of ``data``:

- 1 ORDER_STATUS_CHANGE with a paid status (AWAITING_SHIPMENT, AWAITING_COLLECTION) and 12
  RETURN_STATUS_CHANGE of a refund or return completing: the webhook carries no SKU lines nor
  amounts, so they are kept as ``needs order detail`` dead letters (``sources.orders``) until the
  order's detail is ingested;
- other statuses and other known topics (2-7, 14, 27, 36, 37, 42 …): acknowledged, ignored;
- an unknown ``type``, or an envelope without ``tts_notification_id``: a dead letter.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from kuaifan.sources.orders import needs_detail
from kuaifan.sources.platforms import TiktokShopSettings
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

NAME: Final = "tiktok_shop"
ORDER_STATUS_CHANGE: Final = 1
RETURN_STATUS_CHANGE: Final = 12
PAID_STATUSES: Final = frozenset({"AWAITING_SHIPMENT", "AWAITING_COLLECTION"})
KNOWN_TYPES: Final = frozenset({1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15, 16, 27, 36, 37, 42})


def sign(app_key: str, body: bytes, app_secret: str) -> str:
    """The Authorization header of a webhook body."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


class TiktokShopSource:
    """PushSource for one tenant's TikTok Shop webhooks."""

    name = NAME
    platform = "tiktok"

    def __init__(self, settings: TiktokShopSettings) -> None:
        self.settings = settings

    def verify(self, request: PushRequest) -> Verified:
        key, secret = self.settings.app_key, self.settings.app_secret
        if key is None or secret is None:
            raise PushRejected("config", "tiktok_shop app_key / app_secret are not configured")
        got = request.headers.get("authorization", "").strip().lower()
        if not got:
            raise PushRejected("signature", "missing header: Authorization")
        if not hmac.compare_digest(sign(key, request.body, secret.get_secret_value()).encode(), got.encode()):
            raise PushRejected("signature", "Authorization does not match the body and the app secret")
        return Verified()

    def parse(self, request: PushRequest) -> PushBatch:
        out = PushBatch()
        body, bad = json_body(NAME, request.body)
        if bad is not None:
            out.dead.append(bad)
            return out
        if not isinstance(body, dict):
            out.dead.append(dead(NAME, f"expected a JSON object, got {type(body).__name__}", body, 1))
            return out
        notification = as_id(body.get("tts_notification_id"))
        if notification is None:
            out.dead.append(dead(NAME, "tts_notification_id is missing", body, 1))
            return out
        out.msg_ids.append(notification)
        topic = as_int(body.get("type"))
        data = body.get("data")
        if topic not in KNOWN_TYPES:
            out.dead.append(dead(NAME, f"unknown webhook type {str(body.get('type'))[:20]!r}", body, 1))
        elif not isinstance(data, dict):
            out.dead.append(dead(NAME, "data: expected a JSON object", body, 1))
        elif topic == ORDER_STATUS_CHANGE and data.get("order_status") in PAID_STATUSES:
            what = f"order {data['order_status']}"
            out.dead.append(needs_detail(NAME, what, as_id(data.get("order_id")), body, 1))
        elif topic == RETURN_STATUS_CHANGE and str(data.get("return_status", "")).endswith("_COMPLETE"):
            out.dead.append(needs_detail(NAME, "return completed", as_id(data.get("order_id")), body, 1))
        else:
            out.ignored += 1
        return out

    def ok_reply(self) -> Reply:
        return Reply(200, None)

    def fail_reply(self) -> Reply:
        return Reply(503, None)
