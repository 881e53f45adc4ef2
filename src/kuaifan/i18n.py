"""Picking the user's language for messages: everything a user sees comes in zh and en."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]


def t(lang: Lang, zh: str, en: str) -> str:
    """The message in the user's language."""
    return zh if lang == "zh" else en


def both(zh: str, en: str) -> str:
    """Both languages on one line, for help texts read before a language is known."""
    return f"{zh} / {en}"
