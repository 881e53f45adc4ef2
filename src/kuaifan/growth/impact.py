"""Causal impact of an intervention on a time series: a Bayesian structural time-series model.

The model (as R's CausalImpact builds by default): on the pre-period, standardised with the
pre-period mean and sd, the response is a local level plus a static regression on the control
series (plus, if asked, a weekly or other seasonal component)::

    y_t = mu_t + x_t' beta + [season_t] + eps_t,   mu_{t+1} = mu_t + eta_t

It is fitted with statsmodels' ``UnobservedComponents``. The regression coefficients are states
of the Kalman filter with a diffuse prior, so their posterior uncertainty is carried exactly; the
two variances are set at their maximum-likelihood values (empirical Bayes), where CausalImpact
draws them by MCMC under an inverse-gamma prior. The counterfactual of the post-period is drawn
from the posterior predictive: ``draws`` joint paths, from the filtered state at the end of the
pre-period forward, with level and observation noise. Averages, sums, effects and their
intervals are quantiles of those paths; the p-value is CausalImpact's one-sided posterior tail
area of the cumulative sum, ``min(#(sum >= actual), #(sum <= actual)) / (draws + 1)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kuaifan.errors import InputError

F64 = npt.NDArray[np.float64]
MIN_PRE = 3


@dataclass(frozen=True, slots=True)
class EffectBlock:
    """One column of CausalImpact's summary (the average or the cumulative effect)."""

    actual: float
    predicted: float
    predicted_lower: float
    predicted_upper: float
    predicted_sd: float
    abs_effect: float
    abs_effect_lower: float
    abs_effect_upper: float
    abs_effect_sd: float
    rel_effect: float | None
    rel_effect_lower: float | None
    rel_effect_upper: float | None
    rel_effect_sd: float | None


@dataclass(frozen=True, slots=True)
class ImpactResult:
    average: EffectBlock
    cumulative: EffectBlock
    p_value: float
    alpha: float
    n_pre: int
    n_post: int
    draws: int
    controls: int
    level_sd: float  # fitted sd of the level innovation, in units of y
    obs_sd: float  # fitted sd of the observation noise, in units of y
    point_predicted: F64  # per post point: mean of the counterfactual
    point_lower: F64
    point_upper: F64
    sample_sums: F64  # per draw: the counterfactual's sum over the post-period (units of y)


def _standardise(a: F64, rows: slice) -> tuple[F64, float, float]:
    mu = float(np.nanmean(a[rows]))
    sd = float(np.nanstd(a[rows], ddof=1)) if np.sum(~np.isnan(a[rows])) > 1 else 0.0
    if not np.isfinite(sd) or sd <= 0.0:
        sd = 1.0
    return (a - mu) / sd, mu, sd


def _sqrt_psd(m: F64) -> F64:
    """A square root of a (numerically) positive semi-definite matrix."""
    w, v = np.linalg.eigh((m + m.T) / 2.0)
    return np.asarray(v * np.sqrt(np.clip(w, 0.0, None)), dtype=np.float64)


def _block(actual_total: float, sums: F64, alpha: float, scale: float) -> EffectBlock:
    lo_q, hi_q = alpha / 2.0, 1.0 - alpha / 2.0
    actual = actual_total / scale
    pred = sums / scale
    effect = actual - pred
    pm = float(pred.mean())
    rel: F64 | None = effect / pred if np.all(pred != 0.0) else None
    return EffectBlock(
        actual=actual,
        predicted=pm,
        predicted_lower=float(np.quantile(pred, lo_q)),
        predicted_upper=float(np.quantile(pred, hi_q)),
        predicted_sd=float(pred.std(ddof=1)),
        abs_effect=actual - pm,
        abs_effect_lower=float(np.quantile(effect, lo_q)),
        abs_effect_upper=float(np.quantile(effect, hi_q)),
        abs_effect_sd=float(effect.std(ddof=1)),
        rel_effect=(actual - pm) / pm if pm != 0.0 else None,
        rel_effect_lower=None if rel is None else float(np.quantile(rel, lo_q)),
        rel_effect_upper=None if rel is None else float(np.quantile(rel, hi_q)),
        rel_effect_sd=None if rel is None else float(rel.std(ddof=1)),
    )


