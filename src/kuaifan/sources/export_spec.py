"""Variant spec text (商品规格) to a ``{name: value}`` dict.

Accepted forms, ASCII or full-width punctuation alike::

    颜色:黑色;尺码:M        颜色：黑色，尺码：M       颜色分类=黑色|尺码=M
    黑色;M                  黑色/M                   XL（建议120-140斤）;黑色

Rules, in order:

1. The text is split into parts on ``; ； , ， | ｜ 、`` and line breaks.
2. A part with ``:`` ``：`` or ``=`` is ``name:value``. Common name variants are folded so that
   downstream demand signals see one key: 颜色分类/主颜色/color → 颜色; 码数/鞋码/尺码大小/size → 尺码.
3. A part without a name is classified: something that looks like a garment size (S…5XL, 均码, F,
   2–3 digit sizes such as 160 or 170/88A, optionally followed by 码/号 and a note in brackets)
   becomes 尺码; a colour (contains 色, or ends in a basic colour character such as 黑/白/红/蓝, or is
   卡其/藏青/焦糖…) becomes 颜色, each only if that name is still free. Anything else is named by its
   1-based position among the parts: 规格1, 规格2 ….
4. When there are no separators at all, ``/`` and spaces separate parts only if every piece is then
   recognised (at most one size, at most one colour): "黑色/M" splits, "170/88A" and "加绒 加厚" do not.
5. Repeated names get a number: a second 颜色 becomes 颜色2. Empty values and ``-`` are dropped.

Never raises on any input text.
"""

from __future__ import annotations

import re
from typing import Final

PART_SEPARATORS: Final = re.compile(r"[;；,，|｜、\r\n]+")
FALLBACK_SEPARATORS: Final = re.compile(r"[/／\s]+")
KEY_VALUE: Final = re.compile(r"[:：=]")
NOTE_START: Final = re.compile(r"[(（\[【]")
SIZE: Final = re.compile(
    r"^(?:\d?X{0,4}[SML]|X{1,4}S|\d?X{1,4}L|均码|F|FREE|FREE ?SIZE|ONE ?SIZE|加大码?|特大码?|大码|中码|小码"
    r"|\d{2,3}(?:\.5)?|\d{2,3}/\d{2,3}[A-Z]?)(?:码|号)?$",
    re.IGNORECASE,
)
COLOUR_CHARS: Final = frozenset("黑白红蓝绿黄灰紫粉橙棕咖米杏驼银金青褐")
COLOUR_WORDS: Final = frozenset(
    {"卡其", "藏青", "焦糖", "燕麦", "奶油", "玫红", "酒红", "军绿", "墨绿", "香槟"}
)
KEY_ALIASES: Final = {
    "颜色": "颜色",
    "颜色分类": "颜色",
    "主颜色": "颜色",
    "color": "颜色",
    "colour": "颜色",
    "尺码": "尺码",
    "码数": "尺码",
    "鞋码": "尺码",
    "尺码大小": "尺码",
    "size": "尺码",
}
EMPTY_VALUES: Final = frozenset({"", "-", "--", "—", "无"})
SIZE_KEY: Final = "尺码"
COLOUR_KEY: Final = "颜色"
_STRIP: Final = " \t\u3000\ufeff\xa0'\"“”"


def _base(part: str) -> str:
    """The part without a bracketed note: "XL（建议120斤）" -> "XL"."""
    return NOTE_START.split(part, maxsplit=1)[0].strip(_STRIP)


def is_size(part: str) -> bool:
    base = _base(part)
    return bool(base) and SIZE.match(base) is not None


def is_colour(part: str) -> bool:
    base = _base(part)
    if not base or len(base) > 8:
        return False
    return "色" in base or base in COLOUR_WORDS or (len(base) <= 4 and base[-1] in COLOUR_CHARS)


def _split(text: str) -> list[str]:
    parts = [p.strip(_STRIP) for p in PART_SEPARATORS.split(text)]
    parts = [p for p in parts if p]
    if len(parts) == 1 and not KEY_VALUE.search(parts[0]):
        pieces = [p for p in FALLBACK_SEPARATORS.split(parts[0]) if p]
        sizes = sum(is_size(p) for p in pieces)
        colours = sum(is_colour(p) and not is_size(p) for p in pieces)
        if len(pieces) > 1 and sizes <= 1 and colours <= 1 and sizes + colours == len(pieces):
            return pieces
    return parts


def _free_name(spec: dict[str, str], name: str) -> str:
    if name not in spec:
        return name
    n = 2
    while f"{name}{n}" in spec:
        n += 1
    return f"{name}{n}"


def parse_spec(text: str | None) -> dict[str, str]:
    """Spec text to a dict (see the module docstring for the rules); {} for empty text."""
    spec: dict[str, str] = {}
    if not text:
        return spec
    unnamed: list[tuple[int, str]] = []
    for position, part in enumerate(_split(text), start=1):
        kv = KEY_VALUE.split(part, maxsplit=1)
        if len(kv) == 2 and kv[0].strip(_STRIP):
            name = kv[0].strip(_STRIP)
            value = kv[1].strip(_STRIP)
            if value not in EMPTY_VALUES:
                name = KEY_ALIASES.get(name.lower(), name)
                spec[_free_name(spec, name)] = value
            continue
        value = kv[-1].strip(_STRIP)
        if value not in EMPTY_VALUES:
            unnamed.append((position, value))
    # Named parts first, so an explicit 尺码 wins over a guessed one.
    for position, value in unnamed:
        if SIZE_KEY not in spec and is_size(value):
            spec[SIZE_KEY] = value
        elif COLOUR_KEY not in spec and is_colour(value) and not is_size(value):
            spec[COLOUR_KEY] = value
        else:
            spec[_free_name(spec, f"规格{position}")] = value
    return spec
