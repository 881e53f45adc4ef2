"""``kuaifan ingest``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kuaifan.cli.output import err, out, print_json, settings
from kuaifan.errors import InputError
from kuaifan.i18n import Lang, both, t

if TYPE_CHECKING:
    from rich.console import Console

    from kuaifan.app.ingest import IngestSummary
    from kuaifan.app.store import Store
    from kuaifan.config import Settings


def ingest(
    paths: Annotated[list[Path], typer.Argument(help=both("文件或目录", "files or directories"))],
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    mapping: Annotated[
        Path | None, typer.Option(help=both("订单导出的列映射文件", "column-mapping file for order exports"))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
    strict: Annotated[bool, typer.Option(help=both("有拒收即失败", "fail if anything is rejected"))] = False,
) -> None:
    """导入事件与订单导出 / Ingest event files (JSONL, Parquet) and order exports (CSV, Excel)."""
    from kuaifan.app.store import open_store

    s = settings()
    with open_store(s) as store:
        summary = ingest_with_progress(s, store, paths, tenant=tenant, mapping=mapping, show=not as_json)
    if as_json:
        print_json(summary.totals())
    else:
        print_summary(s.lang, summary, out)
    if summary.failed_files:
        shown = ", ".join(f.path for f in summary.failed_files[:3])
        raise InputError(f"无法读取：{shown}", f"cannot read: {shown}", files=len(summary.failed_files))
    if strict and summary.rejected:
        raise InputError(
            f"有 {summary.rejected} 条记录被拒收（--strict）",
            f"{summary.rejected} records were rejected (--strict)",
        )


def ingest_with_progress(
    s: Settings,
    store: Store,
    paths: list[Path],
    *,
    tenant: str | None,
    mapping: Path | None,
    show: bool,
    console: Console = err,
) -> IngestSummary:
    """``kuaifan.app.ingest.ingest_files`` with a progress bar (on ``console``) when ``show``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kuaifan.app.ingest import IngestProgress, ingest_files

    if not show:
        return ingest_files(s, store, paths, tenant=tenant, mapping=mapping)
    with Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        TextColumn("{task.completed:,} " + t(s.lang, "条", "records")),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(t(s.lang, "导入", "ingest"), total=None)

        def on_progress(p: IngestProgress) -> None:
            progress.update(
                task, completed=p.records, description=f"[{p.file_index}/{p.file_count}] {Path(p.path).name}"
            )

        return ingest_files(s, store, paths, tenant=tenant, mapping=mapping, on_progress=on_progress)


def print_summary(lang: Lang, summary: IngestSummary, console: Console) -> None:
    def line(text: str, style: str | None = None) -> None:
        console.print(text, highlight=False, markup=False, style=style)

    line(
        t(
            lang,
            f"接收 {summary.accepted:,} 条，重复 {summary.duplicates:,} 条，拒收 {summary.rejected:,} 条",
            f"accepted {summary.accepted:,}, duplicates {summary.duplicates:,}, "
            f"rejected {summary.rejected:,}",
        )
    )
    for zh, en in summary.notes:
        line("  " + t(lang, zh, en))
    for f in summary.files:
        if f.note_zh is not None and f.note_en is not None:
            line(f"  {f.path}: {t(lang, f.note_zh, f.note_en)}")
    for r in summary.rejects:
        where = f"{r.file}:{r.line}" if r.line is not None else r.file
        line(f"  ✗ {where}: {r.reason}", style="yellow")
    if summary.rejected > len(summary.rejects):
        more = summary.rejected - len(summary.rejects)
        line(
            "  "
            + t(
                lang,
                f"…另有 {more:,} 条拒收，见 `kuaifan export --dead-letter`",
                f"…{more:,} more rejected, see `kuaifan export --dead-letter`",
            )
        )
