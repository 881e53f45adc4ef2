"""How the three policies move with demand uncertainty, lead time and MOQ: a small sensitivity grid
of the backtest, drawn as a static SVG (no plotting library; Chinese labels render with the
viewer's fonts) with its numbers beside it as JSON.

    from kuaifan.backtest.chart import write_sensitivity_chart
    svg = write_sensitivity_chart(Path("out/demo"), seeds=[1])

Each grid point changes one setting of the base scenario. The simulated launches and the fitted
forecaster are shared by all points of a seed (``--cv`` changes only how far the pre-season
forecast is from the truth, with the same random draw), so the points differ by the setting alone.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import POLICIES, SeedResult, play_seed, prepare_seed
from kuaifan.backtest.shop import Ledger
from kuaifan.i18n import Lang

AXES = ("cv", "lead_time", "moq")
DEFAULT_GRID: dict[str, tuple[float, ...]] = {
    "cv": (0.4, 0.75, 1.0),
    "lead_time": (3, 7, 10),
    "moq": (0, 100, 300),
}
# a lighter backtest for the chart: one style per seed, fewer scenarios per plan
CHART_BASE = Scenario(n_styles=1, n_scenarios=8, time_limit_s=3.0)
COLOURS = {"quick_response": "#d9480f", "one_shot": "#1c7ed6", "oracle": "#868e96"}
NAMES: dict[Lang, dict[str, str]] = {
    "zh": {
        "quick_response": "快反",
        "one_shot": "一次性大单",
        "oracle": "先知",
        "cv": "上市前需求变异系数",
        "lead_time": "交期（天）",
        "moq": "起订量（件/款/单）",
        "profit": "利润（元/种子）",
        "leftover": "剩余率",
        "title": "三种策略随需求不确定性、交期和起订量的变化",
    },
    "en": {
        "quick_response": "quick response",
        "one_shot": "one-shot",
        "oracle": "oracle",
        "cv": "pre-launch CV of demand",
        "lead_time": "lead time (days)",
        "moq": "MOQ (units / style / order)",
        "profit": "profit (per seed)",
        "leftover": "leftover rate",
        "title": "The three policies against demand uncertainty, lead time and MOQ",
    },
}


@dataclass(frozen=True, slots=True)
class Point:
    axis: str
    value: float
    policies: dict[str, dict[str, float]]  # policy -> profit / leftover_rate / fill_rate


def sensitivity(
    seeds: Sequence[int], grid: dict[str, Sequence[float]] | None = None, base: Scenario | None = None
) -> list[Point]:
    """Backtest every grid value of every axis (one setting changed at a time)."""
    grid = dict(grid or DEFAULT_GRID)
    base = base or CHART_BASE
    unknown = set(grid) - set(AXES)
    if unknown:
        raise ValueError(f"unknown grid axes: {sorted(unknown)}")
    totals: dict[tuple[str, float], dict[str, Ledger]] = {
        (axis, float(v)): {p: Ledger() for p in POLICIES} for axis, values in grid.items() for v in values
    }
    with tempfile.TemporaryDirectory(prefix="kuaifan-chart-") as tmp:
        for seed in seeds:
            data = prepare_seed(seed, base, Path(tmp))
            played: dict[Scenario, SeedResult] = {}  # the base value sits on every axis: play it once
            for axis, value in totals:
                sc = _with(base, axis, value)
                if sc not in played:
                    played[sc] = play_seed(data, sc)
                for p in POLICIES:
                    totals[axis, value][p].add(played[sc].ledgers[p])
    return [
        Point(axis, value, {p: led.summary(len(seeds)) for p, led in ledgers.items()})
        for (axis, value), ledgers in totals.items()
    ]


def _with(base: Scenario, axis: str, value: float) -> Scenario:
    if axis == "cv":
        return dataclasses.replace(base, cv=value)
    if axis == "lead_time":
        return dataclasses.replace(base, lead_time=int(value))
    return dataclasses.replace(base, moq=int(value))


def write_sensitivity_chart(
    out_dir: Path,
    seeds: Sequence[int] = (1,),
    *,
    grid: dict[str, Sequence[float]] | None = None,
    base: Scenario | None = None,
    lang: Lang = "zh",
) -> Path:
    """Run the grid and write ``sensitivity.svg`` (and ``sensitivity.json``) into out_dir."""
    points = sensitivity(seeds, grid, base)
    out_dir.mkdir(parents=True, exist_ok=True)
    svg = out_dir / "sensitivity.svg"
    svg.write_text(render_svg(points, lang), encoding="utf-8")
    record = {"seeds": list(seeds), "points": [dataclasses.asdict(p) for p in points]}
    (out_dir / "sensitivity.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return svg


# --- drawing -------------------------------------------------------------------------------------

W, H = 960, 600
PANEL_W, PANEL_H = 260, 190
LEFT, TOP, GAP_X, GAP_Y = 80, 70, 50, 80


def _nice_max(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above value."""
    if value <= 0:
        return 1.0
    unit = 10.0 ** math.floor(math.log10(value))
    steps = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
    return next(f * unit for f in steps if f * unit >= value * (1 - 1e-12))


