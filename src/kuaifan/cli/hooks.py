"""``kuaifan hooks``: the hook URLs to register on each platform's console, the config check, and
``kuaifan hooks bilibili`` (a bilibili game session feeding a running ``kuaifan serve``)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Annotated

import orjson
import typer
from rich.table import Table

from kuaifan.cli.output import console as new_console
from kuaifan.cli.output import settings as load_settings_checked
from kuaifan.errors import ConfigError
from kuaifan.i18n import both, t

app = typer.Typer(
    name="hooks",
    help=both("平台推送：回调地址与配置检查", "platform pushes: hook URLs and config check"),
    invoke_without_command=True,
    add_completion=False,
)
out = new_console()

PLATFORM_TITLES = {
    "douyin_live": ("抖音开放平台 直播间数据推送", "Douyin live-room data push"),
    "doudian": ("抖店开放平台 消息推送", "Doudian message push"),
    "kuaishou": ("快手电商开放平台 消息推送", "Kuaishou e-commerce message push"),
    "tiktok_shop": ("TikTok Shop webhooks", "TikTok Shop webhooks"),
    "bilibili": ("bilibili 直播开放平台（长连接）", "bilibili live open platform (long connection)"),
}


@app.callback()
def hooks(
    ctx: typer.Context,
    base_url: Annotated[
        str,
        typer.Option(
            help=both("平台能访问到的本服务地址", "this server's address as the platforms reach it")
        ),
    ] = "http://127.0.0.1:8000",
    tenant: Annotated[
        str | None, typer.Option(help=both("租户（默认全部）", "tenant (default: all)"))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """回调地址与配置检查 / Hook URLs to register, and what the config still lacks."""
    if ctx.invoked_subcommand is not None:
        return
    from kuaifan.app.hooks import hooks_report

    s = load_settings_checked(create=False)
    report = hooks_report(s, base_url, tenant)
    if as_json:
        sys.stdout.write(orjson.dumps(report.model_dump(mode="json")).decode() + "\n")
    else:
        if not report.hooks:
            out.print(
                t(
                    s.lang,
                    "没有配置任何平台：在 kuaifan.toml 的 [tenants.NAME.platforms.<平台>] 中添加"
                    "（见 docs/platforms.md）",
                    "no platform configured: add [tenants.NAME.platforms.<platform>] to kuaifan.toml "
                    "(see docs/platforms.md)",
                )
            )
        table = Table(title=t(s.lang, "平台回调", "platform hooks"))
        for column in (
            t(s.lang, "租户", "tenant"),
            t(s.lang, "平台", "platform"),
            "URL",
            t(s.lang, "状态", "state"),
        ):
            table.add_column(column, overflow="fold")
        for hook in report.hooks:
            zh, en = PLATFORM_TITLES[hook.platform]
            state = t(s.lang, "就绪", "ready") if hook.ready else t(s.lang, "未就绪", "not ready")
            if not hook.enabled:
                state = t(s.lang, "已关闭", "off")
            notes = "; ".join(t(s.lang, p.zh, p.en) for p in hook.problems)
            url = hook.url or t(
                s.lang, "（由 kuaifan hooks bilibili 连接）", "(opened by kuaifan hooks bilibili)"
            )
            table.add_row(hook.tenant, t(s.lang, zh, en), url, state + (f"\n{notes}" if notes else ""))
        if report.hooks:
            out.print(table)
    if not report.ok:
        missing = sorted({f"{h.tenant}/{h.platform}" for h in report.hooks if h.enabled and not h.ready})
        shown = ", ".join(missing)
        raise ConfigError(f"以下平台配置不完整：{shown}", f"not fully configured: {shown}", hooks=missing)


@app.command("bilibili")
def bilibili(
    code: Annotated[str, typer.Option(help=both("主播身份码", "the anchor's identity code (身份码)"))],
    url: Annotated[
        str, typer.Option(help=both("运行中的 kuaifan serve 地址", "address of the running kuaifan serve"))
    ] = "http://127.0.0.1:8000",
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    seconds: Annotated[
        float | None,
        typer.Option(help=both("运行秒数（默认直到 Ctrl-C）", "run this long (default: until Ctrl-C)")),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """接入 bilibili 直播间 / Receive a bilibili room's messages into a running kuaifan serve."""
    from kuaifan.app.hook_ops import bilibili_session

    s = load_settings_checked(create=False)
    stop = threading.Event()
    if seconds is not None:
        threading.Timer(seconds, stop.set).start()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        run = bilibili_session(s, tenant, code, url, stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    if as_json:
        sys.stdout.write(orjson.dumps(run.model_dump(mode="json")).decode() + "\n")
        return
    out.print(
        t(
            s.lang,
            f"场次 {run.game_id}（直播间 {run.room_id}）：收到 {run.items} 条，新增 {run.accepted}，"
            f"重复 {run.duplicates}，拒收 {run.rejected + run.dead}",
            f"game {run.game_id} (room {run.room_id}): {run.items} received, {run.accepted} new, "
            f"{run.duplicates} duplicates, {run.rejected + run.dead} refused",
        )
    )


@app.command("probe")
def probe(
    platform: Annotated[str, typer.Argument(help="douyin_live | doudian | kuaishou | tiktok_shop")],
    base_url: Annotated[
        str,
        typer.Option(
            help=both("平台能访问到的本服务地址", "this server's address as the platforms reach it")
        ),
    ] = "http://127.0.0.1:8000",
    tenant: Annotated[str | None, typer.Option(help=both("租户", "tenant"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))] = False,
) -> None:
    """发送一条签名的探测推送 / Send a signed probe to a deployed hook (stores nothing)."""
    from kuaifan.app.hook_ops import ProbeFailed, probe_hook
    from kuaifan.app.hooks import PLATFORM_NAMES
    from kuaifan.errors import InputError

    s = load_settings_checked(create=False)
    if platform not in PLATFORM_NAMES or platform == "bilibili":
        raise InputError(f"未知的回调平台：{platform}", f"unknown hook platform: {platform}")
    result = probe_hook(s, platform, base_url, tenant)
    if as_json:
        sys.stdout.write(orjson.dumps(result.model_dump(mode="json")).decode() + "\n")
    else:
        out.print(f"{result.url}: HTTP {result.status} {result.answer[:200]}", markup=False, highlight=False)
    if not result.ok:
        problem = result.problem
        zh, en = (problem.zh, problem.en) if problem else ("探测失败", "probe failed")
        raise ProbeFailed(f"{result.platform}：{zh}", f"{result.platform}: {en}")
