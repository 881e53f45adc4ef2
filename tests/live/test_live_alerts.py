"""场控 alerts: each kind fires on its scenario, resolves when it clears, and does not storm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from live_streams import MIN, T0, row

from kuaifan.config import AlertThresholds, load_settings
from kuaifan.errors import ConfigError
from kuaifan.live import RoomState, replay
from kuaifan.live.alerts import AlertEngine, AlertEvent, evaluate


def traffic(minute: int, viewers: int, buyers: int, online: int, tag: str = "") -> list[dict[str, Any]]:
    """One minute: ``viewers`` new viewers enter, the first ``buyers`` of them buy link i9."""
    t = T0 + minute * MIN
    out = [row("online_count", t, qty=online)]
    for i in range(viewers):
        user = f"{tag}m{minute}-u{i}"
        out.append(row("enter", t + 100 + i * 10, user_key=user))
        if i < buyers:
            out.append(row("order_paid", t + 5_000 + i * 10, user_key=user, sku_id="s9", item_id="i9",
                           order_id=f"o{minute}-{i}", qty=1, amount_fen=1000))  # fmt: skip
    return out


def of(events: list[AlertEvent], kind: str) -> list[AlertEvent]:
    return [e for e in events if e.kind == kind]


def baseline_then(last5: dict[str, Any]) -> RoomState:
    """10 normal minutes (100 viewers, 10 buyers, 200 online), then 5 minutes shaped by ``last5``."""
    rows: list[dict[str, Any]] = []
    for m in range(10):
        rows += traffic(m, 100, 10, 200)
    for m in range(10, 15):
        rows += traffic(m, 100, last5.get("buyers", 10), last5.get("online", 200))
        for i in range(last5.get("refunds_per_min", 0)):
            rows.append(row("order_refund", T0 + m * MIN + 30_000 + i, order_id=f"o{m}-{i}", amount_fen=1000))
        for i in range(last5.get("complaints_per_min", 0)):
            rows.append(
                row("comment", T0 + m * MIN + 40_000 + i, user_key=f"m{m}-u{i}", text="质量太差了 投诉")
            )
    rows.append(row("online_count", T0 + 17 * MIN, qty=last5.get("online", 200)))  # closes minute 14
    return replay(rows)


def test_conversion_drop_fires_then_resolves() -> None:
    state = baseline_then({"buyers": 1})
    engine = AlertEngine()
    events = engine.observe(state, now_ms=1_000)
    [drop] = of(events, "conversion_drop")
    assert (drop.status, drop.severity, drop.subject) == ("firing", "critical", "room")
    assert drop.numbers["conversion"] == pytest.approx(5 / 500)
    assert drop.numbers["previous"] == pytest.approx(50 / 500)
    assert drop.numbers["history_percentile"] == pytest.approx(0.1)
    assert "1.00%" in drop.reason_zh and "10.00%" in drop.reason_en
    assert engine.observe(state, now_ms=2_000) == []  # still true: no repeat
    for m in range(15, 21):
        for r in traffic(m, 100, 10, 200, tag="again"):
            state.update(r)
    state.update(row("online_count", T0 + 23 * MIN, qty=200))
    [resolved] = of(engine.observe(state, now_ms=3_000), "conversion_drop")
    assert resolved.status == "resolved" and resolved.id == drop.id


def test_online_drop() -> None:
    [e] = of(AlertEngine().observe(baseline_then({"online": 50}), 0), "online_drop")
    assert e.severity == "critical" and e.numbers["online_avg"] == 50 and e.numbers["previous"] == 200
    assert of(AlertEngine().observe(baseline_then({"online": 180}), 0), "online_drop") == []


def test_refund_and_complaint_spikes() -> None:
    events = AlertEngine().observe(baseline_then({"refunds_per_min": 1, "complaints_per_min": 1}), 0)
    [refund] = of(events, "refund_spike")
    assert refund.numbers["count"] == 5 and refund.numbers["refund_fen"] == 5000
    assert "¥50.00" in refund.reason_zh
    [complaint] = of(events, "complaint_spike")
    assert complaint.numbers["count"] == 5 and complaint.numbers["previous"] == 0
    calm = AlertEngine().observe(baseline_then({}), 0)
    assert (
        of(calm, "refund_spike") == []
        and of(calm, "complaint_spike") == []
        and of(calm, "conversion_drop") == []
    )


def shelf(stock: dict[str, int], at: int = 0) -> list[dict[str, Any]]:
    """Link 3 (item i3) goes up with variants and their stock."""
    t = T0 + at
    rows = [row("product_show", t, sku_id="s3-m", item_id="i3", link_no=3)]
    for sku, n in stock.items():
        rows.append(row("stock_level", t + 1, sku_id=sku, item_id="i3", link_no=3, stock=n,
                        spec=f'{{"尺码":"{sku[-1].upper()}"}}'))  # fmt: skip
    return rows


def test_low_stock_one_alert_per_link_then_resolved() -> None:
    state = replay(shelf({"s3-m": 5, "s3-l": 4, "s3-x": 50}))
    engine = AlertEngine()
    [low] = engine.observe(state, 0)
    assert (low.kind, low.subject, low.severity) == ("low_stock", "i3", "warning")
    assert [s["sku_id"] for s in low.numbers["skus"]] == ["s3-l", "s3-m"]
    assert low.numbers["min_stock"] == 4 and "3号链接" in low.reason_zh and "link #3" in low.reason_en
    state.update(row("stock_level", T0 + 5_000, sku_id="s3-m", item_id="i3", stock=40))
    state.update(row("stock_level", T0 + 5_000, sku_id="s3-l", item_id="i3", stock=40))
    [resolved] = engine.observe(state, 10_000)
    assert resolved.status == "resolved" and resolved.kind == "low_stock"


def test_low_stock_by_eta_escalates_once() -> None:
    rows = shelf({"s3-m": 100})
    for k in range(5):
        rows.append(row("order_paid", T0 + k * MIN + 1_000, user_key=f"b{k}", sku_id="s3-m", item_id="i3",
                        order_id=f"o{k}", qty=10, amount_fen=10_000))  # fmt: skip
    rows.append(row("stock_level", T0 + 4 * MIN + 30_000, sku_id="s3-m", item_id="i3", stock=30))
    state = replay(rows)
    engine = AlertEngine()
    [warn] = engine.observe(state, 0)
    rate = 50 / 4.5  # 50 units since the first event, 4.5 minutes ago
    assert warn.severity == "warning" and warn.numbers["eta_min"] == pytest.approx(30 / rate)
    state.update(row("stock_level", T0 + 4 * MIN + 40_000, sku_id="s3-m", item_id="i3", stock=15))
    [crit] = engine.observe(state, 1_000)
    assert (crit.kind, crit.severity, crit.status) == ("low_stock", "critical", "firing")
    assert crit.numbers["eta_min"] < 2
    assert engine.observe(state, 2_000) == []


def test_sold_out_with_clicks_and_with_asks() -> None:
    rows = shelf({"s3-m": 0, "s3-l": 0})
    rows += [
        row("product_click", T0 + 10_000 + i, user_key=f"c{i}", sku_id="s3-m", item_id="i3")
        for i in range(12)
    ]
    [e] = of(AlertEngine().observe(replay(rows), 0), "sold_out_demand")
    assert e.severity == "critical" and e.numbers["clicks"] == 12 and e.numbers["link_sold_out"]
    # Only M sold out, L still selling; viewers ask for it in comments.
    rows = shelf({"s3-m": 0, "s3-l": 40})
    rows += [
        row("comment", T0 + 20_000 + i, user_key=f"q{i}", text=t)
        for i, t in enumerate(["M码没抢到", "求补货", "M还有吗"])
    ]
    [e] = of(AlertEngine().observe(replay(rows), 0), "sold_out_demand")
    assert e.severity == "warning" and e.numbers["asks"] == 3 and e.numbers["sold_out_skus"] == ["s3-m"]
    rows = [*shelf({"s3-m": 0, "s3-l": 40}), row("comment", T0 + 20000, user_key="q", text="好看")]
    assert of(AlertEngine().observe(replay(rows), 0), "sold_out_demand") == []


def test_clicks_without_orders_then_an_order_resolves() -> None:
    rows = shelf({"s3-m": 40})
    rows += [
        row("product_click", T0 + 5_000 + i, user_key=f"c{i}", sku_id="s3-m", item_id="i3") for i in range(30)
    ]
    state = replay(rows)
    engine = AlertEngine()
    [e] = of(engine.observe(state, 0), "clicks_no_orders")
    assert e.numbers["clicks"] == 30 and "0 单" in e.reason_zh
    state.update(row("order_paid", T0 + 50_000, user_key="c1", sku_id="s3-m", item_id="i3", order_id="o",
                     qty=1, amount_fen=100))  # fmt: skip
    [r] = of(engine.observe(state, 1_000), "clicks_no_orders")
    assert r.status == "resolved"


def test_cooldown_suppresses_flapping() -> None:
    th = AlertThresholds(cooldown_s=60)
    engine = AlertEngine(th)
    state = replay(shelf({"s3-m": 5}))
    assert [e.status for e in engine.observe(state, 0)] == ["firing"]
    state.update(row("stock_level", T0 + 2_000, sku_id="s3-m", item_id="i3", stock=50))
    assert [e.status for e in engine.observe(state, 1_000)] == ["resolved"]
    state.update(row("stock_level", T0 + 3_000, sku_id="s3-m", item_id="i3", stock=5))
    assert engine.observe(state, 30_000) == []  # true again, but within the cool-down
    [again] = engine.observe(state, 61_000)
    assert again.status == "firing" and again.id.endswith(":2")
    assert engine.active() == [("r1", "s1", "low_stock", "i3")]


def test_links_not_live_do_not_alert() -> None:
    rows = shelf({"s3-m": 2})
    rows.append(row("enter", T0 + 45 * MIN, user_key="late"))  # 45 min later, link 3 is long gone
    assert evaluate(replay(rows), AlertThresholds()) == []
    assert evaluate(RoomState(), AlertThresholds()) == []


def test_one_engine_many_rooms() -> None:
    a = replay(shelf({"s3-m": 5}))
    b_rows = shelf({"s3-m": 5})
    for r in b_rows:
        r["stream_id"] = "s2"
    b = replay(b_rows)
    engine = AlertEngine()
    assert len(engine.observe(a, 0)) == 1 and len(engine.observe(b, 0)) == 1
    assert engine.observe(a, 1) == [] and len(engine.active()) == 2


def test_thresholds_per_tenant(tmp_path: Path) -> None:
    head = '[tenants.demo]\napi_key = "0123456789abcdef"\nsalt = "0123456789abcdef"\n'
    head += "[tenants.demo.thresholds]\n"
    (tmp_path / "kuaifan.toml").write_text(head + "low_stock = 3\ncooldown_s = 5\n", encoding="utf-8")
    th = load_settings({"KUAIFAN_HOME": str(tmp_path)}).tenant("demo")[1].thresholds
    assert th.low_stock == 3 and th.cooldown_s == 5 and th.window_minutes == 5
    assert AlertEngine(th).observe(replay(shelf({"s3-m": 5})), 0) == []
    for bad, key in (("nope = 1", "nope"), ("low_stock = 0", "low_stock"), ("low_stock = 2.5", "low_stock")):
        (tmp_path / "kuaifan.toml").write_text(head + bad + "\n", encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            load_settings({"KUAIFAN_HOME": str(tmp_path)})
        assert err.value.details["key"] == f"tenants.demo.thresholds.{key}"
        assert "kuaifan.toml" in err.value.zh and key in err.value.en


def test_alert_event_json() -> None:
    [e] = AlertEngine().observe(replay(shelf({"s3-m": 5})), 123)
    data = orjson.loads(orjson.dumps(e.to_json()))
    assert data["kind"] == "low_stock" and data["ts_ms"] == 123 and data["title_zh"] == "库存告急"
    assert data["numbers"]["skus"][0]["stock"] == 5 and e.reason("en") == e.reason_en
