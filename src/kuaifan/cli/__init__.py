"""The ``kuaifan`` command line: one typer app; each command is a thin face over ``kuaifan.app``.

Commands read the settings, call one use case and render its result (``kuaifan.cli.output``):
rich tables for people, ``--json`` for programs. ``main`` turns every ``KuaifanError`` into one
line on stderr (zh or en by KUAIFAN_LANG) and its exit code.
"""

from __future__ import annotations

import sys

import click
import typer

from kuaifan.cli import (
    backtest,
    core,
    demo,
    fit,
    forecast,
    growth,
    hooks,
    ingest,
    match,
    plan,
    serve,
    signals,
    sim,
    text,
)
from kuaifan.cli.output import err, lang
from kuaifan.errors import KuaifanError
from kuaifan.i18n import both

app = typer.Typer(
    name="kuaifan",
    help=both(
        "快反：直播间的评论与成交 → 款式需求 → 小单快反",
        "live-room comments and sales → demand → quick response",
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command()(core.version)
app.command()(core.init)
app.command()(sim.sim)
app.command()(ingest.ingest)
app.command()(core.stats)
app.command()(core.export)
app.command()(signals.signals)
app.command()(forecast.forecast)
app.command()(plan.plan)
app.command()(match.match)
app.command()(fit.fit)
app.add_typer(text.app, name="text", help=both("评论理解", "comment understanding"))
app.add_typer(
    growth.app,
    name="growth",
    help=both("增长：店播与达播、新客、增量", "growth: channels, new buyers, incrementality"),
)
app.command()(serve.serve)
app.add_typer(hooks.app, name="hooks")
app.command()(serve.replay)
app.command()(backtest.backtest)
app.command()(demo.demo)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turn KuaifanError into one clear line and an exit code."""
    try:
        code = app(args=argv, standalone_mode=False)  # a command's typer.Exit(n) comes back as n
    except KuaifanError as exc:
        err.print("✗ " + exc.message(lang()), style="red", highlight=False, markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    if isinstance(code, int) and code:
        sys.exit(code)
