"""``kuaifan signals``: demand signals of the stored events, for the brand deciding what to air and make.

Prints the 选品 ranking, the sold-out variants with demand left over and the size / colour mix of
each ranked product; ``--json`` prints the same as one object, ``--out DIR`` writes every signal
table as Parquet and as CSV (UTF-8 with BOM, so Excel reads the Chinese).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from kuaifan.cli.output import out, print_json, say, settings
from kuaifan.i18n import Lang, both, t

if TYPE_CHECKING:
    from rich.console import Console

    from kuaifan.app.signals import SignalsReport

DEFAULT_DAYS = 30


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
    from kuaifan.app.signals import SignalsQuery
    from kuaifan.app.signals import signals as compute
    from kuaifan.app.store import open_store

    s = settings()
    query = SignalsQuery(
        tenant=tenant, room=room, stream=stream, since=since, until=until, days=days, top=top
    )
    with open_store(s) as store:
        report, written = compute(s, store, query, tables_dir=out_dir)
    if as_json:
        print_json(report)
    else:
        print_report(s.lang, s.tenant(tenant)[0], report, out)
    if out_dir is not None:
        say(
            s.lang,
            f"已写入 {len(written)} 个文件 → {out_dir}",
            f"wrote {len(written)} files → {out_dir}",
            stderr=True,
        )


def _yuan(fen: float) -> str:
    return f"{fen / 100:,.0f}"


def print_report(
    lang: Lang, tenant: str, report: SignalsReport, console: Console, *, mix: bool = True
) -> None:
    """The report as tables; a product's name beside its id where the store knows it."""
    names = {p.item: p.name for p in report.products if p.name}
    names.update({s.item: s.name for s in report.sold_out if s.name})

    def tr(zh: str, en: str) -> str:
        return t(lang, zh, en)

    def label(item: str) -> str:
        name = names.get(item)
        return f"{name} {item}" if name else item

    console.print(
        tr(
            f"租户 {tenant}：{report.events:,} 条需求事件（评论、商品、加购、订单、库存），"
            f"{report.streams} 场直播",
            f"tenant {tenant}: {report.events:,} demand events (comments, products, carts, orders, "
            f"stock), {report.streams} streams",
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
    for p in report.products:
        share = "" if p.store_share is None else f"{p.store_share:.0%}"
        trend = "" if p.trend_pct is None else f"{p.trend_pct:+.0%}"
        ranking.add_row(
            str(p.rank), label(p.item), f"{p.minutes_on_air or 0:.0f}", _yuan(p.gmv_fen),
            "—" if p.gmv_per_minute_fen is None else _yuan(p.gmv_per_minute_fen),
            _yuan(p.unmet_gmv_fen), f"{p.units:,}",
            f"{p.unmet_units or 0:,.0f}", f"{p.asks:,}", share, trend,
        )  # fmt: skip
    console.print(ranking)
    if report.sold_out:
        sold = Table(title=tr("售罄后仍有需求的款式", "sold out with demand left over"))
        for zh, en in (
            ("商品", "product"), ("SKU", "SKU"), ("颜色", "colour"), ("尺码", "size"), ("场次", "streams"),
            ("售罄分钟", "sold-out min"), ("已售", "sold"), ("未满足（估）", "unmet (est.)"),
            ("没抢到评论", "missed comments"),
        ):  # fmt: skip
            sold.add_column(tr(zh, en), justify="right" if en[0].islower() and en != "product" else "left")
        for s in report.sold_out:
            sold.add_row(
                label(s.item), s.sku_id, s.color or "", s.size or "", str(s.streams),
                f"{s.soldout_minutes or 0:.0f}", f"{s.sold_units:,}", f"{s.unmet_units or 0:,.1f}",
                f"{s.missed_comments:,}",
            )  # fmt: skip
        console.print(sold)
    else:
        console.print(tr("没有售罄的款式。", "Nothing sold out."))
    axis_name = {"size": tr("尺码", "size"), "color": tr("颜色", "colour")}
    for item, axes in report.mix.items() if mix else ():
        parts = []
        for axis, values in axes.items():
            shown = "  ".join(f"{v.value} {v.share or 0:.0%}" for v in values)
            parts.append(f"{axis_name.get(axis, axis)}{tr('：', ': ')}{shown}")
        line = Text.assemble((label(item), "bold"), "  " + tr("；", "; ").join(parts))
        console.print(line, highlight=False)
    from kuaifan.cli.fit import print_fit  # fit feedback per product (kuaifan.signals.fit)

    print_fit(lang, {item: f.model_dump() for item, f in report.fit.items()}, console)
