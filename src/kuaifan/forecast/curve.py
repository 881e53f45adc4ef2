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

from dataclasses import dataclass
from typing import Self

import numpy as np
import polars as pl

from kuaifan.forecast.base import F64, Z90, Forecast, build_forecast, check_history

MIN_TRAIN_DAYS = 7  # a style teaches the curve only with at least this many days
DEFAULT_SD = 0.8  # log-space spread when no style is long enough to measure it
PRIOR_AGES = 366


@dataclass(frozen=True, slots=True)
class CategoryCurve:
    """A documented default launch shape for a shop without launches of its own: the day after the
    launch stream sells ``day1`` × the launch day, then demand falls by e^(-1/tau) a day; ``sd`` is
    the log-space spread of a style's level around it (wide: the shape is a category's, not the
    style's)."""

    day1: float
    tau: float
    sd: float

    def effect(self, ages: int = PRIOR_AGES) -> F64:
        a = np.arange(ages, dtype=np.float64)
        out: F64 = np.where(a == 0, 0.0, np.log(self.day1) - (a - 1.0) / self.tau)
        return out


# Fashion sells most in the first days after its launch stream; replenished goods (beauty, food,
# home) keep selling longer. These are starting assumptions, replaced by the shop's own curve as
# soon as it has CURVE_MIN_STYLES styles with a week of history (see docs/plan.md).
CATEGORY_CURVES: dict[str, CategoryCurve] = {
    "apparel": CategoryCurve(day1=0.5, tau=7.0, sd=0.5),
    "shoes": CategoryCurve(day1=0.5, tau=7.0, sd=0.5),
    "kids": CategoryCurve(day1=0.5, tau=8.0, sd=0.5),
    "beauty": CategoryCurve(day1=0.6, tau=12.0, sd=0.5),
    "food": CategoryCurve(day1=0.6, tau=14.0, sd=0.5),
    "home": CategoryCurve(day1=0.6, tau=12.0, sd=0.5),
    "digital": CategoryCurve(day1=0.55, tau=10.0, sd=0.5),
}


class LaunchCurve:
    """One launch shape learned from the shop's styles, or a category's default (``prior``)."""

    name = "curve"

    def __init__(self, min_train_days: int = MIN_TRAIN_DAYS, prior: CategoryCurve | None = None) -> None:
        self.min_train_days = min_train_days
        self.prior = prior
        self._effect: F64 = np.zeros(1) if prior is None else prior.effect()
        self._sd = DEFAULT_SD if prior is None else prior.sd
        self._history: pl.DataFrame | None = None
        self.n_train = 0
        if prior is not None:
            self.name = "prior"

    @classmethod
    def for_category(cls, category: str) -> LaunchCurve:
        """The documented default curve of a category (apparel when the category is unknown)."""
        return cls(prior=CATEGORY_CURVES.get(category, CATEGORY_CURVES["apparel"]))

    def fit(self, history: pl.DataFrame) -> Self:
        hist = _aged(check_history(history))
        long = hist.filter(pl.col("n") >= self.min_train_days)
        self.n_train = long["unique_id"].n_unique()
        if self.n_train and self.prior is None:
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
