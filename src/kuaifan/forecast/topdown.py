"""Top-down split: style-level demand paths → variant paths by the style's colour × size mix.

The mix is uncertain too, most of all for a new style: per path, shares are drawn from
Dirichlet(prior_weight · prior_mix + observed units per variant), so a style with little history
keeps close to the prior (the brand's size curve, an even colour mix or kuaifan.signals'
``style_mix``) and one with many sales follows its own; counts are then Poisson around
path × share.
"""

from __future__ import annotations

import numpy as np

from kuaifan.forecast.base import F64


def top_down(
    style_samples: F64, prior_mix: F64, observed: F64, rng: np.random.Generator, prior_weight: float = 20.0
) -> F64:
    """(V, S, h) variant paths from (S, h) style paths, a prior mix (V,) and observed units (V,)."""
    prior = np.asarray(prior_mix, dtype=np.float64)
    if prior.ndim != 1 or prior.size == 0 or np.any(prior < 0) or prior.sum() <= 0:
        raise ValueError("prior_mix must be a non-empty vector of non-negative shares")
    alpha = (
        prior_weight * prior / prior.sum() + np.maximum(np.asarray(observed, dtype=np.float64), 0.0) + 1e-3
    )
    shares = rng.dirichlet(alpha, size=style_samples.shape[0])  # (S, V)
    lam = np.maximum(style_samples, 0.0)[None, :, :] * shares.T[:, :, None]
    out: F64 = rng.poisson(lam).astype(np.float64)
    return out


def expected_shares(prior_mix: F64, observed: F64, prior_weight: float = 20.0) -> F64:
    """Posterior mean shares of the same Dirichlet."""
    prior = np.asarray(prior_mix, dtype=np.float64)
    alpha = prior_weight * prior / prior.sum() + np.maximum(np.asarray(observed, dtype=np.float64), 0.0)
    out: F64 = alpha / alpha.sum()
    return out
