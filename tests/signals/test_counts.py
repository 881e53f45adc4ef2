"""Funnel counts per hour, product and variant; channel split; frame preparation."""

from __future__ import annotations

import polars as pl
import pytest

from kuaifan.signals import (
    air_segments,
    channel_split,
    conform_events,
    prepare,
    product_hourly,
    stream_bounds,
    variant_catalogue,
    variant_hourly,
)

from .helpers import MIN, T0, Log, SimRun, concat

BLACK_M = {"颜色": "黑色", "尺码": "M"}
WHITE_L = {"颜色": "白色", "尺码": "L"}


def two_rooms() -> pl.DataFrame:
    store = Log(channel="store")
    store.add("stream_start", 0).add("product_show", 0, sku_id="A-1", item_id="A", link_no=1)
    store.add("product_click", 1 * MIN, sku_id="A-1", item_id="A")
    store.add("product_click", 2 * MIN, sku_id="A-1", item_id="A")
    store.add("cart_add", 3 * MIN, sku_id="A-1", item_id="A", spec=BLACK_M, qty=1)
    store.add(
        "order_paid", 4 * MIN, sku_id="A-1", item_id="A", spec=BLACK_M, qty=2, amount_fen=19800, order_id="o1"
    )
    store.add(
        "order_paid", 65 * MIN, sku_id="A-2", item_id="A", spec=WHITE_L, qty=1, amount_fen=9900, order_id="o2"
    )
    store.add(
        "order_refund",
        70 * MIN,
        sku_id="A-1",
        item_id="A",
        spec=BLACK_M,
        qty=1,
        amount_fen=9900,
        order_id="o1",
    )
    store.add("stream_end", 90 * MIN)
    kol = Log(stream="s2", room="r2", channel="influencer")
    kol.add("stream_start", 0).add("product_show", 0, sku_id="A-1", item_id="A", link_no=3)
    kol.add(
        "order_paid", 5 * MIN, sku_id="A-1", item_id="A", spec=BLACK_M, qty=1, amount_fen=9900, order_id="o3"
    )
    kol.add("stream_end", 30 * MIN)
    return concat(store, kol)


def test_prepare_reads_spec_axes_and_hours() -> None:
    df = prepare(two_rooms())
    row = df.filter(pl.col("kind") == "cart_add").row(0, named=True)
    assert (row["item"], row["color"], row["size"]) == ("A", "黑色", "M")
    assert row["hour_ms"] == T0
    late = df.filter(pl.col("order_id") == "o2").row(0, named=True)
    assert late["hour_ms"] == T0 + 3_600_000


def test_conform_needs_the_required_columns() -> None:
    with pytest.raises(ValueError, match="ts_ms"):
        conform_events(pl.DataFrame({"kind": ["comment"], "tenant": ["t"]}))
    slim = conform_events(pl.DataFrame({"kind": ["like"], "tenant": ["t"], "ts_ms": [T0]}))
    assert slim["sku_id"].to_list() == [None]


def test_product_hourly_counts() -> None:
    df = prepare(two_rooms())
    p = product_hourly(df).filter(pl.col("channel") == "store").sort("hour_ms")
    first, second = p.row(0, named=True), p.row(1, named=True)
    assert (first["shows"], first["clicks"], first["carts"], first["orders"], first["units"]) == (
        1,
        2,
        1,
        1,
        2,
    )
    assert first["gmv_fen"] == 19800
    assert (second["orders"], second["units"], second["gmv_fen"], second["refund_fen"]) == (1, 1, 9900, 9900)


def test_variant_hourly_keeps_clicks_out_and_refunds_apart() -> None:
    v = variant_hourly(prepare(two_rooms()))
    assert "clicks" not in v.columns  # clicks are product-level
    black = v.filter((pl.col("sku_id") == "A-1") & (pl.col("channel") == "store"))
    assert black["units"].sum() == 2 and black["gmv_fen"].sum() == 19800 and black["refund_fen"].sum() == 9900


def test_channel_split() -> None:
    split = channel_split(variant_hourly(prepare(two_rooms()))).row(0, named=True)
    assert (split["store_units"], split["influencer_units"]) == (3, 1)
    assert split["store_share"] == pytest.approx(29700 / (29700 + 9900))


def test_bounds_segments_and_catalogue() -> None:
    df = prepare(two_rooms())
    b = stream_bounds(df).sort("stream_id")
    assert b["end_ms"].to_list() == [T0 + 90 * MIN, T0 + 30 * MIN]
    seg = air_segments(df).sort("stream_id")
    assert seg["minutes"].to_list() == [90.0, 30.0]
    cat = variant_catalogue(df)
    assert cat.select("sku_id", "color", "size", "price_fen").rows() == [
        ("A-1", "黑色", "M", 9900),
        ("A-2", "白色", "L", 9900),
    ]


def test_units_and_gmv_match_the_simulator_truth(sim_run: SimRun) -> None:
    v = variant_hourly(prepare(sim_run.events))
    per_sku = v.group_by("sku_id", "channel").agg(pl.col("units").sum())
    truth = sim_run.truth.group_by("sku_id", "channel").agg(pl.col("sold_units").sum())
    joined = truth.join(per_sku, on=["sku_id", "channel"], how="left").with_columns(
        pl.col("units").fill_null(0)
    )
    assert joined.height > 50
    assert (joined["units"] == joined["sold_units"]).all()