def causal_impact(
    y: F64,
    x: F64 | None,
    pre: tuple[int, int],
    post: tuple[int, int],
    *,
    alpha: float = 0.05,
    draws: int = 1000,
    season: int | None = None,
    seed: int = 0,
) -> ImpactResult:
    """Effect of an intervention on ``y`` over ``post`` (inclusive 0-based rows), learned on ``pre``.

    ``x``: control series (rows × k), not affected by the intervention. Rows between the periods
    are treated as unobserved; rows outside both are not used. Missing values (NaN) of ``y`` in
    the pre-period are allowed (the filter skips them); controls must be complete.
    """
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    a, b = pre
    c, d = post
    if not (0 <= a <= b < c <= d < y.size):
        raise InputError(
            "时期无效：需要 预处理期开始 ≤ 结束 < 干预期开始 ≤ 结束，且都在数据范围内",
            "bad periods: need pre start <= pre end < post start <= post end, within the data",
        )
    if b - a + 1 < MIN_PRE or np.sum(~np.isnan(y[a : b + 1])) < MIN_PRE:
        raise InputError(
            f"预处理期太短：至少需要 {MIN_PRE} 个观测值",
            f"the pre-period is too short: at least {MIN_PRE} observed points are needed",
        )
    if np.any(np.isnan(y[c : d + 1])):
        raise InputError("干预期的响应值不能为空", "the response has missing values in the post-period")
    span = slice(a, d + 1)
    pre_rows = slice(0, b - a + 1)
    ys, mu, sd = _standardise(np.asarray(y[span], dtype=np.float64), pre_rows)
    xs: F64 | None = None
    if x is not None and x.size:
        cols = []
        for j in range(x.shape[1]):
            col = np.asarray(x[span, j], dtype=np.float64)
            if np.any(np.isnan(col)):
                raise InputError(f"对照序列 {j + 1} 有缺失值", f"control series {j + 1} has missing values")
            if np.ptp(col[pre_rows]) > 0.0:  # a control constant in the pre-period explains nothing
                cols.append(_standardise(col, pre_rows)[0])
        xs = np.column_stack(cols) if cols else None
    n_pre = b - a + 1
    y_fit = ys.copy()
    y_fit[n_pre:] = np.nan  # the gap and the post-period: what the model must predict
    model = UnobservedComponents(
        y_fit,
        level="llevel",
        exog=xs,
        mle_regression=False,
        seasonal=season if season and season > 1 else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimiser chatter on short or flat series
        fitted = model.fit(disp=False, maxiter=200)
        filtered = model.filter(fitted.params)
    ssm = model.ssm
    rng = np.random.default_rng(seed)
    start = n_pre
    state = filtered.predicted_state[:, start][:, None] + _sqrt_psd(
        filtered.predicted_state_cov[:, :, start]
    ) @ rng.standard_normal((ssm.k_states, draws))
    transition = ssm["transition", :, :, 0] if ssm["transition"].ndim == 3 else ssm["transition"]
    selection = ssm["selection", :, :, 0] if ssm["selection"].ndim == 3 else ssm["selection"]
    state_cov = ssm["state_cov", :, :, 0] if ssm["state_cov"].ndim == 3 else ssm["state_cov"]
    obs_var = float(np.squeeze(ssm["obs_cov"]))
    noise = selection @ _sqrt_psd(state_cov)
    design = ssm["design"]
    paths = np.empty((ys.size - start, draws))
    for i, t in enumerate(range(start, ys.size)):
        z = design[:, :, t] if design.ndim == 3 else design
        paths[i] = (z @ state)[0] + np.sqrt(max(obs_var, 0.0)) * rng.standard_normal(draws)
        state = transition @ state + noise @ rng.standard_normal((noise.shape[1], draws))
    post_rows = slice(c - a - start, d - a - start + 1)
    counterfactual = paths[post_rows] * sd + mu  # back to units of y
    actual = np.asarray(y[c : d + 1], dtype=np.float64)
    sums = counterfactual.sum(axis=0)
    n_post = d - c + 1
    total = float(actual.sum())
    p = min(int(np.sum(sums >= total)) + 1, int(np.sum(sums <= total)) + 1) / (draws + 1)
    names = model.param_names
    params = dict(zip(names, np.asarray(fitted.params, dtype=np.float64), strict=True))
    lo_q, hi_q = alpha / 2.0, 1.0 - alpha / 2.0
    return ImpactResult(
        average=_block(total, sums, alpha, float(n_post)),
        cumulative=_block(total, sums, alpha, 1.0),
        p_value=p,
        alpha=alpha,
        n_pre=n_pre,
        n_post=n_post,
        draws=draws,
        controls=0 if xs is None else xs.shape[1],
        level_sd=float(np.sqrt(params.get("sigma2.level", 0.0))) * sd,
        obs_sd=float(np.sqrt(params.get("sigma2.irregular", 0.0))) * sd,
        point_predicted=counterfactual.mean(axis=1),
        point_lower=np.quantile(counterfactual, lo_q, axis=1),
        point_upper=np.quantile(counterfactual, hi_q, axis=1),
        sample_sums=sums,
    )
