"""Attributes of the wearer and the wanted variant: height, weight, size, colour, link number.

Everything works on the normalised text (see normalize.py: digits are ASCII, Latin is lower-case,
Chinese numerals before units are digits). The rules of the dev README:

- fields describe the wearer, not the product: a number next to a product noun (牛肉干2斤,
  1.8米的床垫) or before a dimension word is not a height or weight;
- 斤 = 0.5 kg, kg/公斤 kept, 130多斤 → 65; 1米6 → 160, 1.72 → 172, a bare 158 only when it is
  clearly a height (followed by a weight, or after 我 / 身高 / 个子 …);
- sizes: letter sizes upper-case with XXL → 2XL, 均码, numeric shoe and children's sizes as strings;
- colours end with 色; a one-character root (黑, 白 …) counts only in colour position (黑的, 黑那件,
  黑M, 一件黑); blocked words (显白, 蓝牙, 小黄车 …) never count;
- two or more different values of one field (XS还是S, 一黑一白) → None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple, TypeVar

from kuaifan.text.lexicon import CompiledLexicon

T = TypeVar("T")
HEIGHT_RANGE: Final = (50, 230)  # cm
WEIGHT_RANGE: Final = (8.0, 200.0)  # kg
SHOE_SIZES: Final = (13.0, 48.0)
KIDS_SIZES: Final = frozenset({52, 59, 66, 73, 80, 90, 100, 110, 120, 130, 140, 150, 160, 165, 170, 175})


class Attributes(NamedTuple):
    """Extracted fields of one comment (internal; a NamedTuple because it is built per comment)."""

    height_cm: int | None = None
    weight_kg: float | None = None
    size: str | None = None
    color: str | None = None
    link_no: int | None = None
    color_span: tuple[int, int] | None = None  # where the colour was found (for the intent rules)
    n_colors: int = 0  # distinct colours mentioned (two or more: a choice, and color is None)


@dataclass(frozen=True, slots=True)
class Hits:
    """Positions of lexicon words that the extraction rules look at."""

    products: tuple[tuple[int, int], ...]
    persons: tuple[tuple[int, int], ...]


_NOT_AFTER_NUMBER = (
    r"(?:斤|kg|公斤|千克|码|号|元|块|米|cm|公分|厘米|g|ml|w|岁|个|件"
    r"|包|盒|瓶|%|mah|万|度|天|分|次|毫|寸|克|期|条)"
)
_H_METER = re.compile(r"(?<![\d.])([12])米(\d{1,2})?(?![\d.])")
_H_DECIMAL = re.compile(r"(?<![\d.])(1\.\d{1,2}|2\.[0-2]\d?)(米|m(?![a-z]))?(?![\d.])")
_H_CM = re.compile(r"(?<![\d.])(\d{2,3})\s*(?:cm|公分|厘米)")
_H_LABEL = re.compile(r"身高\s*(?:是|有|大概|大约)?\s*(\d{2,3})(?![\d.])")
_H_BARE = re.compile(rf"(?<![\d.#a-z])(1[3-9]\d|2[0-2]\d)(?![\d.]|\s*[多来]?\s*{_NOT_AFTER_NUMBER})")
_W_JIN = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)\s*([多来])?\s*斤")
_W_KG = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d)?)\s*(?:kg|公斤|千克)(?![a-z])")
_W_LABEL = re.compile(r"体重\s*(?:是|有|大概|大约)?\s*(\d{2,3})(?![\d.]|\s*(?:斤|kg|公斤|千克))")
_WEIGHT_AHEAD = re.compile(r"[\s/,，、]*\d{2,3}(?:\.\d)?\s*[多来]?\s*(?:斤|kg|公斤|千克)")
_DIM_AFTER = re.compile(r"的?(?:长|宽|高|深|厚|床|被|席|垫|桌|柜|沙发|窗帘|尺寸|大小)")
_FIT_WORDS = re.compile(r"码|穿|尺|能穿|会长|会短|偏大|偏小|合身|[sml](?![a-z])|xl")
_PRICE_WORDS = re.compile(r"价|钱|元|块|券|优惠|便宜|贵|包邮|运费")

_LETTER_SIZE = re.compile(r"(?<![a-z0-9.几])([2-6]?x{1,4}l|[2-3]?x{1,3}s|[sml]|均码)(?:码|号)?(?![a-z])")
_NUM_SIZE_UNIT = re.compile(r"(?<![\d.])(\d{2,3}(?:\.5)?)\s*(码|号)(?!链接|色|发|到|前|后)")
_NUM_SIZE_AFTER = re.compile(
    r"(?:穿|拿|要|选|买|换|平时|平常|平时穿|平常穿|拍了|已拍|已下单|下单|备注|还是|或者|或|穿的|拿的|还有|有)\s*"
    r"(\d{2,3}(?:\.5)?)(?![\d.]|\s*(?:斤|kg|公斤|千克|cm|公分|厘米|岁|个|元|块|米|号链接|度|g|ml|w))"
)
_NUM_SIZE_BEFORE = re.compile(
    r"(?<![\d.#])(\d{2,3}(?:\.5)?)(?=\s*(?:的|还有|没了|没有|没货|有吗|有没有|会不会|偏|没抢到|抢不到|断货|卖完|还补|会补|合适))"
)
_SHOE_AFTER_ME = re.compile(
    r"我\s*(\d{2}(?:\.5)?)(?![\d.]|\s*(?:斤|kg|公斤|千克|岁|cm|公分|厘米|元|块|米|号链接|度))"
)
_AFTER_COLOR = re.compile(r"的?\s?(\d{2,3}(?:\.5)?)(?![\d.]|\s*(?:斤|kg|公斤|cm|米|元|块))")
_ALT_NUMBERS = re.compile(r"(?<![\d.])(\d{2,3}(?:\.5)?)\s*(?:还是|或者|或)\s*(\d{2,3}(?:\.5)?)(?![\d.])")

_LINK_PATTERNS: Final = (
    re.compile(r"(?<![\d.])(\d{1,3})\s*号\s*链接"),
    re.compile(r"链接\s*#?\s*(\d{1,3})(?![\d.a-z]|\s*(?:号色|色|斤|码|件|元|块|天|分钟|小时|kg|公斤|cm))"),
    re.compile(r"#\s*(\d{1,3})(?![\d.])"),
    re.compile(r"第\s*(\d{1,3})\s*个?\s*链接"),
    re.compile(
        r"(?<![\d.#a-z])(\d{1,2})\s*号(?!链接|色|发|到|前|后|之前|左右|当天|的时候|能到|下午|晚上|上午)"
    ),
)
_LINK_PATTERN_GATES: Final = ("链接", "链接", "#", "第", "号")
_BOUNDARY = frozenset(" ,，。.!！?？~、;；:：")


def _near(spans: tuple[tuple[int, int], ...], start: int, end: int, before: int, after: int) -> bool:
    """A span ends within ``before`` chars before ``start`` or starts within ``after`` chars after ``end``."""
    return any(start - before <= e <= start or end <= s <= end + after for s, e in spans)


_PERSON_GAP = frozenset(" 是有才刚")


def _person_before(text: str, start: int, hits: Hits) -> bool:
    """A person word (我, 孩子, 男朋友 …) right before ``start``, maybe with 是/有/才 or a space between."""
    for _, e in hits.persons:
        if e <= start <= e + 2 and all(ch in _PERSON_GAP for ch in text[e:start]):
            return True
    return False


_HOST = "主播"
# a question about the host's own body: 主播多高, 主播的身高, 主播穿的 (主播 alone is mostly the
# person a viewer talks to: 主播 105斤穿什么码)
_HOST_ASK = re.compile(
    r"主播(?:的|你)?(?:多高|身高|体重|多重|几斤|多少斤|多大|穿的|穿多大|穿几码|穿什么码|有多高)"
)


def _host_measure(text: str, start: int, hits: Hits) -> bool:
    """A question about the host's body ends within 8 characters before the number and no person
    word stands between: the host's height or weight (主播多高 一米六五吗), not the wearer's."""
    for m in _HOST_ASK.finditer(text):
        e = m.end()
        if start - 8 <= e <= start and not any(e <= ps and pe <= start for ps, pe in hits.persons):
            return True
    return False


def _is_product_measure(text: str, start: int, end: int, hits: Hits) -> bool:
    if _HOST in text and _host_measure(text, start, hits):
        return True
    if _near(hits.products, start, end, 8, 3):
        # a person word between the product and the number makes it the wearer again (锅… 我165)
        return not _person_before(text, start, hits)
    if start > 0 and text[start - 1] == "有" and not _person_before(text, start, hits):
        return True  # 有一米五的吗: a variant's measure (我有一米六 is the wearer)
    return bool(_DIM_AFTER.match(text, end))


_CM_GATE = re.compile(r"cm|公分|厘米")
_CM_NOT_HEIGHT = (
    "脚长",
    "脚",
    "腰围",
    "胸围",
    "臀围",
    "肩宽",
    "衣长",
    "裤长",
    "袖长",
    "长",
    "宽",
    "深",
    "直径",
    "高",
)
_BARE_NOT_HEIGHT = ("链接", "号", "第", "#", "价", "钱", "满", "减", "¥", "￥")
_SIZE_WORDS_BEFORE = (
    "穿",
    "拿",
    "要",
    "选",
    "买",
    "换",
    "码",
    "尺码",
    "还是",
    "或者",
    "或",
    "和",
    "到",
    "超过",
)
_HEIGHT_TAIL = re.compile(r"\s*(?:的个子|个子|左右|的身高)")
_PRODUCT_TAIL = re.compile(r"\s*(?:装|的量|一箱|一袋|重)")


def _heights(text: str, hits: Hits, weight_spans: list[tuple[int, int]]) -> list[tuple[int, tuple[int, int]]]:
    found: list[tuple[int, tuple[int, int]]] = []
    lo, hi = HEIGHT_RANGE
    has_weight = bool(weight_spans)
    fit_words: bool | None = None  # computed on first use
    for m in _H_LABEL.finditer(text) if "身高" in text else ():
        found.append((int(m.group(1)), m.span(1)))
    if "米" in text:
        for m in _H_METER.finditer(text):
            digits = m.group(2)
            if digits is None:
                # a bare 1米 is a child's height only with a person word or a weight (孩子40斤 1米)
                if not (hits.persons or has_weight) or m.group(1) != "1":
                    continue
                value = 100
            else:
                value = 100 * int(m.group(1)) + (int(digits) * 10 if len(digits) == 1 else int(digits))
            if not _is_product_measure(text, m.start(), m.end(), hits):
                found.append((value, m.span()))
    if "." in text:
        for m in _H_DECIMAL.finditer(text):
            if _is_product_measure(text, m.start(), m.end(), hits):
                continue
            if not (has_weight or _person_before(text, m.start(), hits)):
                if fit_words is None:
                    fit_words = bool(_FIT_WORDS.search(text))
                if not fit_words:
                    continue
            found.append((round(float(m.group(1)) * 100), m.span()))
    for m in _H_CM.finditer(text) if _CM_GATE.search(text) else ():
        before = text[max(0, m.start() - 3) : m.start()].rstrip()
        if before.endswith(_CM_NOT_HEIGHT) and not before.endswith("身高"):
            continue
        if not _is_product_measure(text, m.start(), m.end(), hits):
            found.append((int(m.group(1)), m.span()))
    for m in _H_BARE.finditer(text):
        start, end = m.span()
        if any(s <= start < e for _, (s, e) in found):
            continue
        before = text[max(0, start - 6) : start].rstrip()
        weight_follows = bool(_WEIGHT_AHEAD.match(text, end)) or _bare_pair(text, start, end)
        if before.endswith(_SIZE_WORDS_BEFORE) or (not weight_follows and before.endswith(_BARE_NOT_HEIGHT)):
            continue
        value = int(m.group(1))
        person = _person_before(text, start, hits)
        ok = weight_follows or person or bool(_HEIGHT_TAIL.match(text, end))
        if not ok and 140 <= value <= 199 and (start == 0 or text[start - 1] in _BOUNDARY):
            if fit_words is None:
                fit_words = bool(_FIT_WORDS.search(text))
            ok = fit_words and not _PRICE_WORDS.search(text)
        if ok and (person or not _is_product_measure(text, start, end, hits)):
            found.append((value, m.span()))
    _child_heights(text, hits, found)
    return [(v, span) for v, span in found if lo <= v <= hi]


_CHILD_WORDS = frozenset(
    (
        "孩子",
        "儿子",
        "女儿",
        "闺女",
        "娃",
        "宝宝",
        "小孩",
        "小朋友",
        "孙子",
        "孙女",
        "侄子",
        "侄女",
        "外甥",
        "外甥女",
    )
)
_H_CHILD = re.compile(rf"(?<![\d.#a-z])(\d{{2,3}})(?![\d.]|\s*[多来]?\s*{_NOT_AFTER_NUMBER})")


def _child_heights(text: str, hits: Hits, found: list[tuple[int, tuple[int, int]]]) -> None:
    """A child's height in bare digits, 50-129 cm: right after a child word (儿子110, 娃 104) or
    followed by a weight with its unit (106 37斤, 111 18kg)."""
    for m in _H_CHILD.finditer(text):
        start, end = m.span()
        value = int(m.group(1))
        if not 50 <= value <= 129 or any(s < end and start < e for _, (s, e) in found):
            continue
        child = any(
            text[s:e] in _CHILD_WORDS
            and e <= start <= e + 2
            and all(ch in _PERSON_GAP for ch in text[e:start])
            for s, e in hits.persons
        )
        if (child or _WEIGHT_AHEAD.match(text, end)) and not _is_product_measure(text, start, end, hits):
            found.append((value, m.span()))


def _weights(text: str, hits: Hits) -> list[tuple[float, tuple[int, int]]]:
    found: list[tuple[float, tuple[int, int]]] = []
    lo, hi = WEIGHT_RANGE
    if "斤" in text:
        for m in _W_JIN.finditer(text):
            if _is_product_measure(text, m.start(), m.end(), hits) or _PRODUCT_TAIL.match(text, m.end()):
                continue
            found.append((float(m.group(1)) / 2, m.span()))
    for m in _W_KG.finditer(text):
        if not _is_product_measure(text, m.start(), m.end(), hits):
            found.append((float(m.group(1)), m.span()))
    if "体重" in text:
        for m in _W_LABEL.finditer(text):
            v = float(m.group(1))
            found.append((v / 2 if v >= 80 else v, m.span(1)))
    return [(v, span) for v, span in found if lo <= v <= hi]


_LETTER_FULL = re.compile(r"([2-6]?)(x*)([sml])")
_NUMBER_FULL = re.compile(r"(\d{2,3})(\.5)?")


def canonical_size(token: str) -> str | None:
    """Canonical size string: s → S, xxl → 2XL, 3xl → 3XL, 均码, 38 → "38", 36.5 → "36.5"."""
    t = token.strip().lower().removesuffix("码").removesuffix("号")
    if t == "均码" or t == "均":
        return "均码"
    m = _LETTER_FULL.fullmatch(t)
    if m:
        digit, xs, letter = m.groups()
        if letter == "m":
            return "M" if not digit and not xs else None
        n = int(digit) if digit else len(xs)
        if n == 0:
            return letter.upper()
        if digit and xs != "x":
            return None
        return ("X" if n == 1 else f"{n}X") + letter.upper()
    m = _NUMBER_FULL.fullmatch(t)
    if m:
        value = float(t)
        if SHOE_SIZES[0] <= value <= SHOE_SIZES[1] or (m.group(2) is None and int(value) in KIDS_SIZES):
            return t
    return None


def _sizes(text: str, taken: list[tuple[int, int]], color_ends: list[int], digits: bool = True) -> list[str]:
    found: list[tuple[str, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    if _ANY_SIZE_LETTER.search(text):
        for m in _LETTER_SIZE.finditer(text):
            size = canonical_size(m.group(1))
            if size:
                found.append((size, m.start()))
    if not digits:
        return [s for s, _ in found]
    for m in _NUM_SIZE_UNIT.finditer(text) if ("码" in text or "号" in text) else ():
        value = float(m.group(1))
        if m.group(2) == "号" and not 33 <= value <= 46:
            continue
        if free(*m.span(1)):
            size = canonical_size(m.group(1))
            if size:
                found.append((size, m.start(1)))
    for pattern in (_NUM_SIZE_AFTER, _NUM_SIZE_BEFORE):
        for m in pattern.finditer(text):
            if not free(*m.span(1)):
                continue
            size = canonical_size(m.group(1))
            if size is None:
                continue
            if pattern is _NUM_SIZE_BEFORE and float(m.group(1)) < 33:
                continue
            found.append((size, m.start(1)))
    for m in _SHOE_AFTER_ME.finditer(text) if "我" in text else ():
        if free(*m.span(1)) and 33 <= float(m.group(1)) <= 46:
            found.append((m.group(1), m.start(1)))
    for end in color_ends:
        after = _AFTER_COLOR.match(text, end)
        if after and free(after.start(1), after.end(1)):
            size = canonical_size(after.group(1))
            if size:
                found.append((size, after.start(1)))
    for m in _ALT_NUMBERS.finditer(text) if ("还是" in text or "或" in text) else ():
        for g in (1, 2):
            size = canonical_size(m.group(g))
            if size and free(*m.span(g)):
                found.append((size, m.start(g)))
    return [s for s, _ in found]


def find_colors(text: str, lex: CompiledLexicon) -> list[tuple[str, int, int]]:
    """Colours named in a normalised text, with their spans (leftmost-longest, blocks skipped)."""
    found: list[tuple[str, int, int]] = []
    padded = " " + text + " "
    n = len(text)
    for end_idx, (key, canon) in lex.color_ac.iter_long(padded):
        if canon:
            found.append((canon, max(end_idx - len(key), 0), min(end_idx, n)))
    return found


_DIGIT_CHARS = frozenset("0123456789.")
_NOT_BEFORE_NUMBER = frozenset({"体重", "胖", "瘦"})  # person words that do not introduce a height


def find_hits(text: str, lex: CompiledLexicon) -> Hits:
    products: list[tuple[int, int]] = []
    persons: list[tuple[int, int]] = []
    for end_idx, (key, kind) in lex.misc_ac.iter_long(text):
        span = (end_idx - len(key) + 1, end_idx + 1)
        if kind == "product":
            if key[0] in _DIGIT_CHARS and span[0] > 0 and text[span[0] - 1] in _DIGIT_CHARS:
                continue  # 一斤 (normalised 1斤) is a product word, 121斤 holds none
            products.append(span)
        elif kind == "person" and key not in _NOT_BEFORE_NUMBER:
            persons.append(span)
    return Hits(tuple(products), tuple(persons))


def _link_no(text: str, taken: list[tuple[int, int]]) -> int | None:
    values: set[int] = set()
    spans: list[tuple[int, int]] = list(taken)
    for pattern, gate in zip(_LINK_PATTERNS, _LINK_PATTERN_GATES, strict=True):
        if gate not in text:
            continue
        for m in pattern.finditer(text):
            if any(s <= m.start(1) < e or s <= m.start() < e for s, e in spans):
                continue
            value = int(m.group(1))
            if pattern is _LINK_PATTERNS[-1] and value > 30:
                continue
            if 0 < value < 1000:
                values.add(value)
                spans.append(m.span())
    return values.pop() if len(values) == 1 else None


def _single(values: Sequence[T]) -> T | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


_ANY_DIGIT = re.compile(r"[0-9]")
# Cheap tests that tell whether a family of rules can match at all.
_WEIGHT_GATE = re.compile(r"[0-9]\s*[多来]?\s*(?:斤|kg|公斤|千克)|体重")
_HEIGHT_GATE = re.compile(r"[0-9]{2}|米|身高|[12]\.[0-9]")
_LINK_GATE = re.compile(r"号|链接|#|第")
_ANY_SIZE_LETTER = re.compile(r"[smlx]|均码")


_NO_UNIT_AFTER = r"(?![\d.]|\s*(?:斤|kg|公斤|千克|cm|公分|厘米|码|号|元|块|岁|米|%|的?脚|个|件))"
# 165/110, 165 110, 165，120: a weight right after a height, 斤 implied from 80 on (as 体重 120)
_PAIR_WEIGHT = re.compile(r"\s?[/,，、]?\s?(\d{2,3})" + _NO_UNIT_AFTER)
# 我120, 我130: an adult's bare number under the heights (140 and up), 斤 implied
_ME_WEIGHT = re.compile(r"我\s?(\d{2,3})" + _NO_UNIT_AFTER)
_FOOT_SIZE = re.compile(r"(?<![\d.])(\d{2}(?:\.5)?)\s?的?\s?脚(?!长|宽|背|围|掌)")


def _bare_pair(text: str, start: int, end: int) -> bool:
    """A height of 140-199 followed by a weight without unit (165 110, 158/95, 170，60), in a text
    that does not talk money: both are body facts (the weight is read by ``_implied_weights``)."""
    m = _PAIR_WEIGHT.match(text, end)
    if m is None or m.start(1) == end or not 140 <= int(text[start:end]) <= 199:
        return False
    return 35 <= int(m.group(1)) <= 250 and not _PRICE_WORDS.search(text)


def _implied_weights(
    text: str, heights: list[tuple[int, tuple[int, int]]]
) -> list[tuple[float, tuple[int, int]]]:
    """Weights written without a unit: after a height (165/110) or after 我 (我120), in 斤 from 80."""
    found: list[tuple[float, tuple[int, int]]] = []
    for value, (_, end) in heights:
        m = _PAIR_WEIGHT.match(text, end)
        if m is not None and value >= 130 and m.start(1) > end:
            found.append((int(m.group(1)), m.span(1)))
    if not heights and "我" in text:
        for m in _ME_WEIGHT.finditer(text):
            if 80 <= int(m.group(1)) <= 139:
                found.append((int(m.group(1)), m.span(1)))
    lo, hi = WEIGHT_RANGE
    out = [(v / 2 if v >= 80 else float(v), span) for v, span in found]
    return [(v, span) for v, span in out if lo <= v <= hi and v >= 35]


def extract(text: str, lex: CompiledLexicon, colors: list[tuple[str, int, int]] | None = None) -> Attributes:
    """All attributes of one normalised comment (``colors`` as found by ``find_colors``)."""
    if colors is None:
        colors = find_colors(text, lex)
    distinct = {c for c, _, _ in colors}
    color = next(iter(distinct)) if len(distinct) == 1 else None
    color_span = next(((s, e) for c, s, e in colors if c == color), None) if color else None
    has_digit = _ANY_DIGIT.search(text) is not None
    if not has_digit:
        size = _single(_sizes(text, [], [], digits=False)) if _ANY_SIZE_LETTER.search(text) else None
        return Attributes(
            size=size,
            color=color,
            color_span=color_span,
            n_colors=len(distinct),
        )
    hits = find_hits(text, lex)
    weights = _weights(text, hits) if _WEIGHT_GATE.search(text) else []
    heights = _heights(text, hits, [span for _, span in weights]) if _HEIGHT_GATE.search(text) else []
    if not weights:
        weights = _implied_weights(text, heights)
        if weights:  # 165 140: the second number is the weight, not a second height
            heights = [
                (v, (a, b)) for v, (a, b) in heights if not any(a < e and s < b for _, (s, e) in weights)
            ]
    taken = [span for _, span in weights] + [span for _, span in heights]
    sizes = _sizes(text, taken, [e for _, _, e in colors])
    sizes += [m.group(1) for m in _FOOT_SIZE.finditer(text) if 33 <= float(m.group(1)) <= 46]
    weight = _single([v for v, _ in weights])
    return Attributes(
        height_cm=_single([v for v, _ in heights]),
        weight_kg=float(weight) if weight is not None else None,
        size=_single(sizes),
        color=color,
        link_no=_link_no(text, taken) if _LINK_GATE.search(text) else None,
        color_span=color_span,
        n_colors=len(distinct),
    )
