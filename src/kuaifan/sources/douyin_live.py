"""Douyin open platform live-room data push (直播间数据开放: 评论 / 礼物 / 点赞 / 粉丝团).

Request: ``POST`` with headers ``x-nonce-str``, ``x-timestamp`` (epoch **ms**), ``x-roomid``,
``x-msg-type`` and ``x-signature``; the body is a JSON array of messages of that type.

Signature (official rule and test vector, PLATFORMS.md §1.3): the headers except ``x-signature`` and
``content-type`` (i.e. the four ``x-`` headers above), sorted by name, joined as ``name=value`` with
``&``, then the raw body bytes, then the secret; MD5; standard Base64. Checked over the raw bytes
before any JSON parsing, in constant time.

Mapping (one message → one raw item, ``platform`` douyin, ``room_id`` = ``stream_id`` = x-roomid:
Douyin gives every broadcast its own room id):

- ``live_comment`` → ``comment`` (text = ``content``)
- ``live_gift``    → ``gift`` (qty = ``gift_num``, amount_fen = ``gift_value``, the total in 分 —
  per SDK comments, **unconfirmed**); messages with ``test: true`` are platform test data: ignored
- ``live_like``    → ``like`` (qty = ``like_num``, merged upstream per user every 2 s)
- ``live_fansclub``→ ``follow`` when a viewer joins the fans club (``fansclub_reason_type`` 2);
  a level-up (1) and other reasons (16 = leave is **unconfirmed**) are ignored

``msg_id`` is ``<x-msg-type>:<msg_id>`` (ids are documented unique per type only), the user id is
``sec_openid``. ``timestamp`` is ms (a value in seconds is accepted too); a message without one
takes x-timestamp. Unknown message
types and malformed messages become dead letters. Tolerant where the documentation is: ids and
numbers are accepted as strings or numbers, unknown extra fields are ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Final

from kuaifan.sources.platforms import DouyinLiveSettings
from kuaifan.sources.push import (
    PushBatch,
    PushRejected,
    PushRequest,
    RejectKind,
    Reply,
    Verified,
    as_id,
    as_int,
    dead,
    epoch_ms,
    json_body,
)

NAME: Final = "douyin_live"
SIGNED_HEADERS: Final = ("x-msg-type", "x-nonce-str", "x-roomid", "x-timestamp")
KNOWN_TYPES: Final = ("live_comment", "live_gift", "live_like", "live_fansclub")
FANSCLUB_JOIN: Final = 2


def sign(headers: Mapping[str, str], body: bytes, secret: str) -> str:
    """x-signature of a request (lower-case header names)."""
    signed = "&".join(f"{name}={headers[name]}" for name in sorted(SIGNED_HEADERS) if name in headers)
    digest = hashlib.md5(signed.encode() + body + secret.encode(), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


class DouyinLiveSource:
    """PushSource for one tenant's Douyin live push."""

    name = NAME
    platform = "douyin"

    def __init__(self, settings: DouyinLiveSettings) -> None:
        self.settings = settings

    def verify(self, request: PushRequest) -> Verified:
        h = request.headers
        missing = [n for n in (*SIGNED_HEADERS, "x-signature") if not h.get(n)]
        if missing:
            raise PushRejected("signature", f"missing headers: {', '.join(missing)}")
        secret = self.settings.secret_for(h["x-msg-type"])
        if secret is None:  # none at all is a config gap; none for this type cannot be verified
            kind: RejectKind = "signature" if self.settings.ready() else "config"
            raise PushRejected(kind, f"no secret configured for x-msg-type {h['x-msg-type'][:40]!r}")
        expected = sign(h, request.body, secret.get_secret_value())
        if not hmac.compare_digest(expected.encode(), h["x-signature"].strip().encode()):
            raise PushRejected("signature", "x-signature does not match the body and the secret")
        sent = as_int(h["x-timestamp"])
        if sent is None:
            raise PushRejected("signature", "x-timestamp is not an integer (epoch milliseconds)")
        return Verified(sent_ms=sent, nonce=h["x-nonce-str"])

    def parse(self, request: PushRequest) -> PushBatch:
        h = request.headers
        out = PushBatch()
        body, bad = json_body(NAME, request.body)
        if bad is not None:
            out.dead.append(bad)
            return out
        messages = body if isinstance(body, list) else [body]  # tolerate a single object
        msg_type = h.get("x-msg-type", "")
        room = as_id(h.get("x-roomid"))
        sent_ms = as_int(h.get("x-timestamp"))
        for position, message in enumerate(messages, 1):
            if isinstance(message, dict) and isinstance(message.get("msg_id"), str | int):
                out.msg_ids.append(str(message["msg_id"]))
            item = _item(msg_type, room, sent_ms, message, self.settings.channel)
            if isinstance(item, str):
                if item == _IGNORED:
                    out.ignored += 1
                else:
                    out.dead.append(dead(NAME, item, message, position))
            else:
                out.items.append(item)
        return out

    def ok_reply(self) -> Reply:
        return Reply(200, {"err_no": 0, "err_msg": "success"})

    def fail_reply(self) -> Reply:
        return Reply(503, {"err_no": 1, "err_msg": "retry"})


_IGNORED: Final = "\0ignored"


def _item(
    msg_type: str, room: str | None, sent_ms: int | None, message: Any, channel: str
) -> dict[str, Any] | str:
    """One message → a raw item, ``_IGNORED``, or the reason it is refused."""
    if msg_type not in KNOWN_TYPES:
        return f"unknown x-msg-type {msg_type[:40]!r}"
    if not isinstance(message, dict):
        return f"expected a JSON object, got {type(message).__name__}"
    if room is None:
        return "x-roomid is empty"
    msg_id = as_id(message.get("msg_id"))
    if msg_id is None:
        return "msg_id is missing"
    ts = message.get("timestamp")
    ts_ms = epoch_ms(ts) if ts is not None else sent_ms
    if ts_ms is None:
        return "timestamp: expected epoch milliseconds"
    item: dict[str, Any] = {
        "platform": "douyin", "room_id": room, "stream_id": room, "channel": channel,
        "ts_ms": ts_ms, "msg_id": f"{msg_type}:{msg_id}",
    }  # fmt: skip
    user = message.get("sec_openid")
    if isinstance(user, str) and user:
        item["user_id"] = user
    for key in ("nickname", "avatar_url"):
        if isinstance(message.get(key), str) and message[key]:
            item[key] = message[key]
    if msg_type == "live_comment":
        content = message.get("content")
        if not isinstance(content, str) or not content:
            return "content is missing"
        return item | {"kind": "comment", "text": content}
    if msg_type == "live_gift":
        if message.get("test") is True:
            return _IGNORED
        num, value = as_int(message.get("gift_num")), as_int(message.get("gift_value"))
        if num is None:
            return "gift_num: expected an integer"
        item |= {"kind": "gift", "qty": num}
        return item | {"amount_fen": value} if value is not None else item
    if msg_type == "live_like":
        likes = as_int(message.get("like_num"))
        return item | {"kind": "like", "qty": likes if likes is not None else 1}
    reason = as_int(message.get("fansclub_reason_type"))
    if reason != FANSCLUB_JOIN:
        return _IGNORED
    return item | {"kind": "follow"}
