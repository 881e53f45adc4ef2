"""Baselines from statsforecast: naive, simple exponential smoothing (SES), AutoETS.

statsforecast gives the point forecast (p50). Intervals come from each series' one-step in-sample
residuals (sd σ; random-walk growth σ·√step for naive), because SES has no intervals of its own and
new products have too few days for conformal ones. A series too short for a model falls back:
AutoETS needs ``ETS_MIN_DAYS`` days, else SES; a single day is carried forward with σ = half its value.
"""

from __future__ import annotations

from typing import Literal, Self

import numpy as np
import polars as pl

from kuaifan.forecast.base import F64, Z90, Forecast, build_forecast, check_history

BaselineName = Literal["naive", "ses", "autoets"]
ETS_MIN_DAYS = 8


def _statsforecast(model: BaselineName, history: pl.DataFrame, h: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(forecast, fitted) frames from statsforecast for the series long enough for ``model``."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive, SimpleExponentialSmoothingOptimized

    models = {"naive": Naive, "ses": SimpleExponentialSmoothingOptimized, "autoets": AutoETS}
    m = models[model]() if model != "autoets" else AutoETS(season_length=1)
    sf = StatsForecast(models=[m], freq=1, n_jobs=1)
    fc = sf.forecast(df=history.select("unique_id", "ds", "y"), h=h, fitted=True)
    fitted = sf.forecast_fitted_values()  # type: ignore[no-untyped-call]
    name = next(c for c in fc.columns if c not in ("unique_id", "ds"))
    return (
        pl.DataFrame(fc).select("unique_id", "ds", pl.col(name).alias("point")),
        pl.DataFrame(fitted).select("unique_id", "y", pl.col(name).alias("fit")),
    )


class StatsBaseline:
    """``naive``, ``ses`` or ``autoets`` through one interface."""

    def __init__(self, model: BaselineName = "ses") -> None:
        self.model: BaselineName = model
        self.name: str = model
        self._history: pl.DataFrame | None = None

    def fit(self, history: pl.DataFrame) -> Self:
        self._history = check_history(history)  # local models: fitting happens per series at predict
        return self

    def predict(
        self, h: int, *, history: pl.DataFrame | None = None, n_samples: int = 100, seed: int = 0
    ) -> Forecast:
        hist = check_history(history) if history is not None else self._history
        if hist is None:
            raise ValueError("predict before fit")
        lengths = hist.group_by("unique_id").agg(pl.len().alias("n"), pl.col("ds").max().alias("last"))
        need = ETS_MIN_DAYS if self.model == "autoets" else 2
        long_ids = lengths.filter(pl.col("n") >= need)["unique_id"].to_list()
        points: dict[str, F64] = {}
        sds: dict[str, float] = {}
        if long_ids:
            fc, fitted = _statsforecast(self.model, hist.filter(pl.col("unique_id").is_in(long_ids)), h)
            for uid, vals in fc.group_by("unique_id").agg(pl.col("point")).iter_rows():
                points[uid] = np.asarray(vals, dtype=np.float64)
            resid = (
                fitted.with_columns((pl.col("y") - pl.col("fit")).alias("r"))
                .group_by("unique_id")
                .agg(pl.col("r").drop_nans().std())
            )
            sds = {uid: float(r) if r is not None else float("nan") for uid, r in resid.iter_rows()}
        if self.model == "autoets":
            short = hist.filter(~pl.col("unique_id").is_in(long_ids))
            if short.height:
                fb = StatsBaseline("ses").predict(h, history=short, n_samples=1)
                for uid, vals in fb.quantiles.group_by("unique_id").agg(pl.col("p50")).iter_rows():
                    points[uid] = np.asarray(vals, dtype=np.float64)
        last_y = dict(hist.group_by("unique_id").agg(pl.col("y").last()).iter_rows())
        ids = sorted(lengths["unique_id"].to_list())
        last = dict(lengths.select("unique_id", "last").iter_rows())
        q = np.zeros((len(ids), h, 3))
        steps = np.arange(1, h + 1, dtype=np.float64)
        for i, uid in enumerate(ids):
            point = points.get(uid, np.full(h, float(last_y[uid])))
            point = np.nan_to_num(point, nan=float(last_y[uid]))
            sd = sds.get(uid, float("nan"))
            if not np.isfinite(sd) or sd <= 0:
                sd = 0.5 * max(float(np.mean(point)), 1.0)
            spread = sd * (np.sqrt(steps) if self.model == "naive" else 1.0)
            q[i, :, 0] = point - Z90 * spread
            q[i, :, 1] = point
            q[i, :, 2] = point + Z90 * spread
        return build_forecast(ids, [last[u] for u in ids], q, n_samples, seed)
