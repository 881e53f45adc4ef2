"""The main forecaster: mlforecast + LightGBM, one quantile model per level (p10, p50, p90).

Trained across many series (past launches of the brand's styles), so a new style with one day of
history borrows the shape of the others. Per series, ``y`` is divided by a scale (the ``scale``
column, e.g. the launch stream's demand from kuaifan.signals; default the first day's y) so the
trees learn shapes, not sizes; ``log_scale`` and any other static columns are features, as are lags
1, 2, 3, 7, the expanding and 3-day means of lag 1, and ``age`` (days since the series' first day).
Forecasts are recursive (each quantile model feeds on its own predictions); the interval is then
widened by ``interval_scale`` around p50 (fit it with :func:`calibrate_interval`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import polars as pl

from kuaifan.forecast.base import F64, Forecast, build_forecast, check_history, coverage

QUANTILES = (0.1, 0.5, 0.9)


class LGBMQuantile:
    name = "lgbm"

    def __init__(
        self,
        *,
        static: Sequence[str] = (),
        scale_col: str | None = "scale",
        lags: Sequence[int] = (1, 2, 3, 7),
        n_estimators: int = 150,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        interval_scale: float = 1.0,
        seed: int = 0,
        median_only: bool = False,
    ) -> None:
        self.static = list(static)
        self.scale_col = scale_col
        self.lags = list(lags)
        self.params: dict[str, Any] = {
            "n_estimators": n_estimators,
            "learning_rate": learning_rate,
            "num_leaves": num_leaves,
            "min_child_samples": min_child_samples,
            "random_state": seed,
            "n_jobs": 1,
            "verbosity": -1,
        }
        self.interval_scale = interval_scale
        # only the p50 model (p10 = p90 = p50): for wrappers that make their own intervals
        self.quantiles = (0.5,) if median_only else QUANTILES
        self._model: Any = None
        self._history: pl.DataFrame | None = None

    def _prepared(self, history: pl.DataFrame) -> pl.DataFrame:
        hist = check_history(history)
        missing = [c for c in self.static if c not in hist.columns]
        if missing:
            raise ValueError(f"history lacks static feature columns: {', '.join(missing)}")
        first_y = pl.col("y").first().over("unique_id")
        scale = pl.col(self.scale_col) if self.scale_col and self.scale_col in hist.columns else first_y
        return hist.with_columns(
            pl.max_horizontal(scale.cast(pl.Float64), pl.lit(1.0)).alias("_scale"),
            (pl.col("ds") - pl.col("ds").min().over("unique_id")).cast(pl.Float64).alias("age"),
        ).with_columns(
            (pl.col("y") / pl.col("_scale")).alias("y"),
            pl.col("_scale").log().alias("log_scale"),
        )

    def _frame(self, prepared: pl.DataFrame) -> pl.DataFrame:
        return prepared.select("unique_id", "ds", "y", *self.static, "log_scale", "age")

    def fit(self, history: pl.DataFrame) -> Self:
        import lightgbm as lgb
        from mlforecast import MLForecast
        from mlforecast.lag_transforms import ExpandingMean, RollingMean

        prepared = self._prepared(history)
        models = {
            f"q{round(q * 100)}": lgb.LGBMRegressor(objective="quantile", alpha=q, **self.params)
            for q in self.quantiles
        }
        self._model = MLForecast(
            models=models,
            freq=1,
            lags=self.lags,
            lag_transforms={1: [ExpandingMean(), RollingMean(window_size=3, min_samples=1)]},
            num_threads=1,
        )
        self._model.fit(self._frame(prepared), static_features=[*self.static, "log_scale"], dropna=False)
        self._history = history
        return self

    def predict(
        self, h: int, *, history: pl.DataFrame | None = None, n_samples: int = 100, seed: int = 0
    ) -> Forecast:
        if self._model is None or self._history is None:
            raise ValueError("predict before fit")
        prepared = self._prepared(history if history is not None else self._history)
        last = prepared.group_by("unique_id").agg(
            pl.col("ds").max().alias("last"), pl.col("age").max().alias("age"), pl.col("_scale").first()
        )
        future = (
            last.select("unique_id", "last", "age", pl.int_ranges(1, h + 1).alias("step"))
            .explode("step")
            .select(
                "unique_id",
                (pl.col("last") + pl.col("step")).alias("ds"),
                (pl.col("age") + pl.col("step").cast(pl.Float64)).alias("age"),
            )
        )
        raw = pl.DataFrame(self._model.predict(h, new_df=self._frame(prepared), X_df=future))
        preds = raw.join(last.select("unique_id", "_scale"), on="unique_id").sort("unique_id", "ds")
        ids = sorted(last["unique_id"].to_list())
        name = {x: f"q{round(x * 100)}" if x in self.quantiles else "q50" for x in QUANTILES}
        q = np.stack(
            [(preds[name[x]] * preds["_scale"]).to_numpy().reshape(len(ids), h) for x in QUANTILES],
            axis=2,
        )
        q = widen(q, self.interval_scale)
        last_ds = dict(last.select("unique_id", "last").iter_rows())
        return build_forecast(ids, [last_ds[u] for u in ids], q, n_samples, seed)


def widen(q: F64, factor: float) -> F64:
    """Scale the distances of p10 and p90 from p50 by ``factor``."""
    mid = q[..., 1:2]
    out: F64 = np.concatenate(
        [mid - factor * (mid - q[..., 0:1]), mid, mid + factor * (q[..., 2:3] - mid)], axis=-1
    )
    return out


def calibrate_interval(
    actual: F64, q: F64, target: float = 0.8, grid: Sequence[float] = tuple(np.linspace(0.5, 4.0, 36))
) -> float:
    """Smallest widening factor whose p10–p90 interval covers ``target`` of ``actual`` (shape q[..., 0])."""
    for factor in grid:
        w = widen(np.sort(q, axis=-1), factor)
        if coverage(actual, np.maximum(w[..., 0], 0.0), w[..., 2]) >= target:
            return float(factor)
    return float(grid[-1])
