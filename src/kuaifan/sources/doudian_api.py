"""抖店 open API: the order detail of a paid notice (``order.orderDetail``), signed as the gateway wants.

Request signature (PLATFORMS.md §2.3, from SDKs): ``param_json`` = the business parameters as
compact JSON with keys sorted; sign string = app_secret + ``app_key`` + key + ``method`` + method +
``param_json`` + param_json + ``timestamp`` + timestamp + ``v`` + ``2`` + app_secret; ``sign`` = hex
MD5 of it (``sign_method=md5``) or hex HMAC-SHA256 keyed with the app secret
(``sign_method=hmac-sha256``, used here). ``timestamp`` is ``YYYY-MM-DD HH:MM:SS`` in China time in
one SDK and Unix seconds in another (**unconfirmed**; we send seconds). Call:
``POST {api_base}/order/orderDetail?app_key&method=order.orderDetail&v=2&timestamp&sign&sign_method
&access_token`` with ``param_json`` as the body; the answer is ``{code: 10000, msg, data:
{shop_order_detail}}``. The access token comes from the shop's authorisation (kuaifan.toml); kuaifan
does not run the OAuth flow.

``enrich`` turns a push's ``needs order detail`` notices into order items with the detail: the
notices whose lookup fails stay dead letters (nothing lost; the order pages reconcile them later).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Collection
from typing import Any, Final

import httpx
import orjson

from kuaifan.sources import doudian_orders
from kuaifan.sources.base import DeadLetter
from kuaifan.sources.orders import NEEDS_DETAIL
from kuaifan.sources.platforms import DoudianSettings

OK_CODE: Final = 10000
METHOD: Final = "order.orderDetail"


def param_json(params: dict[str, Any]) -> str:
    return orjson.dumps(dict(sorted(params.items()))).decode()


def sign(
    app_key: str, app_secret: str, method: str, params: str, timestamp: str, *, hmac_sha256: bool
) -> str:
    text = f"{app_secret}app_key{app_key}method{method}param_json{params}timestamp{timestamp}v2{app_secret}"
    if hmac_sha256:
        return hmac.new(app_secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class DoudianApi:
    """order.orderDetail for one shop; needs app_key, app_secret and access_token."""

    def __init__(self, settings: DoudianSettings, http: httpx.Client) -> None:
        assert settings.app_key and settings.app_secret and settings.access_token
        self.settings = settings
        self.http = http

    def order_detail(self, shop_order_id: str) -> dict[str, Any] | str:
        """The ``orderDetail`` answer, or why it could not be had."""
        params = param_json({"shop_order_id": shop_order_id})
        timestamp = str(int(time.time()))
        key, secret = self.settings.app_key or "", self.settings.app_secret
        token = self.settings.access_token
        assert secret is not None and token is not None
        query = {
            "app_key": key, "method": METHOD, "v": "2", "timestamp": timestamp, "sign_method": "hmac-sha256",
            "sign": sign(key, secret.get_secret_value(), METHOD, params, timestamp, hmac_sha256=True),
            "access_token": token.get_secret_value(),
        }  # fmt: skip
        url = self.settings.api_base.rstrip("/") + "/" + METHOD.replace(".", "/")
        try:
            r = self.http.post(
                url, params=query, content=params, headers={"Content-Type": "application/json"}
            )
            answer = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            return f"order detail lookup failed: {type(exc).__name__}"
        if not isinstance(answer, dict) or answer.get("code") != OK_CODE:
            code = answer.get("code") if isinstance(answer, dict) else None
            return f"order detail lookup refused: code {code}"
        return answer


def enrich(
    dead: list[DeadLetter], api: DoudianApi, own_author_ids: Collection[str]
) -> tuple[list[dict[str, Any]], list[DeadLetter]]:
    """Order items for the ``needs order detail`` notices of a push; the others, and failed lookups,
    stay dead letters (with the lookup's reason added)."""
    items: list[dict[str, Any]] = []
    kept: list[DeadLetter] = []
    looked_up: dict[str, list[dict[str, Any]] | str] = {}
    for letter in dead:
        order_id = _order_of(letter) if letter.reason.startswith(NEEDS_DETAIL) else None
        if order_id is None:
            kept.append(letter)
            continue
        if order_id not in looked_up:
            answer = api.order_detail(order_id)
            if isinstance(answer, str):
                looked_up[order_id] = answer
            else:
                found = [
                    item
                    for order in doudian_orders.shop_orders(answer)
                    for item in doudian_orders.order_items(order, own_author_ids)
                    if isinstance(item, dict)
                ]
                looked_up[order_id] = found
                items.extend(found)
        result = looked_up[order_id]
        if isinstance(result, str):
            kept.append(
                DeadLetter(
                    letter.source, f"{letter.reason}; {result}", letter.raw, letter.line, letter.tenant
                )
            )
    return items, kept


def _order_of(letter: DeadLetter) -> str | None:
    try:
        message = orjson.loads(letter.raw)
        data = message.get("data")
        data = orjson.loads(data) if isinstance(data, str) else data
        order = data.get("p_id") if isinstance(data, dict) else None
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return str(order) if isinstance(order, int | str) and str(order) not in ("", "0") else None
