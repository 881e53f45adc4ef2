"""``kuaifan plan --input FILE.json [--json] [--po-dir DIR]``: a typer sub-app.

Mount it on the main app with ``app.command("plan")(kuaifan.plan.cli.plan)``, or run this module's
``app`` alone (it has the one command).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kuaifan.errors import InputError, KuaifanError, NotFoundError
from kuaifan.i18n import Lang
from kuaifan.plan.messages import lang_from_env, pick
from kuaifan.plan.model import PlanResult, parse_plan_json
from kuaifan.plan.policy import plan as run_plan
from kuaifan.plan.purchase_orders import write_purchase_orders

app = typer.Typer(add_completion=False, help="快反规划 / quick-response production planner")


def read_input(path: Path) -> str:
    if not path.is_file():
        raise NotFoundError(
            f"找不到规划输入文件：{path}", f"plan input file not found: {path}", path=str(path)
        )
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取 {path}：{exc}", f"cannot read {path}: {exc}", path=str(path)) from None


@app.command("plan")
def plan(
    input_path: Path = typer.Option(..., "--input", "-i", help="plan input JSON (see schemas/)"),
    json_out: bool = typer.Option(False, "--json", help="print the plan as JSON only"),
    po_dir: Path | None = typer.Option(None, "--po-dir", help="write purchase orders (xlsx + csv) here"),
    time_limit: float | None = typer.Option(None, "--time-limit", help="solver time limit in seconds"),
) -> None:
    """首单 + 翻单规划（随机混合整数规划）/ first batch and re-orders from a stochastic MIP."""
    lang = lang_from_env()
    try:
        inp = parse_plan_json(read_input(input_path))
        result = run_plan(inp, time_limit_s=time_limit)
        written = write_purchase_orders(result, po_dir) if po_dir is not None else []
    except KuaifanError as err:
        if json_out:
            typer.echo(_json_error(err, lang))
        else:
            Console(stderr=True).print(
                f"[red]{pick(lang, '错误', 'error')}:[/red] {err.message(lang)}", highlight=False
            )
        raise typer.Exit(err.exit_code) from None
    if json_out:
        typer.echo(result.model_dump_json(indent=2))
        for p in written:
            print(p, file=sys.stderr)
        return
    render(result, lang, Console(), written)


def _json_error(err: KuaifanError, lang: Lang) -> str:
    import json

    return json.dumps(err.to_json(lang), ensure_ascii=False, indent=2)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def render(result: PlanResult, lang: Lang, console: Console, written: list[Path] | None = None) -> None:
    """The plan as rich tables in the terminal."""

    def t(zh: str, en: str) -> str:
        return pick(lang, zh, en)

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
        console.print(f"[yellow]{t('提示', 'note')}:[/yellow] {pick(lang, w.zh, w.en)}", highlight=False)
    for p in written or []:
        console.print(t(f"采购单：{p}", f"purchase order: {p}"), highlight=False)
