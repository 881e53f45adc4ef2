"""Pick the zh or en text of a user-facing message (KUAIFAN_LANG, default zh)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from kuaifan.i18n import Lang


def lang_from_env(environ: Mapping[str, str] | None = None) -> Lang:
    value = (os.environ if environ is None else environ).get("KUAIFAN_LANG", "zh").strip().lower()
    return "en" if value.startswith("en") else "zh"


def pick(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en
