"""Forecasts inside the backtest: the brand's model is fitted on its past launches (never on a launch
being scored), forecasts each new style after each review day, and is scored against SES.

The model is LightGBM quantiles (mlforecast) on the style's daily demand scaled by its launch stream,
level-calibrated on held-out past launches (:class:`kuaifan.forecast.LevelCalibrated`); the style
forecast is split over colour × size top-down by the mix seen so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from kuaifan.backtest.launch import F64, Launch
from kuaifan.forecast.baselines import StatsBaseline
from kuaifan.forecast.calibrated import LevelCalibrated
from kuaifan.forecast.lgbm import LGBMQuantile
from kuaifan.forecast.topdown import expected_shares, top_down


@dataclass(slots=True)
class ForecastScore:
    abs_err_lgbm: float = 0.0
    abs_err_ses: float = 0.0
    actual: float = 0.0
    covered: int = 0  # cells whose actual lies in [p10, p90] (bounds included)
    covered_pit: float = 0.0  # the same for counts by the randomised PIT (ties shared out)
    cells: int = 0

    def add(self, other: ForecastScore) -> None:
        for name in ("abs_err_lgbm", "abs_err_ses", "actual", "covered", "covered_pit", "cells"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def pit_coverage(actual: F64, paths: F64) -> float:
    """Expected number of cells inside the central 80 % under the randomised PIT.

    Demand is counts: with much mass on 0 or 1, "p10 <= y <= p90" holds far more often than 80 %
    even for a perfect forecast. The randomised PIT spreads each actual over [F(y-), F(y)] of the
    forecast's samples (paths: (V, S, h), actual: (V, h)); the share of that spread inside
    [0.1, 0.9] is the cell's coverage, 80 % on average when the forecast is calibrated.
    """
    below = (paths < actual[:, None, :]).mean(axis=1)
    upto = (paths <= actual[:, None, :]).mean(axis=1)
    inside = np.clip(np.minimum(upto, 0.9) - np.maximum(below, 0.1), 0.0, None)
    width = upto - below
    point = ((upto >= 0.1) & (upto <= 0.9)).astype(np.float64)
    share = np.where(width > 0, inside / np.where(width > 0, width, 1.0), point)
    return float(share.sum())


@dataclass(frozen=True, slots=True)
class StyleForecast:
    """A style's forecast for launch days ``day``..H-1, made on the morning of ``day``."""

    day: int
    p50: F64  # (h,) style level
    samples: F64  # (S, h) style-level paths


def history_frame(ids: Sequence[str], values: F64, scale: Sequence[float]) -> pl.DataFrame:
    n, t = values.shape
    return pl.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(ids, dtype=object), t).tolist(),
            "ds": np.tile(np.arange(t), n),
            "y": values.ravel(),
            "scale": np.repeat(np.asarray(scale, dtype=np.float64), t),
        }
    )


def observed(launch: Launch, upto: int) -> F64:
    """What kuaifan sees of days 0..upto-1 per variant: the signals' launch stream, then the days."""
    obs = launch.demand[:, :upto].copy()
    obs[:, 0] = launch.observed_day0
    return obs


def fit_model(past: Sequence[Launch], seed: int, cuts: Sequence[int]) -> LevelCalibrated:
    """LightGBM quantiles on past launches' style totals, level-calibrated at the review days."""
    totals = np.stack([p.demand.sum(axis=0) for p in past])
    hist = history_frame([p.style for p in past], totals, totals[:, 0].tolist())
    # the calibration makes the intervals: only LightGBM's median model is needed
    base = lambda: LGBMQuantile(seed=seed, median_only=True)  # noqa: E731
    return LevelCalibrated(base, cuts=cuts, folds=3, seed=seed).fit(hist)


def forecast_styles(
    model: LevelCalibrated, launches: Sequence[Launch], days: Sequence[int], n_samples: int, seed: int
) -> dict[tuple[str, int], StyleForecast]:
    """Every launch's style forecast after every review day, one model call per day."""
    out: dict[tuple[str, int], StyleForecast] = {}
    for r in days:
        horizon = launches[0].demand.shape[1] - r
        obs = np.stack([observed(launch, r).sum(axis=0) for launch in launches])
        hist = history_frame([launch.style for launch in launches], obs, [max(float(o[0]), 1.0) for o in obs])
        fc = model.predict(horizon, history=hist, n_samples=n_samples, seed=seed + r)
        p50 = fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(len(fc.ids), horizon)
        for i, sid in enumerate(fc.ids):
            out[sid, r] = StyleForecast(r, p50[i], fc.samples[i])
    return out


def variant_paths(
    launch: Launch, fc: StyleForecast, rng: np.random.Generator, concentration: float = 20.0
) -> F64:
    """(V, S, h) variant demand paths: the style paths split by the prior mix (weight: the brand's mix
    concentration) updated by the mix seen so far."""
    seen = observed(launch, fc.day).sum(axis=1)
    return top_down(fc.samples, launch.prior_mix, seen, rng, prior_weight=concentration)


def ses_p50(launches: Sequence[Launch], r: int) -> dict[str, F64]:
    """The SES baseline per variant (statsforecast) on the same days: sku -> p50 (h,)."""
    ids = [sku for launch in launches for sku in launch.variants]
    values = np.concatenate([observed(launch, r) for launch in launches])
    horizon = launches[0].demand.shape[1] - r
    fc = StatsBaseline("ses").predict(horizon, history=history_frame(ids, values, [1.0] * len(ids)))
    p50 = fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(len(fc.ids), horizon)
    return dict(zip(fc.ids, p50, strict=True))


def score(launch: Launch, fc: StyleForecast, paths: F64, ses: dict[str, F64]) -> ForecastScore:
    """WAPE numerators of the model's p50 and SES per variant-day, and p10–p90 coverage of the paths."""
    r = fc.day
    actual = launch.demand[:, r:]
    share = expected_shares(launch.prior_mix, observed(launch, r).sum(axis=1))
    p50 = fc.p50[None, :] * share[:, None]
    lo, hi = np.quantile(paths, 0.1, axis=1), np.quantile(paths, 0.9, axis=1)
    base = np.stack([ses[sku] for sku in launch.variants])
    return ForecastScore(
        abs_err_lgbm=float(np.abs(p50 - actual).sum()),
        abs_err_ses=float(np.abs(base - actual).sum()),
        actual=float(actual.sum()),
        covered=int(((actual >= lo) & (actual <= hi)).sum()),
        covered_pit=pit_coverage(actual, paths),
        cells=int(actual.size),
    )
