"""Signals → forecast → plan input: the pure steps on hand-made frames with known answers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from kuaifan.errors import InputError, NotFoundError
from kuaifan.forecast import Forecast
from kuaifan.plan.costs import CostsConfig, load_costs
from kuaifan.plan.from_signals import (
    build_plan_input,
    daily_demand,
    forecast_variants,
    incoming_from_plans,
    last_live_day,
    plan_catalogue,
    stock_on_hand,
    stratified_joint,
    style_history,
    variant_mix,
)
from kuaifan.plan.model import Factory, OrderLine, PlanResult, Receipt, check_plan_input
from kuaifan.signals.frame import DAY_MS, day_date

ROOT = Path(__file__).resolve().parents[2]
D0 = 20_369  # 2025-10-08 as a day number
H = 3_600_000


def china_ms(day: int, hour: int) -> int:
    """UTC ms of ``hour``:00 China time on day number ``day``."""
    return day * DAY_MS + hour * H - 8 * H


def test_days_are_china_days_and_late_orders_count_on_the_last_live_day() -> None:
    vh = pl.DataFrame(
        {
            "item": ["A", "A", "A", "A"],
            "sku_id": ["A-1", "A-1", "A-2", "A-1"],
            # 23:00 and 07:00 China time fall on different days although 8 h apart in UTC terms
            "hour_ms": [china_ms(D0, 23), china_ms(D0 + 1, 7), china_ms(D0 + 1, 20), china_ms(D0 + 3, 10)],
            "units": [2, 3, 4, 5],
            "demand_units": [2.5, 3.0, 4.0, 5.0],
        }
    )
    daily = daily_demand(vh, last_day=D0 + 1)
    assert daily.sort("sku_id", "day").rows() == [
        ("A", "A-1", D0, 2, 2.5),
        ("A", "A-1", D0 + 1, 8, 8.0),  # the order reported on day 3 counts on the last live day
        ("A", "A-2", D0 + 1, 4, 4.0),
    ]
    assert daily_demand(vh)["day"].max() == D0 + 3
    assert day_date(D0) == date(2025, 10, 8)


def test_last_live_day_ignores_orders_and_is_none_without_live_events() -> None:
    ev = pl.DataFrame(
        {"kind": ["comment", "order_paid", "product_show"], "ts_ms": [china_ms(D0, 21), china_ms(D0 + 2, 9),
                                                                     china_ms(D0, 22)]}
    )  # fmt: skip
    assert last_live_day(ev) == D0
    assert last_live_day(ev.filter(pl.col("kind") == "order_paid")) is None


def test_style_history_is_consecutive_from_the_first_selling_day_with_zeros() -> None:
    daily = pl.DataFrame(
        {
            "item": ["A", "A", "B", "C"],
            "sku_id": ["A-1", "A-2", "B-1", "C-1"],
            "day": [D0, D0 + 2, D0 + 1, D0],
            "units": [1, 1, 1, 1],
            "demand_units": [4.0, 2.0, 0.0, 7.0],
        }
    )
    hist = style_history(daily, ["A", "B"], last_day=D0 + 3)
    assert hist.rows() == [("A", D0, 4.0), ("A", D0 + 1, 0.0), ("A", D0 + 2, 2.0), ("A", D0 + 3, 0.0)]


def test_variant_prior_is_colour_share_times_size_share() -> None:
    mix = pl.DataFrame(
        {
            "item": ["A"] * 4,
            "axis": ["color", "color", "size", "size"],
            "value": ["黑色", "白色", "M", "L"],
            "share": [0.75, 0.25, 0.6, 0.4],
        }
    )
    cat = pl.DataFrame(
        {
            "item": ["A"] * 5,
            "sku_id": ["A-1", "A-2", "A-3", "A-4", "A-5"],
            "color": ["黑色", "黑色", "白色", "白色", None],
            "size": ["M", "L", "M", "L", "M"],
        }
    )
    observed = pl.DataFrame({"sku_id": ["A-1", "A-3"], "demand_units": [5.0, 1.0]})
    got = variant_mix(mix, cat, observed)
    assert got["prior"].to_list() == pytest.approx([0.45, 0.3, 0.15, 0.1, 0.6])  # no colour: size share only
    assert got["observed"].to_list() == [5.0, 0.0, 1.0, 0.0, 0.0]
    assert got["style"].to_list() == ["A"] * 5


def test_stratified_paths_span_the_style_total_in_shuffled_order() -> None:
    totals = np.arange(100, dtype=np.float64)
    paths = np.zeros((2, 100, 3))
    paths[0, :, 0] = totals  # variant 0 carries the style total on day 0
    picked = stratified_joint(paths, 5, np.random.default_rng(1))
    assert picked.shape == (2, 5, 3)
    assert sorted(picked[0, :, 0].tolist()) == [10.0, 30.0, 50.0, 70.0, 90.0]  # quantiles 0.1 … 0.9
    orders = {tuple(stratified_joint(paths, 5, np.random.default_rng(s))[0, :, 0]) for s in range(6)}
    assert len(orders) > 1  # shuffled: styles do not all take their low paths together


def costs(**kw: object) -> CostsConfig:
    base: dict[str, object] = {
        "factories": [Factory(id="F1", lead_time_days=5, capacity_per_day=100, moq_per_style=10)],
        "horizon_days": 4,
    }
    return CostsConfig.model_validate({**base, **kw})


def variant_forecast(ids: list[str], n: int = 6, h: int = 4) -> Forecast:
    samples = np.arange(len(ids) * n * h, dtype=np.float64).reshape(len(ids), n, h) % 7
    q = pl.DataFrame({"unique_id": ids, "ds": [1] * len(ids), "p10": 0.0, "p50": 1.0, "p90": 2.0})
    return Forecast(ids=ids, quantiles=q, samples=samples)


CATALOGUE = pl.DataFrame(
    {
        "item": ["A", "A", "B", "C"],
        "sku_id": ["A-1", "A-2", "B-1", "C-1"],
        "price_fen": [19_900.0, None, 5_000.0, None],
    }
)


def test_plan_input_prices_costs_stock_and_scenarios() -> None:
    fc = variant_forecast(["A-1", "A-2", "B-1", "C-1"])
    cfg = costs(
        styles={"B": {"unit_cost": 20.0, "salvage_value": 3.0}},
        on_hand={"A-1": 7.0},
        presale={"max_wait_days": 3, "cancel_share": 0.5},
    )
    built = build_plan_input(
        CATALOGUE, fc, cfg, start_day=D0, on_hand={"A-1": 99.0, "A-2": 4.0}, scenarios=3, seed=2
    )
    inp = built.plan_input
    check_plan_input(inp)  # the planner's own cross-field rules hold
    by_id = {v.id: v for v in inp.variants}
    assert built.skipped == ["C"]  # no price anywhere: the style is left out, and said so
    assert set(by_id) == {"A-1", "A-2", "B-1"}
    assert by_id["A-1"].price == 199.0 and by_id["A-2"].price == 199.0  # the style's live price
    assert by_id["A-1"].unit_cost == pytest.approx(0.35 * 199.0, abs=0.01)
    assert by_id["A-1"].salvage_value == pytest.approx(19.9, abs=0.01)
    assert (by_id["B-1"].unit_cost, by_id["B-1"].salvage_value) == (20.0, 3.0)
    assert by_id["A-1"].on_hand == 7.0 and by_id["A-2"].on_hand == 4.0 and by_id["B-1"].on_hand == 0.0
    assert inp.start_date == date(2025, 10, 8) and inp.horizon_days == 4 and inp.review_days == [0]
    assert inp.presale is not None and inp.presale.cancel_share == 0.5
    for v in inp.variants:
        assert len(v.demand_scenarios) == 3 and all(len(p) == 4 for p in v.demand_scenarios)
    # a style's scenario k is one joint path: were picked together
    a = np.array([by_id["A-1"].demand_scenarios, by_id["A-2"].demand_scenarios])
    rows = {tuple(np.concatenate([fc.samples[0, s], fc.samples[1, s]])) for s in range(6)}
    assert all(tuple(np.concatenate([a[0, k], a[1, k]])) in rows for k in range(3))


def test_a_price_in_the_costs_file_plans_a_style_the_room_never_priced() -> None:
    fc = variant_forecast(["C-1"])
    built = build_plan_input(
        CATALOGUE, fc, costs(styles={"C": {"price": 88.0}}), start_day=D0, on_hand={}, scenarios=2
    )
    assert [(v.id, v.price) for v in built.plan_input.variants] == [("C-1", 88.0)]
    with pytest.raises(InputError, match="no chosen style has a price"):
        build_plan_input(CATALOGUE, fc, costs(), start_day=D0, on_hand={})


def test_stock_on_hand_is_the_last_level_seen() -> None:
    ev = pl.DataFrame(
        {
            "kind": ["stock_level", "stock_level", "stock_level", "comment"],
            "sku_id": ["A-1", "A-1", "A-2", "A-1"],
            "ts_ms": [2, 1, 5, 9],
            "stock": [3, 50, -1, None],
        }
    )
    assert stock_on_hand(ev) == {"A-1": 3.0, "A-2": 0.0}


def test_costs_file_errors_name_the_file_and_key(tmp_path: Path) -> None:
    assert load_costs(ROOT / "examples" / "costs.toml").factories[0].id == "F1"
    with pytest.raises(NotFoundError, match="costs file not found"):
        load_costs(tmp_path / "none.toml")
    bad = tmp_path / "costs.toml"
    bad.write_text('[[factories]]\nid = "F1"\nlead_time_days = -2\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_costs(bad)
    assert "factories.0.lead_time_days" in exc.value.message("en")
    bad.write_text("horizon_days = 28\n", encoding="utf-8")
    with pytest.raises(InputError, match="factories"):
        load_costs(bad)
    bad.write_text("horizon_days = [\n", encoding="utf-8")
    with pytest.raises(InputError, match="TOML"):
        load_costs(bad)


def test_auto_takes_lightgbm_with_enough_history_and_splits_every_path() -> None:
    rng = np.random.default_rng(3)
    rows = []
    for s in range(30):  # 30 styles × 12 days = 360 style-days: enough for the cross-style model
        level = rng.uniform(20, 80)
        rows += [(f"S{s:02d}", D0 + d, float(rng.poisson(level * np.exp(-d / 6)))) for d in range(12)]
    history = pl.DataFrame(
        rows, schema={"unique_id": pl.String, "ds": pl.Int64, "y": pl.Float64}, orient="row"
    )
    mix = pl.DataFrame(
        {
            "style": [f"S{s:02d}" for s in range(30) for _ in range(3)],
            "unique_id": [f"S{s:02d}-{v}" for s in range(30) for v in range(3)],
            "prior": [0.5, 0.3, 0.2] * 30,
            "observed": [10.0, 5.0, 1.0] * 30,
        }
    )
    styles, variants, used = forecast_variants(history, mix, 7, n_samples=50, seed=1)
    assert used == "lgbm_calibrated"  # LightGBM, its level and spread measured on held-out styles
    assert variants.samples.shape == (90, 50, 7)
    for k, style in enumerate(styles.ids):  # Poisson counts around each path × its drawn shares
        rows_of = [variants.ids.index(f"{style}-{v}") for v in range(3)]
        split, whole = variants.samples[rows_of].sum(), styles.samples[k].sum()
        assert abs(split - whole) <= 4 * np.sqrt(whole) + 1
    wide = styles.quantiles.filter(pl.col("p90") > pl.col("p10"))
    assert wide.height > 0.8 * styles.quantiles.height  # real intervals, not p10 = p50 = p90
    with pytest.raises(InputError, match="LightGBM needs at least 300"):
        forecast_variants(history.head(100), mix, 7, model="lgbm")


def plan_result(start: date | None, orders: list[tuple[str, int, int, date | None]]) -> PlanResult:
    """Only what incoming_from_plans reads: the order lines and the plan's start date."""
    lines = [
        OrderLine(day=0, factory="F1", variant=v, style=v.split("-")[0], qty=q, unit_price=1.0,
                  amount=float(q), delivery_day=d, delivery_date=when)
        for v, q, d, when in orders
    ]  # fmt: skip
    return PlanResult.model_construct(orders=lines, start_date=start)


