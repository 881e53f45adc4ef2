"""Incremental or moved? The share of a brand's store-stream GMV that is new demand.

When a brand's store room (店播) sells GMV L, its shelf (货架) sells either as much as it would have
(the live demand is new: 做大蛋糕) or less (the room took orders the shelf would have had: 存量转移).
Two estimates from the brand's daily shelf GMV, each against the shelf GMV of brands without store
streams (the market; with none, a weekly season stands in):

- around the start of its store streams: the causal impact of the start on the shelf
  (``kuaifan.growth.impact``; pre = the days before the first store stream, post = from it on).
  New share = 1 + shelf effect / store GMV of the post-period, drawn path by path;
- stream-on vs stream-off days (the days before the start are off days too): ``shelf_d = a +
  g * store_gmv_d + b * market_d (+ influencer_d) + c * d + e_d`` by least squares with a linear
  trend and heteroskedasticity-robust (HC3) errors; new share = 1 + g.

Both are combined by inverse-variance weights (they share the post-period, so the combined
interval is a little optimistic). A new share near 1: live sales add to the shelf; near 0: they
come out of it; below 0: the shelf lost more than the room sold.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from kuaifan.growth.impact import causal_impact

F64 = npt.NDArray[np.float64]
MIN_PRE_DAYS = 7
MIN_POST_DAYS = 5
MIN_ON_OFF_DAYS = 3
WEEK = 7


@dataclass(frozen=True, slots=True)
class Estimate:
    method: str  # around_start | on_off_days | combined
    new_share: float
    lower: float
    upper: float
    se: float


@dataclass(frozen=True, slots=True)
class BrandIncrementality:
    brand: str
    start_day: int
    first_day: int
    last_day: int
    pre_days: int
    post_days: int
    on_days: int
    off_days: int
    store_gmv_fen: int  # store-stream GMV from the start on
    shelf_effect_fen: float | None  # cumulative shelf change from the start (negative: lost)
    shelf_effect_lower_fen: float | None
    shelf_effect_upper_fen: float | None
    controls: tuple[str, ...]
    around_start: Estimate | None
    on_off_days: Estimate | None
    combined: Estimate | None


def daily_panel(orders: pl.DataFrame) -> pl.DataFrame:
    """Per brand and China day (every day from the first to the last order): paid GMV on the shelf,
    in store rooms and in influencer rooms."""
    if orders.is_empty():
        return pl.DataFrame(schema={"brand": pl.String, "day": pl.Int64})
    first, last = int(orders["day"].min()), int(orders["day"].max())  # type: ignore[arg-type]
    grid = pl.DataFrame({"brand": orders["brand"].unique().sort()}).join(
        pl.DataFrame({"day": pl.int_range(first, last + 1, eager=True).cast(pl.Int64)}), how="cross"
    )
    sums = orders.group_by("brand", "day").agg(
        *(
            pl.col("gmv_fen").filter(pl.col("channel") == c).sum().alias(f"{c}_gmv_fen")
            for c in ("shelf", "store", "influencer")
        )
    )
    return (
        grid.join(sums, on=["brand", "day"], how="left")
        .with_columns(pl.col("shelf_gmv_fen", "store_gmv_fen", "influencer_gmv_fen").fill_null(0))
        .sort("brand", "day")
    )


def _share_estimate(method: str, draws: F64, point: float, alpha: float) -> Estimate:
    return Estimate(
        method,
        point,
        float(np.quantile(draws, alpha / 2)),
        float(np.quantile(draws, 1 - alpha / 2)),
        float(draws.std(ddof=1)),
    )


def _on_off(y: F64, live: F64, cols: list[F64], alpha: float) -> Estimate | None:
    """``y_d = a + g * live_d + b * cols_d + c * d + e_d`` over every day (the days before the start
    are stream-off days too), heteroskedasticity-robust (HC3) errors, t quantiles; new share = 1 + g."""
    import statsmodels.api as sm

    on = live > 0
    if on.sum() < MIN_ON_OFF_DAYS or (~on).sum() < MIN_ON_OFF_DAYS:
        return None
    trend = np.arange(y.size, dtype=np.float64)
    x = np.column_stack([np.ones_like(y), live, *cols, trend])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.OLS(y, x).fit(cov_type="HC3")
    g, se = float(fit.params[1]), float(fit.bse[1])
    if not np.isfinite(se) or fit.df_resid < 1:
        return None
    q = float(stats.t.ppf(1 - alpha / 2, fit.df_resid))
    return Estimate("on_off_days", 1.0 + g, 1.0 + g - q * se, 1.0 + g + q * se, se)


def _combine(parts: list[Estimate], alpha: float) -> Estimate | None:
    ok = [e for e in parts if e.se > 0 and np.isfinite(e.se)]
    if not ok:
        return None
    w = np.array([1.0 / e.se**2 for e in ok])
    share = float(np.sum(w * [e.new_share for e in ok]) / w.sum())
    se = float(np.sqrt(1.0 / w.sum()))
    q = float(stats.norm.ppf(1 - alpha / 2))
    return Estimate("combined", share, share - q * se, share + q * se, se)


def brand_incrementality(
    panel: pl.DataFrame,
    brand: str,
    *,
    start_day: int | None = None,
    alpha: float = 0.05,
    draws: int = 2000,
    seed: int = 0,
) -> BrandIncrementality | None:
    """The new share of ``brand``'s store GMV (None when it has no store streams or too few days)."""
    mine = panel.filter(pl.col("brand") == brand).sort("day")
    store_days = mine.filter(pl.col("store_gmv_fen") > 0)["day"]
    if store_days.is_empty():
        return None
    start = int(store_days.min()) if start_day is None else start_day  # type: ignore[arg-type]
    first, last = int(mine["day"].min()), int(mine["day"].max())  # type: ignore[arg-type]
    pre, post = start - first, last - start + 1
    treated = panel.group_by("brand").agg((pl.col("store_gmv_fen") > 0).any().alias("t"))
    controls = tuple(sorted(treated.filter(~pl.col("t") & (pl.col("brand") != brand))["brand"].to_list()))
    market = (
        panel.filter(pl.col("brand").is_in(controls))
        .group_by("day")
        .agg(pl.col("shelf_gmv_fen").sum())
        .sort("day")
    )
    y = mine["shelf_gmv_fen"].cast(pl.Float64).to_numpy()
    live = mine["store_gmv_fen"].cast(pl.Float64).to_numpy()
    infl = mine["influencer_gmv_fen"].cast(pl.Float64).to_numpy()
    cols: list[F64] = []
    if controls:
        cols.append(
            mine.select("day")
            .join(market, on="day", how="left")["shelf_gmv_fen"]
            .fill_null(0)
            .cast(pl.Float64)
            .to_numpy()
        )
    if np.ptp(infl) > 0:
        cols.append(infl)
    post_rows = slice(start - first, None)
    on = int((live[post_rows] > 0).sum())
    result = BrandIncrementality(
        brand, start, first, last, pre, post, on, post - on, int(live[post_rows].sum()),
        None, None, None, controls, None, None, None,
    )  # fmt: skip
    if pre < MIN_PRE_DAYS or post < MIN_POST_DAYS or result.store_gmv_fen <= 0:
        return result
    x = np.column_stack(cols) if cols else None
    impact = causal_impact(
        y, x, (0, pre - 1), (pre, pre + post - 1), alpha=alpha, draws=draws, seed=seed,
        season=None if controls else WEEK,
    )  # fmt: skip
    total = float(y[post_rows].sum())
    share_draws = 1.0 + (total - impact.sample_sums) / result.store_gmv_fen
    around = _share_estimate(
        "around_start", share_draws, 1.0 + impact.cumulative.abs_effect / result.store_gmv_fen, alpha
    )
    if not controls:  # the on / off regression then needs the weekday pattern
        day = mine["day"].to_numpy()
        cols = cols + [((day + 3) % WEEK == k).astype(np.float64) for k in range(1, WEEK)]
    on_off = _on_off(y, live, cols, alpha)
    parts = [e for e in (around, on_off) if e is not None]
    return BrandIncrementality(
        brand, start, first, last, pre, post, on, post - on, result.store_gmv_fen,
        impact.cumulative.abs_effect, impact.cumulative.abs_effect_lower, impact.cumulative.abs_effect_upper,
        controls, around, on_off, _combine(parts, alpha),
    )  # fmt: skip
