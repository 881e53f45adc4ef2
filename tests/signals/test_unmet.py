"""Unmet demand while sold out: exact small cases and the simulator's ground truth."""

from __future__ import annotations

import polars as pl
import pytest

from kuaifan.signals import (
    comment_mentions,
    prepare,
    soldout_intervals,
    text_facts,
    unmet_by_variant,
    unmet_hourly,
    variant_hourly,
)
from kuaifan.signals.evaluate import estimate_unmet, naive_unmet, room_errors, wape

from .helpers import MIN, T0, Log, SimRun

BLACK = {"颜色": "黑色", "尺码": "M"}
WHITE = {"颜色": "白色", "尺码": "M"}
SEC = 1000


def twin_variants(clicks: bool = True, carts: bool = True) -> Log:
    """Two variants with the same demand: one unit each every 2 minutes for an hour.

    Black has 10 in stock and sells out at minute 19; white never does, so white's sales after
    minute 19 (20 units) are what black would have sold.
    """
    log = Log()
    log.add("stream_start", 0).add("product_show", 0, sku_id="A-1", item_id="A", link_no=1)
    for sku, spec in (("A-1", BLACK), ("A-2", WHITE)):
        log.add("stock_level", 0, sku_id=sku, item_id="A", spec=spec, stock=10 if sku == "A-1" else 100)
    for m in range(60):
        if clicks:
            log.add("product_click", m * MIN + SEC, sku_id="A-1", item_id="A")
        if carts and m % 2 == 0:
            for sku, spec in (("A-1", BLACK), ("A-2", WHITE)):
                log.add("cart_add", m * MIN, sku_id=sku, item_id="A", spec=spec, qty=1)
    for i, m in enumerate(range(1, 60, 2)):
        log.add(
            "order_paid",
            m * MIN,
            sku_id="A-2",
            item_id="A",
            spec=WHITE,
            qty=1,
            amount_fen=100,
            order_id=f"w{i}",
        )
        if i < 10:
            log.add(
                "order_paid",
                m * MIN,
                sku_id="A-1",
                item_id="A",
                spec=BLACK,
                qty=1,
                amount_fen=100,
                order_id=f"b{i}",
            )
    log.add("stock_level", 19 * MIN, sku_id="A-1", item_id="A", spec=BLACK, stock=0)
    log.add("stream_end", 60 * MIN)
    return log


def test_soldout_intervals_close_on_restock_and_at_stream_end() -> None:
    log = Log()
    log.add("stream_start", 0)
    for t, stock in ((0, 5), (10, 0), (20, 0), (30, 3), (40, 0)):
        log.add("stock_level", t * MIN, sku_id="X-1", item_id="X", spec=BLACK, stock=stock)
    log.add("stream_end", 50 * MIN)
    iv = soldout_intervals(prepare(log.frame()))
    assert [(a - T0, b - T0) for a, b in iv.select("out_ms", "back_ms").rows()] == [
        (10 * MIN, 30 * MIN),
        (40 * MIN, 50 * MIN),
    ]


@pytest.mark.parametrize(("clicks", "carts"), [(True, True), (True, False), (False, True), (False, False)])
def test_twin_variant_is_estimated_from_its_twin(clicks: bool, carts: bool) -> None:
    df = prepare(twin_variants(clicks, carts).frame())
    per = unmet_by_variant(df, unmet_hourly(df)).row(0, named=True)
    assert per["sku_id"] == "A-1" and per["sold_units"] == 10
    assert per["sellout_ts_ms"] == T0 + 19 * MIN and per["soldout_minutes"] == pytest.approx(41.0)
    # The twin sold 20 units after minute 19; every path of the estimator must land close to it.
    assert per["unmet_units"] == pytest.approx(20.0, rel=0.12)
    if clicks and not carts:
        assert per["unmet_units"] == pytest.approx(per["unmet_clicks"])
    if carts and not clicks:
        assert per["unmet_units"] == pytest.approx(per["unmet_carts"])


def test_unmet_lands_in_the_hours_and_in_demand() -> None:
    df = prepare(twin_variants().frame())
    unmet = unmet_hourly(df)
    assert unmet["hour_ms"].unique().to_list() == [T0]
    v = variant_hourly(df, unmet=unmet).filter(pl.col("sku_id") == "A-1").row(0, named=True)
    assert v["demand_units"] == pytest.approx(v["units"] + v["unmet_units"])
    assert v["units"] == 10


def test_missed_comments_are_counted_while_sold_out() -> None:
    log = twin_variants()
    log.add("comment", 5 * MIN, text="黑色m还有吗")  # before the sell-out: not missed demand
    log.add("comment", 25 * MIN, text="黑色M没抢到")
    log.add("comment", 26 * MIN, text="求补货")  # no variant named: counts for the product's sold-out variant
    log.add("comment", 27 * MIN, text="白色M没抢到")  # white never sold out
    df = prepare(log.frame())
    per = unmet_by_variant(df, unmet_hourly(df, comment_mentions(df, text_facts))).row(0, named=True)
    assert per["missed_comments"] == 2


def test_no_sellout_no_unmet() -> None:
    log = Log()
    log.add("stream_start", 0).add("stock_level", 0, sku_id="A-1", item_id="A", spec=BLACK, stock=5)
    log.add("order_paid", MIN, sku_id="A-1", item_id="A", spec=BLACK, qty=1, amount_fen=100, order_id="o")
    log.add("stream_end", 10 * MIN)
    df = prepare(log.frame())
    assert unmet_hourly(df).height == 0
    assert unmet_by_variant(df, unmet_hourly(df)).height == 0


def test_room_level_unmet_against_simulator_truth(sim_runs: list[SimRun]) -> None:
    """Small rooms (3 seeds × 3 rooms × 60 min): the benchmark checks 20 seeds of bigger rooms."""
    ours = pl.concat([room_errors(estimate_unmet(r.events), r.truth) for r in sim_runs])
    naive = pl.concat([room_errors(naive_unmet(r.events), r.truth) for r in sim_runs])
    assert ours["true"].sum() > 150  # enough sold-out demand to say something
    assert wape(ours) <= 0.30
    assert wape(ours) <= 0.2 * wape(naive)
    assert 0.75 <= ours["estimated"].sum() / ours["true"].sum() <= 1.25
