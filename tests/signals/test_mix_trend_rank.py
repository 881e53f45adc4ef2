"""Size curve / colour mix with shrinkage, trend and acceleration, 选品 ranking, the whole bundle."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuaifan.signals import (
    demand_signals,
    fit_trend,
    prepare,
    rank_products,
    style_mix,
    trends,
    variant_hourly,
)

from .helpers import MIN, Log, SimRun

SIZES = ("S", "M", "L")


def catalogue(item: str, colors: tuple[str, ...] = ("黑色",), sizes: tuple[str, ...] = SIZES) -> pl.DataFrame:
    rows = [
        {"tenant": "t", "item": item, "sku_id": f"{item}-{c}-{s}", "color": c, "size": s}
        for c in colors
        for s in sizes
    ]
    return pl.DataFrame(rows)


def demand(item: str, units: dict[str, float], color: str = "黑色") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "tenant": "t",
            "sku_id": [f"{item}-{color}-{s}" for s in units],
            "demand_units": list(units.values()),
        }
    )


def shares(mix: pl.DataFrame, item: str, axis: str = "size") -> dict[str, float]:
    rows = mix.filter((pl.col("item") == item) & (pl.col("axis") == axis))
    return dict(zip(rows["value"].to_list(), rows["share"].to_list(), strict=True))


def test_mix_sums_to_one_and_follows_plenty_of_sales() -> None:
    mix = style_mix(catalogue("A"), demand("A", {"S": 1000, "M": 3000, "L": 1000}))
    s = shares(mix, "A")
    assert sum(s.values()) == pytest.approx(1.0)
    assert s["M"] == pytest.approx(0.6, abs=0.01)
    assert shares(mix, "A", "color") == {"黑色": pytest.approx(1.0)}


def test_thin_style_borrows_the_pooled_size_curve() -> None:
    cat = pl.concat([catalogue("BIG"), catalogue("NEW")])
    dem = pl.concat([demand("BIG", {"S": 100, "M": 600, "L": 300}), demand("NEW", {"S": 1, "M": 0, "L": 0})])
    s = shares(style_mix(cat, dem), "NEW")
    # One unit of S does not make S the top size of a new style: the brand's curve dominates.
    assert s["M"] > s["L"] > s["S"] > 0
    alone = shares(style_mix(catalogue("NEW"), demand("NEW", {"S": 1, "M": 0, "L": 0})), "NEW")
    assert alone["S"] == pytest.approx((1 + 10 / 3) / 11)  # no pool: even prior, k = 10


def test_asked_for_sizes_move_the_mix() -> None:
    cat, dem = catalogue("A"), demand("A", {"S": 10, "M": 10, "L": 10})
    asks = pl.DataFrame({"tenant": ["t"] * 20, "item": ["A"] * 20, "size": ["L"] * 20, "color": [None] * 20})
    without, with_asks = shares(style_mix(cat, dem), "A"), shares(style_mix(cat, dem, asks), "A")
    assert without["L"] == pytest.approx(1 / 3)
    assert with_asks["L"] > 0.45 and sum(with_asks.values()) == pytest.approx(1.0)


def test_fit_trend_recovers_a_quadratic() -> None:
    ys = [3 + 2 * t + 0.5 * t * t for t in range(-5, 1)]  # t = 0 is the latest
    level, trend, accel = fit_trend(ys, window=6)
    assert (level, trend, accel) == (pytest.approx(3), pytest.approx(2), pytest.approx(1))
    assert fit_trend([4.0]) == (4.0, 0.0, 0.0)
    assert fit_trend([1.0, 3.0]) == (pytest.approx(3.0), pytest.approx(2.0), 0.0)


@given(st.lists(st.floats(0, 1000), min_size=3, max_size=12), st.floats(0, 100))
def test_shifting_a_series_moves_only_its_level(values: list[float], shift: float) -> None:
    a, b = fit_trend(values), fit_trend([v + shift for v in values])
    assert b[0] == pytest.approx(a[0] + shift, abs=1e-6)
    assert b[1] == pytest.approx(a[1], abs=1e-6) and b[2] == pytest.approx(a[2], abs=1e-6)


def test_trends_fill_gaps_with_zeros() -> None:
    h = 3_600_000
    frame = pl.DataFrame({"item": ["A", "A", "A"], "hour_ms": [0, 2 * h, 3 * h], "units": [4, 2, 1]})
    row = trends(frame, ["item"], window=4).row(0, named=True)
    assert row["buckets"] == 4
    expected = fit_trend([4.0, 0.0, 2.0, 1.0], window=4)
    assert (row["level"], row["trend"], row["acceleration"]) == pytest.approx(expected)


def test_ranking_by_gmv_per_minute_with_shrinkage() -> None:
    log = Log()
    log.add("stream_start", 0)
    log.add("product_show", 0, sku_id="A-1", item_id="A")  # A: 30 minutes, 3000 fen → 100 / min
    log.add("product_show", 30 * MIN, sku_id="B-1", item_id="B")  # B: 1 minute, 400 fen → 400 / min raw
    log.add("product_show", 31 * MIN, sku_id="C-1", item_id="C")  # C: 29 minutes, 5800 → 200 / min
    for sku, item, t, fen in (("A-1", "A", 5, 3000), ("B-1", "B", 30, 400), ("C-1", "C", 40, 5800)):
        log.add("order_paid", t * MIN, sku_id=sku, item_id=item, spec={"颜色": "黑色"}, qty=1, amount_fen=fen,
                order_id=sku)  # fmt: skip
    log.add("stream_end", 60 * MIN)
    df = prepare(log.frame())
    r = rank_products(df, variant_hourly(df))
    assert r["item"].to_list() == ["C", "B", "A"]
    b = r.filter(pl.col("item") == "B").row(0, named=True)
    tenant_rate = 9200 / 60
    assert b["gmv_per_minute_fen"] == pytest.approx((400 + 10 * tenant_rate) / 11)
    raw = rank_products(df, variant_hourly(df), prior_minutes=0.0)
    assert raw["item"].to_list() == ["B", "C", "A"]


def test_demand_signals_on_a_simulated_run(sim_run: SimRun) -> None:
    sig = demand_signals(sim_run.events)
    v = sig.variant_hours
    assert (v["demand_units"] - v["units"] - v["unmet_units"]).abs().max() == pytest.approx(0.0)
    assert sig.unmet_variants.height == sim_run.truth["sellout_ts_ms"].is_not_null().sum()
    assert set(sig.channels["item"]) <= set(sig.catalogue["item"])
    assert sig.ranking["rank"].min() == 1 and sig.ranking.height == sig.ranking["item"].n_unique()
    sizes = sig.mix.filter(pl.col("axis") == "size").group_by("item").agg(pl.col("share").sum())
    assert sizes.height > 0 and (sizes["share"] - 1.0).abs().max() < 1e-9
    assert sig.trends.height > 0 and sig.product_hours["clicks"].sum() > 0


def order_export_log() -> Log:
    """Orders as a merchant export gives them: 商品ID in sku_id, the variant only in the spec."""
    log = Log(stream="r1", room="r1")
    rows = [("P1", "黑色", "M", 2, 12900), ("P1", "黑色", "M", 1, 6450), ("P1", "白色", "L", 1, 6450),
            ("P2", "杏色", None, 3, 26700)]  # fmt: skip
    for i, (sku, color, size, qty, fen) in enumerate(rows):
        spec = {"颜色": color, **({"尺码": size} if size else {})}
        log.add("order_paid", i * MIN, sku_id=sku, spec=spec, qty=qty, amount_fen=fen, order_id=f"o{i}")
    return log


def test_an_order_export_names_its_variants_by_product_and_spec() -> None:
    sig = demand_signals(order_export_log().frame())
    cat = sig.catalogue.select("item", "sku_id", "color", "size").sort("sku_id").rows()
    assert cat == [
        ("P1", "P1·白色/L", "白色", "L"),
        ("P1", "P1·黑色/M", "黑色", "M"),
        ("P2", "P2·杏色", "杏色", None),
    ]
    units = sig.variant_hours.group_by("sku_id").agg(pl.col("units").sum()).sort("sku_id").rows()
    assert units == [("P1·白色/L", 1), ("P1·黑色/M", 3), ("P2·杏色", 3)]
    colors = sig.mix.filter((pl.col("item") == "P1") & (pl.col("axis") == "color"))
    assert set(colors["value"]) == {"黑色", "白色"}  # the style's mix sees both colours


def test_live_events_with_an_item_id_keep_their_sku_ids() -> None:
    log = Log()
    log.add(
        "order_paid", 0, sku_id="A-1", item_id="A", spec={"颜色": "黑色"}, qty=1, amount_fen=100, order_id="x"
    )
    assert prepare(log.frame())["sku_id"].to_list() == ["A-1"]


def test_without_any_air_time_products_rank_by_gmv_and_have_no_gmv_per_minute() -> None:
    sig = demand_signals(order_export_log().frame())
    r = sig.ranking
    assert r["item"].to_list() == ["P2", "P1"]  # 267 元 before 258 元
    assert r["gmv_per_minute_fen"].null_count() == 2 and r["minutes"].to_list() == [0.0, 0.0]