def _fmt(value: float, lang: Lang) -> str:
    if abs(value) < 10_000:
        return f"{value:g}"
    if lang == "zh":
        return f"{value / 10_000:g}万"
    return f"{value / 1000:g}k"


def render_svg(points: Sequence[Point], lang: Lang = "zh") -> str:
    """The chart: per axis a column; profit on top, leftover rate below, one line per policy."""
    names = NAMES[lang]
    axes = [a for a in AXES if any(p.axis == a for p in points)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        'font-family="Noto Sans CJK SC, Noto Serif CJK SC, WenQuanYi Micro Hei, sans-serif" font-size="12">',
        f'<rect width="{W}" height="{H}" fill="white"/>',
        f'<text x="{W / 2}" y="28" text-anchor="middle" font-size="16">{escape(names["title"])}</text>',
    ]
    for row, (metric, key) in enumerate((("profit", "profit"), ("leftover", "leftover_rate"))):
        # one scale per row, so the panels compare
        values = [p.policies[pol][key] for p in points for pol in POLICIES]
        top = _nice_max(max(values)) if metric == "profit" else max(0.2, math.ceil(max(values) / 0.2) * 0.2)
        bottom = min(0.0, min(values))
        for col, axis in enumerate(axes):
            pts = sorted((p for p in points if p.axis == axis), key=lambda p: p.value)
            x0 = LEFT + col * (PANEL_W + GAP_X)
            y0 = TOP + row * (PANEL_H + GAP_Y)
            parts.append(_panel(x0, y0, pts, key, (top, bottom), (names[axis], names[metric]), lang))
    for i, pol in enumerate(POLICIES):
        x = LEFT + i * 170
        parts.append(f'<line x1="{x}" y1="{H - 22}" x2="{x + 24}" y2="{H - 22}" stroke="{COLOURS[pol]}" '
                     'stroke-width="3"/>')  # fmt: skip
        parts.append(f'<text x="{x + 30}" y="{H - 18}">{escape(names[pol])}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    x0: float,
    y0: float,
    pts: Sequence[Point],
    key: str,
    scale: tuple[float, float],
    labels: tuple[str, str],
    lang: Lang,
) -> str:
    top, bottom = scale
    xlabel, ylabel = labels
    span = top - bottom or 1.0
    n = len(pts)

    def px(i: int) -> float:
        return x0 + (PANEL_W * (i + 0.5) / n)

    def py(v: float) -> float:
        return y0 + PANEL_H * (top - v) / span

    out = [f'<rect x="{x0}" y="{y0}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#ced4da"/>']
    for j in range(5):
        v = bottom + span * j / 4
        label = f"{v:.0%}" if key == "leftover_rate" else _fmt(round(v), lang)
        out.append(
            f'<line x1="{x0}" y1="{py(v):.1f}" x2="{x0 + PANEL_W}" y2="{py(v):.1f}" stroke="#f1f3f5"/>'
        )
        out.append(f'<text x="{x0 - 6}" y="{py(v) + 4:.1f}" text-anchor="end" fill="#495057">{label}</text>')
    for i, p in enumerate(pts):
        out.append(f'<text x="{px(i):.1f}" y="{y0 + PANEL_H + 16}" text-anchor="middle">{p.value:g}</text>')
    out.append(f'<text x="{x0 + PANEL_W / 2}" y="{y0 + PANEL_H + 34}" text-anchor="middle" fill="#495057">'
               f"{escape(xlabel)}</text>")  # fmt: skip
    out.append(f'<text x="{x0}" y="{y0 - 8}" fill="#495057">{escape(ylabel)}</text>')
    for pol in POLICIES:
        coords = " ".join(f"{px(i):.1f},{py(p.policies[pol][key]):.1f}" for i, p in enumerate(pts))
        out.append(f'<polyline points="{coords}" fill="none" stroke="{COLOURS[pol]}" stroke-width="2.5"/>')
        for i, p in enumerate(pts):
            value = p.policies[pol][key]
            out.append(f'<circle cx="{px(i):.1f}" cy="{py(value):.1f}" r="3.5" fill="{COLOURS[pol]}">'
                       f"<title>{pol}: {value:g}</title></circle>")  # fmt: skip
    return "\n".join(out)
