"""Scoring the brand's forecasts on the production path against what the days then brought.

On each scored review day the forecast made that morning (``kuaifan forecast``: the style forecast
split over the variants) is compared per variant and day with the realised demand of the rest of
the horizon: the WAPE of its p50 beside the WAPE of SES (statsforecast) fitted on the same days the
signals showed, and the share of variant-days whose demand lies in the forecast's [p10, p90] (the
issue's measure, bounds included) with the randomised-PIT share beside it (for counts, ties at 0
and 1 make "bounds included" look better than the forecast is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from kuaifan.backtest.launch import F64, Launch
from kuaifan.backtest.production import ForecastRecord
from kuaifan.forecast.baselines import StatsBaseline


@dataclass(slots=True)
class ForecastScore:
    abs_err_model: float = 0.0
    abs_err_ses: float = 0.0
    actual: float = 0.0
    covered: int = 0  # cells whose actual lies in [p10, p90] (bounds included)
    covered_pit: float = 0.0  # the same for counts by the randomised PIT (ties shared out)
    cells: int = 0

    def add(self, other: ForecastScore) -> None:
        for name in ("abs_err_model", "abs_err_ses", "actual", "covered", "covered_pit", "cells"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> dict[str, float | None]:
        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "wape_model": ratio(self.abs_err_model, self.actual),
            "wape_ses": ratio(self.abs_err_ses, self.actual),
            "coverage_p10_p90": ratio(self.covered, self.cells),
            "coverage_p10_p90_pit": ratio(self.covered_pit, self.cells),
            "cells": self.cells,
        }


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


def ses_p50(history: F64, horizon: int) -> F64:
    """SES per variant (statsforecast; one day of history is carried on), (V, horizon)."""
    n_v, n_d = history.shape
    frame = pl.DataFrame(
        {
            "unique_id": [f"v{i:04d}" for i in range(n_v) for _ in range(n_d)],
            "ds": np.tile(np.arange(n_d), n_v),
            "y": history.ravel(),
        }
    )
    fc = StatsBaseline("ses").predict(horizon, history=frame, n_samples=1)
    out: F64 = fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(n_v, horizon)
    return out


def score(launch: Launch, rec: ForecastRecord) -> ForecastScore:
    """One forecast against the realised rest of the horizon."""
    actual = launch.demand[:, rec.day :]
    lo, hi = np.quantile(rec.variants, 0.1, axis=1), np.quantile(rec.variants, 0.9, axis=1)
    base = ses_p50(rec.history, actual.shape[1])
    return ForecastScore(
        abs_err_model=float(np.abs(rec.p50 - actual).sum()),
        abs_err_ses=float(np.abs(base - actual).sum()),
        actual=float(actual.sum()),
        covered=int(((actual >= lo) & (actual <= hi)).sum()),
        covered_pit=pit_coverage(actual, rec.variants),
        cells=int(actual.size),
    )
