"""Forecast scoring for counts (randomised PIT coverage) and the sensitivity chart's drawing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from kuaifan.backtest.chart import DEFAULT_GRID, Point, _with, render_svg, sensitivity
from kuaifan.backtest.forecasts import pit_coverage
from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import goals
from kuaifan.cli.backtest import print_summary


def test_pit_coverage_is_80_percent_for_a_calibrated_count_forecast() -> None:
    rng = np.random.default_rng(0)
    lam = rng.uniform(0.2, 3.0, size=(40, 1, 30))  # small counts: most mass on 0, 1, 2
    paths = rng.poisson(lam, size=(40, 4000, 30)).astype(np.float64)
    actual = rng.poisson(lam[:, 0, :]).astype(np.float64)
    lo, hi = np.quantile(paths, 0.1, axis=1), np.quantile(paths, 0.9, axis=1)
    inclusive = np.mean((actual >= lo) & (actual <= hi))
    assert inclusive > 0.88  # bounds included, ties make any count forecast look too wide
    assert pit_coverage(actual, paths) / actual.size == pytest.approx(0.8, abs=0.02)
    # a forecast three times too high covers far less
    high = rng.poisson(3 * lam, size=(40, 4000, 30)).astype(np.float64)
    assert pit_coverage(actual, high) / actual.size < 0.6


def _points() -> list[Point]:
    out = []
    for axis, values in DEFAULT_GRID.items():
        for i, v in enumerate(values):
            out.append(
                Point(
                    axis,
                    float(v),
                    {
                        "quick_response": {"profit": 900.0 - 50 * i, "leftover_rate": 0.2, "fill_rate": 0.9},
                        "one_shot": {"profit": 600.0 - 100 * i, "leftover_rate": 0.4, "fill_rate": 0.9},
                        "oracle": {"profit": 1000.0, "leftover_rate": 0.0, "fill_rate": 1.0},
                    },
                )
            )
    return out


@pytest.mark.parametrize(("lang", "word"), [("zh", "快反"), ("en", "quick response")])
def test_chart_is_an_svg_with_a_line_per_policy_and_panel(lang: str, word: str) -> None:
    svg = render_svg(_points(), lang)  # type: ignore[arg-type]
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert len(lines) == 3 * 2 * 3  # policies × (profit, leftover) × axes
    assert word in svg and len(root.findall(f"{ns}circle")) == 3 * 2 * 9
    # higher profit is drawn higher: quick response's first point above its last on the cv panel
    first = [float(c) for c in lines[0].get("points", "").split()[0].split(",")]
    last = [float(c) for c in lines[0].get("points", "").split()[-1].split(",")]
    assert first[1] < last[1] and first[0] < last[0]


def test_grid_changes_one_setting_and_rejects_unknown_axes() -> None:
    base = Scenario()
    assert _with(base, "lead_time", 3.0).lead_time == 3 and _with(base, "lead_time", 3.0).moq == base.moq
    assert _with(base, "moq", 300.0).moq == 300 and _with(base, "cv", 1.0).cv == 1.0
    with pytest.raises(ValueError, match="unknown"):
        sensitivity([1], {"price": (1.0,)})


@pytest.mark.parametrize(
    ("lang", "words"), [("zh", ("快反", "未达成", "覆盖率")), ("en", ("oracle", "NOT met", "coverage"))]
)
def test_summary_prints_policies_ratios_and_goals(
    lang: str, words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    row = {"profit": 1000.0, "leftover_rate": 0.3, "fill_rate": 0.9}
    summary = {
        "policies": {
            "quick_response": row,
            "one_shot": {**row, "profit": 500.0},
            "oracle": {**row, "profit": 1250.0},
        },
        "ratios": {"qr_vs_oracle": 0.8, "qr_vs_one_shot": 2.0},
        "forecast": {
            "wape_lgbm": 0.9,
            "wape_ses": 3.0,
            "coverage_p10_p90": 0.79,
            "coverage_p10_p90_inclusive": 0.93,
        },
    }
    summary["goals"] = goals(summary)
    assert summary["goals"]["qr_profit_ge_90pct_oracle"] is False and summary["goals"]["wape_le_0.6x_ses"]
    print_summary(summary, lang)  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert all(w in out for w in words) and "1,250" in out and "0.8" in out
