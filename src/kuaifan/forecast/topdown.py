"""Top-down split: style-level demand paths → variant paths by the style's colour × size mix.

The mix is uncertain too, most of all for a new style: per path, shares are drawn from
Dirichlet(prior_weight · prior_mix + observed units per variant), so a style with little history
keeps close to the prior (the brand's size curve, an even colour mix or kuaifan.signals'
``style_mix``) and one with many sales follows its own; counts are then Poisson around
path × share.

:func:`top_down` splits one style; :func:`split_styles` splits a whole style forecast into a
variant-level :class:`~kuaifan.forecast.Forecast` (sample paths and their p10/p50/p90) in one call.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from kuaifan.forecast.base import F64, Forecast, quantile_frame

I64 = npt.NDArray[np.int64]
MIX_COLUMNS = ("style", "unique_id", "prior", "observed")
LEVELS = (0.1, 0.5, 0.9)


def _alpha(prior_mix: F64, observed: F64, prior_weight: float) -> F64:
    prior = np.asarray(prior_mix, dtype=np.float64)
    if prior.ndim != 1 or prior.size == 0 or np.any(prior < 0) or prior.sum() <= 0:
        raise ValueError("prior_mix must be a non-empty vector of non-negative shares")
    out: F64 = (
        prior_weight * prior / prior.sum() + np.maximum(np.asarray(observed, dtype=np.float64), 0.0) + 1e-3
    )
    return out


def _counts(style_samples: F64, alpha: F64, rng: np.random.Generator) -> I64:
    """(V, S, h) Poisson counts around the (S, h) style paths × per-path Dirichlet(alpha) shares."""
    shares = rng.dirichlet(alpha, size=style_samples.shape[0])  # (S, V)
    lam = np.maximum(style_samples, 0.0)[None, :, :] * shares.T[:, :, None]
    out: I64 = rng.poisson(lam)
    return out


def top_down(
    style_samples: F64, prior_mix: F64, observed: F64, rng: np.random.Generator, prior_weight: float = 20.0
) -> F64:
    """(V, S, h) variant paths from (S, h) style paths, a prior mix (V,) and observed units (V,)."""
    out: F64 = _counts(style_samples, _alpha(prior_mix, observed, prior_weight), rng).astype(np.float64)
    return out


def expected_shares(prior_mix: F64, observed: F64, prior_weight: float = 20.0) -> F64:
    """Posterior mean shares of the same Dirichlet."""
    prior = np.asarray(prior_mix, dtype=np.float64)
    alpha = prior_weight * prior / prior.sum() + np.maximum(np.asarray(observed, dtype=np.float64), 0.0)
    out: F64 = alpha / alpha.sum()
    return out


def split_styles(
    style: Forecast, mix: pl.DataFrame, *, prior_weight: float = 20.0, seed: int = 0
) -> Forecast:
    """The variant-level forecast of every style in ``style``, split top-down.

    ``mix`` has one row per variant: ``style`` (a unique_id of ``style``), ``unique_id`` (the
    variant), ``prior`` (its share in the prior mix) and ``observed`` (units seen so far). Styles are
    split in the order of ``style.ids``, variants in their order in ``mix``, by the model of
    :func:`top_down` with one generator seeded by ``seed``; the result's ids are sorted like every
    forecaster's. p10/p50/p90 are the paths' own quantiles per day (linear interpolation, as
    numpy.quantile). The day after each style's history is the first day of its variants' forecast.
    """
    frame = _mix_frame(style, mix, prior_weight)
    ids = frame["unique_id"].to_list()
    alpha = frame["alpha"].to_numpy()
    rows = frame["row"].to_numpy()
    bounds = np.searchsorted(frame["k"].to_numpy(), np.arange(len(style.ids) + 1))
    n, h = style.samples.shape[1], style.horizon
    samples = np.empty((len(ids), n, h))
    # the counts again as uint16, days before paths: a radix sort per variant-day gives the quantiles
    small = np.empty((len(ids), h, n), dtype=np.uint16)
    fits = True
    rng = np.random.default_rng(seed)
    for k in range(len(style.ids)):
        at = rows[bounds[k] : bounds[k + 1]]
        counts = _counts(style.samples[k], alpha[bounds[k] : bounds[k + 1]], rng)
        samples[at] = counts
        fits = fits and int(counts.max(initial=0)) <= np.iinfo(np.uint16).max
        if fits:
            small[at] = counts.transpose(0, 2, 1)
    q = _sorted_quantiles(small) if fits else np.moveaxis(np.quantile(samples, LEVELS, axis=1), 0, 2)
    last = frame.sort("row")["last"].to_list()
    return Forecast(ids=sorted(ids), quantiles=quantile_frame(sorted(ids), last, q), samples=samples)


def _mix_frame(style: Forecast, mix: pl.DataFrame, prior_weight: float) -> pl.DataFrame:
    """``mix`` checked, in splitting order (k: the style's index in ``style.ids``), with each variant's
    Dirichlet alpha, its row in the sorted output and its style's last day of history."""
    missing = [c for c in MIX_COLUMNS if c not in mix.columns]
    if missing:
        raise ValueError(f"mix lacks columns: {', '.join(missing)}")
    styles = pl.DataFrame({"style": style.ids, "k": np.arange(len(style.ids))}).join(
        style.quantiles.group_by("unique_id").agg((pl.col("ds").min() - 1).alias("last")),
        left_on="style",
        right_on="unique_id",
    )
    frame = mix.select(
        pl.col("style").cast(pl.String),
        pl.col("unique_id").cast(pl.String),
        pl.col("prior").cast(pl.Float64),
        pl.col("observed").cast(pl.Float64),
    ).join(styles, on="style", how="left", maintain_order="left")
    if frame["unique_id"].null_count() or frame["unique_id"].is_duplicated().any():
        raise ValueError("mix must name each variant once")
    unknown = frame.filter(pl.col("k").is_null())["style"].unique().sort().to_list()
    if unknown:
        raise ValueError(f"mix names styles the forecast lacks: {', '.join(unknown[:5])}")
    lacking = sorted(set(style.ids) - set(frame["style"].to_list()))
    if lacking:
        raise ValueError(f"no variants for styles: {', '.join(lacking[:5])}")
    total = pl.col("prior").sum().over("style")
    finite = pl.col("prior").is_finite() & pl.col("observed").is_finite()
    bad = frame.filter(~finite.fill_null(False) | (pl.col("prior") < 0) | (total <= 0))
    if bad.height:
        raise ValueError(
            f"prior shares must be non-negative, summing above 0, and observed units numbers: "
            f"style {bad['style'][0]}"
        )
    seen = pl.col("observed").clip(lower_bound=0.0)
    return frame.with_columns(
        (prior_weight * pl.col("prior") / total + seen + 1e-3).alias("alpha"),
        (pl.col("unique_id").rank("ordinal") - 1).alias("row"),
    ).sort("k", maintain_order=True)


def _sorted_quantiles(small: npt.NDArray[np.uint16]) -> F64:
    """(N, h, 3) p10/p50/p90 over the last axis of (N, h, S) counts, interpolated as numpy.quantile."""
    small.sort(axis=-1, kind="stable")  # radix sort for 16-bit integers
    n = small.shape[-1]
    pos = np.asarray(LEVELS) * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    a = small[:, :, lo].astype(np.float64)
    b = small[:, :, hi].astype(np.float64)
    out: F64 = a + (b - a) * (pos - lo)
    return out
