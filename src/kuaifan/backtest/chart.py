"""What each lever is worth: quick response with every lever, and without each one in turn, beside
one-shot, the information bound and the oracle — drawn with matplotlib (PNG and SVG for files) and
as an ECharts option (JSON) for a page, with the numbers beside them as JSON.

    from kuaifan.backtest.chart import write_sensitivity_chart
    svg = write_sensitivity_chart(Path("out/demo"), seeds=[1])

Every bar of a seed plays the same simulated launches; only the lever changes. Ticks are round
numbers (1–2–2.5–5 steps); Chinese labels use a CJK font found through fontconfig (Debian's
fonts-noto-cjk or fonts-wqy-microhei), falling back to the English labels when there is none.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import POLICIES, run_seed
from kuaifan.backtest.shop import Ledger
from kuaifan.i18n import Lang

LEVERS = ("presale", "polls", "two_factories", "clearance", "daily_reviews")
# what the chart flips unless told: daily reviews re-plan 27 times a launch (see the backtest's figures)
CHART_LEVERS = ("presale", "polls", "two_factories", "clearance")
# a lighter backtest for the chart: one style per seed, fewer scenarios and seconds per plan, weekly
# reviews (a daily-review run re-plans 27 times); each lever's bar flips it from this base
CHART_BASE = Scenario(n_styles=1, n_scenarios=8, time_limit_s=3.0)
COLOURS = {
    "quick_response": "#d9480f",
    "without": "#f08c00",
    "one_shot": "#1c7ed6",
    "information_bound": "#2f9e44",
    "oracle": "#868e96",
}
NAMES: dict[Lang, dict[str, str]] = {
    "zh": {
        "quick_response": "快反",
        "one_shot": "一次性大单",
        "information_bound": "信息上界",
        "oracle": "先知",
        "presale": "去掉预售",
        "polls": "去掉共创投票",
        "two_factories": "去掉快反工厂",
        "clearance": "去掉清仓专场",
        "daily_reviews": "改为每周复核",
        "+presale": "加上预售",
        "+polls": "加上共创投票",
        "+two_factories": "加上快反工厂",
        "+clearance": "加上清仓专场",
        "+daily_reviews": "改为每日复核",
        "profit": "利润（元/种子）",
        "leftover": "剩余率",
        "fill": "满足率",
        "title": "各杠杆的价值：快反逐个改变一个杠杆后的利润、剩余与满足率",
        "caption": "同一批模拟新款；快反走生产路径（信号→预测→计划）。{n} 个种子：{seeds}",
    },
    "en": {
        "quick_response": "quick response",
        "one_shot": "one-shot",
        "information_bound": "information bound",
        "oracle": "oracle",
        "presale": "without pre-sale",
        "polls": "without co-creation polls",
        "two_factories": "without the quick factory",
        "clearance": "without clearance",
        "daily_reviews": "weekly reviews",
        "+presale": "with pre-sale",
        "+polls": "with co-creation polls",
        "+two_factories": "with the quick factory",
        "+clearance": "with clearance",
        "+daily_reviews": "daily reviews",
        "profit": "profit (yuan per seed)",
        "leftover": "left over",
        "fill": "fill rate",
        "title": "What each lever is worth: quick response with one lever changed at a time",
        "caption": "Same simulated launches; quick response runs the production path (signals → "
        "forecast → plan). {n} seeds: {seeds}",
    },
}


@dataclass(frozen=True, slots=True)
class Bar:
    key: str  # a policy, or the lever switched off
    kind: str  # "quick_response", "without" or a reference policy
    profit: float
    leftover_rate: float
    fill_rate: float


def lever_bars(
    seeds: Sequence[int], base: Scenario | None = None, levers: Sequence[str] = CHART_LEVERS
) -> list[Bar]:
    """Quick response as ``base`` has it, with each lever flipped in turn (off where the base has it
    on: "without"; on where it is off: "+lever"), and the reference policies of the base."""
    base = base or CHART_BASE
    flips = {(lever if getattr(base, lever) else f"+{lever}"): lever for lever in levers}
    totals: dict[str, Ledger] = {p: Ledger() for p in POLICIES} | {key: Ledger() for key in flips}
    with tempfile.TemporaryDirectory(prefix="kuaifan-chart-") as tmp:
        for seed in seeds:
            full = run_seed(seed, base, Path(tmp))
            for p in POLICIES:
                totals[p].add(full.ledgers[p])
            for key, lever in flips.items():
                flipped = run_seed(
                    seed, dataclasses.replace(base, **{lever: not getattr(base, lever)}), Path(tmp)
                )
                totals[key].add(flipped.ledgers["quick_response"])
    order = ["quick_response", *flips, "one_shot", "information_bound", "oracle"]
    bars = []
    for key in order:
        s = totals[key].summary(len(seeds))
        kind = "without" if key in flips else key
        bars.append(Bar(key, kind, s["profit"], s["leftover_rate"], s["fill_rate"]))
    return bars


def write_sensitivity_chart(
    out_dir: Path,
    seeds: Sequence[int] = (1,),
    *,
    base: Scenario | None = None,
    levers: Sequence[str] = CHART_LEVERS,
    lang: Lang = "zh",
) -> Path:
    """Backtest the levers; write ``sensitivity.png``, ``sensitivity.svg``, ``sensitivity.json`` (the
    numbers) and ``sensitivity.echarts.json`` (an ECharts option) into out_dir; the SVG's path."""
    bars = lever_bars(seeds, base, levers)
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"seeds": list(seeds), "bars": [dataclasses.asdict(b) for b in bars]}
    (out_dir / "sensitivity.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    option = echarts_option(bars, lang, seeds)
    (out_dir / "sensitivity.echarts.json").write_text(
        json.dumps(option, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return draw(bars, out_dir / "sensitivity", lang, seeds)


def cjk_font() -> Path | None:
    """A font file with Chinese glyphs, as fontconfig finds it (None without fontconfig or font)."""
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    for pattern in ("Noto Sans CJK SC:lang=zh", "WenQuanYi Micro Hei:lang=zh", ":lang=zh"):
        try:
            found = subprocess.run(
                [fc, "-f", "%{file}\n%{lang}", pattern],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.splitlines()
        except (OSError, subprocess.SubprocessError):
            return None
        langs = found[1].split("|") if len(found) == 2 else []
        if any(x == "zh" or x.startswith("zh-") for x in langs) and Path(found[0]).is_file():
            return Path(found[0])
    return None


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10^k apart) spanning [low, high]."""
    import math

    span = max(high - low, 1e-9)
    raw = span / max(count - 1, 1)
    unit = 10.0 ** math.floor(math.log10(raw))
    step = next(f * unit for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * unit >= raw * (1 - 1e-9))
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    n = round((last - first) / step)
    return [round(first + i * step, 10) for i in range(n + 1)]


def money(value: float, lang: Lang) -> str:
    """A round tick of yuan: 50000 → 5万 (zh) / 50k (en)."""
    if abs(value) < 10_000:
        return f"{value:,.0f}"
    return f"{value / 10_000:g}万" if lang == "zh" else f"{value / 1000:g}k"


def draw(bars: Sequence[Bar], stem: Path, lang: Lang, seeds: Sequence[int]) -> Path:
    """Two panels: profit; left-over and fill. PNG and SVG beside ``stem``; the SVG's path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter

    font = cjk_font()
    if font is None:
        lang = "en"  # no Chinese glyphs on this machine: English labels rather than boxes
    names = NAMES[lang]
    rc: dict[str, Any] = {"svg.fonttype": "none", "axes.spines.top": False, "axes.spines.right": False,
                          "axes.axisbelow": True}  # fmt: skip
    if font is not None:
        font_manager.fontManager.addfont(str(font))
        rc["font.family"] = [font_manager.FontProperties(fname=str(font)).get_name(), "sans-serif"]
    labels = [names[b.key] for b in bars]
    colours = [COLOURS[b.kind] for b in bars]
    y = list(range(len(bars)))[::-1]
    with plt.rc_context(rc):  # type: ignore[arg-type]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.45 * len(bars) + 2.2), sharey=True)
        profits = [b.profit for b in bars]
        ticks = nice_ticks(min(0.0, min(profits)), max(profits))
        ax1.barh(y, profits, color=colours)
        ax1.set_xlim(ticks[0], ticks[-1])
        ax1.xaxis.set_major_locator(FixedLocator(ticks))
        ax1.xaxis.set_major_formatter(FuncFormatter(lambda v, _: money(v, lang)))
        ax1.set_yticks(y, labels)
        ax1.set_xlabel(names["profit"])
        ax1.grid(axis="x", color="#e9ecef")
        ax2.barh([v + 0.2 for v in y], [b.leftover_rate for b in bars], height=0.4, color=colours,
                 label=names["leftover"])  # fmt: skip
        ax2.barh([v - 0.2 for v in y], [b.fill_rate for b in bars], height=0.4, color=colours, alpha=0.35,
                 label=names["fill"])  # fmt: skip
        share_ticks = nice_ticks(0.0, max(1.0, *(b.fill_rate for b in bars)))
        ax2.set_xlim(0.0, share_ticks[-1])
        ax2.xaxis.set_major_locator(FixedLocator(share_ticks))
        ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax2.set_xlabel(f"{names['leftover']}（深）/ {names['fill']}（浅）" if lang == "zh"
                       else f"{names['leftover']} (dark) / {names['fill']} (light)")  # fmt: skip
        ax2.grid(axis="x", color="#e9ecef")
        fig.suptitle(names["title"])
        shown = ", ".join(str(s) for s in list(seeds)[:12]) + ("…" if len(seeds) > 12 else "")
        fig.text(0.01, 0.01, names["caption"].format(n=len(seeds), seeds=shown), fontsize=9, color="#495057")
        fig.tight_layout(rect=(0, 0.04, 1, 0.96))
        fig.savefig(stem.with_suffix(".png"), dpi=150)
        fig.savefig(stem.with_suffix(".svg"))
        plt.close(fig)
    return stem.with_suffix(".svg")


def echarts_option(bars: Sequence[Bar], lang: Lang, seeds: Sequence[int]) -> dict[str, Any]:
    """The same chart as an ECharts option (two horizontal bar grids, round axis ticks)."""
    names = NAMES[lang]
    labels = [names[b.key] for b in bars][::-1]
    profits = [b.profit for b in bars][::-1]
    ticks = nice_ticks(min(0.0, min(profits)), max(profits))

    def series(values: list[float], grid: int, name: str, opacity: float = 1.0) -> dict[str, Any]:
        colours = [COLOURS[b.kind] for b in bars][::-1]
        return {
            "type": "bar", "name": name, "xAxisIndex": grid, "yAxisIndex": grid,
            "data": [{"value": round(v, 4), "itemStyle": {"color": c, "opacity": opacity}}
                     for v, c in zip(values, colours, strict=True)],
        }  # fmt: skip

    return {
        "title": {"text": names["title"], "subtext": names["caption"].format(n=len(seeds), seeds=seeds)},
        "tooltip": {"trigger": "axis"},
        "grid": [{"left": "22%", "width": "35%", "top": 80}, {"left": "62%", "width": "33%", "top": 80}],
        "xAxis": [
            {"type": "value", "name": names["profit"], "min": ticks[0], "max": ticks[-1],
             "interval": ticks[1] - ticks[0], "gridIndex": 0},
            {"type": "value", "name": f"{names['leftover']} / {names['fill']}", "min": 0, "max": 1,
             "interval": 0.25, "gridIndex": 1},
        ],
        "yAxis": [
            {"type": "category", "data": labels, "gridIndex": 0},
            {"type": "category", "data": labels, "gridIndex": 1, "axisLabel": {"show": False}},
        ],
        "series": [
            series(profits, 0, names["profit"]),
            series([b.leftover_rate for b in bars][::-1], 1, names["leftover"]),
            series([b.fill_rate for b in bars][::-1], 1, names["fill"], 0.35),
        ],
    }  # fmt: skip
