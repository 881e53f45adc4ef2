"""The contract every forecaster keeps, run for each of them; plus the top-down split."""

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
    check_history,
    expected_shares,
    top_down,
    wape,
)

H = 7


def launches(n: int = 40, days: int = 21, seed: int = 0) -> pl.DataFrame:
    """Decaying launch curves of different sizes (what new products look like)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        size = float(rng.lognormal(3.5, 0.7))
        tau = float(rng.uniform(4, 12))
        for d in range(days):
            lam = size if d == 0 else 0.5 * size * np.exp(-(d - 1) / tau)
            rows.append((f"s{i:02d}", d, float(rng.poisson(lam)), size))
    return pl.DataFrame(rows, schema=["unique_id", "ds", "y", "scale"], orient="row")


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


@pytest.fixture(scope="module", params=sorted(FORECASTERS))
def fitted(request: pytest.FixtureRequest, panel: pl.DataFrame) -> Forecaster:
    return FORECASTERS[request.param]().fit(panel)


def test_contract_shapes_order_and_samples(fitted: Forecaster, panel: pl.DataFrame) -> None:
    fc = fitted.predict(H, n_samples=200, seed=1)
    ids = sorted(panel["unique_id"].unique().to_list())
    assert fc.ids == ids and fc.samples.shape == (len(ids), 200, H)
    q = fc.quantiles
    assert q.height == len(ids) * H
    assert q.group_by("unique_id").agg(pl.col("ds").min())["ds"].unique().to_list() == [21]
    assert ((q["p10"] <= q["p50"]) & (q["p50"] <= q["p90"]) & (q["p10"] >= 0)).all()
    assert (fc.samples >= 0).all()
    # Samples follow the quantiles they were drawn from.
    p90 = q.sort("unique_id", "ds")["p90"].to_numpy().reshape(len(ids), H)
    below = (fc.samples <= p90[:, None, :] + 1e-9).mean()
    assert 0.8 <= below <= 1.0
    again = fitted.predict(H, n_samples=200, seed=1)
    assert np.array_equal(fc.samples, again.samples)


def test_contract_new_history_and_one_day_series(fitted: Forecaster, panel: pl.DataFrame) -> None:
    fresh = launches(n=3, days=8, seed=9)
    first_day = fresh.filter(pl.col("ds") == 0)  # a style right after its launch stream
    for hist in (fresh, first_day):
        fc = fitted.predict(H, history=hist, n_samples=20)
        assert fc.ids == ["s00", "s01", "s02"] and fc.samples.shape == (3, 20, H)
        assert fc.quantiles["p50"].is_finite().all()


def test_contract_rejects_bad_history(fitted: Forecaster) -> None:
    with pytest.raises(ValueError, match="columns"):
        fitted.predict(H, history=pl.DataFrame({"unique_id": ["a"], "y": [1.0]}))
    gap = pl.DataFrame({"unique_id": ["a", "a"], "ds": [0, 2], "y": [1.0, 2.0], "scale": [1.0, 1.0]})
    with pytest.raises(ValueError, match="consecutive"):
        fitted.predict(H, history=gap)
    with pytest.raises(ValueError, match="non-negative"):
        check_history(pl.DataFrame({"unique_id": ["a"], "ds": [0], "y": [-1.0]}))


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
