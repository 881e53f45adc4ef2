"""Trend and acceleration of a count series (units per hour or per day) per key.

Over the last ``window`` buckets of each series (gaps filled with 0) a quadratic
``y ≈ a + b·t + c·t²`` is fitted by least squares with t = 0 at the latest bucket, so
``level`` = a (the smoothed latest value), ``trend`` = b (change per bucket, now) and
``acceleration`` = 2c (change of the trend per bucket). ``trend_pct`` = trend / mean level.
With fewer than 3 buckets the acceleration is 0; with 1, the trend is 0 too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def fit_trend(values: Sequence[float], window: int = 6) -> tuple[float, float, float]:
    """(level, trend, acceleration) of the last ``window`` values (oldest first)."""
    y = np.asarray(values, dtype=np.float64)[-window:]
    n = y.size
    if n == 0:
        return 0.0, 0.0, 0.0
    if n == 1:
        return float(y[0]), 0.0, 0.0
    t = np.arange(n, dtype=np.float64) - (n - 1)
    degree = 2 if n >= 3 else 1
    coef = np.polynomial.polynomial.polyfit(t, y, degree)
    accel = 2.0 * float(coef[2]) if degree == 2 else 0.0
    return float(coef[0]), float(coef[1]), accel


def trends(
    frame: pl.DataFrame,
    keys: Sequence[str],
    *,
    time_col: str = "hour_ms",
    value_col: str = "units",
    step: int = 3_600_000,
    window: int = 6,
) -> pl.DataFrame:
    """Per key: buckets seen, level, trend, acceleration and trend_pct of ``value_col`` over ``time_col``."""
    grouped = (
        frame.group_by(*keys, time_col)
        .agg(pl.col(value_col).sum().cast(pl.Float64))
        .group_by(*keys)
        .agg(pl.col(time_col), pl.col(value_col))
    )
    rows = []
    for row in grouped.iter_rows(named=True):
        times = np.asarray(row[time_col], dtype=np.int64)
        vals = np.asarray(row[value_col], dtype=np.float64)
        lo, hi = int(times.min()), int(times.max())
        n = (hi - lo) // step + 1
        series = np.zeros(n)
        np.add.at(series, (times - lo) // step, vals)
        level, trend, accel = fit_trend(series.tolist(), window)
        mean = float(series[-window:].mean())
        rows.append(
            {
                **{k: row[k] for k in keys},
                "buckets": int(n),
                "last_bucket": hi,
                "level": level,
                "trend": trend,
                "acceleration": accel,
                "trend_pct": trend / mean if mean > 0 else 0.0,
            }
        )
    schema: dict[str, pl.DataType] = {k: frame.schema[k] for k in keys}
    schema.update({"buckets": pl.Int64(), "last_bucket": pl.Int64()})
    schema.update({name: pl.Float64() for name in ("level", "trend", "acceleration", "trend_pct")})
    return pl.DataFrame(rows, schema=schema).sort(list(keys))
