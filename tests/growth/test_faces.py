"""kuaifan growth from the CLI, the HTTP API and the demo step, on one simulated several-days store."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from growthhelpers import DATA
from r_reference import causalimpact_example
from rich.console import Console

from kuaifan.app.growth import growth_channels, growth_incrementality
from kuaifan.app.growth_models import ChannelsRequest, IncrementalityRequest
from kuaifan.growth.settings import economics
from kuaifan.sim import SimConfig, simulate
from kuaifan.sim.config import SHANGHAI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clirun import run_cli

WORLD = SimConfig(
    seed=3, rooms=3, minutes=10, viewers=800, days=21, shelf=True, store_start_day=7, store_stream_share=0.7,
    shelf_orders=30.0, start=datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI),
)  # fmt: skip
KEY = "growth-key-0123456789abcdef"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KUAIFAN_HOME whose store holds the simulated world (ingested by ``kuaifan ingest``)."""
    root = tmp_path_factory.mktemp("growth-home")
    simulate(WORLD, root / "sim")
    home = root / "home"
    home.mkdir()
    (home / "kuaifan.toml").write_text(
        f'default_tenant = "demo"\n\n[tenants.demo]\napi_key = "{KEY}"\nsalt = "demo-salt-0123456789"\n',
        encoding="utf-8",
    )
    run_cli(home, "ingest", str(root / "sim" / "events"), "--json")
    return home


def files(home: Path) -> list[str]:
    g = home.parent / "sim" / "growth"
    return ["--commission", str(g / "commission.csv"), "--ad-spend", str(g / "ad_spend.csv"),
            "--costs", str(g / "costs.csv"), "--brands", str(g / "brands.csv")]  # fmt: skip


@pytest.mark.slow
def test_channels_json_and_tables(home: Path) -> None:
    rep = json.loads(run_cli(home, "growth", "channels", *files(home), "--warmup-days", "3", "--json").stdout)
    assert set(rep) >= {"channels", "weekly", "cohorts", "overlap", "trust", "brands"}
    rows = {(r["brand"], r["channel"]): r for r in rep["channels"]}
    store = rows[("云织", "store")]  # room-001 is 云织's store room; room-002 sells 云织 and 步青
    assert store["gmv_fen"] > 0 and store["ad_spend_fen"] > 0 and store["commission_fen"] == 0
    assert rows[("云织", "influencer")]["commission_fen"] > 0 and store["cost_known"]
    assert all(r["channel"] != "shelf" or r["streams"] == 0 for r in rep["channels"])
    text = run_cli(home, "growth", "channels", *files(home), lang="zh").stdout
    assert "店播" in text and "达播" in text and "货架" in text and "新客" in text


@pytest.fixture(scope="module")
def incrementality_json(home: Path) -> dict[str, Any]:
    brands = str(home.parent / "sim" / "growth" / "brands.csv")
    out: dict[str, Any] = json.loads(
        run_cli(home, "growth", "incrementality", "--brands", brands, "--json").stdout
    )
    return out


@pytest.mark.slow
def test_incrementality_cli_json(incrementality_json: dict[str, Any]) -> None:
    rep = incrementality_json
    assert {b["brand"] for b in rep["brands"]} == {"云织", "步青"}  # the two store rooms' brands
    for b in rep["brands"]:
        assert (b["pre_days"], b["post_days"]) == (7, 14) and b["combined"]["lower"] <= b["combined"]["upper"]
    assert {s["brand"] for s in rep["skipped"]} == {"北野", "青禾", "山野食记", "小象童装", "栖家"}


