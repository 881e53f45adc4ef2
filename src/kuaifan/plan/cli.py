"""``kuaifan plan --input FILE.json [--json] [--po-dir DIR]``: a typer sub-app.

Mount it on the main app with ``app.command("plan")(kuaifan.plan.cli.plan)``, or run this module's
``app`` alone (it has the one command).
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from kuaifan.errors import InputError, KuaifanError, Lang, NotFoundError
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


def render(result: PlanResult, lang: Lang, console: Console, written: list[Path] | None = None) -> None:
    """The plan as rich tables in the terminal (per style, orders now, re-order rules by colour/size)."""
    from kuaifan.cli_plan_views import render_plan

    render_plan(result, lang, console, written)
