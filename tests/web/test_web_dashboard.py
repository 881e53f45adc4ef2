"""The dashboard in a real browser (Debian chromium via Playwright): log in, watch GMV and the most
asked-for variants move live, switch language. Saves a screenshot to test-artifacts/ for a person to
look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.config import load_settings
from kuaifan.events import now_ms
from kuaifan.store.duckdb import DuckStore

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
KEY = "web-test-key-0123456789"
MIN = 60_000
T0 = now_ms() // MIN * MIN - 20 * MIN

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing: run scripts/setup-browser.sh (make test does)",
)


def _event(n: int, kind: str, ts: int, **kw: Any) -> dict[str, Any]:
    base = {"kind": kind, "platform": "sim", "room_id": "直播间-A", "stream_id": "s-web", "channel": "store",
            "ts_ms": ts, "msg_id": f"web-{n}"}  # fmt: skip
    return {**base, **kw}


def _opening() -> list[dict[str, Any]]:
    evs = [_event(0, "stream_start", T0)]
    evs += [_event(1 + i, "enter", T0 + i * 9000, user_key=f"u{i}") for i in range(60)]
    evs += [_event(100 + i, "online_count", T0 + i * MIN, qty=30 + 3 * i) for i in range(12)]
    evs.append(
        _event(
            200, "product_show", T0 + 1000, sku_id="sku-1", item_id="连衣裙-01", link_no=1, amount_fen=15900
        )
    )
    evs.append(_event(201, "stock_level", T0 + 1000, sku_id="sku-1", item_id="连衣裙-01", link_no=1, stock=40,
                      spec={"颜色": "黑色", "尺码": "M"}))  # fmt: skip
    evs += [
        _event(300 + i, "order_paid", T0 + (i + 1) * MIN, sku_id="sku-1", item_id="连衣裙-01", link_no=1,
               order_id=f"o{i}", qty=1, amount_fen=15900, user_key=f"u{i}")
        for i in range(6)
    ]  # fmt: skip
    evs += [
        _event(400 + i, "comment", T0 + i * MIN + 500, user_key=f"u{i}", text=t)
        for i, t in enumerate(
            ["有M码吗", "165 100斤穿什么码", "多少钱", "还有黑色吗", "已拍", "什么时候发货"]
        )
    ]
    return evs


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, httpx.Client]]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "kuaifan.toml").write_text(
        f'[tenants.shop]\napi_key = "{KEY}"\nsalt = "shop-salt-0123456789"\n', encoding="utf-8"
    )
    settings = load_settings({"KUAIFAN_HOME": str(home)})
    store = DuckStore(home / "kuaifan.duckdb", threads=1)
    app = create_app(settings, store=store, alert_interval_s=0.3)
    with BackgroundServer(app) as srv, httpx.Client(base_url=srv.url, headers={"X-API-Key": KEY}) as client:
        r = client.post("/v1/events", content=orjson.dumps(_opening()))
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
        yield srv.url, client
    store.close()


def test_dashboard_updates_live_and_switches_language(server: tuple[str, httpx.Client]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, client = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            navigations: list[str] = []
            page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else None)

            # Room list, behind the login form.
            page.goto(url + "/")
            expect(page.locator("#login")).to_be_visible()
            page.fill("#api-key", "wrong-key-0123456789")
            page.click("#login-form button[type=submit]")
            expect(page.locator("#login-error")).to_be_visible()
            assert [m for m in problems if "401" in m] and all("401" in m for m in problems)
            problems.clear()  # the refused key's 401 is expected; nothing else may fail from here
            page.fill("#api-key", KEY)
            page.click("#login-form button[type=submit]")
            row = page.locator("#rooms-table tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("直播间-A")
            expect(row).to_contain_text("¥954")

            # The live screen.
            row.locator("a").click()
            gmv = page.locator('[data-metric="gmv"]')
            expect(gmv).to_have_text("¥954.00")  # 6 × ¥159
            expect(gmv).to_have_attribute("data-value", "95400")
            expect(page.locator('[data-metric="uv"]')).to_have_text("60")
            expect(page.locator("#conn-text")).to_have_text("实时连接")
            expect(page.locator("#products tbody tr")).to_contain_text("连衣裙-01")
            expect(page.locator("#intents li").first).to_be_visible()
            loaded = len(navigations)

            # Events posted through the API move GMV without a reload.
            more = [
                _event(500 + i, "order_paid", T0 + 13 * MIN + i, sku_id="sku-1", item_id="连衣裙-01",
                       link_no=1, order_id=f"n{i}", qty=1, amount_fen=15900, user_key=f"u{20 + i}")
                for i in range(4)
            ]  # fmt: skip
            more.append(
                _event(600, "stock_level", T0 + 13 * MIN + 10, sku_id="sku-1", item_id="连衣裙-01", stock=4)
            )
            r = client.post("/v1/events", content=orjson.dumps(more))
            assert r.json()["accepted"] == 5
            expect(gmv).to_have_text("¥1,590")
            expect(gmv).to_have_attribute("data-value", "159000")
            expect(page.locator("#alerts li").first).to_contain_text("库存告急")
            assert len(navigations) == loaded, navigations

            # The most asked-for variants: "有M码吗" came before any product was shown, "还有黑色吗"
            # while 连衣裙-01 was; two more asks pushed through the API take the top row live.
            asked = page.locator("#asked tbody tr")
            expect(asked).to_have_count(2)
            expect(page.locator("#asked-empty")).to_be_hidden()
            expect(asked.nth(0).locator("td")).to_have_text(["未定商品", "M", "—", "1", "50%"])
            expect(asked.nth(1).locator("td")).to_have_text(["#1 连衣裙-01", "—", "黑色", "1", "50%"])
            asks = [_event(650 + i, "comment", T0 + 13 * MIN + 100 + i, user_key=f"w{i}", text="黑色M码有吗")
                    for i in range(2)]  # fmt: skip
            assert client.post("/v1/events", content=orjson.dumps(asks)).json()["accepted"] == 2
            expect(asked).to_have_count(3)
            expect(asked.first).to_have_attribute("data-product", "连衣裙-01")
            expect(asked.first.locator("td")).to_have_text(["#1 连衣裙-01", "M", "黑色", "2", "50%"])
            assert len(navigations) == loaded, navigations

            # A poll opened from the page, tallied from comments pushed through the API.
            page.fill("#poll-text", "黑色扣1 白色扣2")
            page.click("#poll-form button[type=submit]")
            expect(page.locator("#polls .poll")).to_have_count(1)
            votes = [_event(700 + i, "comment", T0 + 14 * MIN + i, user_key=f"v{i}", text=t)
                     for i, t in enumerate(["1", "1", "2", "扣1"])]  # fmt: skip
            client.post("/v1/events", content=orjson.dumps(votes))
            expect(page.locator("#polls .poll")).to_contain_text("4 人投票")

            # Chinese → English and back: labels switch, numbers stay.
            label = page.locator(".metric.gmv .label")
            expect(label).to_have_text("成交金额")
            page.mouse.wheel(0, -20_000)  # back to the top: the header is sticky
            expect(page.locator(".headline")).to_be_in_viewport()
            page.screenshot(path=str(ARTIFACTS / "dashboard-zh.png"), full_page=True)
            page.click("#lang-toggle")
            expect(label).to_have_text("GMV")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.locator(".metric .label").nth(1)).to_have_text("Viewers (UV)")
            expect(page.locator("#alerts li").first).to_contain_text("Low stock")
            expect(gmv).to_have_text("¥1,590")
            expect(page.locator("h2[data-i18n='asked.title']")).to_have_text("Most asked-for variants")
            expect(page.locator("#asked th")).to_have_text(["Product", "Size", "Colour", "Asks", "Share"])
            expect(page.locator("#asked tr[data-product='*'] td").first).to_have_text("Product unknown")
            expect(asked.first.locator("td")).to_have_text(["#1 连衣裙-01", "M", "黑色", "2", "50%"])
            page.mouse.wheel(0, -20_000)
            page.screenshot(path=str(ARTIFACTS / "dashboard-en.png"), full_page=True)
            page.click("#lang-toggle")
            expect(label).to_have_text("成交金额")
            expect(page.locator("h2[data-i18n='asked.title']")).to_have_text("被问最多的规格")
            expect(page.locator("#asked tr[data-product='*'] td").first).to_have_text("未定商品")
            assert len(navigations) == loaded

            # A room where nobody asked for a size or colour: the empty state, in both languages.
            quiet = {**_event(800, "enter", T0, user_key="q1"), "room_id": "直播间-B", "stream_id": "s-quiet"}
            assert client.post("/v1/events", content=orjson.dumps([quiet])).json()["accepted"] == 1
            page.goto(url + "/rooms/直播间-B")
            expect(page.locator('[data-metric="uv"]')).to_have_text("1")
            empty = page.locator("#asked-empty")
            expect(empty).to_have_text("还没有人在评论里问尺码或颜色")
            expect(empty).to_be_visible()
            expect(page.locator("#asked tbody tr")).to_have_count(0)
            page.click("#lang-toggle")
            expect(empty).to_have_text("No one has asked for a size or colour yet")
            page.click("#lang-toggle")
            assert problems == [], problems
        finally:
            browser.close()
