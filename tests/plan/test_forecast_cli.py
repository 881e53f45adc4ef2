"""The loop on a tenant's own data, as a user runs it: three days of simulated streams → `kuaifan
ingest` → `kuaifan forecast --costs` → `kuaifan plan --input` → purchase orders."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from clirun import run_cli
from kuaifan.plan.model import parse_plan_json

ROOT = Path(__file__).resolve().parents[2]
COSTS = str(ROOT / "examples" / "costs.toml")
run = run_cli


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("forecast-home")
    for day in ("08", "09", "10"):  # the same store and products, one stream a day
        out = home / f"sim{day}"
        run(home, "sim", "--seed", "4", "--rooms", "2", "--minutes", "15", "--viewers", "1500",
            "--start", f"2026-10-{day}T20:00", "--out", str(out))  # fmt: skip
        run(home, "ingest", str(out / "events"))
    return home


def test_forecast_writes_a_plan_input_that_plan_turns_into_purchase_orders(home: Path) -> None:
    plan_in = home / "plans" / "in.json"
    summary = json.loads(
        run(home, "forecast", "--costs", COSTS, "--top", "2", "--scenarios", "6", "--json",
            "--out", str(plan_in)).stdout
    )  # fmt: skip
    # three days of every style: too little for a cross-style LightGBM or the shop's own launch curve,
    # so the category's default launch curve, not AutoETS carrying the latest level on (issue 15)
    assert summary["model"] == "prior"
    assert summary["history_last_day"] == "2026-10-10" and summary["start_date"] == "2026-10-11"
    assert summary["plan_input"] == str(plan_in) and summary["skipped_no_price"] == []
    styles = summary["styles"]
    assert len(styles) == 2 and styles[0]["demand_units"] >= styles[1]["demand_units"]
    for s in styles:
        assert s["history_days"] == 3 and s["planned"]
        assert 0 <= s["forecast_p10"] <= s["forecast_p50"] <= s["forecast_p90"]
    inp = parse_plan_json(plan_in.read_text(encoding="utf-8"))  # the planner's own checks pass
    assert inp.horizon_days == 28 and inp.review_days == [0, 7, 14, 21]
    tables = home / "plans" / "tables"
    run(home, "forecast", "--costs", COSTS, "--top", "2", "--scenarios", "6", "--tables", str(tables),
        "--out", str(home / "plans" / "t.json"))  # fmt: skip
    style_fc = pl.read_parquet(tables / "style_forecast.parquet")
    assert style_fc.height == 2 * 28 and str(style_fc["date"].min()) == "2026-10-11"
    assert ((style_fc["p10"] <= style_fc["p50"]) & (style_fc["p50"] <= style_fc["p90"])).all()
    variant_fc = pl.read_csv(tables / "variant_forecast.csv")  # the BOM is read as UTF-8
    assert set(variant_fc.columns) == {"variant", "style", "date", "p10", "p50", "p90"}
    assert variant_fc["variant"].n_unique() == len(inp.variants)
    assert [f.id for f in inp.factories] == ["F1", "F2"]
    assert len(inp.variants) == sum(s["variants"] for s in styles) == summary["variants"]
    assert {v.style for v in inp.variants} == {s["item"] for s in styles}
    assert all(len(v.demand_scenarios) == 6 for v in inp.variants)
    assert all(v.price > 0 and v.unit_cost == pytest.approx(0.35 * v.price, abs=0.01) for v in inp.variants)

    po_dir = home / "po"
    result = json.loads(
        run(
            home, "plan", "--input", str(plan_in), "--json", "--time-limit", "30", "--po-dir", str(po_dir)
        ).stdout
    )
    assert result["expected"]["profit"] > 0
    ordered = {o["factory"] for o in result["orders"]}
    assert ordered, "a 28-day plan for the two best sellers orders something now"
    for factory in ordered:
        assert (po_dir / f"PO-{factory}.xlsx").exists() and (po_dir / f"PO-{factory}.csv").exists()

    # the next planning round knows what is already on order: the orders come back as incoming goods
    placed = home / "plans" / "placed.json"
    placed.write_text(json.dumps(result), encoding="utf-8")
    again_in = home / "plans" / "again.json"
    again = json.loads(
        run(home, "forecast", "--costs", COSTS, "--top", "2", "--scenarios", "6", "--json",
            "--out", str(again_in), "--placed", str(placed)).stdout
    )  # fmt: skip
    assert again["on_order_units"] == sum(o["qty"] for o in result["orders"])
    assert again["on_order_not_planned"] == []
    incoming = {v.id: v.incoming for v in parse_plan_json(again_in.read_text(encoding="utf-8")).variants}
    for o in result["orders"]:  # same start date: each arrives on its delivery day
        assert any(r.day == o["delivery_day"] and r.qty >= o["qty"] for r in incoming[o["variant"]])
    bad = run(home, "forecast", "--costs", COSTS, "--placed", str(plan_in), code=65)  # an input, not a plan
    assert "is not a kuaifan plan output" in bad.stderr


def test_forecast_table_and_its_errors(home: Path, tmp_path: Path) -> None:
    zh = run(home, "forecast", "--costs", COSTS, "--top", "1", "--scenarios", "3", "--out",
             str(tmp_path / "p.json"), lang="zh").stdout  # fmt: skip
    assert "需求预测" in zh and "下一步：kuaifan plan --input" in zh
    missing = run(home, "forecast", "--costs", str(tmp_path / "none.toml"), code=66)
    assert "costs file not found" in missing.stderr and "Traceback" not in missing.stderr
    unknown = run(home, "forecast", "--costs", COSTS, "--item", "no-such-style", code=66)
    assert "no demand data for these styles: no-such-style" in unknown.stderr
    model = run(home, "forecast", "--costs", COSTS, "--model", "prophet", code=65)
    expected = "--model: expected one of auto, lgbm, curve, prior, autoets, ses, naive, got 'prophet'"
    assert expected in model.stderr
    lgbm = run(home, "forecast", "--costs", COSTS, "--model", "lgbm", code=65)
    assert re.search(r"LightGBM needs at least 300 style-days of history, the shop has \d+", lgbm.stderr)
    start = run(home, "sim", "--start", "yesterday", "--out", str(tmp_path / "s"), code=65)
    assert "--start: expected a time such as 2026-10-08T20:00, got 'yesterday'" in start.stderr


def test_a_merchant_order_export_alone_is_enough_to_plan(tmp_path: Path) -> None:
    """No live events, only a 抖店 export: variants come from 商品规格, products rank by GMV."""
    header = (
        "主订单编号,子订单编号,选购商品,商品规格,商品数量,商品ID,商品单价,订单应付金额,支付完成时间,订单状态"
    )
    lines = [header + ",直播间ID"]
    specs = ["颜色:黑色;尺码:M", "颜色:黑色;尺码:L", "颜色:白色;尺码:M"]
    n = 0
    for day in (18, 19, 20):
        for k in range(12):
            n += 1
            pid = "\t3600000000000000001" if k % 2 else "\t3600000000000000002"  # every spec of both
            lines.append(f"\t69{n:010d},\t70{n:010d},阔腿裤,{specs[k % 3]},1,{pid},64.50,64.50,"
                         f"2025-06-{day} 20:{10 + k}:00,已发货,\t7370000000000000001")  # fmt: skip
        n += 1  # and a gift box without any 规格: the product is its own only variant
        lines.append(f"\t69{n:010d},\t70{n:010d},坚果礼盒,,1,\t3600000000000000003,99.00,99.00,"
                     f"2025-06-{day} 21:00:00,已发货,\t7370000000000000001")  # fmt: skip
    export = tmp_path / "orders.csv"
    export.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    home = tmp_path / "home"
    assert json.loads(run(home, "ingest", str(export), "--json").stdout)["accepted"] == 39
    signals = json.loads(run(home, "signals", "--json").stdout)
    ranked = [p["item"] for p in signals["products"]]
    assert ranked == ["3600000000000000001", "3600000000000000002", "3600000000000000003"]  # by GMV
    # 选购商品 (the export's product name) is kept beside the log and shown with the product id
    assert [p["name"] for p in signals["products"]] == ["阔腿裤", "阔腿裤", "坚果礼盒"]
    table = run(home, "signals").stdout
    assert "坚果礼盒" in table and "阔腿裤" in table
    assert all(p["gmv_per_minute_fen"] is None and p["minutes_on_air"] == 0 for p in signals["products"])
    plan_in = tmp_path / "in.json"
    summary = json.loads(
        run(home, "forecast", "--costs", COSTS, "--scenarios", "4", "--json", "--out", str(plan_in)).stdout
    )
    assert summary["start_date"] == "2025-06-21"  # no live events: the data ends with the last order
    inp = parse_plan_json(plan_in.read_text(encoding="utf-8"))
    ids = sorted(v.id for v in inp.variants)
    assert ids == [
        "3600000000000000001·白色/M", "3600000000000000001·黑色/L", "3600000000000000001·黑色/M",
        "3600000000000000002·白色/M", "3600000000000000002·黑色/L", "3600000000000000002·黑色/M",
        "3600000000000000003",
    ]  # fmt: skip
    assert {v.id: v.price for v in inp.variants}["3600000000000000003"] == 99.0  # priced by its sales
    assert {v.price for v in inp.variants if v.style != "3600000000000000003"} == {64.5}
