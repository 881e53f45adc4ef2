"""Forecast scoring for counts (randomised PIT coverage), the lever chart and the printed summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from kuaifan.backtest.chart import Bar, cjk_font, draw, echarts_option, money, nice_ticks
from kuaifan.backtest.forecasts import pit_coverage
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
    high = rng.poisson(3 * lam, size=(40, 4000, 30)).astype(np.float64)
    assert pit_coverage(actual, high) / actual.size < 0.6


def test_ticks_are_round_numbers() -> None:
    # the old chart's axis read 5.1051万 and -3.5797万
    assert nice_ticks(-35797, 51051) == [-50000, -25000, 0, 25000, 50000, 75000]
    assert nice_ticks(0, 0.97) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(0, 8300) == [0, 2500, 5000, 7500, 10000]
    assert [money(v, "zh") for v in (-25000, 0, 50000)] == ["-2.5万", "0", "5万"]
    assert money(75000, "en") == "75k"


BARS = [
    Bar("quick_response", "quick_response", 51051.0, 0.12, 0.95),
    Bar("presale", "without", 45000.0, 0.2, 0.9),
    Bar("one_shot", "one_shot", -35797.0, 0.55, 0.99),
    Bar("information_bound", "information_bound", 55000.0, 0.03, 0.98),
    Bar("oracle", "oracle", 60000.0, 0.0, 1.0),
]


@pytest.mark.parametrize(("lang", "word"), [("zh", "快反"), ("en", "quick response")])
def test_the_chart_is_drawn_with_round_ticks_and_its_labels(tmp_path: Path, lang: str, word: str) -> None:
    svg = draw(BARS, tmp_path / "chart", lang, [1, 2])  # type: ignore[arg-type]
    assert svg.suffix == ".svg" and (tmp_path / "chart.png").stat().st_size > 10_000
    text = svg.read_text(encoding="utf-8")
    ET.fromstring(text)  # a well-formed SVG
    if lang == "zh" and cjk_font() is None:
        pytest.skip("no CJK font on this machine: the chart falls back to English labels")
    assert word in text
    tick = "2.5万" if lang == "zh" else "25k"
    assert tick in text and "5.1051" not in text and "3.5797" not in text
    option = echarts_option(BARS, lang, [1, 2])  # type: ignore[arg-type]
    axis = option["xAxis"][0]
    assert (axis["min"], axis["max"], axis["interval"]) == (-50000, 75000, 25000)
    assert len(option["series"][0]["data"]) == len(BARS)
    json.dumps(option)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", ("快反", "未达成", "覆盖率", "信息上界")), ("en", ("oracle", "NOT met", "coverage"))],
)
def test_summary_prints_policies_ratios_goals_and_failures(
    lang: str, words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    row = {"profit": 1000.0, "leftover_rate": 0.3, "fill_rate": 0.9}
    summary = {
        "seeds": 2,
        "policies": {
            "quick_response": row,
            "one_shot": {**row, "profit": 500.0},
            "information_bound": {**row, "profit": 1100.0},
            "oracle": {**row, "profit": 1250.0},
        },
        "ratios": {"qr_vs_oracle": 0.8, "qr_vs_one_shot": 2.0, "qr_vs_information_bound": 0.909},
        "forecast": {
            "wape_model": 0.9,
            "wape_ses": 3.0,
            "coverage_p10_p90": 0.93,
            "coverage_p10_p90_pit": 0.79,
        },
        "failures": [{"seed": 731, "error": "PanicException: assertion failed"}],
    }
    summary["goals"] = goals(summary)
    g = summary["goals"]
    assert g["qr_profit_ge_85pct_oracle"] is False and g["qr_profit_ge_1.5x_one_shot"] is True
    assert g["qr_leftover_le_15pct"] is False and g["coverage_75_85pct"] is False and g["wape_le_0.6x_ses"]
    print_summary(summary, lang)  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert all(w in out for w in words) and "1,250" in out and "731" in out
    # every goal is printed by its name, never by its JSON key
    assert not any(key in out for key in g), out
    assert ("快反剩余率 ≤ 15%: 未达成" if lang == "zh" else "quick response left over ≤ 15 %: NOT met") in out
