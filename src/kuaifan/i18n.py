"""Picking the user's language for messages: everything a user sees comes in zh and en."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

Lang = Literal["zh", "en"]


def t(lang: Lang, zh: str, en: str) -> str:
    """The message in the user's language."""
    return zh if lang == "zh" else en


def both(zh: str, en: str) -> str:
    """Both languages on one line, for help texts read before a language is known."""
    return f"{zh} / {en}"


def lang_from_env(environ: Mapping[str, str] | None = None) -> Lang:
    """``KUAIFAN_LANG`` (``en…`` → English, anything else Chinese): for messages printed before the
    settings are loaded, or when loading them is what failed. Otherwise use ``Settings.lang``."""
    value = (os.environ if environ is None else environ).get("KUAIFAN_LANG", "zh").strip().lower()
    return "en" if value.startswith("en") else "zh"
