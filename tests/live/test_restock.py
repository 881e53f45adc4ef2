"""没抢到 / 求补货 / 还有吗 comments in the live path: placed on a product by the one comment resolver,
the same products the batch signals give them, and counted per link by the ``sold_out_demand`` alert."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kuaifan.app.replay import load_events
from kuaifan.config import AlertThresholds
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.live.asked import ANY_PRODUCT
from kuaifan.live.hub import LiveHub, default_classify
from kuaifan.live.resolver import restock_ask
from kuaifan.signals.frame import prepare
from kuaifan.signals.mentions import comment_mentions
from kuaifan.sim import SimConfig, simulate
from kuaifan.sources.gate import TenantGate

T0 = 1_791_000_000_000
MIN = 60_000


def hub() -> LiveHub:
    classify, many = default_classify()
    return LiveHub(
        lambda _: AlertThresholds(), classify=classify, classify_many=many, clock=lambda: T0 / 1000
    )


def ev(kind: str, ts: int, n: int, **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    r.update(kind=kind, tenant="acme", platform="sim", room_id="r1", stream_id="s1", ts_ms=ts, msg_id=f"m{n}")
    r.update(kw)
    return r


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [("stock", "M码还有吗", True), ("other", "没抢到😭", True), ("other", "手慢了 没了", True),
     ("price", "多少钱", False), ("purchased", "已拍", False)],
)  # fmt: skip
def test_what_is_a_restock_ask(intent: str, text: str, expected: bool) -> None:
    assert restock_ask(intent, text) is expected


def test_simulated_room_batch_and_live_place_restock_asks_on_the_same_products(tmp_path: Path) -> None:
    simulate(SimConfig(seed=5, rooms=1, minutes=40, viewers=4000, tenant="acme"), tmp_path / "out")
    raw, rejects = load_events([tmp_path / "out"])
    assert rejects == []
    gate = TenantGate("acme", "restock-test-salt-0123")
    rows = [r for r in (gate.admit(e) for e in raw) if isinstance(r, dict)]
    assert len(rows) == len(raw)
    events = pl.DataFrame(rows, schema=POLARS_SCHEMA)
    live = hub()
    for k in range(0, len(rows), 300):
        live.apply("acme", rows[k : k + 300])
    room = live.room("acme", rows[0]["room_id"])
    assert room is not None and len(room.streams) == 1
    stream = next(iter(room.streams.values()))
    live_counts = {p: n for p, n in stream.asked.restock_counts().items() if p != ANY_PRODUCT}

    mentions = comment_mentions(prepare(events))  # what `kuaifan signals` counts (stock_asks, missed)
    asks = mentions.filter((pl.col("intent") == "stock") | pl.col("missed"))
    batch_counts = dict(Counter(asks.get_column("item").to_list()))
    assert sum(batch_counts.values()) >= 20 and len(batch_counts) >= 3, batch_counts
    assert live_counts == batch_counts, (live_counts, batch_counts)
    view = live.view("acme", rows[0]["room_id"])
    assert view is not None
    assert [(r["product"], r["count"]) for r in view["restock"]] == sorted(
        stream.asked.restock_counts().items(), key=lambda kv: (-kv[1], kv[0])
    )[:10]


def test_sold_out_demand_counts_the_restock_asks_of_its_own_link() -> None:
    h = hub()
    n = iter(range(1000))
    setup = [
        ev("stream_start", T0, next(n)),
        ev("product_show", T0 + 1, next(n), item_id="A", sku_id="A-M", link_no=1, spec='{"尺码":"M"}'),
        ev("product_show", T0 + 2, next(n), item_id="B", sku_id="B-M", link_no=2, spec='{"尺码":"M"}'),
        ev("stock_level", T0 + 3, next(n), item_id="A", sku_id="A-M", link_no=1, stock=0),
        ev("stock_level", T0 + 3, next(n), item_id="B", sku_id="B-M", link_no=2, stock=50),
        ev("product_show", T0 + 10_000, next(n), item_id="B", sku_id="B-M", link_no=2),
    ]
    h.apply("acme", setup)
    # B is on screen: these restock comments are about B, whose stock is fine
    h.apply("acme", [ev("comment", T0 + 20_000 + i, next(n), text="没抢到 求补货") for i in range(5)])
    fired = {(e.kind, e.subject) for _, e in h.tick_alerts()}
    assert ("sold_out_demand", "A") not in fired
    # comments naming link 1 are about A, which is sold out
    h.apply("acme", [ev("comment", T0 + 30_000 + i, next(n), text="1号链接没抢到") for i in range(3)])
    alerts = {(e.kind, e.subject): e for _, e in h.tick_alerts()}
    assert ("sold_out_demand", "A") in alerts
    assert alerts[("sold_out_demand", "A")].numbers["asks"] == 3
    assert ("sold_out_demand", "B") not in alerts
    view = h.view("acme", "r1")
    assert view is not None
    assert [(r["product"], r["count"]) for r in view["restock"]] == [("B", 5), ("A", 3)]
