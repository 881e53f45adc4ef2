"""Randomised experiments (coupon, push, e-mail, price test): each arm against the control.

For every arm: n, mean, the difference in means against the control with a Welch t interval
and two-sided p-value (unequal variances; for a 0/1 outcome this is the unpooled two-proportion
test). By segment the same comparison is made within each segment, and the p-values of the
whole family (segments × arms) are adjusted for multiple testing: Holm (family-wise error,
default), Benjamini–Hochberg (false discovery rate), Bonferroni, or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

F64 = npt.NDArray[np.float64]
Correction = Literal["holm", "bh", "bonferroni", "none"]


@dataclass(frozen=True, slots=True)
class Group:
    value: str
    n: int
    mean: float | None


@dataclass(frozen=True, slots=True)
class ArmEffect:
    value: str
    n: int
    mean: float | None
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None = None  # segments only


@dataclass(frozen=True, slots=True)
class Comparison:
    control: Group
    arms: list[ArmEffect]


@dataclass(frozen=True, slots=True)
class Segment:
    value: str
    control: Group
    arms: list[ArmEffect]


@dataclass(frozen=True, slots=True)
class UpliftResult:
    control: Group
    arms: list[ArmEffect]
    alpha: float
    segments: list[Segment] = field(default_factory=list)
    correction: Correction = "holm"


def welch(y1: F64, y0: F64, alpha: float) -> tuple[float | None, float | None, float | None, float | None]:
    """(effect, ci_low, ci_high, p_value) of mean(y1) - mean(y0); None where undefined (n < 2)."""
    n1, n0 = y1.size, y0.size
    if n1 == 0 or n0 == 0:
        return None, None, None, None
    effect = float(y1.mean() - y0.mean())
    if n1 < 2 or n0 < 2:
        return effect, None, None, None
    v1, v0 = float(y1.var(ddof=1)) / n1, float(y0.var(ddof=1)) / n0
    se2 = v1 + v0
    if se2 <= 0.0:  # both groups constant: the difference is exact
        return effect, effect, effect, 1.0 if effect == 0.0 else 0.0
    se = float(np.sqrt(se2))
    df = se2**2 / ((v1**2 / (n1 - 1) if v1 else 0.0) + (v0**2 / (n0 - 1) if v0 else 0.0))
    q = float(stats.t.ppf(1.0 - alpha / 2.0, df))
    p = float(2.0 * stats.t.sf(abs(effect) / se, df))
    return effect, effect - q * se, effect + q * se, p


def adjust(p: Sequence[float | None], method: Correction) -> list[float | None]:
    """Multiple-testing adjusted p-values (None stays None, not counted in the family)."""
    idx = [i for i, v in enumerate(p) if v is not None]
    out: list[float | None] = [None] * len(p)
    m = len(idx)
    if m == 0:
        return out
    raw = np.array([p[i] for i in idx], dtype=np.float64)
    if method == "none":
        adj = raw
    elif method == "bonferroni":
        adj = np.minimum(raw * m, 1.0)
    elif method == "holm":
        order = np.argsort(raw, kind="stable")
        stepped = np.maximum.accumulate(raw[order] * (m - np.arange(m)))
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    else:  # Benjamini-Hochberg step-up
        order = np.argsort(raw, kind="stable")
        scaled = raw[order] * m / np.arange(1, m + 1)
        stepped = np.minimum.accumulate(scaled[::-1])[::-1]
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    for k, i in enumerate(idx):
        out[i] = float(adj[k])
    return out


def _mean(y: F64) -> float | None:
    return float(y.mean()) if y.size else None


def compare(
    treatment: npt.NDArray[np.str_] | Sequence[str], outcome: F64, control: str, alpha: float
) -> Comparison:
    """Every arm (sorted by value) against ``control``."""
    t = np.asarray(treatment, dtype=str)
    y0 = outcome[t == control]
    arms = []
    for value in sorted(set(t.tolist()) - {control}):
        y1 = outcome[t == value]
        effect, lo, hi, p = welch(y1, y0, alpha)
        arms.append(ArmEffect(value, int(y1.size), _mean(y1), effect, lo, hi, p))
    return Comparison(Group(control, int(y0.size), _mean(y0)), arms)


def uplift(
    treatment: Sequence[str],
    outcome: F64,
    control: str,
    *,
    by: Sequence[str] | None = None,
    alpha: float = 0.05,
    correction: Correction = "holm",
) -> UpliftResult:
    """Arms against the control overall and (with ``by``) within each segment, segment p-values
    adjusted over the whole family of segment × arm comparisons."""
    t = np.asarray(treatment, dtype=str)
    overall = compare(t, outcome, control, alpha)
    segments: list[Segment] = []
    if by is not None:
        b = np.asarray(by, dtype=str)
        for value in sorted(set(b.tolist())):
            rows = b == value
            c = compare(t[rows], outcome[rows], control, alpha)
            known = {a.value for a in c.arms}
            # Arms absent from a segment still appear (n = 0), so every segment has every arm.
            arms = c.arms + [
                ArmEffect(a.value, 0, None, None, None, None, None)
                for a in overall.arms
                if a.value not in known
            ]
            arms.sort(key=lambda a: a.value)
            segments.append(Segment(value, c.control, arms))
        family = [a.p_value for s in segments for a in s.arms]
        adjusted = iter(adjust(family, correction))
        segments = [
            Segment(s.value, s.control, [_with_adjusted(a, next(adjusted)) for a in s.arms]) for s in segments
        ]
    return UpliftResult(overall.control, overall.arms, alpha, segments, correction)


def _with_adjusted(a: ArmEffect, p: float | None) -> ArmEffect:
    return ArmEffect(a.value, a.n, a.mean, a.effect, a.ci_low, a.ci_high, a.p_value, p)
