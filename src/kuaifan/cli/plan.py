"""``kuaifan plan --input FILE.json [--json] [--po-dir DIR]``: first batch and re-orders from a
stochastic MIP; purchase orders per factory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console

from kuaifan.cli.output import lang as env_lang
from kuaifan.cli.output import out
from kuaifan.errors import KuaifanError
from kuaifan.i18n import Lang, both

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


def render(result: PlanResult, lang: Lang, console: Console, written: list[Path] | None = None) -> None:
    """The plan as rich tables in the terminal (per style, orders now, re-order rules by colour/size)."""
    from kuaifan.cli.plan_views import render_plan

    render_plan(result, lang, console, written)
