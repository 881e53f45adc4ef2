"""One PushKit per platform for the contract suite: signing, documented examples, odd messages."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
from pushkit import (
    DOUDIAN_KEY,
    DOUDIAN_SECRET,
    DOUYIN_SECRET,
    KUAISHOU_KEY,
    KUAISHOU_MSG_KEY,
    TIKTOK_KEY,
    TIKTOK_SECRET,
    douyin_message,
    kuaishou_message,
)

from kuaifan.events import now_ms
from kuaifan.sources import doudian, douyin_live, kuaishou, tiktok_shop
from kuaifan.sources.doudian import DoudianSource
from kuaifan.sources.douyin_live import DouyinLiveSource
from kuaifan.sources.kuaishou import KuaishouSource
from kuaifan.sources.platforms import (
    DoudianSettings,
    DouyinLiveSettings,
    KuaishouSettings,
    TiktokShopSettings,
)
from kuaifan.sources.push import PushRequest
from kuaifan.sources.tiktok_shop import TiktokShopSource
from kuaifan.testing.sources import Example, Expected

WRONG = "not-the-secret"


class DouyinKit:
    signs_time = True

    def __init__(self) -> None:
        self.source = DouyinLiveSource(DouyinLiveSettings.model_validate({"secret": DOUYIN_SECRET}))

    def request(
        self,
        payload: bytes,
        *,
        valid: bool = True,
        sent_ms: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> PushRequest:
        h = {
            "x-nonce-str": secrets.token_hex(8), "x-timestamp": str(sent_ms or now_ms()),
            "x-roomid": "7400000000000000001", "x-msg-type": "live_comment",
        }  # fmt: skip
        h |= headers or {}
        h["x-signature"] = douyin_live.sign(h, payload, DOUYIN_SECRET if valid else WRONG)
        return PushRequest.of(h, payload, now_ms())

    def examples(self) -> Sequence[Example]:
        doc_comment = (
            '[{"msg_id":"m-001","sec_openid":"u_fake_1","content":"M码还有吗",'
            '"avatar_url":"https://example.invalid/a.png","nickname":"测试用户","timestamp":1767225599000}]'
        ).encode()
        gift = douyin_message("live_gift", 1)
        return [
            Example("PLATFORMS.md live_comment", doc_comment, Expected(1)),
            Example("live_gift", orjson.dumps([gift]), Expected(1), {"x-msg-type": "live_gift"}),
            Example("live_gift test data", orjson.dumps([gift | {"test": True}]), Expected(0, 0, 1),
                    {"x-msg-type": "live_gift"}),
            Example("live_like", orjson.dumps([douyin_message("live_like", 2)]), Expected(1),
                    {"x-msg-type": "live_like"}),
            Example("live_fansclub join and level-up", orjson.dumps([
                douyin_message("live_fansclub", 3),
                douyin_message("live_fansclub", 4, fansclub_reason_type=1, fansclub_level=5),
            ]), Expected(1, 0, 1), {"x-msg-type": "live_fansclub"}),
            Example("timestamp in seconds",
                    orjson.dumps([douyin_message("live_comment", 6, ts_ms=now_ms() // 1000)]), Expected(1)),
            Example("comment without content", orjson.dumps([douyin_message("live_like", 5)]),
                    Expected(0, 1)),
        ]  # fmt: skip

    def unknown_type(self) -> tuple[bytes, dict[str, str]]:
        return orjson.dumps([douyin_message("live_comment", 1)]), {"x-msg-type": "live_unknown_type"}

    def with_texts(self, texts: Sequence[str]) -> tuple[bytes, dict[str, str]] | None:
        return orjson.dumps([douyin_message("live_comment", i, content=t) for i, t in enumerate(texts)]), {}

    def many(self, n: int) -> tuple[bytes, dict[str, str]] | None:
        return orjson.dumps([douyin_message("live_comment", i) for i in range(n)]), {}


def _refund(n: int) -> dict[str, Any]:
    data = {"s_id": 6900000000000000000 + n, "p_id": 6800000000000000000 + n, "refund_amount": 990 + n,
            "success_time": now_ms() // 1000, "aftersale_id": n, "aftersale_type": 1}  # fmt: skip
    return {"tag": "206", "msg_id": str(7300000000000000000 + n), "data": orjson.dumps(data).decode()}


class DoudianKit:
    signs_time = False

    def __init__(self) -> None:
        settings = DoudianSettings.model_validate({"app_key": DOUDIAN_KEY, "app_secret": DOUDIAN_SECRET})
        self.source = DoudianSource(settings)

    def request(
        self,
        payload: bytes,
        *,
        valid: bool = True,
        sent_ms: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> PushRequest:
        sign = doudian.sign(DOUDIAN_KEY, payload, DOUDIAN_SECRET if valid else WRONG)
        return PushRequest.of(
            {"app-id": DOUDIAN_KEY, "event-sign": sign} | (headers or {}), payload, now_ms()
        )

    def examples(self) -> Sequence[Example]:
        doc = (
            b'[{"tag":"101","msg_id":"7300000000000000001","data":"{\\"p_id\\":6900000000000000001,'
            b'\\"s_ids\\":[6900000000000000001],\\"shop_id\\":1234567,\\"order_status\\":2,\\"order_type\\":0,'
            b'\\"pay_type\\":1,\\"pay_time\\":1767225600,\\"pay_amount\\":12900,\\"biz\\":2}"}]'
        )
        shipped = {
            "tag": "102",
            "msgId": "7300000000000000005",
            "data": {"p_id": 1, "update_time": 1767225600},
        }
        return [
            Example("PLATFORMS.md tag 101 (paid)", doc, Expected(0, 1)),
            Example("tag 206 refund succeeded", orjson.dumps([_refund(1)]), Expected(1)),
            Example("tag 102 shipped, msgId and data as an object", orjson.dumps([shipped]),
                    Expected(0, 0, 1)),
            Example("data that is not JSON", orjson.dumps([{"tag": "206", "msg_id": "9", "data": "{"}]),
                    Expected(0, 1)),
        ]  # fmt: skip

    def unknown_type(self) -> tuple[bytes, dict[str, str]]:
        return orjson.dumps([{"tag": "999", "msg_id": "1", "data": "{}"}]), {}

    def with_texts(self, texts: Sequence[str]) -> tuple[bytes, dict[str, str]] | None:
        return None

    def many(self, n: int) -> tuple[bytes, dict[str, str]] | None:
        return orjson.dumps([_refund(i) for i in range(n)]), {}


TIKTOK_VECTOR = (
    b'{"type":1,"tts_notification_id":"7380066284010030890","shop_id":"7495540735365777507",'
    b'"timestamp":1718305585,"data":{"is_on_hold_order":true,"order_id":"576653688135258178",'
    b'"order_status":"UNPAID","update_time":1718305585}}'
)


class TiktokKit:
    signs_time = False

    def __init__(self) -> None:
        settings = TiktokShopSettings.model_validate({"app_key": TIKTOK_KEY, "app_secret": TIKTOK_SECRET})
        self.source = TiktokShopSource(settings)

    def request(
        self,
        payload: bytes,
        *,
        valid: bool = True,
        sent_ms: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> PushRequest:
        sign = tiktok_shop.sign(TIKTOK_KEY, payload, TIKTOK_SECRET if valid else WRONG)
        return PushRequest.of({"authorization": sign} | (headers or {}), payload, now_ms())

    def examples(self) -> Sequence[Example]:
        paid = TIKTOK_VECTOR.replace(b'"UNPAID"', b'"AWAITING_SHIPMENT"')
        ret = orjson.dumps({
            "type": 12, "tts_notification_id": "7380066284010030891", "shop_id": "1", "timestamp": 1718305585,
            "data": {"order_id": "1", "return_id": "2", "return_type": "REFUND",
                     "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE", "update_time": 1718305585},
        })  # fmt: skip
        return [
            Example("official vector (UNPAID)", TIKTOK_VECTOR, Expected(0, 0, 1)),
            Example("paid order", paid, Expected(0, 1)),
            Example("return completed", ret, Expected(0, 1)),
        ]

    def unknown_type(self) -> tuple[bytes, dict[str, str]]:
        return TIKTOK_VECTOR.replace(b'"type":1,', b'"type":999,'), {}

    def with_texts(self, texts: Sequence[str]) -> tuple[bytes, dict[str, str]] | None:
        return None

    def many(self, n: int) -> tuple[bytes, dict[str, str]] | None:
        return None  # one notification per request, and none becomes an event on its own


class KuaishouKit:
    signs_time = False

    def __init__(self) -> None:
        settings = KuaishouSettings.model_validate({"app_key": KUAISHOU_KEY, "message_key": KUAISHOU_MSG_KEY})
        self.source = KuaishouSource(settings)
        self.wrong_key = base64.b64encode(bytes(32)).decode()

    def request(
        self,
        payload: bytes,
        *,
        valid: bool = True,
        sent_ms: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> PushRequest:
        body = kuaishou.encrypt(payload, KUAISHOU_MSG_KEY if valid else self.wrong_key)
        return PushRequest.of({"content-type": "text/plain;charset=utf-8"} | (headers or {}), body, now_ms())

    def examples(self) -> Sequence[Example]:
        return [
            Example("paySuccess", orjson.dumps(kuaishou_message("kwaishop_order_paySuccess", "243_1")),
                    Expected(0, 1)),
            Example("delivering", orjson.dumps(kuaishou_message("kwaishop_order_delivering", "243_2")),
                    Expected(0, 0, 1)),
            Example("heartbeat", b'{"test":true}', Expected(0, 0, 1)),
        ]  # fmt: skip

    def unknown_type(self) -> tuple[bytes, dict[str, str]]:
        return orjson.dumps(kuaishou_message("some_other_event", "243_3")), {}

    def with_texts(self, texts: Sequence[str]) -> tuple[bytes, dict[str, str]] | None:
        return None

    def many(self, n: int) -> tuple[bytes, dict[str, str]] | None:
        return None
