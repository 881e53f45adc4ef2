"""``kuaifan serve`` (the HTTP API and the live dashboard) and ``kuaifan replay`` (stream stored or
simulated events into a running server as if live)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from kuaifan.cli.output import console as new_console
from kuaifan.cli.output import err as _err
from kuaifan.cli.output import settings as load_settings
from kuaifan.errors import ConfigError, InputError
from kuaifan.i18n import both, t


def serve(
    host: Annotated[str, typer.Option(help=both("监听地址", "address to listen on"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=both("端口", "port"))] = 8000,
) -> None:
    """实时看板与 API / Serve the live dashboard and the HTTP API."""
    from kuaifan.api.server import dashboard_url
    from kuaifan.api.server import serve as run

    settings = load_settings(create=False)
    settings.default_tenant()  # no tenants: a clear ConfigError, not a server nobody can use
    lang = settings.lang
    _err.print(
        t(
            lang,
            f"看板：{dashboard_url(host, port)}（用 kuaifan.toml 里租户的 api_key 登录）",
            f"dashboard: {dashboard_url(host, port)} (log in with a tenant's api_key from kuaifan.toml)",
        ),
        highlight=False,
    )
    run(settings, host, port)


def replay(
    path: Annotated[
        list[Path] | None,
        typer.Argument(
            help=both(
                "模拟输出目录、JSONL 或 Parquet 文件（默认：演示数据）",
                "simulator output dir, JSONL or Parquet files (default: the demo data)",
            )
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(help=both("倍速（0 = 尽快）", "speed-up over event time (0 = as fast as possible)")),
    ] = 60.0,
    url: Annotated[str, typer.Option(help=both("服务器地址", "server URL"))] = "http://127.0.0.1:8000",
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="KUAIFAN_API_KEY",
            help=both("API 密钥（默认：默认租户的）", "API key (default: the default tenant's)"),
        ),
    ] = None,
    now: Annotated[
        bool,
        typer.Option(
            "--now/--as-stored",
            help=both("作为一场从现在开始的新直播重放", "replay as a new broadcast that starts now"),
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """把事件按时间重放到运行中的服务器 / Stream events into a running server as if live."""
    from kuaifan.app.replay import ReplayReport, replay_paths

    settings = load_settings(create=False)
    lang = settings.lang
    paths = path or [settings.home / "demo" / "sim"]
    if not path and not paths[0].exists():
        raise InputError(
            f"没有演示数据 {paths[0]}：先运行 `kuaifan demo`，或给出路径",
            f"no demo data at {paths[0]}: run `kuaifan demo` first, or give a path",
        )
    if api_key is None:
        try:
            api_key = settings.tenant()[1].api_key
        except ConfigError:
            raise ConfigError(
                "需要 API 密钥：--api-key、KUAIFAN_API_KEY 或 kuaifan.toml 中的租户",
                "an API key is needed: --api-key, KUAIFAN_API_KEY or a tenant in kuaifan.toml",
            ) from None
    quiet = as_json or not sys.stderr.isatty()
    if quiet:
        report = replay_paths(paths, url=url, api_key=api_key, speed=speed, as_new=now)
    else:
        with _err.status(t(lang, "重放中…", "replaying…")) as status:

            def progress(r: ReplayReport) -> None:
                status.update(
                    t(
                        lang,
                        f"重放中：已发送 {r.sent:,}，新增 {r.accepted:,}",
                        f"replaying: sent {r.sent:,}, new {r.accepted:,}",
                    )
                )

            report = replay_paths(paths, url=url, api_key=api_key, speed=speed, as_new=now, on_batch=progress)
    if as_json:
        sys.stdout.write(orjson.dumps(report.to_json()).decode() + "\n")
        return
    out = new_console()
    out.print(
        t(
            lang,
            f"已发送 {report.sent:,} 条：新增 {report.accepted:,}，重复 {report.duplicates:,}，"
            f"拒收 {report.rejected:,}（{report.batches:,} 批，{report.wall_s:.1f} 秒）",
            f"sent {report.sent:,}: {report.accepted:,} new, {report.duplicates:,} duplicates, "
            f"{report.rejected:,} rejected ({report.batches:,} batches, {report.wall_s:.1f} s)",
        ),
        highlight=False,
    )
    if report.sent and report.accepted == 0 and report.duplicates == report.sent:
        out.print(
            t(
                lang,
                "全部是重复事件（服务器已有）：用 --now 作为新的一场直播重放",
                "all duplicates (the server has them): use --now to replay as a new broadcast",
            ),
            highlight=False,
        )
    for r in report.local_rejects[:20]:
        out.print(f"  {r.path}:{r.line}: {r.reason}", highlight=False, markup=False)
