"""The work behind the CLI commands, kept out of cli.py so that `kuaifan --help` starts fast.

Each function reads/writes through the packages and renders with rich; none holds state.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kuaifan.config import Settings, TenantConfig
from kuaifan.errors import InputError, NotFoundError
from kuaifan.i18n import Lang, t
from kuaifan.ingest import IngestProgress, IngestReport, Note, ingest_paths
from kuaifan.report.summary import RoomSummary
from kuaifan.sim.config import SimSummary
from kuaifan.sources.base import FileSource
from kuaifan.store.log import EventStore, StoreStats, open_store


def default_sources(mapping: Path | None = None) -> list[FileSource]:
    """Every file format `kuaifan ingest` understands, tried in this order."""
    from kuaifan.sources.jsonl import JsonlSource, ParquetSource
    from kuaifan.sources.order_pages import OrderPagesSource
    from kuaifan.sources.orders_export import OrderExportSource

    return [JsonlSource(), ParquetSource(), OrderExportSource(mapping=mapping), OrderPagesSource()]


def run_sim(
    out_dir: Path,
    *,
    seed: int,
    rooms: int,
    minutes: int,
    viewers: int | None,
    tenant: str,
    fmt: str,
    workers: int,
    start: str | None = None,
) -> SimSummary:
    from kuaifan.sim import sim_config, simulate
    from kuaifan.sim.config import SHANGHAI

    kw: dict[str, Any] = {
        "seed": seed,
        "rooms": rooms,
        "minutes": minutes,
        "tenant": tenant,
        "format": fmt,
        "workers": workers,
    }
    if viewers is not None:
        kw["viewers"] = viewers
    if start is not None:
        try:
            when = datetime.fromisoformat(start)
        except ValueError:
            raise InputError(
                f"--start 应为时间，如 2026-10-08T20:00，收到 {start!r}",
                f"--start: expected a time such as 2026-10-08T20:00, got {start!r}",
                field="start",
            ) from None
        kw["start"] = when if when.tzinfo is not None else when.replace(tzinfo=SHANGHAI)
    return simulate(sim_config(**kw), out_dir, overwrite=True)


def run_ingest(
    settings: Settings,
    paths: list[Path],
    *,
    tenant: str | None,
    mapping: Path | None,
    show_progress: bool,
    console: Console,
) -> IngestReport:
    name, cfg = settings.tenant(tenant)
    sources = default_sources(mapping)
    with open_store(settings) as store:
        if not show_progress:
            report = ingest_paths(store, paths, tenant=name, tenant_config=cfg, sources=sources)
            _tag_new_comments(store, name, cfg, report)
            return report
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} " + t(settings.lang, "条", "records")),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(t(settings.lang, "导入", "ingest"), total=None)

            def on_progress(p: IngestProgress) -> None:
                progress.update(
                    task,
                    completed=p.records,
                    description=f"[{p.file_index}/{p.file_count}] {Path(p.path).name}",
                )

            report = ingest_paths(
                store, paths, tenant=name, tenant_config=cfg, sources=sources, on_progress=on_progress
            )
        _tag_new_comments(store, name, cfg, report)
        return report


def _tag_new_comments(store: EventStore, tenant: str, cfg: TenantConfig, report: IngestReport) -> None:
    """Classify the comment texts this ingest brought (when the text extra is installed)."""
    if report.accepted == 0:
        return
    try:
        from kuaifan.text.tagging import tag_comments
    except ImportError:  # installed without the text extra: comments stay untagged
        return
    done = tag_comments(store, tenant, cfg.text)
    if done.texts:
        report.notes.append(
            Note(
                f"评论意图已识别：新文本 {done.texts:,} 条",
                f"comment intents tagged: {done.texts:,} new texts",
            )
        )


def print_ingest_report(settings: Settings, report: IngestReport, console: Console) -> None:
    lang = settings.lang
    console.print(
        t(
            lang,
            f"接收 {report.accepted:,} 条，重复 {report.duplicates:,} 条，拒收 {report.rejected:,} 条",
            f"accepted {report.accepted:,}, duplicates {report.duplicates:,}, rejected {report.rejected:,}",
        )
    )
    for note in report.notes:
        console.print("  " + note.message(lang), highlight=False, markup=False)
    for f in report.files:
        if f.note is not None:
            console.print(f"  {f.path}: {f.note.message(lang)}", highlight=False, markup=False)
    for r in report.rejects:
        where = f"{r.file}:{r.line}" if r.line is not None else r.file
        console.print(f"  ✗ {where}: {r.reason}", highlight=False, markup=False, style="yellow")
    if report.rejected > len(report.rejects):
        more = report.rejected - len(report.rejects)
        console.print(
            "  "
            + t(
                lang,
                f"…另有 {more:,} 条拒收，见 `kuaifan export --dead-letter`",
                f"…{more:,} more rejected, see `kuaifan export --dead-letter`",
            ),
            highlight=False,
            markup=False,
        )


def print_stats(settings: Settings, tenant: str, stats: StoreStats, console: Console) -> None:
    lang = settings.lang
    table = Table(title=t(lang, f"租户 {tenant} 的事件", f"events of tenant {tenant}"))
    table.add_column(t(lang, "类型", "kind"))
    table.add_column(t(lang, "条数", "count"), justify="right")
    for kind, n in sorted(stats["by_kind"].items()):
        table.add_row(kind, f"{n:,}")
    table.add_row(t(lang, "合计", "total"), f"{stats['events']:,}", style="bold")
    console.print(table)
    console.print(
        t(lang, f"拒收（死信）：{stats['dead_letter']:,}", f"dead letters: {stats['dead_letter']:,}")
    )


def run_export(
    settings: Settings,
    out_path: Path,
    *,
    tenant: str,
    room: str | None,
    kinds: list[str] | None,
    dead_letter: bool,
    tags: bool = False,
) -> int:
    with open_store(settings) as store:
        if dead_letter:
            df = store.dead_letters(tenant, limit=10_000_000)
            out_path.parent.mkdir(parents=True, exist_ok=True)
            df.write_parquet(out_path)
            return df.height
        tagger = None
        if tags:
            from kuaifan.text.tagging import tag_comments

            tagger = tag_comments(store, tenant, settings.tenant(tenant)[1].text).tagger
        return store.export(out_path, tenant, room_id=room, kinds=kinds, tagger=tagger)


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def room_table(lang: Lang, rooms: list[RoomSummary], names: dict[str, str] | None = None) -> Table:
    zh = lang == "zh"
    table = Table(title="直播间汇总" if zh else "rooms")
    heads: list[tuple[str, str]] = [
        ("直播间", "room"),
        ("渠道", "channel"),
        ("观看人数", "viewers"),
        ("最高在线", "peak online"),
        ("GMV", "GMV"),
        ("订单", "orders"),
        ("热卖商品", "top products"),
        ("售罄", "sell-outs"),
    ]
    for head in heads:
        left = head[1] in ("room", "channel", "top products")
        table.add_column(
            head[0] if zh else head[1],
            justify="left" if left else "right",
            min_width=16 if head[1] == "top products" else None,
            overflow="fold",
        )
    channel_names = {"store": ("店播", "store"), "influencer": ("达播", "influencer")}
    for r in rooms:
        ch = channel_names.get(r.channel or "", (r.channel or "-", r.channel or "-"))
        top = "\n".join((names or {}).get(p, p) for p, _ in r.top_products) or "-"
        table.add_row(
            r.room_id,
            ch[0] if zh else ch[1],
            f"{r.viewers:,}",
            f"{r.peak_online:,}",
            _yuan(r.gmv_fen),
            f"{r.orders:,}",
            top,
            str(r.sellouts),
        )
    return table


def read_comments(settings: Settings, tenant: str, *, room: str | None, stream: str | None) -> pl.DataFrame:
    """The stored comments of a tenant (optionally one room / stream); NotFoundError when there are none."""
    from kuaifan.text.tagging import read_tagged

    _, cfg = settings.tenant(tenant)
    with open_store(settings) as store:
        df = read_tagged(
            store, tenant, cfg.text, room_id=room, stream_id=stream, kinds=["comment", "product_show"]
        )
    comments = df.filter(pl.col("kind") == "comment")
    if comments.is_empty():
        where = " ".join(x for x in (room, stream) if x) or tenant
        raise NotFoundError(f"没有找到评论：{where}", f"no comments found for {where}")
    return with_product_on_screen(comments, df.filter(pl.col("kind") == "product_show"))


def with_product_on_screen(comments: pl.DataFrame, shows: pl.DataFrame) -> pl.DataFrame:
    """Give each comment without a product the one being explained in its stream at that moment."""
    on_screen = (
        shows.select("stream_id", "ts_ms", pl.coalesce("item_id", "sku_id").alias("_on_screen"))
        .drop_nulls("stream_id")
        .sort("stream_id", "ts_ms")
    )
    joined = comments.sort("stream_id", "ts_ms").join_asof(
        on_screen, on="ts_ms", by="stream_id", strategy="backward", check_sortedness=False
    )
    return joined.with_columns(sku_id=pl.coalesce("sku_id", "_on_screen")).drop("_on_screen")


def print_text_report(lang: Lang, summary: dict[str, Any], console: Console) -> None:
    from kuaifan.demo import INTENT_NAMES

    console.print(
        t(
            lang,
            f"评论 {summary['comments']:,} 条（垃圾 {summary['spam']:,}），"
            f"平均情感 {summary['sentiment_mean']:+.2f}",
            f"{summary['comments']:,} comments ({summary['spam']:,} spam), "
            f"mean sentiment {summary['sentiment_mean']:+.2f}",
        ),
        highlight=False,
    )
    mix = Table(title=t(lang, "意图分布", "intent mix"))
    mix.add_column(t(lang, "意图", "intent"))
    mix.add_column(t(lang, "条数", "count"), justify="right")
    for intent, n in sorted(summary["intent_mix"].items(), key=lambda kv: -kv[1]):
        zh, en = INTENT_NAMES.get(intent, (intent, intent))
        mix.add_row(t(lang, zh, en), f"{n:,}")
    console.print(mix)
    asked = Table(title=t(lang, "每个商品最常问的尺码 / 颜色", "most asked sizes / colours per product"))
    asked.add_column(t(lang, "商品", "product"))
    asked.add_column(t(lang, "尺码", "sizes"))
    asked.add_column(t(lang, "颜色", "colours"))
    products = sorted(set(summary["top_sizes"]) | set(summary["top_colors"]))
    for product in products:
        sizes = " ".join(f"{v}×{n}" for v, n in summary["top_sizes"].get(product, []))
        colors = " ".join(f"{v}×{n}" for v, n in summary["top_colors"].get(product, []))
        asked.add_row(product, sizes or "-", colors or "-")
    console.print(asked)
    moods = Table(title=t(lang, "各商品的负面评论", "negative comments per product"))
    for zh, en in (("商品", "product"), ("评论", "comments"), ("负面", "negative"), ("负面占比", "share")):
        moods.add_column(t(lang, zh, en), justify="left" if en == "product" else "right")
    for product, m in list(summary["sentiment_by_product"].items())[:10]:
        moods.add_row(product, f"{m['comments']:,}", f"{m['negative']:,}", f"{m['negative_share']:.0%}")
    console.print(moods)
    complaints = Table(title=t(lang, "重复最多的抱怨", "most repeated complaints"))
    for zh, en in (("次数", "times"), ("商品", "product"), ("评论", "comment")):
        complaints.add_column(t(lang, zh, en), justify="right" if en == "times" else "left")
    for c in summary["complaints"][:10]:
        complaints.add_row(str(c["count"]), str(c["product"]), c["text"])
    console.print(complaints)
    questions = Table(title=t(lang, "重复最多的未回答问题", "most repeated open questions"))
    questions.add_column(t(lang, "次数", "times"), justify="right")
    questions.add_column(t(lang, "意图", "intent"))
    questions.add_column(t(lang, "评论", "comment"))
    for q in summary["unanswered"][:10]:
        zh, en = INTENT_NAMES.get(q["intent"], (q["intent"], q["intent"]))
        questions.add_row(str(q["count"]), t(lang, zh, en), q["text"])
    console.print(questions)
