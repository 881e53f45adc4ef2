"""The one place the CLI talks to the terminal: the consoles, the language, JSON output, notes.

Humans get rich tables on stdout and progress / notes on stderr; ``--json`` prints one JSON value on
stdout and nothing else there. Every ``KuaifanError`` becomes one line on stderr and its exit code
(``kuaifan.cli.main``); no stack traces for user mistakes.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson
from pydantic import BaseModel
from rich.console import Console

from kuaifan.config import Settings
from kuaifan.i18n import Lang, lang_from_env, t


def console(*, stderr: bool = False) -> Console:
    """A console that prints text as it is: comments, product names and config keys often hold
    square brackets ([赞], [tenants.NAME]) that rich would otherwise take for markup and drop.
    Styles are given as ``rich.text.Text`` parts, never as markup in a string."""
    return Console(stderr=stderr, markup=False)


out = console()
err = console(stderr=True)


def lang() -> Lang:
    return lang_from_env()


def print_json(value: Any) -> None:
    """One JSON value on stdout (a pydantic model as its JSON, money in fen, keys as given)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode() + "\n")
    sys.stdout.flush()


def say(language: Lang, zh: str, en: str, *, stderr: bool = False, style: str | None = None) -> None:
    """A line of plain text (no rich markup) in the user's language."""
    (err if stderr else out).print(t(language, zh, en), highlight=False, markup=False, style=style)


def settings(*, create: bool = True) -> Settings:
    """The validated settings; on first use (``create``) a kuaifan.toml with a demo tenant is written."""
    from kuaifan.app.settings import ensure_config, load

    loaded = load()
    if not create:
        return loaded
    ready, written = ensure_config(loaded)
    if written:
        say(
            ready.lang,
            f"已创建配置 {ready.config_path}（租户 demo，随机密钥）",
            f"created {ready.config_path} (tenant demo, random secrets)",
            stderr=True,
        )
    return ready


def yuan(fen: float) -> str:
    return f"¥{fen / 100:,.2f}"
