"""``kuaifan forecast --costs FILE``: the stored events' demand, forecast per variant, as a plan input.

Reads the tenant's events with their comment tags, computes the demand signals, forecasts each chosen
style (``--item``, default the ``--top`` styles by demand so far) over the horizon from the day after
the data ends, splits it over the variants and writes a plan input JSON (``--out``, default
``$KUAIFAN_HOME/reports/plan_input.json``) that ``kuaifan plan --input`` solves into orders and
purchase orders. Prints a table per style (days of history, sold, demand incl. unmet, the horizon's
p10 / p50 / p90); ``--json`` prints the summary as one object instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import numpy as np
import orjson
import polars as pl
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from kuaifan.errors import InputError, NotFoundError, cannot_write, first_problem
from kuaifan.i18n import Lang, both, t
from kuaifan.plan.costs import load_costs
from kuaifan.plan.from_signals import (
    ModelName,
    build_plan_input,
    daily_demand,
    forecast_variants,
    incoming_from_plans,
    last_live_day,
    plan_catalogue,
    stock_on_hand,
    style_history,
    variant_mix,
)
from kuaifan.plan.model import PlanResult
from kuaifan.report.frames import write_frames
from kuaifan.signals.frame import day_date

MODELS = ("auto", "lgbm", "curve", "autoets", "ses", "naive")
SHORT_HISTORY_DAYS = 3
HISTORY_DAYS = 90  # the history read by default: a season of a fast-fashion style, memory bounded


def run_forecast(
    costs_path: Path,
    *,
    tenant: str | None,
    items: list[str] | None,
    top: int,
    horizon: int | None,
    model: str,
    scenarios: int,
    seed: int,
    placed: list[Path] | None = None,
    history_days: int = HISTORY_DAYS,
) -> tuple[Lang, dict[str, Any], str, dict[str, pl.DataFrame]]:
    """(language, summary, plan input JSON text, the forecast tables per style and per variant)."""
    from kuaifan.signals.cli import read_signals

    if model not in MODELS:
        raise InputError(
            f"--model 应为 {', '.join(MODELS)} 之一，收到 {model!r}",
            f"--model: expected one of {', '.join(MODELS)}, got {model!r}",
            field="model",
        )
    costs = load_costs(costs_path)
    name, lang, sig, _ = read_signals(tenant, days=history_days)
    daily = daily_demand(sig.variant_hours, last_live_day(sig.events))
    totals = daily.group_by("item").agg(pl.col("units").sum(), pl.col("demand_units").sum())
    selling = totals.filter(pl.col("demand_units") > 0)
    known = set(selling["item"].to_list())
    if items:
        unknown = [i for i in items if i not in known]
        if unknown:
            raise NotFoundError(
                f"这些款式没有需求数据：{', '.join(unknown)}",
                f"no demand data for these styles: {', '.join(unknown)}",
            )
        chosen = list(dict.fromkeys(items))
    else:
        ranked = selling.sort(["demand_units", "item"], descending=[True, False])
        chosen = ranked["item"].head(top).to_list()
    if not chosen:
        raise NotFoundError("没有任何款式有需求", "no style has any demand yet")
    last_day = int(daily["day"].max())  # type: ignore[arg-type]
    train = style_history(daily, sorted(known), last_day)  # the model learns from every style
    history = train.filter(pl.col("unique_id").is_in(chosen))
    days = horizon or costs.horizon_days
    catalogue = plan_catalogue(sig.variant_hours, sig.catalogue, chosen)
    observed = daily.group_by("sku_id").agg(pl.col("demand_units").sum())
    mix = variant_mix(sig.mix, catalogue, observed)
    styles, variants, used = forecast_variants(
        history,
        mix,
        days,
        train=train,
        model=cast(ModelName, model),
        n_samples=max(200, scenarios),
        seed=seed,
    )
    meta = {"tenant": name, "model": used, "history_last_day": str(day_date(last_day)), "styles": chosen}
    try:
        incoming = incoming_from_plans([read_plan_result(p) for p in placed or []], day_date(last_day + 1))
    except ValueError as exc:
        raise InputError(f"--placed：{exc}", f"--placed: {exc}", field="placed") from None
    built = build_plan_input(
        catalogue, variants, costs, start_day=last_day + 1, on_hand=stock_on_hand(sig.events),
        incoming=incoming, scenarios=scenarios, seed=seed, meta=meta,
    )  # fmt: skip
    planned_ids = {v.id for v in built.plan_input.variants}
    on_order = sum(r.qty for sku, rs in incoming.items() if sku in planned_ids for r in rs)
    not_planned = sorted(sku for sku in incoming if sku not in planned_ids)
    totals_by = {r[0]: r for r in totals.iter_rows()}
    span = history.group_by("unique_id").agg(pl.len().alias("days"))
    days_of = dict(span.iter_rows())
    summary_styles = []
    for item in chosen:  # by demand so far, or as --item named them
        total = styles.samples[styles.ids.index(item)].sum(axis=1)
        p10, p50, p90 = (float(x) for x in np.quantile(total, [0.1, 0.5, 0.9]))
        summary_styles.append(
            {
                "item": item,
                "history_days": int(days_of.get(item, 0)),
                "units": int(totals_by[item][1]),
                "demand_units": round(float(totals_by[item][2]), 1),
                "variants": int(mix.filter(pl.col("style") == item).height),
                "forecast_p10": round(p10, 1),
                "forecast_p50": round(p50, 1),
                "forecast_p90": round(p90, 1),
                "planned": item not in built.skipped,
            }
        )
    inp = built.plan_input
    summary = {
        "tenant": name,
        "model": used,
        "history_last_day": str(day_date(last_day)),
        "start_date": str(inp.start_date),
        "horizon_days": inp.horizon_days,
        "scenarios": len(inp.variants[0].demand_scenarios),
        "variants": len(inp.variants),
        "styles": summary_styles,
        "skipped_no_price": built.skipped,
        "on_order_units": on_order,  # earlier orders still to arrive, in the plan as incoming
        "on_order_not_planned": not_planned,  # variants with goods on order that this plan leaves out
    }
    tables = {
        "style_forecast": forecast_table(styles.quantiles, "style"),
        "variant_forecast": forecast_table(
            variants.quantiles.join(mix.select(pl.col("unique_id"), "style"), on="unique_id", how="left"),
            "variant",
        ),
    }
    return lang, summary, inp.model_dump_json(indent=2, exclude_none=True), tables


def forecast_table(quantiles: pl.DataFrame, key: str) -> pl.DataFrame:
    """A forecast's quantiles with calendar dates (China days), as a planner's spreadsheet reads them."""
    cols = [pl.col("unique_id").alias(key)]
    if key == "variant":
        cols.append(pl.col("style"))
    return quantiles.select(
        *cols,
        pl.col("ds").cast(pl.Date).alias("date"),
        *[pl.col(q).round(2) for q in ("p10", "p50", "p90")],
    ).sort(key, "date")


def read_plan_result(path: Path) -> PlanResult:
    """An earlier ``kuaifan plan --json`` output (or a demo's plan.json); InputError naming the file."""
    if not path.is_file():
        raise NotFoundError(f"找不到计划文件：{path}", f"plan file not found: {path}", path=str(path))
    try:
        return PlanResult.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        reason = first_problem(exc)[1] if isinstance(exc, ValidationError) else str(exc)
        raise InputError(
            f"{path} 不是 kuaifan plan 的输出：{reason}",
            f"{path} is not a kuaifan plan output: {reason}",
            path=str(path),
        ) from None


def print_summary(lang: Lang, summary: dict[str, Any], out: Path, console: Console) -> None:
    def tr(zh: str, en: str) -> str:
        return t(lang, zh, en)

    table = Table(
        title=tr(
            f"需求预测：{summary['start_date']} 起 {summary['horizon_days']} 天（模型 {summary['model']}）",
            f"demand forecast: {summary['horizon_days']} days from {summary['start_date']} "
            f"(model {summary['model']})",
        )
    )
    for zh, en in (
        ("款式", "style"), ("历史天数", "days of history"), ("已售", "sold"),
        ("需求（含缺货）", "demand incl. unmet"), ("SKU 数", "variants"), ("预测 p10", "p10"),
        ("预测 p50", "p50"), ("预测 p90", "p90"),
    ):  # fmt: skip
        table.add_column(tr(zh, en), justify="left" if en == "style" else "right")
    for s in summary["styles"]:
        table.add_row(
            s["item"] + ("" if s["planned"] else tr("（无价格，未计划）", " (no price: not planned)")),
            str(s["history_days"]), f"{s['units']:,}", f"{s['demand_units']:,.0f}", str(s["variants"]),
            f"{s['forecast_p10']:,.0f}", f"{s['forecast_p50']:,.0f}", f"{s['forecast_p90']:,.0f}",
        )  # fmt: skip
    console.print(table)
    if summary["on_order_units"] or summary["on_order_not_planned"]:
        left = ", ".join(summary["on_order_not_planned"][:5])
        console.print(
            tr(
                f"在途：{summary['on_order_units']:,.0f} 件（来自之前的计划）"
                + (f"；未纳入本次计划的 SKU：{left}" if left else ""),
                f"on order: {summary['on_order_units']:,.0f} units from earlier plans"
                + (f"; SKUs not in this plan: {left}" if left else ""),
            ),
            highlight=False,
        )
    short = [s["item"] for s in summary["styles"] if s["history_days"] < SHORT_HISTORY_DAYS]
    if short:
        console.print(
            tr(
                f"注意：{', '.join(short)} 的历史不足 {SHORT_HISTORY_DAYS} 天，预测沿用最近的日需求水平；"
                "新款首播后需求通常回落，请结合更多天的数据或用 --model lgbm（需有往期款式的历史）",
                f"note: {', '.join(short)} have under {SHORT_HISTORY_DAYS} days of history, so the forecast "
                "carries the latest daily level on; a launch spike usually falls back: use more days, or "
                "--model lgbm with past styles' history",
            ),
            style="yellow",
            highlight=False,
        )
    console.print(
        tr(
            f"规划输入（{summary['variants']} 个 SKU × {summary['scenarios']} 个需求情景）→ {out}\n"
            f"下一步：kuaifan plan --input {out} --po-dir 采购单目录",
            f"plan input ({summary['variants']} variants × {summary['scenarios']} demand scenarios) → {out}\n"
            f"next: kuaifan plan --input {out} --po-dir DIR",
        ),
        highlight=False,
    )


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
    model: Annotated[str, typer.Option(help="auto | lgbm | curve | autoets | ses | naive")] = "auto",
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
    ] = HISTORY_DAYS,
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
    from kuaifan.config import load_settings

    lang, summary, text, tables = run_forecast(
        costs,
        tenant=tenant,
        items=item,
        top=top,
        horizon=horizon,
        model=model,
        scenarios=scenarios,
        seed=seed,
        placed=placed,
        history_days=history,
    )
    path = out or load_settings().home / "reports" / "plan_input.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None
    if tables_dir is not None:
        written = write_frames(tables, tables_dir)
        Console(stderr=True).print(
            t(
                lang,
                f"已写入 {len(written)} 个文件 → {tables_dir}",
                f"wrote {len(written)} files → {tables_dir}",
            ),
            highlight=False,
        )
    if as_json:
        print(orjson.dumps({**summary, "plan_input": str(path)}).decode())
    else:
        print_summary(lang, summary, path, Console())
