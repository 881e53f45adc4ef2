"""`kuaifan hooks`, `kuaifan ingest` of order pages and `kuaifan hooks bilibili`, as a user runs them."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import orjson
from pushkit import API_KEY, DOUYIN_SECRET, KUAISHOU_MSG_KEY, PLATFORMS_TOML, TIKTOK_SECRET, write_settings
from test_bilibili import APP_ID, CODE, KEY_ID, SECRET, FakeLiveOpen, live_open  # noqa: F401
from test_order_pages import doudian_page, sku_order

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clirun import run_cli
from kuaifan.api import create_app
from kuaifan.api.server import BackgroundServer
from kuaifan.app.hook_ops import bilibili_session, probe_hook
from kuaifan.store.duckdb import DuckStore


def test_hooks_lists_urls_and_never_shows_secrets(tmp_path: Path) -> None:
    write_settings(tmp_path)
    proc = run_cli(tmp_path, "hooks", "--base-url", "https://shop.example.com", "--json", code=None)
    report = orjson.loads(proc.stdout)
    urls = {h["platform"]: h["url"] for h in report["hooks"] if h["tenant"] == "acme"}
    assert urls == {
        "douyin_live": "https://shop.example.com/hooks/douyin/live/acme",
        "doudian": "https://shop.example.com/hooks/doudian/acme",
        "kuaishou": "https://shop.example.com/hooks/kuaishou/acme",
        "tiktok_shop": "https://shop.example.com/hooks/tiktok/acme",
    }
    assert report["ok"] is True and proc.returncode == 0
    for secret in (DOUYIN_SECRET, TIKTOK_SECRET, KUAISHOU_MSG_KEY, "doudian_secret_demo"):
        assert secret not in proc.stdout and secret not in proc.stderr
    table = run_cli(tmp_path, "hooks", lang="zh").stdout
    assert "抖店开放平台" in table and "平台要求 HTTPS 地址" in table


def test_hooks_reports_missing_keys_with_exit_78(tmp_path: Path) -> None:
    write_settings(tmp_path, platforms='[tenants.acme.platforms.tiktok_shop]\napp_key = "k"\n')
    proc = run_cli(tmp_path, "hooks", "--json", code=78)
    hook = orjson.loads(proc.stdout)["hooks"][0]
    assert hook["ready"] is False and hook["problems"][0]["en"] == "missing app_key, app_secret"


def test_bad_platform_table_fails_at_start_up_naming_the_key(tmp_path: Path) -> None:
    write_settings(tmp_path)  # valid first, then break it
    toml = (tmp_path / "kuaifan.toml").read_text(encoding="utf-8")
    (tmp_path / "kuaifan.toml").write_text(
        toml.replace("replay_window_s = 300", "replay_window_s = 5"), "utf-8"
    )
    proc = run_cli(tmp_path, "stats", code=78)
    assert "tenants.acme.platforms.douyin_live.replay_window_s" in proc.stderr
    assert DOUYIN_SECRET not in proc.stderr


def test_ingest_order_pages_with_the_configured_own_accounts(tmp_path: Path) -> None:
    write_settings(tmp_path)  # doudian own_author_ids = ["111"]
    page = tmp_path / "orders.json"
    page.write_bytes(
        orjson.dumps(
            doudian_page(sku_order("6917000000000000001"), sku_order("6917000000000000002", author_id=111))
        )
    )
    assert orjson.loads(run_cli(tmp_path, "ingest", str(page), "--json").stdout)["accepted"] == 2
    again = orjson.loads(run_cli(tmp_path, "ingest", str(page), "--json").stdout)
    assert again == {"accepted": 0, "duplicates": 2, "rejected": 0}
    with DuckStore(tmp_path / "kuaifan.duckdb", read_only=True) as store:
        channels = dict(store.read("acme").select("order_id", "channel").rows())
    assert channels == {"6917000000000000001": "influencer", "6917000000000000002": "store"}


def test_bilibili_session_feeds_a_running_server(tmp_path: Path, live_open: tuple[FakeLiveOpen, str]) -> None:  # noqa: F811
    fake, url = live_open
    bili = (
        f'[tenants.acme.platforms.bilibili]\napp_id = {APP_ID}\naccess_key_id = "{KEY_ID}"\n'
        f'access_key_secret = "{SECRET}"\napi_base = "{url}"\n'
    )
    settings = write_settings(tmp_path, platforms=PLATFORMS_TOML + bili)
    store = DuckStore(tmp_path / "kuaifan.duckdb", threads=1)
    with BackgroundServer(create_app(settings, store=store, use_text_classifier=False)) as server:
        stop = threading.Event()

        def stop_when_stored() -> None:
            while store.stats("acme")["events"] < 4 and not stop.wait(0.05):
                pass
            stop.set()

        threading.Thread(target=stop_when_stored, daemon=True).start()
        threading.Timer(20, stop.set).start()
        run = bilibili_session(settings, "acme", CODE, server.url, stop, ws_heartbeat_s=0.1)
        kinds = sorted(store.read("acme")["kind"].to_list())
    store.close()
    assert (run.items, run.accepted, run.dead) == (4, 4, 1)
    assert kinds == ["comment", "enter", "gift", "like"]
    assert fake.calls[0] == "start" and fake.calls[-1] == "end"
    assert API_KEY  # the posts went through the tenant's API key


def test_probe_checks_every_deployed_hook_and_stores_nothing(tmp_path: Path) -> None:
    settings = write_settings(tmp_path)
    store = DuckStore(tmp_path / "kuaifan.duckdb", threads=1)
    with BackgroundServer(create_app(settings, store=store, use_text_classifier=False)) as server:
        for platform in ("douyin_live", "doudian", "kuaishou", "tiktok_shop"):
            result = probe_hook(settings, platform, server.url, "acme")
            assert result.ok and result.status == 200, (platform, result)
        assert store.stats("acme") == {"events": 0, "by_kind": {}, "dead_letter": 0}
        other = tmp_path / "other"  # a machine whose kuaifan.toml has another Douyin secret
        write_settings(other)
        toml = (other / "kuaifan.toml").read_text(encoding="utf-8")
        toml = toml.replace(DOUYIN_SECRET, "a-different-secret")
        (other / "kuaifan.toml").write_text(toml, encoding="utf-8")
        proc = run_cli(other, "hooks", "probe", "douyin_live", "--base-url", server.url, "--json", code=69)
        assert orjson.loads(proc.stdout)["status"] == 401
        assert "the server's secret differs" in proc.stderr
    store.close()


def test_messages_keep_their_square_brackets(tmp_path: Path) -> None:
    # rich would read "[tenants.NAME.platforms.<platform>]" as markup and print nothing in its place
    run_cli(tmp_path, "init")
    for lang in ("en", "zh"):
        shown = run_cli(tmp_path, "hooks", lang=lang, code=None).stdout
        assert "[tenants.NAME.platforms." in shown, shown