def test_earlier_orders_still_to_arrive_become_incoming_receipts() -> None:
    start = date(2026, 10, 11)
    first = plan_result(
        date(2026, 10, 8), [("A-1", 100, 7, date(2026, 10, 15)), ("A-2", 40, 2, date(2026, 10, 10))]
    )
    second = plan_result(None, [("A-1", 30, 7, date(2026, 10, 15)), ("B-1", 5, 20, date(2026, 10, 31))])
    got = incoming_from_plans([first, second], start)
    assert got == {
        "A-1": [Receipt(day=4, qty=130)],
        "B-1": [Receipt(day=20, qty=5)],
    }  # A-2 is in stock by then
    undated = plan_result(None, [("A-1", 1, 3, None)])
    with pytest.raises(ValueError, match="no delivery date"):
        incoming_from_plans([undated], start)


def test_plan_catalogue_keeps_listed_variants_and_products_without_a_spec() -> None:
    vh = pl.DataFrame(
        {
            "item": ["A", "A", "P", "Q"],
            "sku_id": ["A-1", "A-1", "P", "Q"],
            "gmv_fen": [1000, 3000, 4500, 0],
            "units": [1, 3, 3, 0],
            "demand_units": [1.0, 3.0, 3.5, 0.0],
        }
    )
    cat = pl.DataFrame(
        {
            "tenant": ["t"] * 2,
            "item": ["A", "A"],
            "sku_id": ["A-1", "A-2"],  # A-2 was listed (its spec seen) but never sold
            "spec": ['{"颜色":"黑色"}', '{"颜色":"白色"}'],
            "color": ["黑色", "白色"],
            "size": [None, None],
            "price_fen": [990.0, None],
        }
    )
    got = plan_catalogue(vh, cat, ["A", "P", "Q"])
    assert got.rows() == [
        ("A", "A-1", "黑色", None, 990.0),  # the price seen live
        ("A", "A-2", "白色", None, None),  # no price of its own: build_plan_input uses the style's
        ("P", "P", None, None, 1500.0),  # no spec: its own only variant, priced by its sales
    ]


