"""抖店 paid notices enriched from order.orderDetail, against a local gateway that checks the signature
and answers in the documented shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pushkit import (
    DOUDIAN_KEY,
    DOUDIAN_SECRET,
    PLATFORMS_TOML,
    doudian_message,
    doudian_request,
    write_settings,
)
from test_order_pages import doudian_page, sku_order

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.sources.doudian_api import sign
from kuaifan.store.duckdb import DuckStore

TOKEN = "shop-access-token"


class Gateway:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.app = FastAPI()
        self.app.post("/order/orderDetail")(self.detail)

    async def detail(self, request: Request) -> dict[str, Any]:
        q = request.query_params
        params = (await request.body()).decode()
        expected = sign(DOUDIAN_KEY, DOUDIAN_SECRET, q["method"], params, q["timestamp"], hmac_sha256=True)
        if (
            q.get("sign") != expected
            or q.get("access_token") != TOKEN
            or q.get("sign_method") != "hmac-sha256"
        ):
            return {"code": 40004, "msg": "sign error", "data": {}}
        self.calls.append(params)
        page = doudian_page(sku_order("6917000000000000011"), sku_order("6917000000000000012"), detail=True)
        return page | {"code": 10000}


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, str]]:
    gw = Gateway()
    with BackgroundServer(gw.app) as server:  # type: ignore[arg-type]
        yield gw, server.url


def _post_paid_notice(home: Path, api_base: str) -> DuckStore:
    toml = PLATFORMS_TOML.replace(
        'own_author_ids = ["111"]',
        f'own_author_ids = ["111"]\naccess_token = "{TOKEN}"\napi_base = "{api_base}"',
    )
    settings = write_settings(home, platforms=toml)
    store = DuckStore(home / "kuaifan.duckdb", threads=1)
    paid = doudian_message("101", "7300000000000000001", {"p_id": 6917000000000000010, "pay_amount": 25800})
    with BackgroundServer(create_app(settings, store=store, use_text_classifier=False)) as server:
        headers, body = doudian_request([paid])
        r = httpx.post(server.url + "/hooks/doudian/acme", headers=headers, content=body, timeout=20)
        assert r.status_code == 200 and r.json() == {"code": 0, "msg": "success"}
    return store


def test_paid_notice_becomes_order_events(tmp_path: Path, gateway: tuple[Gateway, str]) -> None:
    gw, url = gateway
    with _post_paid_notice(tmp_path, url) as store:
        rows = store.read("acme").select("kind", "msg_id", "sku_id", "amount_fen").rows()
        assert rows == [
            ("order_paid", "order_paid:6917000000000000011", "1730000000000000001", 12900),
            ("order_paid", "order_paid:6917000000000000012", "1730000000000000001", 12900),
        ]
        assert store.dead_letters("acme").height == 0
    assert gw.calls == ['{"shop_order_id":"6917000000000000010"}']


def test_failed_lookup_keeps_the_notice(tmp_path: Path) -> None:
    from kuaifan.api.server import free_port

    with _post_paid_notice(tmp_path, f"http://127.0.0.1:{free_port()}") as store:  # nobody listens
        assert store.stats("acme")["events"] == 0
        reason = store.dead_letters("acme")["reason"][0]
    assert reason.startswith("needs order detail: tag 101") and "lookup failed" in reason
