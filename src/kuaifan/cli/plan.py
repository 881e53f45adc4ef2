"""``kuaifan plan --input FILE.json [--json] [--po-dir DIR]``: first batch and re-orders from a
stochastic MIP; purchase orders per factory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from kuaifan.cli.output import lang as env_lang
from kuaifan.cli.output import out
from kuaifan.errors import KuaifanError
from kuaifan.i18n import Lang, both
from kuaifan.i18n import t as tr

if TYPE_CHECKING:
    from kuaifan.app.plan import PlanResult


def plan(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input", "-i", help=both("规划输入 JSON（见 schemas/）", "plan input JSON (see schemas/)")
        ),
    ],
    json_out: Annotated[
        bool, typer.Option("--json", help=both("只输出计划 JSON", "print the plan as JSON only"))
    ] = False,
    po_dir: Annotated[
        Path | None,
        typer.Option("--po-dir", help=both("采购单（xlsx + csv）写到这里", "write purchase orders here")),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help=both("求解时限（秒）", "solver time limit in seconds")),
    ] = None,
) -> None:
    """首单 + 翻单规划（随机混合整数规划）/ First batch and re-orders from a stochastic MIP."""
    from kuaifan.app.plan import plan_file

    lang = env_lang()
    try:
        result, written = plan_file(input_path, time_limit_s=time_limit, po_dir=po_dir)
    except KuaifanError as err:
        if not json_out:
            raise
        # a program reading --json gets the one error shape on stdout too
        sys.stdout.write(orjson.dumps(err.to_json(lang), option=orjson.OPT_INDENT_2).decode() + "\n")
        raise typer.Exit(err.exit_code) from None
    if json_out:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")  # people keep it as a file: indented
        for p in written:
            print(p, file=sys.stderr)
        return
    render(result, lang, out, written)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def render(result: PlanResult, lang: Lang, console: Console, written: list[Path] | None = None) -> None:
    """The plan as rich tables in the terminal."""

    def t(zh: str, en: str) -> str:
        return tr(lang, zh, en)

    orders = Table(title=t("现在下单（首单）", "Orders to place now (first batch)"))
    for col in (
        t("工厂", "Factory"),
        t("款式", "Style"),
        t("变体", "Variant"),
        t("数量", "Qty"),
        t("单价", "Unit price"),
        t("金额", "Amount"),
        t("到货", "Delivery"),
    ):
        orders.add_column(
            col,
            justify="right"
            if col in (t("数量", "Qty"), t("单价", "Unit price"), t("金额", "Amount"))
            else "left",
        )
    for o in result.orders:
        day = o.delivery_day
        when = o.delivery_date.isoformat() if o.delivery_date else t(f"第 {day} 天", f"day {day}")
        money = (f"{o.unit_price:.2f}", f"{o.amount:,.2f}")
        orders.add_row(o.factory, o.style, o.variant, str(o.qty), *money, when)
    if not result.orders:
        orders.add_row("-", "-", t("现在不下单", "no order now"), "0", "", "", "")
    console.print(orders)

    active = [r for r in result.reorder_policy if r.orders]
    rules = Table(title=t("翻单规则（按款式至今需求）", "Re-order rules (by the style's demand to date)"))
    for col in (
        t("日", "Day"),
        t("款式", "Style"),
        t("至今需求", "Demand to date"),
        t("概率", "Prob."),
        t("下单", "Order"),
    ):
        rules.add_column(col)
    for r in active:
        lo = "" if r.min is None else f"≥{r.min:g}"
        hi = "" if r.max is None else f"<{r.max:g}"
        cond = " ".join(x for x in (lo, hi) if x) or t("任意", "any")
        what = "; ".join(f"{o.factory}: {o.variant} {o.qty}" for o in r.orders)
        rules.add_row(str(r.day), r.style, cond, f"{r.probability:.0%}", what)
    console.print(rules)
    console.print(
        t(
            f"其余 {len(result.reorder_policy) - len(active)} 条规则：不下单",
            f"{len(result.reorder_policy) - len(active)} more rules: order nothing",
        )
    )

    e = result.expected
    summary = Table(title=t("期望（情景平均）", "Expected (average over scenarios)"))
    summary.add_column(t("指标", "Metric"))
    summary.add_column(t("数值", "Value"), justify="right")
    for zh, en, val in (
        ("利润", "profit", _fmt(e.profit)),
        ("收入", "revenue", _fmt(e.revenue)),
        ("采购成本", "purchase cost", _fmt(e.purchase_cost)),
        ("下单固定成本", "fixed order cost", _fmt(e.fixed_order_cost)),
        ("满足率", "fill rate", f"{e.fill_rate:.1%}"),
        ("剩余率", "leftover rate", f"{e.leftover_rate:.1%}"),
        ("订货量", "units ordered", _fmt(e.ordered_units)),
        ("首单量", "first batch units", _fmt(e.first_order_units)),
        ("剩余量", "units left over", _fmt(e.leftover_units)),
        ("预售发货量", "pre-sold units", _fmt(e.presold_units)),
    ):
        summary.add_row(t(zh, en), val)
    console.print(summary)
    s = result.solver
    console.print(
        t(
            f"求解：{s.status}，差距 {s.mip_gap:.2%}，用时 {s.time_s:.1f} 秒，"
            f"变量 {s.n_vars}（二元 {s.n_binary}），情景 {result.scenarios}",
            f"solver: {s.status}, gap {s.mip_gap:.2%}, {s.time_s:.1f} s, {s.n_vars} variables "
            f"({s.n_binary} binary), {result.scenarios} scenarios",
        ),
        highlight=False,
    )
    for w in result.warnings:
        console.print(f"[yellow]{t('提示', 'note')}:[/yellow] {tr(lang, w.zh, w.en)}", highlight=False)
    for p in written or []:
        console.print(t(f"采购单：{p}", f"purchase order: {p}"), highlight=False)
