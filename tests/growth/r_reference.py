"""R's random numbers, reproduced, so CausalImpact's documented example can be rebuilt bit for bit.

R (>= 3.6) defaults: Mersenne-Twister seeded by ``set.seed(s)`` (the seed scrambled 50 times by
the LCG ``seed = 69069 * seed + 1``, then 625 more LCG steps fill ``mti`` and the 624 state
words; ``mti`` is then set to 624) and normals by inversion (two uniforms per draw:
``u = floor(2^27 u1) + u2``, ``qnorm(u / 2^27)``). ``arima.sim`` draws the burn-in innovations
first (``n.start = p + q + ceiling(6 / log(minroots))``), then the series', filters recursively
from zero and drops the burn-in.

The example (CausalImpact vignette, "Creating an example dataset")::

    set.seed(1)
    x1 <- 100 + arima.sim(model = list(ar = 0.999), n = 100)
    y <- 1.2 * x1 + rnorm(100)
    y[71:100] <- y[71:100] + 10
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtri

_MASK = 0xFFFFFFFF
_TWO_27 = 134217728.0
_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup bound
_TO_UNIT = 2.3283064365386963e-10  # 2^-32


class RRandom:
    """``set.seed(seed)`` followed by ``runif`` / ``rnorm`` calls, as R computes them."""

    def __init__(self, seed: int) -> None:
        s = seed & _MASK
        for _ in range(50):
            s = (69069 * s + 1) & _MASK
        words = []
        for _ in range(625):
            s = (69069 * s + 1) & _MASK
            words.append(s)
        self._bits = np.random.MT19937()
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": np.array(words[1:], dtype=np.uint32), "pos": 624},
        }

    def unif(self) -> float:
        value = float(self._bits.random_raw()) * _TO_UNIT
        if value <= 0.0:
            return 0.5 * _I2_32M1
        if 1.0 - value <= 0.0:
            return 1.0 - 0.5 * _I2_32M1
        return value

    def rnorm(self, n: int) -> np.ndarray:
        out = np.empty(n)
        for i in range(n):
            u = math.floor(_TWO_27 * self.unif()) + self.unif()
            out[i] = ndtri(u / _TWO_27)
        return out


def arima_ar1(rng: RRandom, ar: float, n: int) -> np.ndarray:
    """``arima.sim(model = list(ar = ar), n = n)`` with R's default burn-in."""
    minroots = 1.0 / abs(ar)
    n_start = 1 + math.ceil(6.0 / math.log(minroots))
    e = np.concatenate([rng.rnorm(n_start), rng.rnorm(n)])
    x = np.empty_like(e)
    prev = 0.0
    for i, v in enumerate(e):
        prev = v + ar * prev
        x[i] = prev
    return x[n_start:]


def causalimpact_example() -> tuple[np.ndarray, np.ndarray]:
    """(y, x1) of the CausalImpact vignette's example, lift of +10 from point 71 on."""
    rng = RRandom(1)
    x1 = 100.0 + arima_ar1(rng, 0.999, 100)
    y = 1.2 * x1 + rng.rnorm(100)
    y[70:] += 10.0
    return y, x1


# The vignette's printed summary of CausalImpact(data, c(1, 70), c(71, 100)) on this data (R,
# niter = 1000, prior.level.sd = 0.01), as a user's transcript of it records it.
R_SUMMARY = {
    "actual": (117.0, 3511.0),
    "predicted": (107.0, 3195.0),
    "predicted_ci": ((106.0, 107.0), (3171.0, 3220.0)),
    "abs_effect": (11.0, 316.0),
    "abs_effect_ci": ((9.7, 11.0), (291.7, 340.0)),
    "rel_effect": 0.099,
    "rel_effect_ci": (0.091, 0.11),
    "p_value": 0.00111,
}
