"""A launch curve for shops with too little history for the cross-style LightGBM.

New styles in live commerce sell most in their first streams and then fall back. With a handful of
styles and a few weeks of data, a tree model has too little to learn from, and a flat model (SES)
carries the launch spike forward. This model learns one shape from the shop's own styles:

    log(1 + y[s, a]) = level[s] + effect[a] + ε,     a = days since the style's first day

``effect`` is the median, over the training styles, of each style's log value at age ``a`` minus its
value at age 0 (ages no style reached keep the last learned effect). A style's ``level`` is the mean
of its observed values net of the effect; the forecast at age ``A + k`` is ``level + effect[A + k]``.
The spread is the residual sd of the training fit (in log space), widened by the uncertainty of a
level seen over few days, σ² = s² (1 + 1 / n). Quantiles are exp(μ ± 1.28 σ) − 1; samples draw one
level per path for all days, as every forecaster here does.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import polars as pl

from kuaifan.forecast.base import F64, Z90, Forecast, build_forecast, check_history

MIN_TRAIN_DAYS = 7  # a style teaches the curve only with at least this many days
DEFAULT_SD = 0.8  # log-space spread when no style is long enough to measure it


class LaunchCurve:
    name = "curve"

    def __init__(self, min_train_days: int = MIN_TRAIN_DAYS) -> None:
        self.min_train_days = min_train_days
        self._effect: F64 = np.zeros(1)
        self._sd = DEFAULT_SD
        self._history: pl.DataFrame | None = None
        self.n_train = 0

    def fit(self, history: pl.DataFrame) -> Self:
        hist = _aged(check_history(history))
        long = hist.filter(pl.col("n") >= self.min_train_days)
        self.n_train = long["unique_id"].n_unique()
        if self.n_train:
            rel = long.with_columns(
                (pl.col("ly") - pl.col("ly").filter(pl.col("age") == 0).first().over("unique_id")).alias(
                    "rel"
                )
            )
            by_age = rel.group_by("age").agg(pl.col("rel").median()).sort("age")
            self._effect = by_age["rel"].to_numpy().astype(np.float64)
            net = rel.with_columns(
                pl.Series("net", rel["ly"].to_numpy() - self._effects(rel["age"].to_numpy()))
            )
            resid = net.select(pl.col("net") - pl.col("net").mean().over("unique_id"))
            sd = float(np.std(resid.to_series().to_numpy(), ddof=1)) if resid.height > 1 else 0.0
            self._sd = sd if np.isfinite(sd) and sd > 0 else DEFAULT_SD
        self._history = history
        return self

    def _effects(self, ages: np.ndarray) -> F64:
        """The learned effect at each age; ages past the last learned one keep its effect."""
        out: F64 = self._effect[np.minimum(ages, self._effect.size - 1)]
        return out

    def predict(
        self, h: int, *, history: pl.DataFrame | None = None, n_samples: int = 100, seed: int = 0
    ) -> Forecast:
        if self._history is None:
            raise ValueError("predict before fit")
        hist = _aged(check_history(history if history is not None else self._history))
        per = (
            hist.with_columns(pl.Series("e", self._effects(hist["age"].to_numpy())))
            .group_by("unique_id")
            .agg(
                (pl.col("ly") - pl.col("e")).mean().alias("level"),
                pl.col("age").max().alias("age"),
                pl.col("ds").max().alias("last"),
                pl.len().alias("n"),
            )
            .sort("unique_id")
        )
        level = per["level"].to_numpy()
        ages = per["age"].to_numpy()[:, None] + np.arange(1, h + 1)[None, :]
        mu = level[:, None] + self._effects(ages)
        sigma = self._sd * np.sqrt(1.0 + 1.0 / per["n"].to_numpy())[:, None]
        q = np.stack([np.expm1(mu - Z90 * sigma), np.expm1(mu), np.expm1(mu + Z90 * sigma)], axis=2)
        return build_forecast(per["unique_id"].to_list(), per["last"].to_list(), q, n_samples, seed)


def _aged(hist: pl.DataFrame) -> pl.DataFrame:
    """The history with ``age`` (days since the series' first day), log values and series length."""
    return hist.with_columns(
        (pl.col("ds") - pl.col("ds").min().over("unique_id")).alias("age"),
        pl.col("y").log1p().alias("ly"),
        pl.len().over("unique_id").alias("n"),
    )
