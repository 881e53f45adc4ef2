"""Level calibration: it learns a base forecaster's bias and spread on held-out series only."""

from __future__ import annotations

from typing import Self

import numpy as np
import polars as pl
import pytest

from kuaifan.forecast import Forecast, LevelCalibrated, build_forecast, check_history
from kuaifan.forecast.calibrated import LevelStats


class FlatTimes:
    """A deliberately wrong base: every future day is ``factor`` × the series' first day."""

    name = "flat"

    def __init__(self, factor: float) -> None:
        self.factor = factor
        self.fitted_on: list[str] = []

    def fit(self, history: pl.DataFrame) -> Self:
        self.fitted_on = sorted(check_history(history)["unique_id"].unique().to_list())
        return self

    def predict(
        self, h: int, *, history: pl.DataFrame | None = None, n_samples: int = 100, seed: int = 0
    ) -> Forecast:
        assert history is not None
        hist = check_history(history)
        info = hist.group_by("unique_id").agg(pl.col("y").first(), pl.col("ds").max()).sort("unique_id")
        first = info["y"].to_numpy()
        q = np.repeat((self.factor * first)[:, None, None], h, axis=1).repeat(3, axis=2)
        return build_forecast(info["unique_id"].to_list(), info["ds"].to_list(), q, n_samples, seed)


def flat_panel(n: int, days: int, level_sd: float, seed: int) -> pl.DataFrame:
    """Series whose later days are their first day × e^(level), level ~ N(0, level_sd), Poisson counts."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        first = float(rng.integers(200, 400))
        lam = first * np.exp(rng.normal(0.0, level_sd))
        ys = [first, *rng.poisson(lam, size=days - 1).tolist()]
        rows += [(f"s{i:03d}", d, float(y)) for d, y in enumerate(ys)]
    return pl.DataFrame(rows, schema=["unique_id", "ds", "y"], orient="row")


def test_calibration_undoes_a_biased_base_and_measures_the_spread() -> None:
    panel = flat_panel(90, 10, level_sd=0.3, seed=1)
    bases: list[FlatTimes] = []

    def make() -> FlatTimes:
        bases.append(FlatTimes(2.0))
        return bases[-1]

    model = LevelCalibrated(make, cuts=(1, 4), folds=3, seed=0).fit(panel)
    # three fold models, each fitted without its held-out third, then the final one on all
    assert len(bases) == 4 and all(len(b.fitted_on) == 60 for b in bases[:3])
    assert len(set().union(*(b.fitted_on for b in bases[:3]))) == 90 and len(bases[3].fitted_on) == 90
    stats = model.stats_for(1)
    assert stats.mean == pytest.approx(-np.log(2.0), abs=0.1)  # the base doubles: calibration halves
    assert stats.sd == pytest.approx(0.3, abs=0.08)  # the level spread, Poisson noise taken out
    assert model.day_sd < 0.05  # days scatter around the level by Poisson only
    assert model.stats_for(9) == model.stats_for(4) and model.stats_for(0) == model.stats_for(1)
    # new series: p50 near their level, and the p10–p90 band covers about 80 % of their totals
    fresh = flat_panel(300, 10, level_sd=0.3, seed=2)
    fc = model.predict(9, history=fresh.filter(pl.col("ds") == 0), n_samples=400, seed=3)
    totals = fresh.filter(pl.col("ds") > 0).group_by("unique_id").agg(pl.col("y").sum()).sort("unique_id")
    paths = fc.samples.sum(axis=2)
    lo, hi = np.quantile(paths, 0.1, axis=1), np.quantile(paths, 0.9, axis=1)
    inside = np.mean((totals["y"].to_numpy() >= lo) & (totals["y"].to_numpy() <= hi))
    assert 0.72 <= inside <= 0.88


def test_calibration_needs_enough_series() -> None:
    with pytest.raises(ValueError, match="at least"):
        LevelCalibrated(lambda: FlatTimes(1.0), folds=3).fit(flat_panel(2, 5, 0.1, 0))
    with pytest.raises(ValueError, match="folds"):
        LevelCalibrated(lambda: FlatTimes(1.0), folds=1)
    assert LevelStats(0.0, 0.1, 3).sd == 0.1


def test_held_out_cuts_of_the_series_that_crashed_backtest_seed_731() -> None:
    """The held-out fold of backtest seed 731: its cut-offs made polars 2.1 panic when they were a
    cross join + filter ("assertion failed: i < self.len()"). Each cut-off is now its own filter."""
    ys = {
        "b3-p002#0": [11, 10, 7, 6, 2, 7, 1, 14, 6, 2, 2, 4, 0, 4, 5, 4, 2, 2, 4, 2, 2, 0, 3, 4, 2, 1, 0, 0],
        "b3-p002#1": [11, 5, 2, 6, 9, 4, 7, 7, 4, 3, 2, 4, 2, 4, 5, 0, 2, 2, 0, 3, 2, 0, 1, 2, 1, 0, 2, 0],
        "b4-p001#0": [71, 69, 70, 30, 33, 52, 51, 17, 28, 16, 36, 33, 39, 50, 22, 20, 19, 13, 21, 11, 10, 21,
                      14, 10, 8, 9, 9, 15],
    }  # fmt: skip
    panel = pl.DataFrame(
        {
            "unique_id": [u for u, y in ys.items() for _ in y],
            "ds": [d for y in ys.values() for d in range(len(y))],
            "y": [float(v) for y in ys.values() for v in y],
        }
    )
    model = LevelCalibrated(lambda: FlatTimes(0.5), cuts=(1, 7, 14, 21), folds=3).fit(panel)
    assert set(model.levels) == {1, 7, 14, 21}
    # each series is held out once and scored after every cut-off shorter than it
    assert all(s.n == 3 for s in model.levels.values())
