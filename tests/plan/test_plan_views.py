"""What the brand reads: the per-style table, the re-order rules per style with colour and size, and
the demo's plan step on the production path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from kuaifan.app.demo import launch, sensitivity_chart
from kuaifan.cli.plan_views import render_plan
from kuaifan.plan import parse_plan_input, plan

from .helpers import factory, variant


def two_styles() -> dict[str, object]:
    low, high = [2.0, 2, 2, 2, 2, 2], [6.0, 6, 6, 6, 6, 6]
    return {
        "horizon_days": 6,
        "review_days": [0, 2],
        "policy_buckets": 2,
        "variants": [
            variant("D-bk-M", [low, high, low, high], style="DRESS", color="黑色", size="M"),
            variant("D-bk-L", [low, high, high, low], style="DRESS", color="黑色", size="L"),
            variant("T-wh-S", [[3.0] * 6] * 4, style="TEE", color="白色", size="S"),
        ],
        "factories": [factory("F1", lead=0), factory("QUICK", lead=1, unit_cost_factor=1.1)],
        "presale": {"max_wait_days": 2, "cancel_share": 0.1, "cancel_per_day": 0.05},
    }


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ("每款计划", "翻单规则", "黑色", "剩余率", "满足率", "翻单")),
        ("en", ("Per style", "re-order rules", "left-over rate", "levers")),
    ],
)
def test_the_plan_reads_per_style_with_colours_and_sizes(lang: str, words: tuple[str, ...]) -> None:
    res = plan(parse_plan_input(two_styles()))
    console = Console(record=True, width=220)
    render_plan(res, lang, console)  # type: ignore[arg-type]
    text = console.export_text()
    assert all(w in text for w in words)
    # the rules of DRESS are a table of its variants (colour, size), not a list of SKU ids
    assert "D-bk-M" not in text and "T-wh-S" not in text
    dress = next(s for s in res.styles if s.style == "DRESS")
    assert "reorder" in dress.levers and f"{dress.first_batch:,}" in text


@pytest.mark.slow
def test_the_demo_plan_step_runs_the_production_path(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    done = launch(1, tmp_path / "work", reports)
    console = Console(record=True, width=220)
    render_plan(done.step.plan, "zh", console)
    assert "每款计划" in console.export_text() and done.step.model
    saved = json.loads(done.plan_json.read_text(encoding="utf-8"))
    assert saved["styles"] and saved["styles"][0]["levers"] == done.step.plan.styles[0].levers
    assert (reports / "plan_input.json").exists() and done.purchase_orders
    chart = sensitivity_chart(reports, 1, "zh", levers=())
    assert chart.exists() and chart.with_suffix(".png").exists()
    option = json.loads((reports / "sensitivity.echarts.json").read_text(encoding="utf-8"))
    assert option["series"][0]["data"]
    e = done.step.plan.expected
    assert 0 <= e.leftover_rate <= 1 and 0 <= e.fill_rate <= 1
