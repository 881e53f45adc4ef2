"""Normalise a live-room comment before any matching.

Steps, in order (each a pure function of a string):

1. ``fold_width``: NFKC (full-width digits and letters become ASCII: ``１６８`` → ``168``,
   ``Ｍ`` → ``M``), lower-case, platform emote codes like ``[爱心]`` dropped, runs of
   whitespace collapsed to one space.
2. ``replace_typos``: typos, homophones and slang from the lexicon (``马数`` → ``码数``,
   ``发火`` → ``发货``, ``包油`` → ``包邮`` …), leftmost-longest, so a longer entry such as
   ``蓝牙连接`` can protect a phrase from a shorter one (``连接`` → ``链接``).
3. ``convert_numerals``: Chinese numerals become Arabic digits, but only where a number is
   meant: before a unit (米 斤 公斤 号 码 公分 岁 … 包邮, also after 多 / 来: 三十来斤), after 米
   (一米六五 → 1米65), after 身高 / 体重 / 第 / 链接, before 脚 (三十七的脚 → 37的脚), and hundreds
   as weights are said: 一百二 → 120斤, 一百零五 → 105斤 (a bare hundreds numeral is a weight in
   斤: heights are said 一米六五, not 一百六十五), or a price where the text speaks of money
   (一百二两件吗 → 120两件吗). ``一黑一白``, ``试一下`` and ``一件灰`` stay as they are.

The lexicon entries are normalised with the same function, so a tenant can write
them as a viewer would type them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_EMOTE = re.compile(r"\[[^\[\]\s]{1,6}\]")
_SPACES = re.compile(r"\s+")

_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMERAL_CHARS = "零〇一二两三四五六七八九十百"
_UNITS = "米斤公千号码岁个块元厘cmkg"
# A numeral run, with what must stand before (a trigger) or after it (a unit) for it to be a number.
_NUMERAL_RUN = re.compile(
    rf"(?P<pre>身高|体重|链接|第|米)?(?P<num>[{_NUMERAL_CHARS}]+)"
    rf"(?P<post>(?=[多来]?(?:[{_UNITS}]|公分|公斤|千克|厘米|包邮)|的?脚))?"
)
# Money in the text: a bare hundreds numeral is then a price, not a weight in 斤.
_PRICE_CONTEXT = re.compile(r"钱|元|块|价|券|优惠|便宜|贵|包邮|运费|折|满减|划算|[两二三四五几]件|¥|￥")


def fold_width(text: str) -> str:
    """NFKC, lower-case, emote codes removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    if "[" in text:
        text = _EMOTE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def chinese_number(run: str) -> int | None:
    """Value of a Chinese numeral run: 一百零八 → 108, 一七五 → 175, 一百二 → 120, 十一 → 11."""
    if not run:
        return None
    if "十" not in run and "百" not in run:
        # A plain digit sequence: 一七五 → 175, 六五 → 65, 两 → 2.
        if run.count("两") and len(run) > 1:
            return None
        value = 0
        for ch in run:
            value = value * 10 + _DIGIT[ch]
        return value
    total = 0
    rest = run
    if "百" in rest:
        head, _, rest = rest.partition("百")
        if len(head) > 1 or "十" in head or "百" in rest:
            return None
        total += (_DIGIT[head] if head else 1) * 100
        if rest and len(rest) == 1 and rest in _DIGIT and rest not in "零〇":
            return total + _DIGIT[rest] * 10  # 一百二 → 120 (colloquial: the tens are meant)
        rest = rest.lstrip("零〇")
    if "十" in rest:
        head, _, tail = rest.partition("十")
        if len(head) > 1 or len(tail) > 1 or "十" in tail:
            return None
        total += (_DIGIT[head] if head else 1) * 10
        if tail:
            total += _DIGIT[tail]
        return total
    if len(rest) > 1:
        return None
    return total + (_DIGIT[rest] if rest else 0)


_HEIGHT_DIGITS = re.compile(r"一[三四五六七八九][零〇一二三四五六七八九]")
# 一百二 / 一百零五 / 两百: a weight in 斤 as people say it, a number even without a unit
_D = "一二三四五六七八九"
_HUNDREDS = re.compile(rf"[一两二]百(?:[零〇][{_D}]|[{_D}]十?[{_D}]?)?")


def _numeral_sub(m: re.Match[str], money: bool) -> str:
    pre, num = m.group("pre") or "", m.group("num")
    post = m.group("post") is not None
    hundreds = not pre and not post and _HUNDREDS.fullmatch(num) is not None
    if not pre and not post and not hundreds and not _HEIGHT_DIGITS.fullmatch(num):
        # a bare run is a number only when it reads as a height digit by digit (一六五 → 165)
        return m.group(0)
    if pre == "米" and not post and ("十" in num or "百" in num):
        return m.group(0)
    if pre == "米" and len(num) == 2 and num[0] in "零〇" and num[1] in _DIGIT:
        return f"米0{_DIGIT[num[1]]}"  # 一米零五 → 1米05 (105 cm, not 1米5)
    value = chinese_number(num)
    if value is None:
        return m.group(0)
    if hundreds and not money and m.string[m.end() : m.end() + 1] not in ("多", "来", "余"):
        return f"{value}斤"  # 我一百三 → 我130斤 (a hundreds numeral said alone is a weight)
    return f"{pre}{value}"


def convert_numerals(text: str) -> str:
    """Chinese numerals → digits where they are numbers (see module doc)."""
    if not any(ch in _NUMERAL_CHARS for ch in text):
        return text
    money = _PRICE_CONTEXT.search(text) is not None
    return _NUMERAL_RUN.sub(lambda m: _numeral_sub(m, money), text)


class TypoReplacer:
    """Leftmost-longest replacement of typo/slang entries (a compiled regex alternation)."""

    __slots__ = ("_map", "_pattern")

    def __init__(self, mapping: Mapping[str, str]) -> None:
        folded = {fold_width(k): fold_width(v) for k, v in mapping.items() if k}
        self._map = folded
        keys = sorted(folded, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self._map)

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        table = self._map
        return self._pattern.sub(lambda m: table[m.group(0)], text)


def normalize(text: str, typos: TypoReplacer | None = None) -> str:
    """The full normalisation used on the live path."""
    folded = fold_width(text)
    if typos is not None:
        folded = typos(folded)
    return convert_numerals(folded)