def test_auto_takes_the_launch_curve_for_a_few_long_styles() -> None:
    rng = np.random.default_rng(4)
    rows = [(f"S{s}", D0 + d, float(rng.poisson(60 * np.exp(-d / 4)))) for s in range(4) for d in range(10)]
    rows += [("NEW", D0 + 9, 55.0)]  # launched on the last day
    panel = pl.DataFrame(rows, schema={"unique_id": pl.String, "ds": pl.Int64, "y": pl.Float64}, orient="row")
    new = panel.filter(pl.col("unique_id") == "NEW")
    mix = pl.DataFrame({"style": ["NEW"], "unique_id": ["NEW-1"], "prior": [1.0], "observed": [55.0]})
    styles, _, used = forecast_variants(new, mix, 7, train=panel, n_samples=20)
    assert used == "curve"
    p50 = styles.quantiles.sort("ds")["p50"].to_list()
    assert p50[0] < 55.0 and p50[-1] < p50[0]  # the spike falls back, as the shop's styles did
    young = panel.filter(pl.col("ds") > D0 + 6)
    prior_styles, _, prior = forecast_variants(new, mix, 7, train=young, n_samples=20)
    # no style with a week of history: nothing to learn a curve from, so the category's default
    # (apparel: half the launch day the next day, falling by e^(-1/7) a day), not the spike carried on
    assert prior == "prior"
    p50 = prior_styles.quantiles.sort("ds")["p50"].to_numpy()
    assert p50[0] == pytest.approx(0.5 * 56 - 1, rel=0.01) and p50[-1] < p50[0] * 0.5
    q = prior_styles.quantiles
    assert ((q["p90"] / q["p10"]) > 3).all()  # wide: the level is a guess from one day
    _, _, flat = forecast_variants(new, mix, 7, train=young, n_samples=20, model="autoets")
    assert flat == "autoets"
