"""The contract every forecaster keeps (kuaifan.testing.check_forecaster), run for each of them; plus
what each one learns and the top-down split."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from kuaifan.forecast import (
    Forecaster,
    LaunchCurve,
    LevelCalibrated,
    LGBMQuantile,
    StatsBaseline,
    build_forecast,
    expected_shares,
    top_down,
    wape,
)
from kuaifan.testing.forecast import check_forecaster, launch_panel

H = 7


launches = launch_panel


FORECASTERS: dict[str, Callable[[], Forecaster]] = {
    "naive": lambda: StatsBaseline("naive"),
    "ses": lambda: StatsBaseline("ses"),
    "autoets": lambda: StatsBaseline("autoets"),
    "lgbm": lambda: LGBMQuantile(n_estimators=60),
    "curve": LaunchCurve,
    "prior": lambda: LaunchCurve.for_category("apparel"),
    "lgbm_calibrated": lambda: LevelCalibrated(
        lambda: LGBMQuantile(n_estimators=60, median_only=True), cuts=(1, 3, 7), folds=3
    ),
}


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return launches()


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_every_forecaster_keeps_the_contract(name: str, panel: pl.DataFrame) -> None:
    check_forecaster(FORECASTERS[name], panel=panel)


def test_lgbm_learns_the_decay_that_ses_cannot(panel: pl.DataFrame) -> None:
    test = launches(n=20, days=21, seed=5)
    cut = test.filter(pl.col("ds") < 3)
    actual = test.filter(pl.col("ds").is_between(3, 3 + H - 1)).sort("unique_id", "ds")["y"].to_numpy()
    scores = {}
    for name in ("ses", "lgbm"):
        fc = FORECASTERS[name]().fit(panel).predict(H, history=cut)
        scores[name] = wape(actual, fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy())
    assert scores["lgbm"] < 0.8 * scores["ses"]


def test_launch_curve_learns_the_decay_from_few_styles() -> None:
    """Eight styles of three weeks (168 style-days, too few for LightGBM) teach the launch curve."""
    train = launches(n=8, days=21, seed=3)
    test = launches(n=20, days=21, seed=5)
    actual = test.filter(pl.col("ds").is_between(2, 2 + H - 1)).sort("unique_id", "ds")["y"].to_numpy()
    cut = test.filter(pl.col("ds") < 2)  # the launch stream and the day after
    scores = {}
    for name, model in (("ses", StatsBaseline("ses")), ("curve", LaunchCurve())):
        fc = model.fit(train).predict(H, history=cut)
        scores[name] = wape(actual, fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy())
    assert scores["curve"] < 0.7 * scores["ses"], scores


def test_launch_curve_without_long_styles_is_a_level_with_a_wide_band() -> None:
    short = launches(n=5, days=3, seed=2)
    model = LaunchCurve().fit(short)
    assert model.n_train == 0
    fc = model.predict(H, n_samples=10)
    q = fc.quantiles
    assert (q.group_by("unique_id").agg(pl.col("p50").n_unique())["p50"] == 1).all()  # flat
    assert ((q["p90"] - q["p10"]) > 0).all()


def test_build_forecast_sorts_crossed_quantiles() -> None:
    q = np.array([[[5.0, 3.0, 9.0], [-1.0, 0.0, 2.0]]])
    fc = build_forecast(["a"], [10], q, 50, 0)
    assert fc.quantiles.select("ds", "p10", "p50", "p90").rows() == [(11, 3.0, 5.0, 9.0), (12, 0.0, 0.0, 2.0)]


def test_top_down_keeps_totals_and_follows_the_mix() -> None:
    rng = np.random.default_rng(0)
    style = np.full((400, 5), 100.0)
    prior = np.array([0.25, 0.25, 0.5])
    paths = top_down(style, prior, np.zeros(3), rng)
    assert paths.shape == (3, 400, 5)
    assert paths.sum(axis=0).mean() == pytest.approx(100.0, rel=0.02)
    assert paths[2].mean() / paths.sum(axis=0).mean() == pytest.approx(0.5, abs=0.03)
    seen = expected_shares(prior, np.array([0.0, 0.0, 980.0]))
    assert seen[2] > 0.98
    with pytest.raises(ValueError):
        top_down(style, np.zeros(3), np.zeros(3), rng)
