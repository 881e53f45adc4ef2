"""What a brand reads of a plan, as rich tables (zh / en): per style the first batch, the re-orders,
left-over and fill with their p10–p90 over the scenarios and the levers the plan uses; the re-order
rules as one table per style with the variants' colour and size; and the demo's plan step.

Faces only: the numbers come from :class:`kuaifan.plan.PlanResult` (``styles``, ``reorder_policy``,
``specs``); nothing here computes a plan.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kuaifan.app.plan import Band, PlanResult, ReorderRule, StyleOutlook
from kuaifan.i18n import Lang, t

LEVER_NAMES: dict[str, tuple[str, str]] = {
    "presale": ("预售", "pre-sale"),
    "reorder": ("翻单", "re-orders"),
    "two_factories": ("双工厂", "two factories"),
    "clearance": ("清仓专场", "clearance stream"),
    "polls": ("共创投票", "co-creation polls"),
}


def _band(b: Band, share: bool = False) -> str:
    def f(x: float) -> str:
        return f"{x:.0%}" if share else f"{x:,.0f}"

    return f"{f(b.mean)} ({f(b.p10)}–{f(b.p90)})"


def levers_text(levers: list[str], lang: Lang) -> str:
    names = [t(lang, *LEVER_NAMES[x]) if x in LEVER_NAMES else x for x in levers]
    return "、".join(names) if lang == "zh" else ", ".join(names)


def style_table(result: PlanResult, lang: Lang, names: dict[str, str] | None = None) -> Table:
    """One row per style: first batch, re-orders, left-over, fill, profit (mean and p10–p90)."""
    table = Table(
        title=t(
            lang,
            f"每款计划（{result.scenarios} 个需求情景的均值，括号内 p10–p90）",
            f"Per style (mean over {result.scenarios} demand scenarios, p10–p90 in brackets)",
        )
    )
    for zh, en in (
        ("款式", "style"), ("首单", "first batch"), ("预计翻单", "re-orders"), ("预计剩余", "left over"),
        ("剩余率", "left-over rate"), ("满足率", "fill rate"), ("利润", "profit"), ("用到的杠杆", "levers"),
    ):  # fmt: skip
        table.add_column(t(lang, zh, en), justify="left" if en in ("style", "levers") else "right")
    for s in result.styles:
        label = s.style + (f" {names[s.style]}" if names and s.style in names else "")
        by = " + ".join(f"{f} {q:,}" for f, q in s.first_batch_by_factory.items())
        table.add_row(
            label,
            f"{s.first_batch:,}" + (f" ({by})" if len(s.first_batch_by_factory) > 1 else ""),
            _band(s.reorder_units),
            _band(s.leftover_units),
            _band(s.leftover_rate, share=True),
            _band(s.fill_rate, share=True),
            _band(s.profit),
            levers_text(s.levers, lang) or "-",
        )
    return table


def _variant_label(result: PlanResult, variant: str) -> tuple[str, str]:
    spec = result.specs.get(variant)
    if spec is None:
        return variant, ""
    return spec.color or "", spec.size or ""


def _condition(rule: ReorderRule, lang: Lang) -> str:
    lo = "" if rule.min is None else f"≥{rule.min:g}"
    hi = "" if rule.max is None else f"<{rule.max:g}"
    cond = " ".join(x for x in (lo, hi) if x) or t(lang, "任意", "any")
    return t(lang, f"第{rule.day}天 至今需求{cond}", f"day {rule.day}, demand so far {cond}")


def reorder_tables(result: PlanResult, lang: Lang) -> list[Table]:
    """Per style, the re-order rules that order something: a row per variant (colour, size), a column
    per rule (day, demand-to-date bucket, its probability), cells 'units @ factory'."""
    tables = []
    for style in sorted({r.style for r in result.reorder_policy if r.orders}):
        rules = [r for r in result.reorder_policy if r.style == style and r.orders]
        table = Table(
            title=t(
                lang,
                f"{style} 的翻单规则（按款式至今需求）",
                f"{style}: re-order rules (by the style's demand so far)",
            )
        )
        table.add_column(t(lang, "颜色", "colour"))
        table.add_column(t(lang, "尺码", "size"))
        for r in rules:
            table.add_column(f"{_condition(r, lang)} ({r.probability:.0%})", justify="right")
        variants = sorted(
            {o.variant for r in rules for o in r.orders}, key=lambda v: _variant_label(result, v)
        )
        for v in variants:
            cells = []
            for r in rules:
                lines = [o for o in r.orders if o.variant == v]
                cells.append(" + ".join(f"{o.qty} @{o.factory}" for o in lines) or "")
            table.add_row(*_variant_label(result, v), *cells)
        tables.append(table)
    return tables


def orders_table(result: PlanResult, lang: Lang) -> Table:
    """The orders to place now, a row per variant with its colour and size."""
    table = Table(title=t(lang, "现在下单（首单）", "Orders to place now (first batch)"))
    for zh, en in (("款式", "style"), ("颜色", "colour"), ("尺码", "size"), ("工厂", "factory"),
                   ("数量", "qty"), ("金额", "amount"), ("到货", "delivery")):  # fmt: skip
        table.add_column(t(lang, zh, en), justify="right" if en in ("qty", "amount") else "left")
    for o in sorted(result.orders, key=lambda o: (o.style, *_variant_label(result, o.variant), o.factory)):
        when = (
            o.delivery_date.isoformat()
            if o.delivery_date
            else t(lang, f"第 {o.delivery_day} 天", f"day {o.delivery_day}")
        )
        table.add_row(
            o.style, *_variant_label(result, o.variant), o.factory, f"{o.qty:,}", f"{o.amount:,.2f}", when
        )
    if not result.orders:
        table.add_row("-", "-", "-", "-", "0", "", t(lang, "现在不下单", "no order now"))
    return table


def render_plan(result: PlanResult, lang: Lang, console: Console, written: list[Path] | None = None) -> None:
    """The plan as a brand reads it: per style, orders now, re-order rules, the solver's word."""
    console.print(style_table(result, lang))
    console.print(orders_table(result, lang))
    for table in reorder_tables(result, lang):
        console.print(table)
    e, s = result.expected, result.solver
    console.print(
        t(
            lang,
            f"合计期望：利润 ¥{e.profit:,.0f}，满足率 {e.fill_rate:.1%}，剩余率 {e.leftover_rate:.1%}"
            f"（订 {e.ordered_units:,.0f} 件，剩 {e.leftover_units:,.0f} 件）；"
            f"预售发货 {e.presold_units:,.0f} 件",
            f"expected in all: profit ¥{e.profit:,.0f}, fill {e.fill_rate:.1%}, "
            f"left over {e.leftover_rate:.1%} ({e.ordered_units:,.0f} ordered, "
            f"{e.leftover_units:,.0f} left); {e.presold_units:,.0f} pre-sold",
        ),
        highlight=False,
    )
    console.print(
        t(
            lang,
            f"求解：{s.status}，差距 {s.mip_gap:.2%}，用时 {s.time_s:.1f} 秒，"
            f"变量 {s.n_vars:,}（二元 {s.n_binary:,}）",
            f"solver: {s.status}, gap {s.mip_gap:.2%}, {s.time_s:.1f} s, {s.n_vars:,} variables "
            f"({s.n_binary:,} binary)",
        ),
        highlight=False,
    )
    for w in result.warnings:
        console.print(Text.assemble((t(lang, "提示", "note") + ":", "yellow"), " " + t(lang, w.zh, w.en)))
    for p in written or []:
        console.print(t(lang, f"采购单：{p}", f"purchase order: {p}"), highlight=False)


def outlook_of(result: PlanResult, style: str) -> StyleOutlook | None:
    return next((s for s in result.styles if s.style == style), None)