@pytest.mark.slow
@pytest.mark.skipif(not (DATA / "hillstrom.csv").is_file(), reason="shared/data/hillstrom.csv not found")
def test_uplift_cli(home: Path) -> None:
    args = [
        "growth",
        "uplift",
        str(DATA / "hillstrom.csv"),
        "--treatment",
        "segment",
        "--control",
        "No E-Mail",
    ]
    out = json.loads(run_cli(home, *args, "--outcome", "visit", "--by", "channel", "--json").stdout)
    assert set(out) == {"outcome", "treatment", "alpha", "rows", "control", "arms", "by"}
    assert set(out["arms"][0]) == {"value", "n", "mean", "effect", "ci_low", "ci_high", "p_value"}
    assert round(out["arms"][0]["mean"], 3) == 0.183 and out["by"]["correction"] == "holm"
    bad = run_cli(home, *args, "--outcome", "nope", code=65)
    assert "no column nope" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_impact_cli(home: Path, tmp_path: Path) -> None:
    from kuaifan.app.growth_models import ImpactReport
    from kuaifan.cli.growth_views import print_impact

    y, x1 = causalimpact_example()
    path = tmp_path / "ci.csv"
    path.write_text("y,x1\n" + "".join(f"{a},{b}\n" for a, b in zip(y, x1, strict=True)), encoding="utf-8")
    series = tmp_path / "points.csv"
    args = ["growth", "impact", str(path), "--y", "y", "--x", "x1", "--pre", "0:69"]
    rep = json.loads(run_cli(home, *args, "--post", "70:99", "--series", str(series), "--json").stdout)
    keys = {"actual", "predicted", "predicted_lower", "predicted_upper", "abs_effect", "abs_effect_lower",
            "abs_effect_upper", "rel_effect", "rel_effect_lower", "rel_effect_upper"}  # fmt: skip
    assert keys <= set(rep["average"]) and keys <= set(rep["cumulative"]) and "p_value" in rep
    assert (
        3171 - 25 < rep["cumulative"]["predicted"] < 3220 + 25 and len(series.read_text().splitlines()) == 31
    )
    buf = io.StringIO()
    print_impact("en", ImpactReport.model_validate(rep), Console(file=buf, width=120))
    assert "Posterior tail-area probability" in buf.getvalue() and "Cumulative" in buf.getvalue()
    bad = run_cli(home, *args, "--post", "70", code=65)
    assert "expected START:END" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture
def server(home: Path) -> Iterator[str]:
    from kuaifan.api import create_app
    from kuaifan.api.server import BackgroundServer
    from kuaifan.config import load_settings
    from kuaifan.store.duckdb import DuckStore

    settings = load_settings({"KUAIFAN_HOME": str(home)})
    with DuckStore(home / "kuaifan.duckdb", threads=1) as store:
        app = create_app(settings, store=store, use_text_classifier=False)
        with BackgroundServer(app) as srv:
            yield srv.url


def test_http_returns_what_the_cli_prints(
    home: Path, incrementality_json: dict[str, Any], server: str
) -> None:
    brands = str(home.parent / "sim" / "growth" / "brands.csv")
    cli = incrementality_json  # computed by the CLI before the server holds the store
    rows = [line.split(",") for line in Path(brands).read_text(encoding="utf-8").splitlines()[1:]]
    inline = {"brands": {item: brand for item, _, brand in rows}}  # item_id, brand_id, brand
    with httpx.Client(base_url=server, headers={"X-API-Key": KEY}, timeout=60) as c:
        r = c.post("/v1/growth/incrementality", json={"economics": inline})
        assert r.status_code == 200, r.text
        assert r.json() == cli
        r = c.get("/v1/growth/channels", params={"warmup_days": 3})
        assert r.status_code == 200 and r.json()["brands"] == [
            "demo"
        ]  # no brand map: the tenant is the brand
        y, x1 = causalimpact_example()
        body = "y,x1\n" + "".join(f"{a},{b}\n" for a, b in zip(y, x1, strict=True))
        r = c.post(
            "/v1/growth/impact", params={"y": "y", "x": "x1", "pre": "0:69", "post": "70:99"}, content=body
        )
        assert r.status_code == 200 and r.json()["n_post"] == 30
        r = c.post("/v1/growth/uplift", params={"treatment": "arm", "control": "A", "outcome": "v"},
                   content="arm,v\nA,1\nA,2\nB,3\nB,x\n")  # fmt: skip
        assert r.status_code == 400 and "line 5" in r.json()["error"]["message_en"]
        assert c.get("/v1/growth/channels", params={"since": "2026-02-30"}).status_code == 400
    with httpx.Client(base_url=server, timeout=10) as anon:
        assert anon.get("/v1/growth/channels").status_code == 401


def test_demo_step_prints_and_returns_the_headlines(home: Path) -> None:
    from kuaifan.cli.growth import demo_step
    from kuaifan.store.duckdb import DuckStore

    buf = io.StringIO()
    with DuckStore(home / "kuaifan.duckdb", threads=1) as store:
        produced: dict[str, Any] = demo_step(
            store, "demo", home.parent / "sim", "en", Console(file=buf, width=140)
        )
        econ = economics(brands=home.parent / "sim" / "growth" / "brands.csv")
        direct = growth_incrementality(store, "demo", IncrementalityRequest(), econ)
        channels = growth_channels(store, "demo", ChannelsRequest(warmup_days=7), econ)
    text = buf.getvalue()
    assert "store vs influencer vs shelf" in text and "new share" in text
    assert [b["brand"] for b in produced["incrementality"]] == [b.brand for b in direct.brands]
    assert {(r["brand"], r["channel"]) for r in produced["growth_channels"]} == {
        (r.brand, r.channel) for r in channels.channels
    }
