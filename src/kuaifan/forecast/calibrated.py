"""Level calibration of a forecaster on held-out series (split-conformal on the remaining total).

A new style's forecast is most wrong in its level: how much it will sell in all, less so how the
days share it. The base forecaster (e.g. :class:`LGBMQuantile`) is fitted on folds of the past
series; for each held-out series and cut-off ``c`` (the forecast is made after ``c`` days of
history) we record the log ratio of what it really sold after ``c`` to the base's p50 forecast of
that total, and the day-to-day scatter around the level. Per cut-off those ratios give the level's
bias and spread. The calibrated forecast of a series with ``c`` days of history is

    base p50 path × exp(level + day noise),  level ~ N(mean_c, sd_c) once per sample path,
                                              day noise ~ N(0, sd_day) per day,

so its quantiles and samples are one lognormal model. With ``counts=True`` (demand in units) both
spreads are measured beyond Poisson noise — the level's from the held-out log ratios less the
Poisson part ≈ 1 / units, the days' by moments (Var = λ + (e^σ² − 1) λ²) — because the paths get
their Poisson noise later, when they are split over variants and drawn as counts
(:func:`kuaifan.forecast.top_down`). The series scored in a backtest must never be among the
series it is fitted on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
import polars as pl

from kuaifan.forecast.base import F64, Z90, Forecast, Forecaster, check_history, quantile_frame

DEFAULT_CUTS = (1, 2, 3, 5, 7, 10, 14, 21)
MIN_SD = 0.05


@dataclass(frozen=True, slots=True)
class LevelStats:
    mean: float
    sd: float
    n: int


@dataclass(frozen=True, slots=True)
class _Residuals:
    level: dict[int, list[float]]  # per cut-off: log(actual / p50) of the remaining total
    level_units: dict[int, list[float]]  # the remaining totals (for the Poisson part)
    actual: list[F64]  # per held-out forecast: the days that followed
    expected: list[F64]  # and the p50 path moved to the actual level

    def day_sd(self, counts: bool) -> float:
        """Scatter of the days around the level: log sd, or by moments beyond Poisson for counts."""
        if not self.actual:
            return 0.0
        a, lam = np.concatenate(self.actual), np.concatenate(self.expected)
        if not counts:
            return float(np.log((a + 1.0) / (lam + 1.0)).std())
        excess = float(np.sum((a - lam) ** 2 - lam)) / max(float(np.sum(lam**2)), 1e-9)
        return float(np.sqrt(np.log1p(max(excess, 0.0))))


class LevelCalibrated:
    """A base forecaster with its level bias and spread measured on held-out series (see module doc)."""

    name = "lgbm_calibrated"

    def __init__(
        self,
        base: Callable[[], Forecaster],
        *,
        cuts: Sequence[int] = DEFAULT_CUTS,
        folds: int = 3,
        seed: int = 0,
        counts: bool = True,
    ) -> None:
        if folds < 2:
            raise ValueError("folds must be at least 2")
        self._make = base
        self.cuts = sorted({int(c) for c in cuts if c >= 1})
        if not self.cuts:
            raise ValueError("cuts must hold at least one day >= 1")
        self.folds = folds
        self.seed = seed
        self.counts = counts
        self.levels: dict[int, LevelStats] = {}
        self.day_sd = 0.0
        self._base: Forecaster | None = None
        self._history: pl.DataFrame | None = None

    def fit(self, history: pl.DataFrame) -> Self:
        hist = check_history(history).with_columns(
            (pl.col("ds") - pl.col("ds").min().over("unique_id")).alias("_age")
        )
        ids = sorted(hist["unique_id"].unique().to_list())
        if len(ids) < self.folds:
            raise ValueError(f"need at least {self.folds} series to calibrate, got {len(ids)}")
        order = np.random.default_rng(self.seed).permutation(len(ids))
        fold_of = {ids[i]: k % self.folds for k, i in enumerate(order)}
        res = _Residuals({c: [] for c in self.cuts}, {c: [] for c in self.cuts}, [], [])
        for k in range(self.folds):
            held = [u for u in ids if fold_of[u] == k]
            train = hist.filter(~pl.col("unique_id").is_in(held)).drop("_age")
            model = self._make().fit(train)
            self._held_out(model, hist.filter(pl.col("unique_id").is_in(held)), res)
        for c, values in res.level.items():
            arr = np.asarray(values, dtype=np.float64)
            if arr.size >= 2:
                var = float(arr.var(ddof=1))
                if self.counts:
                    var -= float(np.mean(1.0 / (np.asarray(res.level_units[c]) + 1.0)))
                # predictive spread of one new value: widened for the sample's size
                sd = float(np.sqrt(max(var, 0.0) * (1.0 + 1.0 / arr.size)))
                self.levels[c] = LevelStats(float(arr.mean()), max(sd, MIN_SD), int(arr.size))
        if not self.levels:
            raise ValueError("no series is longer than a cut-off day: nothing to calibrate on")
        self.day_sd = res.day_sd(self.counts)
        self._base = self._make().fit(hist.drop("_age"))
        self._history = history
        return self

    def _held_out(self, model: Forecaster, test: pl.DataFrame, res: _Residuals) -> None:
        """Forecast every held-out series from every cut-off in one call; record the residuals."""
        lengths = dict(test.group_by("unique_id").agg(pl.len()).iter_rows())
        # every series cut after each cut-off shorter than it, in one frame: id "series@cut". One
        # filter per cut-off, not a cross join + filter: polars 2.1 turns that into an inequality
        # join that panics on some inputs ("assertion failed: i < self.len()", backtest seed 731)
        sized = test.with_columns(pl.len().over("unique_id").alias("_n"))
        pieces = [
            sized.filter((pl.col("_age") < cut) & (pl.col("_n") > cut)).select(
                (pl.col("unique_id") + f"@{cut}").alias("unique_id"),
                pl.exclude("unique_id", "_age", "_n"),
            )
            for cut in self.cuts
        ]
        pieces = [p for p in pieces if p.height]
        if not pieces:
            return
        parts = pl.concat(pieces)
        h = max(lengths.values()) - min(self.cuts)
        fc = model.predict(h, history=parts, n_samples=1)
        p50 = fc.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(len(fc.ids), h)
        actual = {
            u: np.asarray(y, dtype=np.float64)
            for u, y in test.sort("unique_id", "ds")
            .group_by("unique_id", maintain_order=True)
            .agg("y")
            .iter_rows()
        }
        for row, key in enumerate(fc.ids):
            uid, _, cut = key.rpartition("@")
            c = int(cut)
            future = actual[uid][c:]
            path = p50[row, : future.size]
            level = float(np.log((future.sum() + 1.0) / (path.sum() + 1.0)))
            res.level[c].append(level)
            res.level_units[c].append(float(future.sum()))
            res.actual.append(future)
            res.expected.append(path * np.exp(level))

    def stats_for(self, days_of_history: int) -> LevelStats:
        """The calibration of the latest cut-off not after ``days_of_history`` (else the first)."""
        usable = [c for c in self.levels if c <= days_of_history]
        return self.levels[max(usable) if usable else min(self.levels)]

    def predict(
        self, h: int, *, history: pl.DataFrame | None = None, n_samples: int = 100, seed: int = 0
    ) -> Forecast:
        if self._base is None or self._history is None:
            raise ValueError("predict before fit")
        hist = check_history(history if history is not None else self._history)
        base = self._base.predict(h, history=hist, n_samples=1, seed=seed)
        ids = base.ids
        p50 = base.quantiles.sort("unique_id", "ds")["p50"].to_numpy().reshape(len(ids), h)
        info = hist.group_by("unique_id").agg(pl.len().alias("n"), pl.col("ds").max().alias("last"))
        n_days = dict(info.select("unique_id", "n").iter_rows())
        last = dict(info.select("unique_id", "last").iter_rows())
        stats = [self.stats_for(int(n_days[u])) for u in ids]
        mean = np.array([s.mean for s in stats])[:, None]
        sd = np.array([s.sd for s in stats])[:, None]
        spread = np.sqrt(sd**2 + self.day_sd**2)
        q = np.stack([p50 * np.exp(mean + z * spread) for z in (-Z90, 0.0, Z90)], axis=2)
        rng = np.random.default_rng(seed)
        level = rng.standard_normal((len(ids), n_samples, 1)) * sd[:, :, None]
        noise = rng.standard_normal((len(ids), n_samples, h)) * self.day_sd
        samples = p50[:, None, :] * np.exp(mean[:, :, None] + level + noise)
        return Forecast(
            ids=list(ids), quantiles=quantile_frame(ids, [last[u] for u in ids], q), samples=samples
        )
