"""The `kuaifan` command line (typer + rich).

Commands stay thin: they read settings, call the packages and render the result.
Every KuaifanError becomes one line on stderr (zh or en by KUAIFAN_LANG) and its
exit code; no stack traces for user mistakes.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Final

import click
import orjson
import typer
from rich.console import Console

from kuaifan import __version__
from kuaifan.config import Settings, init_config, load_settings
from kuaifan.errors import ConfigError, InputError, KuaifanError
from kuaifan.i18n import Lang, both, t

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
out = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    return load_settings()


def _ensure_config(settings: Settings) -> Settings:
    """First use on a machine: write a kuaifan.toml with a demo tenant and fresh secrets."""
    if settings.config_path.exists():
        return settings
    init_config(settings.config_path)
    err.print(
        t(
            settings.lang,
            f"已创建配置 {settings.config_path}（租户 demo，随机密钥）",
            f"created {settings.config_path} (tenant demo, random secrets)",
        )
    )
    return load_settings()


def _print_json(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")


@app.command()
def version() -> None:
    """版本 / Print the version."""
    out.print(__version__)


@app.command()
def init(
    tenant: Annotated[str, typer.Option(help=both("租户名", "tenant name"))] = "demo",
) -> None:
    """创建 kuaifan.toml / Write a kuaifan.toml with one tenant and fresh secrets."""
    s = _settings()
    if init_config(s.config_path, tenant):
        out.print(t(s.lang, f"已写入 {s.config_path}", f"wrote {s.config_path}"))
    else:
        raise ConfigError(
            f"{s.config_path} 已存在，不会覆盖（其中有密钥）",
            f"{s.config_path} exists and is not overwritten (it holds secrets)",
        )


@app.command()
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
    from kuaifan.cli_parts import run_sim

    s = _settings()
    summary = run_sim(
        out_dir,
        seed=seed,
        rooms=rooms,
        minutes=minutes,
        viewers=viewers,
        tenant=tenant,
        fmt=fmt,
        workers=workers,
        start=start,
    )
    if as_json:
        _print_json(summary.model_dump(mode="json"))
    else:
        from kuaifan.sim.config import summary_lines

        for line in summary_lines(summary, s.lang):
            out.print(line, highlight=False)


@app.command()
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
    from kuaifan.cli_parts import run_ingest

    s = _ensure_config(_settings())
    report = run_ingest(s, paths, tenant=tenant, mapping=mapping, show_progress=not as_json, console=err)
    totals = {"accepted": report.accepted, "duplicates": report.duplicates, "rejected": report.rejected}
    if as_json:
        _print_json(totals)
    else:
        from kuaifan.cli_parts import print_ingest_report

        print_ingest_report(s, report, out)
    if report.failed_files:
        shown = ", ".join(f.path for f in report.failed_files[:3])
        raise InputError(f"无法读取：{shown}", f"cannot read: {shown}", files=len(report.failed_files))
    if strict and report.rejected:
        raise InputError(
            f"有 {report.rejected} 条记录被拒收（--strict）",
            f"{report.rejected} records were rejected (--strict)",
        )


@app.command()
def stats(
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """事件统计 / Event counts in the store."""
    from kuaifan.cli_parts import print_stats
    from kuaifan.store.log import open_store

    s = _ensure_config(_settings())
    name, _ = s.tenant(tenant)
    with open_store(s) as store:
        result = store.stats(name)
    if as_json:
        _print_json(result)
    else:
        print_stats(s, name, result, out)


@app.command()
def export(
    out_path: Annotated[Path, typer.Option("--out", help=both("输出 Parquet 文件", "output Parquet file"))],
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    room: Annotated[str | None, typer.Option(help=both("直播间", "room id"))] = None,
    kind: Annotated[list[str] | None, typer.Option(help=both("事件类型", "event kind(s)"))] = None,
    dead_letter: Annotated[
        bool, typer.Option("--dead-letter", help=both("导出拒收记录", "export the dead letters instead"))
    ] = False,
    tags: Annotated[
        bool,
        typer.Option(
            "--tags",
            help=both("附带评论意图与尺码颜色等", "add the comments' intent, size, colour … columns"),
        ),
    ] = False,
) -> None:
    """导出 Parquet（pandas/polars/Excel）/ Export events as Parquet."""
    from kuaifan.cli_parts import run_export

    s = _ensure_config(_settings())
    name, _ = s.tenant(tenant)
    n = run_export(s, out_path, tenant=name, room=room, kinds=kind, dead_letter=dead_letter, tags=tags)
    out.print(t(s.lang, f"已导出 {n:,} 行 → {out_path}", f"exported {n:,} rows → {out_path}"))


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help=both("随机种子", "random seed"))] = 7,
    rooms: Annotated[int, typer.Option(help=both("直播间数", "number of rooms"))] = 6,
    minutes: Annotated[int, typer.Option(help=both("每场分钟数", "minutes per stream"))] = 60,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help=both("之后启动实时看板并回放", "then serve the live dashboard, replaying")
        ),
    ] = False,
    port: Annotated[int, typer.Option(help=both("看板端口", "dashboard port"))] = 8000,
    speed: Annotated[float, typer.Option(help=both("回放倍速", "replay speed-up"))] = 60.0,
) -> None:
    """演示：模拟 → 导入 → 汇总 → 评论 → 预测 → 计划 / The whole loop on simulated rooms."""
    from kuaifan.demo import run_demo

    s = _ensure_config(_settings())
    run_demo(s, seed=seed, rooms=rooms, minutes=minutes, console=out)
    if not serve:
        out.print(
            t(
                s.lang,
                "选品排行、售罄缺口与尺码颜色配比：kuaifan signals（--out DIR 导出全部信号表）",
                "products to air next, sold-out gaps, size/colour mix: kuaifan signals (--out DIR: tables)",
            ),
            highlight=False,
        )
        out.print(
            t(
                s.lang,
                "实时看板（回放演示数据）：kuaifan demo --serve   然后在浏览器打开打印出的地址",
                "live dashboard on the demo data: kuaifan demo --serve   then open the printed address",
            ),
            highlight=False,
        )
        return
    from kuaifan.api.server import serve_demo

    serve_demo(
        s,
        s.home / "demo" / "sim",
        "127.0.0.1",
        port,
        speed,
        on_ready=lambda url: out.print(
            t(s.lang, f"看板：{url}（Ctrl-C 退出）", f"dashboard: {url} (Ctrl-C quits)")
        ),
    )


def text_report(
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    room: Annotated[str | None, typer.Option(help=both("直播间", "room id"))] = None,
    stream: Annotated[str | None, typer.Option(help=both("场次", "stream id"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """评论汇总：意图走势、最常问的尺码/颜色、未回答的问题 / Summarise stored comments."""
    from kuaifan.cli_parts import print_text_report, read_comments

    s = _ensure_config(_settings())
    name, _ = s.tenant(tenant)
    from kuaifan.text.summary import summarise

    summary = summarise(read_comments(s, name, room=room, stream=stream))
    if as_json:
        _print_json(summary)
    else:
        print_text_report(s.lang, summary, out)


# Commands of the later packages: (module, function, command). Each is optional (its extra may not
# be installed), so the core CLI never breaks.
_OPTIONAL_COMMANDS: Final = (
    ("kuaifan.plan.cli", "plan", "plan"),
    ("kuaifan.api.cli", "serve", "serve"),
    ("kuaifan.api.cli", "replay", "replay"),
    ("kuaifan.signals.cli", "signals", "signals"),
    ("kuaifan.plan.forecast_cli", "forecast", "forecast"),
    ("kuaifan.backtest.cli", "backtest", "backtest"),
    ("kuaifan.cli_match", "match", "match"),
)


def _mount_optional() -> None:
    """The sub-app ``text`` and the commands of ``_OPTIONAL_COMMANDS`` whose packages import."""
    try:
        from kuaifan.text.cli import app as text_app
    except ImportError:  # pragma: no cover - the text extra is not installed
        pass
    else:
        text_app.command("report")(text_report)
        app.add_typer(text_app, name="text", help=both("评论理解", "comment understanding"))
    for module, function, name in _OPTIONAL_COMMANDS:
        try:
            command = getattr(importlib.import_module(module), function)
        except ImportError:  # pragma: no cover - that extra is not installed
            continue
        app.command(name)(command)


_mount_optional()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turn KuaifanError into one clear line and an exit code."""
    try:
        app(args=argv, standalone_mode=False)
    except KuaifanError as exc:
        err.print("✗ " + exc.message(_lang_from_env()), style="red", highlight=False, markup=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


def _lang_from_env() -> Lang:
    # Settings may be what failed, so read the language directly.
    return "en" if os.environ.get("KUAIFAN_LANG") == "en" else "zh"
