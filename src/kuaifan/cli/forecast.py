"""``kuaifan forecast --costs FILE``: the stored events' demand, forecast per variant, as a plan input.

Prints a table per style (days of history, sold, demand incl. unmet, the horizon's p10 / p50 / p90);
``--json`` prints the summary as one object instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from kuaifan.cli.output import out as console
from kuaifan.cli.output import print_json, say, settings
from kuaifan.i18n import Lang, both, t

if TYPE_CHECKING:
    from kuaifan.app.forecast import WrittenForecast


def forecast(
    costs: Annotated[Path, typer.Option("--costs", help=both("成本与工厂 TOML", "costs and factories TOML"))],
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    item: Annotated[
        list[str] | None,
        typer.Option("--item", help=both("要计划的款式（可多次）", "style to plan (repeatable)")),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            min=1, max=200, help=both("未指定款式时：需求最高的 N 款", "without --item: top N styles")
        ),
    ] = 5,
    horizon: Annotated[
        int | None, typer.Option(min=1, max=366, help=both("计划天数（默认取成本文件）", "days to plan"))
    ] = None,
    model: Annotated[str, typer.Option(help="auto | lgbm | curve | prior | autoets | ses | naive")] = "auto",
    scenarios: Annotated[
        int, typer.Option(min=1, max=500, help=both("每款需求情景数", "demand scenarios per style"))
    ] = 20,
    seed: Annotated[int, typer.Option(help=both("随机种子", "random seed"))] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help=both("规划输入 JSON 路径", "plan input JSON path"))
    ] = None,
    history: Annotated[
        int,
        typer.Option(min=0, help=both("读取最近 N 天的历史（0 为全部）", "days of history to read (0: all)")),
    ] = 90,  # kuaifan.app.forecast.HISTORY_DAYS (not imported: `kuaifan --help` stays fast)
    tables_dir: Annotated[
        Path | None,
        typer.Option(
            "--tables",
            help=both("把每款、每 SKU 的逐日预测写成 Parquet 和 CSV", "write the daily forecasts here"),
        ),
    ] = None,
    placed: Annotated[
        list[Path] | None,
        typer.Option(
            "--placed",
            help=both("已下单的计划（kuaifan plan --json 输出，可多次）：在途货物", "earlier plans' orders"),
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help=both("输出 JSON 摘要", "print a JSON summary"))
    ] = False,
) -> None:
    """需求预测 → 规划输入 / Forecast stored demand per variant and write a plan input."""
    from kuaifan.app.forecast import ForecastRequest
    from kuaifan.app.forecast import forecast as run
    from kuaifan.app.store import open_store

    s = settings()
    req = ForecastRequest.from_options(
        costs=costs, tenant=tenant, items=item, top=top, horizon=horizon, model=model, scenarios=scenarios,
        seed=seed, placed=placed or [], history_days=history, out=out, tables_dir=tables_dir,
    )  # fmt: skip
    with open_store(s) as store:
        summary, written = run(s, store, req)
    if tables_dir is not None:
        say(
            s.lang,
            f"已写入 {len(written)} 个文件 → {tables_dir}",
            f"wrote {len(written)} files → {tables_dir}",
            stderr=True,
        )
    if as_json:
        print_json(summary)
    else:
        print_summary(s.lang, summary, console)


def print_summary(lang: Lang, summary: WrittenForecast, console: Console) -> None:
    from kuaifan.app.forecast import SHORT_HISTORY_DAYS

    out = summary.plan_input

    def tr(zh: str, en: str) -> str:
        return t(lang, zh, en)

    table = Table(
        title=tr(
            f"需求预测：{summary.start_date} 起 {summary.horizon_days} 天（模型 {summary.model}）",
            f"demand forecast: {summary.horizon_days} days from {summary.start_date} (model {summary.model})",
        )
    )
    for zh, en in (
        ("款式", "style"), ("历史天数", "days of history"), ("已售", "sold"),
        ("需求（含缺货）", "demand incl. unmet"), ("SKU 数", "variants"), ("预测 p10", "p10"),
        ("预测 p50", "p50"), ("预测 p90", "p90"),
    ):  # fmt: skip
        table.add_column(tr(zh, en), justify="left" if en == "style" else "right")
    for s in summary.styles:
        table.add_row(
            s.item + ("" if s.planned else tr("（无价格，未计划）", " (no price: not planned)")),
            str(s.history_days), f"{s.units:,}", f"{s.demand_units:,.0f}", str(s.variants),
            f"{s.forecast_p10:,.0f}", f"{s.forecast_p50:,.0f}", f"{s.forecast_p90:,.0f}",
        )  # fmt: skip
    console.print(table)
    if summary.on_order_units or summary.on_order_not_planned:
        left = ", ".join(summary.on_order_not_planned[:5])
        console.print(
            tr(
                f"在途：{summary.on_order_units:,.0f} 件（来自之前的计划）"
                + (f"；未纳入本次计划的 SKU：{left}" if left else ""),
                f"on order: {summary.on_order_units:,.0f} units from earlier plans"
                + (f"; SKUs not in this plan: {left}" if left else ""),
            ),
            highlight=False,
        )
    short = [st.item for st in summary.styles if st.history_days < SHORT_HISTORY_DAYS]
    if short and summary.model == "prior":
        console.print(
            tr(
                f"注意：{', '.join(short)} 的历史不足 {SHORT_HISTORY_DAYS} 天，预测用品类默认的上新曲线"
                "（首播后回落），区间较宽；本店有 3 个款式各满一周的历史后改用本店自己的曲线",
                f"note: {', '.join(short)} have under {SHORT_HISTORY_DAYS} days of history, so the forecast "
                "follows the category's default launch curve (demand falls back after the launch stream) "
                "with wide intervals; once 3 styles have a week of history the shop's own curve is used",
            ),
            style="yellow",
            highlight=False,
        )
    elif short:
        console.print(
            tr(
                f"注意：{', '.join(short)} 的历史不足 {SHORT_HISTORY_DAYS} 天，预测沿用最近的日需求水平；"
                "新款首播后需求通常回落，请结合更多天的数据或用 --model prior / lgbm（需有往期款式的历史）",
                f"note: {', '.join(short)} have under {SHORT_HISTORY_DAYS} days of history, so the forecast "
                "carries the latest daily level on; a launch spike usually falls back: use more days, or "
                "--model prior / lgbm (the latter needs past styles' history)",
            ),
            style="yellow",
            highlight=False,
        )
    console.print(
        tr(
            f"规划输入（{summary.variants} 个 SKU × {summary.scenarios} 个需求情景）→ {out}\n"
            f"下一步：kuaifan plan --input {out} --po-dir 采购单目录",
            f"plan input ({summary.variants} variants × {summary.scenarios} demand scenarios) → {out}\n"
            f"next: kuaifan plan --input {out} --po-dir DIR",
        ),
        highlight=False,
    )
