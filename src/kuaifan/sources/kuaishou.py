"""快手电商开放平台 message push (消息服务, official doc 401854 as copied in PLATFORMS.md §4.3).

Request: ``POST``, ``text/plain;charset=utf-8``; the body is Base64 of AES/CBC/PKCS5Padding
ciphertext, key = the Base64-decoded message key of 应用中心 → 详情, IV = 16 zero bytes. There is
no signature header (**unconfirmed** whether one exists), so authenticity rests on the key: a body
that does not decrypt, or decrypts to anything but a JSON message of this tenant's ``appKey``, is
refused with nothing stored. The reply is HTTP 200 with ``{"result": 1}`` within 3 s; the platform
retries 5 times (5, 10, 20, 30, 60 min) and sends ``{"test": true}`` as a heartbeat (plain or
encrypted: both are accepted and ignored). No send time is signed: repeats are deduplicated on
``eventId``.

A message: ``eventId``, ``bizId``, ``userId`` (seller), ``openId``, ``appKey``, ``event``,
``info`` (JSON text), ``createTime`` (ms), ``test``. Events:

- ``kwaishop_order_paySuccess`` (paid): carries only the order id and status, so it is kept as a
  ``needs order detail`` dead letter until the order pages (``open.order.cursor.list``) are ingested;
- other ``kwaishop_*`` events (order created, shipped, received, fee changed, after-sales steps,
  items): acknowledged and ignored (after-sales statuses are **unconfirmed**; refunds come from
  the order pages' ``orderRefundList``);
- anything else: a dead letter.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any, Final

import orjson
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kuaifan.sources.orders import needs_detail
from kuaifan.sources.platforms import KuaishouSettings
from kuaifan.sources.push import PushBatch, PushRejected, PushRequest, Reply, Verified, as_id, dead

NAME: Final = "kuaishou"
PAID_EVENT: Final = "kwaishop_order_paySuccess"
_ZERO_IV: Final = bytes(16)


def encrypt(plain: bytes, message_key_b64: str) -> bytes:
    """What the platform sends for ``plain`` (for tests and the contract suite)."""
    padder = padding.PKCS7(128).padder()
    data = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(base64.b64decode(message_key_b64)), modes.CBC(_ZERO_IV)).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize())


def decrypt(body: bytes, message_key_b64: str) -> bytes:
    """The plain message of a push body; ValueError when it does not decrypt."""
    try:
        raw = base64.b64decode(body.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("body is not Base64") from None
    if not raw or len(raw) % 16:
        raise ValueError("ciphertext length is not a multiple of the AES block")
    dec = Cipher(algorithms.AES(base64.b64decode(message_key_b64)), modes.CBC(_ZERO_IV)).decryptor()
    padded = dec.update(raw) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise ValueError("bad padding (wrong message key?)") from None


def _is_test(value: Any) -> bool:
    return isinstance(value, dict) and value.get("test") is True and "event" not in value


class KuaishouSource:
    """PushSource for one tenant's 快手电商 message push."""

    name = NAME
    platform = "kuaishou"

    def __init__(self, settings: KuaishouSettings) -> None:
        self.settings = settings

    def _plain(self, body: bytes) -> Any:
        if body.lstrip().startswith(b"{"):  # the plain heartbeat
            try:
                value = orjson.loads(body)
            except orjson.JSONDecodeError:
                value = None
            if _is_test(value):
                return value
            raise PushRejected("signature", "plain body that is not the heartbeat: refused (not encrypted)")
        key = self.settings.message_key
        if key is None:
            raise PushRejected("config", "kuaishou message_key is not configured")
        try:
            plain = decrypt(body, key.get_secret_value())
        except ValueError as exc:
            raise PushRejected("signature", f"body does not decrypt with the message key: {exc}") from None
        try:
            return orjson.loads(plain)
        except orjson.JSONDecodeError:
            raise PushRejected("signature", "decrypted body is not JSON (wrong message key?)") from None

    def verify(self, request: PushRequest) -> Verified:
        message = self._plain(request.body)
        if _is_test(message):
            return Verified()
        app_key = message.get("appKey") if isinstance(message, dict) else None
        if self.settings.app_key is not None and not (
            isinstance(app_key, str) and hmac.compare_digest(app_key.encode(), self.settings.app_key.encode())
        ):
            raise PushRejected("signature", "appKey of the message is not this tenant's app_key")
        return Verified()

    def parse(self, request: PushRequest) -> PushBatch:
        out = PushBatch()
        try:
            message = self._plain(request.body)
        except PushRejected as exc:  # parse never raises: a body verify let through is still checked
            out.dead.append(dead(NAME, exc.reason, request.body, 1))
            return out
        if _is_test(message):
            out.ignored += 1
            return out
        if not isinstance(message, dict):
            out.dead.append(dead(NAME, f"expected a JSON object, got {type(message).__name__}", message, 1))
            return out
        event_id = as_id(message.get("eventId"))
        if event_id is None:
            out.dead.append(dead(NAME, "eventId is missing", message, 1))
            return out
        out.msg_ids.append(event_id)
        event = message.get("event")
        if event == PAID_EVENT:
            out.dead.append(needs_detail(NAME, "paySuccess", as_id(message.get("bizId")), message, 1))
        elif isinstance(event, str) and event.startswith("kwaishop_"):
            out.ignored += 1
        else:
            out.dead.append(dead(NAME, f"unknown event {str(event)[:60]!r}", message, 1))
        return out

    def ok_reply(self) -> Reply:
        return Reply(200, {"result": 1})

    def fail_reply(self) -> Reply:
        return Reply(503, {"result": 0})
