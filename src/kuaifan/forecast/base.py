"""One forecaster interface: fit on a history panel, predict quantiles and sample paths.

History: a polars frame with ``unique_id`` (str), ``ds`` (int: day number, consecutive per series),
``y`` (float ≥ 0) and optional static feature columns (one value per series). Every forecaster
returns a :class:`Forecast` for the ``h`` days after each series' last ``ds``:

- ``quantiles``: unique_id, ds, p10, p50, p90 (non-negative, ordered);
- ``samples``: array (series, n_samples, h), equally likely demand paths in the order of ``ids``,
  what the planner takes as ``demand_scenarios``.

Samples are drawn from a two-piece normal through (p10, p50, p90) with **one draw per path for all
days** (a product that sells above its median tends to do so every day: level uncertainty dominates
for new products), clipped at 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, Self

import numpy as np
import numpy.typing as npt
import polars as pl

F64 = npt.NDArray[np.float64]
Z90 = 1.2815515655446004  # standard normal quantile at 0.9


@dataclass(frozen=True, slots=True)
class Forecast:
    ids: list[str]
    quantiles: pl.DataFrame  # unique_id, ds, p10, p50, p90
    samples: F64  # (len(ids), n_samples, h)

    @property
    def horizon(self) -> int:
        return int(self.samples.shape[2])

    def samples_of(self, unique_id: str) -> F64:
        out: F64 = self.samples[self.ids.index(unique_id)]
        return out


class Forecaster(Protocol):
    """What every forecaster offers (see the shared contract test)."""

    name: str

    def fit(self, history: pl.DataFrame) -> Self: ...

    def predict(
        self, h: int, *, history: pl.DataFrame | None = None, n_samples: int = 100, seed: int = 0
    ) -> Forecast:
        """Forecast ``h`` days after the end of ``history`` (default: the fitted history)."""
        ...


def check_history(history: pl.DataFrame) -> pl.DataFrame:
    """unique_id, ds, y with the right types, sorted; ValueError naming what is wrong."""
    missing = [c for c in ("unique_id", "ds", "y") if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks columns: {', '.join(missing)}")
    if history.height == 0:
        raise ValueError("history is empty")
    out = history.with_columns(
        pl.col("unique_id").cast(pl.String), pl.col("ds").cast(pl.Int64), pl.col("y").cast(pl.Float64)
    ).sort("unique_id", "ds")
    if out["y"].is_null().any() or (out["y"] < 0).any():
        raise ValueError("history y must be non-negative numbers")
    gaps = out.group_by("unique_id").agg(
        ((pl.col("ds").max() - pl.col("ds").min() + 1) != pl.len()).alias("gap")
    )
    if gaps["gap"].any():
        raise ValueError("history ds must be consecutive days within each series")
    return out


def two_piece_quantile(p10: F64, p50: F64, p90: F64, z: F64) -> F64:
    """Value at standard-normal score ``z`` of the two-piece normal through (p10, p50, p90)."""
    left = (p50 - p10) / Z90
    right = (p90 - p50) / Z90
    out: F64 = np.maximum(p50 + z * np.where(z < 0, left, right), 0.0)
    return out


def build_forecast(ids: Sequence[str], last_ds: Sequence[int], q: F64, n_samples: int, seed: int) -> Forecast:
    """Forecast from quantile arrays ``q`` of shape (series, h, 3): sorted, clipped, sampled."""
    q = np.sort(np.maximum(q, 0.0), axis=2)
    n = q.shape[0]
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, n_samples, 1))
    samples = two_piece_quantile(q[:, None, :, 0], q[:, None, :, 1], q[:, None, :, 2], z)
    return Forecast(ids=list(ids), quantiles=quantile_frame(ids, last_ds, q), samples=samples)


def quantile_frame(ids: Sequence[str], last_ds: Sequence[int], q: F64) -> pl.DataFrame:
    """unique_id, ds, p10, p50, p90 from ``q`` (series, h, 3), days after each series' last ds."""
    h = q.shape[1]
    return pl.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(ids, dtype=object), h).tolist(),
            "ds": (np.asarray(last_ds, dtype=np.int64)[:, None] + np.arange(1, h + 1)[None, :]).ravel(),
            "p10": q[:, :, 0].ravel(),
            "p50": q[:, :, 1].ravel(),
            "p90": q[:, :, 2].ravel(),
        },
        schema={
            "unique_id": pl.String,
            "ds": pl.Int64,
            "p10": pl.Float64,
            "p50": pl.Float64,
            "p90": pl.Float64,
        },
    )


def wape(actual: F64, forecast: F64) -> float:
    """Σ|forecast − actual| / Σ actual."""
    total = float(np.sum(actual))
    return float(np.sum(np.abs(forecast - actual))) / total if total > 0 else 0.0


def coverage(actual: F64, low: F64, high: F64) -> float:
    """Share of actual values within [low, high]."""
    a = np.asarray(actual)
    return float(np.mean((a >= low) & (a <= high))) if a.size else 0.0
