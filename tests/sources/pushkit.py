"""Signed platform requests as the platforms send them, and a kuaifan.toml with platform tables."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import orjson

from kuaifan.config import Settings, load_settings
from kuaifan.events import now_ms
from kuaifan.sources import doudian, douyin_live, kuaishou, tiktok_shop

API_KEY = "acme-key-0123456789abcdef"
SALT = "acme-salt-0123456789"
DOUYIN_SECRET = "douyin-secret-demo"
DOUDIAN_KEY, DOUDIAN_SECRET = "7000000000000000001", "doudian_secret_demo"
TIKTOK_KEY, TIKTOK_SECRET = "tt-app-key", "tt-app-secret"
KUAISHOU_KEY = "ks000000000000000001"
KUAISHOU_MSG_KEY = base64.b64encode(bytes(range(100, 132))).decode()
OWN_AUTHOR = "111"

PLATFORMS_TOML = f"""
[tenants.acme.platforms.douyin_live]
secret = "{DOUYIN_SECRET}"
replay_window_s = 300

[tenants.acme.platforms.doudian]
app_key = "{DOUDIAN_KEY}"
app_secret = "{DOUDIAN_SECRET}"
own_author_ids = ["{OWN_AUTHOR}"]

[tenants.acme.platforms.kuaishou]
app_key = "{KUAISHOU_KEY}"
message_key = "{KUAISHOU_MSG_KEY}"

[tenants.acme.platforms.tiktok_shop]
app_key = "{TIKTOK_KEY}"
app_secret = "{TIKTOK_SECRET}"
"""


def write_settings(home: Path, *, store_nicknames: bool = False, platforms: str = PLATFORMS_TOML) -> Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "kuaifan.toml").write_text(
        'default_tenant = "acme"\n\n'
        f'[tenants.acme]\napi_key = "{API_KEY}"\nsalt = "{SALT}"\n'
        f"store_nicknames = {'true' if store_nicknames else 'false'}\n"
        f"{platforms}\n"
        '[tenants.beta]\napi_key = "beta-key-0123456789abcdef"\nsalt = "beta-salt-0123456789"\n',
        encoding="utf-8",
    )
    return load_settings({"KUAIFAN_HOME": str(home)})


def douyin_message(kind: str, n: int, *, ts_ms: int | None = None, **extra: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "msg_id": f"{kind}-{n}", "sec_openid": f"open_{n % 7}", "avatar_url": "https://example.invalid/a.png",
        "nickname": "测试用户", "timestamp": ts_ms if ts_ms is not None else now_ms(),
    }  # fmt: skip
    if kind == "live_comment":
        msg["content"] = f"M码还有吗 {n}"
    elif kind == "live_gift":
        msg |= {"sec_gift_id": "g1", "gift_num": 2, "gift_value": 200}
    elif kind == "live_like":
        msg["like_num"] = 3
    elif kind == "live_fansclub":
        msg |= {"fansclub_reason_type": 2, "fansclub_level": 1}
    return msg | extra


def douyin_request(
    messages: list[Any] | bytes,
    *,
    msg_type: str = "live_comment",
    room: str = "7400000000000000001",
    sent_ms: int | None = None,
    nonce: str | None = None,
    secret: str = DOUYIN_SECRET,
) -> tuple[dict[str, str], bytes]:
    body = messages if isinstance(messages, bytes) else orjson.dumps(messages)
    headers = {
        "x-nonce-str": nonce or secrets.token_hex(8), "x-timestamp": str(sent_ms or now_ms()),
        "x-roomid": room, "x-msg-type": msg_type, "content-type": "application/json",
    }  # fmt: skip
    headers["x-signature"] = douyin_live.sign(headers, body, secret)
    return headers, body


def doudian_request(
    messages: list[Any] | bytes, secret: str = DOUDIAN_SECRET
) -> tuple[dict[str, str], bytes]:
    body = messages if isinstance(messages, bytes) else orjson.dumps(messages)
    return {"app-id": DOUDIAN_KEY, "event-sign": doudian.sign(DOUDIAN_KEY, body, secret)}, body


def doudian_message(tag: str, msg_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"tag": tag, "msg_id": msg_id, "data": orjson.dumps(data).decode()}


def tiktok_request(
    envelope: dict[str, Any] | bytes, secret: str = TIKTOK_SECRET
) -> tuple[dict[str, str], bytes]:
    body = envelope if isinstance(envelope, bytes) else orjson.dumps(envelope)
    return {
        "authorization": tiktok_shop.sign(TIKTOK_KEY, body, secret),
        "content-type": "application/json",
    }, body


def kuaishou_request(
    message: dict[str, Any] | bytes, key: str = KUAISHOU_MSG_KEY
) -> tuple[dict[str, str], bytes]:
    plain = message if isinstance(message, bytes) else orjson.dumps(message)
    return {"content-type": "text/plain;charset=utf-8"}, kuaishou.encrypt(plain, key)


def kuaishou_message(event: str, event_id: str, biz_id: int = 2607602240240301) -> dict[str, Any]:
    info = {"oid": biz_id, "sellerId": 12342323, "status": 30, "updateTime": now_ms()}
    return {
        "eventId": event_id, "bizId": biz_id, "userId": 12342323, "openId": "seller_open",
        "appKey": KUAISHOU_KEY, "event": event, "info": orjson.dumps(info).decode(),
        "createTime": now_ms(), "test": False,
    }  # fmt: skip
