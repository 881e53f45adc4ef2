"""Causal impact checked against R's CausalImpact on its documented example, and on known lifts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from r_reference import R_SUMMARY, causalimpact_example

from kuaifan.app.growth import growth_impact
from kuaifan.app.growth_models import ImpactRequest
from kuaifan.errors import InputError
from kuaifan.growth.impact import causal_impact


def test_r_random_numbers_rebuild_the_vignette_data() -> None:
    y, x1 = causalimpact_example()
    # head(data) as the vignette prints it
    assert x1[:6] == pytest.approx([88.21513, 88.48415, 87.87684, 86.77954, 84.62243, 84.60650], abs=5e-6)
    assert y[:3] == pytest.approx([105.2950, 105.8943, 106.6209], abs=5e-5)
    assert y[70:].mean() == pytest.approx(R_SUMMARY["actual"][0], abs=0.5)
    assert y[70:].sum() == pytest.approx(R_SUMMARY["actual"][1], abs=0.5)


def _within(value: float, reference: float, ci: tuple[float, float]) -> bool:
    """``value`` is as close to R's estimate as R's own interval is wide (its half width, plus
    the rounding of the printed figures)."""
    half = (ci[1] - ci[0]) / 2
    return abs(value - reference) <= half + 0.5


def test_agrees_with_causalimpact_on_its_documented_example() -> None:
    y, x1 = causalimpact_example()
    r = causal_impact(y, x1[:, None], (0, 69), (70, 99), draws=2000, seed=1)
    (avg_ci, cum_ci), (abs_avg_ci, abs_cum_ci) = R_SUMMARY["predicted_ci"], R_SUMMARY["abs_effect_ci"]
    assert _within(r.average.predicted, R_SUMMARY["predicted"][0], avg_ci)
    assert _within(r.cumulative.predicted, R_SUMMARY["predicted"][1], cum_ci)
    assert _within(r.cumulative.abs_effect, R_SUMMARY["abs_effect"][1], abs_cum_ci)
    assert _within(r.average.abs_effect, R_SUMMARY["abs_effect"][0], abs_avg_ci)
    # Interval widths like R's (3220 - 3171 = 49; 340 - 291.7 = 48.3)
    assert 0.6 < (r.cumulative.predicted_upper - r.cumulative.predicted_lower) / (cum_ci[1] - cum_ci[0]) < 1.6
    assert (
        0.6
        < (r.cumulative.abs_effect_upper - r.cumulative.abs_effect_lower) / (abs_cum_ci[1] - abs_cum_ci[0])
        < 1.6
    )
    assert r.cumulative.rel_effect == pytest.approx(R_SUMMARY["rel_effect"], abs=0.005)
    lo, hi = R_SUMMARY["rel_effect_ci"]
    assert abs(r.cumulative.rel_effect_lower - lo) < 0.01 and abs(r.cumulative.rel_effect_upper - hi) < 0.01  # type: ignore[operator]
    # The true lift is +10 a day: inside the interval; p at its floor, as R's 0.00111 (1/901 draws)
    assert r.average.abs_effect_lower <= 10.0 <= r.average.abs_effect_upper
    assert r.p_value == pytest.approx(1 / 2001)


def test_no_intervention_means_no_effect() -> None:
    rng = np.random.default_rng(3)
    x = 100 + np.cumsum(rng.normal(0, 1, (200, 2)), axis=0)
    y = 0.7 * x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 1, 200)
    r = causal_impact(y, x, (0, 149), (150, 199))
    assert r.cumulative.abs_effect_lower < 0 < r.cumulative.abs_effect_upper
    assert r.p_value > 0.05 and r.controls == 2


def test_a_drop_is_found_with_a_weekly_season_and_no_controls() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(140)
    y = 50 + 8 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, t.size)
    y[100:] -= 6
    r = causal_impact(y, None, (0, 99), (100, 139), season=7)
    assert r.average.abs_effect_lower < -6 + 1.5 and r.average.abs_effect_upper < 0
    assert r.average.abs_effect == pytest.approx(-6, abs=1.5) and r.p_value < 0.01


def test_bad_periods_are_input_errors() -> None:
    y = np.arange(20, dtype=float)
    with pytest.raises(InputError, match="bad periods"):
        causal_impact(y, None, (0, 10), (5, 15))
    with pytest.raises(InputError, match="pre-period is too short"):
        causal_impact(y, None, (0, 1), (2, 10))


def test_the_use_case_reads_dates_and_writes_every_post_point(tmp_path: Path) -> None:
    y, x1 = causalimpact_example()
    dates = np.datetime64("2014-01-01") + np.arange(100)
    path = tmp_path / "series.csv"
    path.write_text("date,y,x1\n" + "".join(f"{d},{a},{b}\n" for d, a, b in zip(dates, y, x1, strict=True)))
    rep = growth_impact(
        path,
        ImpactRequest(
            y="y", x=("x1",), time="date", pre="2014-01-01:2014-03-11", post="2014-03-12:2014-04-10"
        ),
    )
    assert (rep.n_pre, rep.n_post, rep.pre, rep.post) == (
        70,
        30,
        ("2014-01-01", "2014-03-11"),
        ("2014-03-12", "2014-04-10"),
    )
    assert len(rep.series) == 30 and rep.series[0].time == "2014-03-12"
    assert rep.cumulative.actual == pytest.approx(y[70:].sum())
    rows = growth_impact(path, ImpactRequest(y="y", x=("x1",), pre="0:69", post="70:99"))
    assert rows.cumulative.predicted == pytest.approx(rep.cumulative.predicted)
    with pytest.raises(InputError, match="expected START:END"):
        growth_impact(path, ImpactRequest(y="y", pre="0-69", post="70:99"))
