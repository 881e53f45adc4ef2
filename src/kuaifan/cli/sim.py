"""``kuaifan sim``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kuaifan.cli.output import out, print_json, settings
from kuaifan.i18n import both


def sim(
    out_dir: Annotated[Path, typer.Option("--out", help=both("输出目录", "output directory"))],
    seed: Annotated[int, typer.Option(help=both("随机种子", "random seed"))] = 1,
    rooms: Annotated[int, typer.Option(help=both("直播间数", "number of rooms"))] = 4,
    minutes: Annotated[int, typer.Option(help=both("每场分钟数", "minutes per stream"))] = 60,
    viewers: Annotated[int | None, typer.Option(help=both("每个直播间观众数", "viewers per room"))] = None,
    tenant: Annotated[str, typer.Option(help=both("租户", "tenant"))] = "demo",
    fmt: Annotated[str, typer.Option("--format", help="jsonl | parquet")] = "jsonl",
    workers: Annotated[int, typer.Option(help=both("并行进程数", "worker processes"))] = 1,
    start: Annotated[
        str | None,
        typer.Option(help=both("开播时间，如 2026-10-08T20:00（北京时间）", "stream start (China time)")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """模拟直播间（带真值）/ Simulate live rooms with ground truth."""
    from kuaifan.app.sim import run_sim, summary_lines

    s = settings(create=False)
    summary = run_sim(
        out_dir, seed=seed, rooms=rooms, minutes=minutes, viewers=viewers, tenant=tenant, fmt=fmt,
        workers=workers, start=start,
    )  # fmt: skip
    if as_json:
        print_json(summary)
        return
    for line in summary_lines(summary, s.lang):
        out.print(line, highlight=False)
