"""``kuaifan version``, ``init``, ``stats`` and ``export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kuaifan import __version__
from kuaifan.cli.output import out, print_json, say, settings
from kuaifan.errors import ConfigError
from kuaifan.i18n import both, t

Tenant = Annotated[str | None, typer.Option(help=both("租户", "tenant"))]
AsJson = Annotated[bool, typer.Option("--json", help=both("输出 JSON", "print JSON"))]


def version() -> None:
    """版本 / Print the version."""
    out.print(__version__)


def init(
    tenant: Annotated[str, typer.Option(help=both("租户名", "tenant name"))] = "demo",
) -> None:
    """创建 kuaifan.toml / Write a kuaifan.toml with one tenant and fresh secrets."""
    from kuaifan.config import init_config

    s = settings(create=False)
    if not init_config(s.config_path, tenant):
        raise ConfigError(
            f"{s.config_path} 已存在，不会覆盖（其中有密钥）",
            f"{s.config_path} exists and is not overwritten (it holds secrets)",
        )
    say(s.lang, f"已写入 {s.config_path}", f"wrote {s.config_path}")


def stats(tenant: Tenant = None, as_json: AsJson = False) -> None:
    """事件统计 / Event counts in the store."""
    from rich.table import Table

    from kuaifan.app.events import stats as count
    from kuaifan.app.store import open_store

    s = settings()
    name, _ = s.tenant(tenant)
    with open_store(s) as store:
        result = count(store, name)
    if as_json:
        print_json(result)
        return
    lang = s.lang
    table = Table(title=t(lang, f"租户 {name} 的事件", f"events of tenant {name}"))
    table.add_column(t(lang, "类型", "kind"))
    table.add_column(t(lang, "条数", "count"), justify="right")
    for kind, n in sorted(result.by_kind.items()):
        table.add_row(kind, f"{n:,}")
    table.add_row(t(lang, "合计", "total"), f"{result.events:,}", style="bold")
    out.print(table)
    say(lang, f"拒收（死信）：{result.dead_letter:,}", f"dead letters: {result.dead_letter:,}")


def export(
    out_path: Annotated[Path, typer.Option("--out", help=both("输出 Parquet 文件", "output Parquet file"))],
    tenant: Tenant = None,
    room: Annotated[str | None, typer.Option(help=both("直播间", "room id"))] = None,
    kind: Annotated[list[str] | None, typer.Option(help=both("事件类型", "event kind(s)"))] = None,
    dead_letter: Annotated[
        bool, typer.Option("--dead-letter", help=both("导出拒收记录", "export the dead letters instead"))
    ] = False,
    tags: Annotated[
        bool,
        typer.Option(
            "--tags", help=both("附带评论意图与尺码颜色等", "add the comments' intent, size, colour …")
        ),
    ] = False,
) -> None:
    """导出 Parquet（pandas/polars/Excel）/ Export events as Parquet."""
    from kuaifan.app.events import export as write_export
    from kuaifan.app.store import open_store

    s = settings()
    name, _ = s.tenant(tenant)
    with open_store(s) as store:
        text = s.tenant(name)[1].text if tags else None
        done = write_export(
            store, out_path, tenant=name, room=room, kinds=kind, tags=text, dead_letter=dead_letter
        )
    say(s.lang, f"已导出 {done.rows:,} 行 → {out_path}", f"exported {done.rows:,} rows → {out_path}")
