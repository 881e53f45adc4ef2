"""Alerts raised by the server reach the tenant's group bot (a local 企业微信-style receiver)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from apihelpers import KEY_A, T0, ev, write_settings

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.store.duckdb import DuckStore


@pytest.fixture
def receiver() -> Iterator[tuple[str, queue.Queue[tuple[str, dict[str, Any]]]]]:
    got: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()

    class Bot(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.put((self.path, orjson.loads(body)))
            reply = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Bot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()


def test_alerts_go_to_the_tenants_group_bot(
    tmp_path: Path, receiver: tuple[str, queue.Queue[tuple[str, dict[str, Any]]]]
) -> None:
    url, got = receiver
    home = tmp_path / "home"
    settings = write_settings(
        home, extra=f'webhooks = [{{platform = "wecom", url = "{url}/hook?key=abc"}}]\n'
    )
    store = DuckStore(home / "kuaifan.duckdb", threads=1)
    try:
        with (
            BackgroundServer(create_app(settings, store=store, alert_interval_s=0.2)) as srv,
            httpx.Client(base_url=srv.url, headers={"X-API-Key": KEY_A}) as client,
        ):
            events = [
                ev("product_show", T0, sku_id="sku-1", item_id="item-1", link_no=2, amount_fen=100),
                ev("stock_level", T0 + 1, sku_id="sku-1", item_id="item-1", stock=2, spec={"颜色": "白色"}),
            ]
            assert client.post("/v1/events", content=orjson.dumps(events)).json()["accepted"] == 2
            path, payload = got.get(timeout=15)
            assert path == "/hook?key=abc"
            assert payload["msgtype"] == "markdown"
            assert "库存告急" in payload["markdown"]["content"]
            assert "2号链接" in payload["markdown"]["content"]
    finally:
        store.close()
