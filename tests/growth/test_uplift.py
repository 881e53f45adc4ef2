"""Randomised experiments: the real Hillstrom e-mail test, Welch against scipy, multiple testing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from growthhelpers import DATA
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from kuaifan.app.growth import growth_uplift
from kuaifan.app.growth_models import UpliftRequest
from kuaifan.errors import InputError
from kuaifan.growth.uplift import adjust, welch

HILLSTROM = DATA / "hillstrom.csv"
needs_hillstrom = pytest.mark.skipif(
    not HILLSTROM.is_file(), reason=f"Hillstrom data not found at {HILLSTROM} (shared/data beside the repo)"
)


@needs_hillstrom
def test_hillstrom_matches_the_published_group_means() -> None:
    visit = growth_uplift(HILLSTROM, UpliftRequest(treatment="segment", control="No E-Mail", outcome="visit"))
    spend = growth_uplift(HILLSTROM, UpliftRequest(treatment="segment", control="No E-Mail", outcome="spend"))
    # Published: visit 0.183 / 0.151 / 0.106, spend 1.42 / 1.08 / 0.65 (Mens / Womens / No E-Mail).
    assert (visit.control.n, visit.control.mean) == (21306, pytest.approx(0.1062, abs=5e-5))
    mens, womens = visit.arms
    assert (mens.value, mens.n, womens.n) == ("Mens E-Mail", 21307, 21387)
    assert (mens.mean, womens.mean) == (pytest.approx(0.1828, abs=5e-5), pytest.approx(0.1514, abs=5e-5))
    assert spend.control.mean == pytest.approx(0.6528, abs=5e-5)
    assert [a.mean for a in spend.arms] == [pytest.approx(1.4226, abs=5e-5), pytest.approx(1.0772, abs=5e-5)]
    # Both e-mails raised visits and spend; the intervals exclude zero.
    for arm in (*visit.arms, *spend.arms):
        assert arm.ci_low is not None and arm.ci_low > 0 and arm.p_value is not None and arm.p_value < 0.01
    assert mens.effect == pytest.approx(0.1828 - 0.1062, abs=1e-4)
    assert mens.ci_low < mens.effect < mens.ci_high  # type: ignore[operator]


@needs_hillstrom
def test_hillstrom_by_segment_is_adjusted_for_multiple_testing() -> None:
    rep = growth_uplift(
        HILLSTROM, UpliftRequest(treatment="segment", control="No E-Mail", outcome="spend", by="zip_code")
    )
    assert rep.by is not None and [s.value for s in rep.by.segments] == ["Rural", "Surburban", "Urban"]
    arms = [a for s in rep.by.segments for a in s.arms]
    assert len(arms) == 6 and sum(a.n for a in arms) + sum(s.control.n for s in rep.by.segments) == 64000
    raw = [a.p_value for a in arms]
    assert [a.p_adjusted for a in arms] == pytest.approx(list(multipletests(raw, method="holm")[1]))
    assert all(a.p_adjusted >= a.p_value for a in arms)  # type: ignore[operator]


@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40),
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40),
)
@example(a=[0.0, 1.0], b=[1.0, 1.0])  # one constant group (found by KUAIFAN_HYPOTHESIS=explore)
def test_welch_agrees_with_scipy(a: list[float], b: list[float]) -> None:
    y1, y0 = np.array(a), np.array(b)
    effect, lo, hi, p = welch(y1, y0, 0.05)
    assert effect == pytest.approx(y1.mean() - y0.mean(), abs=1e-9)
    if y1.var() == 0 and y0.var() == 0:
        assert lo == hi == effect
        return
    with warnings.catch_warnings():  # scipy warns when a group is constant; the oracle is still right
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = stats.ttest_ind(y1, y0, equal_var=False)
    assert p == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)
    ci = ref.confidence_interval(0.95)
    assert (lo, hi) == (pytest.approx(ci.low, rel=1e-6, abs=1e-9), pytest.approx(ci.high, rel=1e-6, abs=1e-9))


def holm_by_definition(p: list[float]) -> list[float]:
    """Holm's step-down: sorted p_(j) times (m - j + 1), running maximum, capped at 1."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for j, i in enumerate(order):
        running = max(running, min(1.0, (m - j) * p[i]))
        out[i] = running
    return out


@given(st.lists(st.one_of(st.none(), st.floats(0.0, 1.0)), min_size=1, max_size=30))
def test_adjusted_p_values_follow_their_definitions(p: list[float | None]) -> None:
    known = [v for v in p if v is not None]
    for method in ("holm", "bh", "bonferroni", "none"):
        got = adjust(p, method)  # type: ignore[arg-type]
        assert [g is None for g in got] == [v is None for v in p]  # None stays out of the family
        values = [g for g in got if g is not None]
        assert all(a >= b - 1e-15 for a, b in zip(values, known, strict=True))
        if not known:
            continue
        expected = {
            "holm": holm_by_definition(known),
            "bh": list(stats.false_discovery_control(known, method="bh")),
            "bonferroni": [min(1.0, v * len(known)) for v in known],
            "none": known,
        }[method]
        assert values == pytest.approx(expected)


def test_adjusted_p_values_match_statsmodels_on_an_example() -> None:
    p = [0.01, 0.04, 0.03, 0.2, None, 0.005]
    known = [v for v in p if v is not None]
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        got = [g for g in adjust(p, ours) if g is not None]  # type: ignore[arg-type]
        assert got == pytest.approx(list(multipletests(known, method=theirs)[1]))


def test_bad_files_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "exp.csv"
    path.write_text("arm,bought\nA,1\nB,0\nA,yes\nB,1\n", encoding="utf-8")
    req = UpliftRequest(treatment="arm", control="A", outcome="bought")
    with pytest.raises(InputError) as err:
        growth_uplift(path, req)
    assert "line 4" in err.value.en and "第 4 行" in err.value.zh
    path.write_text("arm,bought\nA,1\nB,0\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column spend"):
        growth_uplift(path, UpliftRequest(treatment="arm", control="A", outcome="spend"))
    with pytest.raises(InputError, match="control 'C' is not a value of arm"):
        growth_uplift(path, UpliftRequest(treatment="arm", control="C", outcome="bought"))
    path.write_text("user,bought\n" + "".join(f"u{i},1\n" for i in range(60)), encoding="utf-8")
    with pytest.raises(InputError, match="60 distinct values"):
        growth_uplift(path, UpliftRequest(treatment="user", control="u1", outcome="bought"))


def test_gbk_file_and_small_arms(tmp_path: Path) -> None:
    path = tmp_path / "exp.csv"
    path.write_bytes("组别,下单\n对照,0\n对照,1\n优惠券,1\n".encode("gbk"))
    rep = growth_uplift(path, UpliftRequest(treatment="组别", control="对照", outcome="下单"))
    (arm,) = rep.arms
    assert (arm.value, arm.n, arm.effect) == ("优惠券", 1, 0.5)
    assert arm.ci_low is None and arm.p_value is None  # one unit: no interval, said plainly
