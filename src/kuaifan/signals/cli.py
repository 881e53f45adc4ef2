"""``kuaifan signals``: demand signals of the stored events, for the brand deciding what to air and make.

Reads the tenant's events (optionally one room / stream / date range, in China time) with their
stored comment tags, computes ``demand_signals`` and prints the 选品 ranking, the sold-out variants
with demand left over and the size / colour mix of each ranked product; ``--json`` prints the same
as one object, ``--out DIR`` writes every signal table as Parquet and as CSV (UTF-8 with BOM, so
Excel reads the Chinese).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from kuaifan.config import load_settings
from kuaifan.i18n import Lang, both, t
from kuaifan.report.frames import write_frames
from kuaifan.signals import DemandSignals
from kuaifan.signals.report import EXPORT_TABLES, signals_report
from kuaifan.signals.stored import DEFAULT_DAYS, store_signals


def read_signals(
    tenant: str | None,
    *,
    room: str | None = None,
    stream: str | None = None,
    since: str | None = None,
    until: str | None = None,
    days: int | None = DEFAULT_DAYS,
) -> tuple[str, Lang, DemandSignals, dict[str, str]]:
    """The tenant's name, the language, the signals of its stored events in the selection and the
    product names the store knows."""
    from kuaifan.cli import _ensure_config  # the first command on a machine writes kuaifan.toml
    from kuaifan.store.log import open_store

    settings = _ensure_config(load_settings())
    name, cfg = settings.tenant(tenant)
    with open_store(settings) as store:
        sig = store_signals(
            store, name, cfg.text, room=room, stream=stream, since=since, until=until, days=days
        )
        names = store.product_names(name)
    return name, settings.lang, sig, names


def write_tables(sig: DemandSignals, out_dir: Path) -> list[Path]:
    """Every signal table as ``NAME.parquet`` and ``NAME.csv``; the paths written."""
    return write_frames({name: getattr(sig, name) for name in EXPORT_TABLES}, out_dir)


def _yuan(fen: float) -> str:
    return f"{fen / 100:,.0f}"


def print_report(
    lang: Lang,
    tenant: str,
    report: dict[str, Any],
    console: Console,
) -> None:
    """The report as tables; a product's name (``signals_report(names=…)``) beside its id."""
    names = {p["item"]: p["name"] for p in (*report["products"], *report["sold_out"]) if p.get("name")}

    def tr(zh: str, en: str) -> str:
        return t(lang, zh, en)

    def label(item: str) -> str:
        name = names.get(item)
        return f"{name} {item}" if name else item

    console.print(
        tr(
            f"租户 {tenant}：{report['events']:,} 条需求事件（评论、商品、加购、订单、库存），"
            f"{report['streams']} 场直播",
            f"tenant {tenant}: {report['events']:,} demand events (comments, products, carts, orders, "
            f"stock), {report['streams']} streams",
        )
    )
    title = tr("选品排行（下一场按每分钟 GMV）", "next stream: products by GMV per minute on air")
    ranking = Table(title=title)
    for zh, en in (
        ("名次", "rank"), ("商品", "product"), ("在播分钟", "minutes"), ("GMV 元", "GMV ¥"),
        ("每分钟 GMV 元", "GMV/min ¥"), ("售罄损失 元", "unmet GMV ¥"), ("销量", "units"),
        ("未满足", "unmet"), ("求款评论", "asks"), ("店播占比", "store share"), ("趋势", "trend"),
    ):  # fmt: skip
        ranking.add_column(tr(zh, en), justify="left" if en == "product" else "right")
    for p in report["products"]:
        share = "" if p["store_share"] is None else f"{p['store_share']:.0%}"
        trend = "" if p["trend_pct"] is None else f"{p['trend_pct']:+.0%}"
        ranking.add_row(
            str(p["rank"]), label(p["item"]), f"{p['minutes_on_air']:.0f}", _yuan(p["gmv_fen"]),
            "—" if p["gmv_per_minute_fen"] is None else _yuan(p["gmv_per_minute_fen"]),
            _yuan(p["unmet_gmv_fen"]), f"{p['units']:,}",
            f"{p['unmet_units']:,.0f}", f"{p['asks']:,}", share, trend,
        )  # fmt: skip
    console.print(ranking)
    if report["sold_out"]:
        sold = Table(title=tr("售罄后仍有需求的款式", "sold out with demand left over"))
        for zh, en in (
            ("商品", "product"), ("SKU", "SKU"), ("颜色", "colour"), ("尺码", "size"), ("场次", "streams"),
            ("售罄分钟", "sold-out min"), ("已售", "sold"), ("未满足（估）", "unmet (est.)"),
            ("没抢到评论", "missed comments"),
        ):  # fmt: skip
            sold.add_column(tr(zh, en), justify="right" if en[0].islower() and en != "product" else "left")
        for s in report["sold_out"]:
            sold.add_row(
                label(s["item"]), s["sku_id"], s["color"] or "", s["size"] or "", str(s["streams"]),
                f"{s['soldout_minutes']:.0f}", f"{s['sold_units']:,}", f"{s['unmet_units']:,.1f}",
                f"{s['missed_comments']:,}",
            )  # fmt: skip
        console.print(sold)
    else:
        console.print(tr("没有售罄的款式。", "Nothing sold out."))
    axis_name = {"size": tr("尺码", "size"), "color": tr("颜色", "colour")}
    for item, axes in report["mix"].items():
        parts = []
        for axis, values in axes.items():
            shown = "  ".join(f"{v['value']} {v['share']:.0%}" for v in values)
            parts.append(f"{axis_name.get(axis, axis)}{tr('：', ': ')}{shown}")
        console.print(f"[bold]{label(item)}[/bold]  " + tr("；", "; ").join(parts), highlight=False)
    from kuaifan.cli_text import print_fit  # fit feedback per product (signals.fit)

    print_fit(lang, report.get("fit", {}), console)


def signals(
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    room: Annotated[str | None, typer.Option(help=both("直播间", "room id"))] = None,
    stream: Annotated[str | None, typer.Option(help=both("场次", "stream id"))] = None,
    since: Annotated[
        str | None, typer.Option(help=both("起始日期（北京时间）YYYY-MM-DD", "first day (China time)"))
    ] = None,
    until: Annotated[
        str | None, typer.Option(help=both("截止日期（含）YYYY-MM-DD", "last day, included (China time)"))
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            min=0,
            help=both(
                "未给日期时：截至最新事件的最近 N 天（0 为全部）", "without dates: the last N days (0: all)"
            ),
        ),
    ] = DEFAULT_DAYS,
    top: Annotated[int, typer.Option(min=1, max=1000, help=both("列出前 N 个", "list the top N"))] = 10,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help=both("把全部信号表写成 Parquet 和 CSV", "write every signal table here")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """需求信号：选品排行、售罄缺口、尺码颜色配比 / Demand signals: ranking, sold-out gaps, mix."""
    name, lang, sig, names = read_signals(
        tenant, room=room, stream=stream, since=since, until=until, days=days
    )
    report = signals_report(sig, top=top, names=names)
    console = Console()
    if as_json:
        print(orjson.dumps(report).decode())
    else:
        print_report(lang, name, report, console)
    if out_dir is not None:
        paths = write_tables(sig, out_dir)
        Console(stderr=True).print(
            t(lang, f"已写入 {len(paths)} 个文件 → {out_dir}", f"wrote {len(paths)} files → {out_dir}"),
            highlight=False,
        )
