"""The number rules of ``extract`` (height, weight, numeric sizes, link number) without regex scans.

Same results as ``extract`` (tests/text/test_batch.py compares them on real, generated and all
short texts), about twice as fast: the batch path uses it. Why the two agree:

Every number pattern of ``extract.py`` matches a whole maximal run of ``[0-9.]`` (a look-behind
``(?<![\\d.])``, a look-ahead ``(?![\\d.])`` or a following literal such as 斤 or 号 bounds it). A
text splits into gap, run, gap, run, …, gap, so a ``finditer`` over the text is a test on each run:
its digits, the gap before it (which must end with 身高, 穿, 链接#, …) and the gap after it (which
must start with 斤, kg, 号链接, …). The words of each rule are listed below with every optional
space spelled out (a normalised text has single spaces; texts with two in a row go to ``extract``,
see ``NEEDS_EXTRACT``). For each gap the longest listed word it ends / starts with is looked up; a
gap starts with some word of a rule exactly when a prefix of that longest word is one, which the
tables precompute. Two rules also read the next run (1米65, 37还是38, 165/50斤); product and person
words come from ``extract.find_hits`` and its own ``_is_product_measure`` / ``_person_before``.
Chains where one match consumes the run the next match would start from (1米2米, 37还是38还是39)
go to ``extract`` as well. The order dependencies are those of ``extract``: weights, then heights
(a bare 165 is no height where 身高 took it), then sizes on the runs no height or weight took, then
link matches in pattern order, skipping spans taken before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import product
from typing import Final, NamedTuple

from kuaifan.text.extract import (
    _BARE_NOT_HEIGHT,
    _BOUNDARY,
    _CM_NOT_HEIGHT,
    _FIT_WORDS,
    _PRICE_WORDS,
    _SIZE_WORDS_BEFORE,
    HEIGHT_RANGE,
    WEIGHT_RANGE,
    Hits,
    _is_product_measure,
    _person_before,
    canonical_size,
    find_hits,
)
from kuaifan.text.lexicon import CompiledLexicon

# Texts the run-by-run evaluation does not cover (see module doc): ``extract`` handles them.
NEEDS_EXTRACT: Final = re.compile(
    r"[12]米[12]米|(?:还是|或者|或)\s*[0-9.]+\s*(?:还是|或者|或)\s*[0-9]|\s\s"
    r"|[0-9]\s*[/,，、 ]\s*[0-9]|[0-9]\s*的?\s*脚|我\s*[0-9]"  # height/weight pairs, 37的脚, 我120
    r"|(?:孩子|儿子|女儿|闺女|娃|宝宝|小孩|小朋友|孙子|孙女|侄子|侄女|外甥)[\s是有才刚]{0,2}[0-9]"  # 娃104
    r"|主播"  # the host's measures (extract._host_measure)
)
_SPLIT: Final = re.compile(r"([0-9.]+)")
_DIGITS: Final = frozenset("0123456789")
_SHAPE: Final = str.maketrans("0123456789", "9999999999")
_SP = ("", " ")  # \s* on a normalised text: at most one space
_LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")
_WEIGHT_UNITS = ("kg", "公斤", "千克")


def _seq(*slots: Iterable[str]) -> frozenset[str]:
    return frozenset("".join(parts) for parts in product(*slots))


_JIN = _seq(_SP, ("", "多", "来"), _SP, ("斤",))
_KG = _seq(_SP, _WEIGHT_UNITS)
_CM = _seq(_SP, ("cm", "公分", "厘米"))
_L0 = _seq(_SP, ("号",), _SP, ("链接",))
_L3 = _seq(_SP, ("", "个"), _SP, ("链接",))
_HAO = _seq(_SP, ("号",))
# Words a gap after a run may start with, per rule (extract.py's patterns after the number).
RIGHT: Final[dict[str, frozenset[str]]] = {
    "jin": _JIN,
    "jin_tail": _seq(_JIN, _SP, ("装", "的量", "一箱", "一袋", "重")),
    "kg": _KG,
    "kg_bad": _seq(_KG, _LETTERS),
    "unit_after": _seq(_SP, ("斤", *_WEIGHT_UNITS)),
    "cm": _CM,
    "bare_unit": _seq(
        _SP,
        ("", "多", "来"),
        _SP,
        (
            *("斤", "kg", "公斤", "千克", "码", "号", "元", "块", "米", "cm", "公分", "厘米", "g", "ml", "w"),
            *("岁", "个", "件", "包", "盒", "瓶", "%", "mah", "万", "度", "天", "分", "次", "毫", "寸", "克"),
            *("期", "条"),
        ),
    ),
    "height_tail": _seq(_SP, ("的个子", "个子", "左右", "的身高")),
    "unit": _seq(_SP, ("码", "号")),
    "unit_bad": _seq(_SP, ("码", "号"), ("链接", "色", "发", "到", "前", "后")),
    "unit_hao": _HAO,
    "after_bad": _seq(
        _SP,
        (
            "斤",
            "kg",
            "公斤",
            "千克",
            "cm",
            "公分",
            "厘米",
            "岁",
            "个",
            "元",
            "块",
            "米",
            "号链接",
            "度",
            "g",
            "ml",
            "w",
        ),
    ),
    "before": _seq(
        _SP,
        (
            *("的", "还有", "没了", "没有", "没货", "有吗", "有没有", "会不会", "偏"),
            *("没抢到", "抢不到", "断货", "卖完", "还补", "会补", "合适"),
        ),
    ),
    "shoe_bad": _seq(
        _SP, ("斤", "kg", "公斤", "千克", "岁", "cm", "公分", "厘米", "元", "块", "米", "号链接", "度")
    ),
    "l0": _L0,
    "l1_bad": frozenset(_LETTERS)
    | _seq(_SP, ("号色", "色", "斤", "码", "件", "元", "块", "天", "分钟", "小时", "kg", "公斤", "cm")),
    "l3": _L3,
    "l4": _HAO,
    "l4_bad": _seq(
        _HAO,
        (
            *("链接", "色", "发", "到", "前", "后", "之前", "左右", "当天", "的时候", "能到", "下午"),
            *("晚上", "上午"),
        ),
    ),
    "weight_unit": _seq(_SP, ("", "多", "来"), _SP, ("斤", *_WEIGHT_UNITS)),  # _WEIGHT_AHEAD after its number
}
_LABEL_WORDS = ("", "是", "有", "大概", "大约")
_L1 = _seq(("链接",), _SP, ("", "#"), _SP)
_L2 = _seq(("#",), _SP)
_L3_HEAD = _seq(("第",), _SP)
# Words a gap before a run may end with, per rule (extract.py's patterns before the number).
LEFT: Final[dict[str, frozenset[str]]] = {
    "wlabel": _seq(("体重",), _SP, _LABEL_WORDS, _SP),
    "hlabel": _seq(("身高",), _SP, _LABEL_WORDS, _SP),
    "cm_not": _seq(_CM_NOT_HEIGHT, _SP),
    "cm_shen": _seq(("身高",), _SP),
    "size_word": _seq(_SIZE_WORDS_BEFORE, _SP),
    "not_height": _seq(_BARE_NOT_HEIGHT, _SP),
    "after": _seq(
        (
            *("穿", "拿", "要", "选", "买", "换", "平时", "平常", "平时穿", "平常穿", "拍了", "已拍"),
            *("已下单", "下单", "备注", "还是", "或者", "或", "穿的", "拿的", "还有", "有"),
        ),
        _SP,
    ),
    "shoe": _seq(("我",), _SP),
    "l1": _L1,
    "l2": _L2,
    "l3": _L3_HEAD,
}
# Lengths of the word of these rules inside a looked-up word (where a match ends / starts).
_RIGHT_LENGTHS: Final = {"jin": _JIN, "kg": _KG, "cm": _CM, "l0": _L0, "l3": _L3, "l4": _HAO}
_LEFT_LENGTHS: Final = {"l1": _L1, "l2": _L2, "l3": _L3_HEAD}
_CONNECTORS: Final = _seq(_SP, ("还是", "或者", "或"), _SP)
_NUM13: Final = frozenset({"9", "99", "999", "9.9", "99.9", "999.9"})
_SZ_SHAPES: Final = frozenset({"99", "999"})  # with _SZ5_SHAPES ending in .5: \d{2,3}(?:\.5)?
_SZ5_SHAPES: Final = frozenset({"99.9", "999.9"})
_NOT_BEFORE_LETTER: Final = frozenset(("#", *_LETTERS))


def _table(
    rules: dict[str, frozenset[str]], lengths: dict[str, frozenset[str]], *, suffix: bool
) -> dict[str, tuple[int, ...]]:
    """Per listed word: (bits of the rules with a word that is a prefix (suffix) of it, then per rule
    in ``lengths`` the length of its word inside this one)."""
    names = list(rules)
    table: dict[str, tuple[int, ...]] = {}
    for word in set().union(*rules.values()) - {""}:
        parts = {word[len(word) - i :] if suffix else word[:i] for i in range(1, len(word) + 1)}
        bits = sum(1 << i for i, name in enumerate(names) if parts & rules[name])
        table[word] = (bits, *(max((len(p) for p in parts & own), default=0) for own in lengths.values()))
    return table


_RIGHT_TABLE: Final = _table(RIGHT, _RIGHT_LENGTHS, suffix=False)
_LEFT_TABLE: Final = _table(LEFT, _LEFT_LENGTHS, suffix=True)
_RIGHT_MAX: Final = max(map(len, _RIGHT_TABLE))
_LEFT_MAX: Final = max(map(len, _LEFT_TABLE))
_NO_RIGHT: Final = (0,) * (1 + len(_RIGHT_LENGTHS))
_NO_LEFT: Final = (0,) * (1 + len(_LEFT_LENGTHS))
_RB = {name: 1 << i for i, name in enumerate(RIGHT)}
_LB = {name: 1 << i for i, name in enumerate(LEFT)}
R_JIN, R_JIN_TAIL, R_KG, R_KG_BAD, R_UNIT_AFTER = (
    _RB[n] for n in ("jin", "jin_tail", "kg", "kg_bad", "unit_after")
)
R_CM, R_BARE_UNIT, R_HEIGHT_TAIL, R_UNIT, R_UNIT_BAD = (
    _RB[n] for n in ("cm", "bare_unit", "height_tail", "unit", "unit_bad")
)
R_UNIT_HAO, R_AFTER_BAD, R_BEFORE, R_SHOE_BAD = (
    _RB[n] for n in ("unit_hao", "after_bad", "before", "shoe_bad")
)
R_L0, R_L1_BAD, R_L3, R_L4, R_L4_BAD = (_RB[n] for n in ("l0", "l1_bad", "l3", "l4", "l4_bad"))
R_WEIGHT_UNIT = _RB["weight_unit"]
L_WLABEL, L_HLABEL, L_CM_NOT, L_CM_SHEN = (_LB[n] for n in ("wlabel", "hlabel", "cm_not", "cm_shen"))
L_SIZE_WORD, L_NOT_HEIGHT, L_AFTER, L_SHOE = (_LB[n] for n in ("size_word", "not_height", "after", "shoe"))
L_L1, L_L2, L_L3 = (_LB[n] for n in ("l1", "l2", "l3"))


@lru_cache(maxsize=1 << 16)
def _right_word(head: str) -> tuple[int, ...]:
    for n in range(len(head), 0, -1):
        word = _RIGHT_TABLE.get(head[:n])
        if word is not None:
            return word
    return _NO_RIGHT


@lru_cache(maxsize=1 << 16)
def _left_word(tail: str) -> tuple[int, ...]:
    size = len(tail)
    for n in range(size, 0, -1):
        word = _LEFT_TABLE.get(tail[size - n :])
        if word is not None:
            return word
    return _NO_LEFT


def _right(gap: str) -> tuple[int, ...]:
    """(bits, len_jin, len_kg, len_cm, len_l0, len_l3, len_l4) of the longest listed word ``gap``
    starts with (it only depends on the first _RIGHT_MAX characters)."""
    return _right_word(gap[:_RIGHT_MAX])


def _left(gap: str) -> tuple[int, ...]:
    """(bits, head_l1, head_l2, head_l3) of the longest listed word ``gap`` ends with."""
    return _left_word(gap[-_LEFT_MAX:])


def _float(run: str) -> float | None:
    try:
        return float(run)
    except ValueError:
        return None


class Numbers(NamedTuple):
    height_cm: int | None
    weight_kg: float | None
    sizes: tuple[str, ...]  # numeric sizes, without the ones right after a colour word (batch.py)
    spans: tuple[tuple[int, int], ...]  # spans of the accepted heights and weights
    link_no: int | None


_NONE: Final = Numbers(None, None, (), (), None)


def numbers(text: str, lex: CompiledLexicon) -> Numbers:
    """Height, weight, numeric sizes, taken spans and link number as ``extract`` finds them in a
    normalised text that ``NEEDS_EXTRACT`` does not match (see module doc)."""
    segs = _SPLIT.split(text)
    nseg = len(segs)
    # per digit run a rule may take: r, s, e, num, weight kind, weight end, height kind, height end,
    # 身高 label, 1米65 digits, size candidate, a weight or 左右 / 个子 follows (for a bare height)
    runs: list[tuple[str, int, int, float | None, str, int, str, int, bool, str | None, bool, bool]] = []
    links: list[tuple[int, int, int, int, int]] = []
    pos = len(segs[0])
    prev_alt = False
    for k in range(1, nseg, 2):
        r, after = segs[k], segs[k + 1]
        s = pos
        e = s + len(r)
        pos = e + len(after)
        if r[0] not in _DIGITS:
            prev_alt = False
            continue
        before = segs[k - 1]
        right = _right_word(after[:_RIGHT_MAX])
        left = _left_word(before[-_LEFT_MAX:])
        rb, lb = right[0], left[0]
        shape = r.translate(_SHAPE)
        nxt = segs[k + 2] if k + 2 < nseg else None
        r12 = r == "1" or r == "2"
        sz = shape in _SZ_SHAPES or (shape in _SZ5_SHAPES and r[-2:] == ".5")
        alt = (
            sz
            and nxt is not None
            and after in _CONNECTORS
            and ((ns := nxt.translate(_SHAPE)) in _SZ_SHAPES or (ns in _SZ5_SHAPES and nxt[-2:] == ".5"))
        )
        if not (rb or lb or r12 or alt or prev_alt or shape == "999" or "." in r):
            prev_alt = False
            continue  # no rule can match this run
        num = _float(r)
        prev = before[-1:]
        d23 = shape == "99" or shape == "999"
        no_letter_before = prev not in _NOT_BEFORE_LETTER
        # weights (extract._weights)
        w_kind, w_end = "", e
        if rb & R_JIN and shape in _NUM13 and not rb & R_JIN_TAIL:
            w_kind, w_end = "jin", e + right[1]
        elif rb & R_KG and shape in _NUM13 and not rb & R_KG_BAD:
            w_kind, w_end = "kg", e + right[2]
        elif lb & L_WLABEL and d23 and not rb & R_UNIT_AFTER:
            w_kind = "label"
        # heights (extract._heights)
        hlabel = bool(lb & L_HLABEL) and d23
        h_kind, h_end, digits, follows = "", e, None, False
        if r12 and after[:1] == "米":
            next_shape = nxt.translate(_SHAPE) if nxt is not None else ""
            if after == "米" and next_shape in ("9", "99"):
                digits = nxt
            if digits is not None or len(after) > 1 or nxt is None:
                h_kind, h_end = "meter", e + 1 + len(digits or "")
        elif (shape == "9.9" or shape == "9.99") and num is not None and 1.0 <= num < 2.3:
            takes = (after[:1] == "米" and (len(after) > 1 or nxt is None)) or (
                after[:1] == "m"
                and ((len(after) > 1 and after[1] not in _LETTERS) or (after == "m" and nxt is None))
            )
            h_kind, h_end = "dec", e + takes
        elif d23 and rb & R_CM and not (lb & L_CM_NOT and not lb & L_CM_SHEN):
            h_kind, h_end = "cm", e + right[3]
        elif shape == "999" and num is not None and 130 <= num <= 229 and no_letter_before and not hlabel:
            follows = (
                nxt is not None
                and after.strip(" /,，、") == ""
                and nxt.translate(_SHAPE) in ("99", "999", "99.9", "999.9")
                and bool(_right(segs[k + 3])[0] & R_WEIGHT_UNIT)
            )
            if not rb & R_BARE_UNIT and not lb & L_SIZE_WORD and (follows or not lb & L_NOT_HEIGHT):
                h_kind = "bare"
        # numeric sizes (extract._sizes); 37还是38: both numbers
        n33_46 = num is not None and 33 <= num <= 46
        size_candidate = (
            alt
            or prev_alt
            or (sz and bool(rb & R_UNIT) and not rb & R_UNIT_BAD and not (rb & R_UNIT_HAO and not n33_46))
            or (sz and bool(lb & L_AFTER) and not rb & R_AFTER_BAD)
            or (sz and prev != "#" and bool(rb & R_BEFORE) and num is not None and num >= 33)
            or (
                bool(lb & L_SHOE)
                and (shape == "99" or (shape == "99.9" and r.endswith(".5")))
                and not rb & R_SHOE_BAD
                and n33_46
            )
        )
        prev_alt = alt
        # link matches (extract._link_no resolves them in pattern order)
        if shape == "9" or d23:
            value = int(r)
            if rb & R_L0:
                links.append((0, s, s, e + right[4], value))
            if lb & L_L1 and not rb & R_L1_BAD:
                links.append((1, s, s - left[1], e, value))
            if lb & L_L2:
                links.append((2, s, s - left[2], e, value))
            if lb & L_L3 and rb & R_L3:
                links.append((3, s, s - left[3], e + right[5], value))
            if no_letter_before and shape != "999" and rb & R_L4 and not rb & R_L4_BAD and value <= 30:
                links.append((4, s, s, e + right[6], value))
        if w_kind or h_kind or hlabel or size_candidate:
            tail = bool(rb & R_HEIGHT_TAIL)
            runs.append(
                (r, s, e, num, w_kind, w_end, h_kind, h_end, hlabel, digits, size_candidate, follows or tail)
            )
    if not runs:
        return Numbers(None, None, (), (), link_number(links, [])) if links else _NONE
    return _resolve(text, lex, runs, links)


def _resolve(
    text: str,
    lex: CompiledLexicon,
    runs: list[tuple[str, int, int, float | None, str, int, str, int, bool, str | None, bool, bool]],
    links: list[tuple[int, int, int, int, int]],
) -> Numbers:
    """The checks that need product and person words, then the values, as extract does them."""
    hits: Hits | None = None
    lo_w, hi_w = WEIGHT_RANGE
    weights: list[tuple[float, tuple[int, int]]] = []
    for _, s, e, num, w_kind, w_end, *_rest in runs:
        if not w_kind or num is None:
            continue
        if w_kind == "label":
            value, span = (num / 2 if num >= 80 else num), (s, e)
        else:
            hits = hits or find_hits(text, lex)
            if _is_product_measure(text, s, w_end, hits):
                continue
            value, span = (num / 2 if w_kind == "jin" else num), (s, w_end)
        if lo_w <= value <= hi_w:
            weights.append((value, span))
    has_weight = bool(weights)
    fit: bool | None = None
    lo_h, hi_h = HEIGHT_RANGE
    heights: list[tuple[int, tuple[int, int]]] = []
    for r, s, e, num, _, _, h_kind, h_end, hlabel, digits, _, bare_ok in runs:
        if hlabel:
            heights.append((int(r), (s, e)))
        if not h_kind or num is None:
            continue
        hits = hits or find_hits(text, lex)
        person = _person_before(text, s, hits)
        measure = _is_product_measure(text, s, h_end, hits)
        if h_kind == "bare":
            ok = bare_ok or person
            if not ok and 140 <= num <= 199 and (s == 0 or text[s - 1] in _BOUNDARY):
                fit = bool(_FIT_WORDS.search(text)) if fit is None else fit
                ok = fit and not _PRICE_WORDS.search(text)
            if ok and (person or not measure):
                heights.append((int(r), (s, e)))
        elif measure:
            continue
        elif h_kind == "meter":
            if digits is not None:
                heights.append(
                    (100 * int(r) + (int(digits) * 10 if len(digits) == 1 else int(digits)), (s, h_end))
                )
            elif (hits.persons or has_weight) and r == "1":
                heights.append((100, (s, h_end)))
        elif h_kind == "dec":
            if not (has_weight or person):
                fit = bool(_FIT_WORDS.search(text)) if fit is None else fit
                if not fit:
                    continue
            heights.append((round(num * 100), (s, h_end)))
        else:
            heights.append((int(r), (s, h_end)))
    heights = [(v, span) for v, span in heights if lo_h <= v <= hi_h]
    spans = [span for _, span in weights] + [span for _, span in heights]
    sizes = []
    for r, s, e, *_rest, size_candidate, _ in runs:
        if size_candidate and not any(a < e and s < b for a, b in spans):
            size = canonical_size(r)
            if size:
                sizes.append(size)
    distinct_h = {v for v, _ in heights}
    distinct_w = {v for v, _ in weights}
    return Numbers(
        distinct_h.pop() if len(distinct_h) == 1 else None,
        float(distinct_w.pop()) if len(distinct_w) == 1 else None,
        tuple(sizes),
        tuple(spans),
        link_number(links, spans) if links else None,
    )


def link_number(matches: list[tuple[int, int, int, int, int]], taken: list[tuple[int, int]]) -> int | None:
    """extract._link_no over precomputed matches (pattern, run start, start, end, value)."""
    values: set[int] = set()
    spans = list(taken)
    for _, start1, start, end, value in sorted(matches):
        if any(a <= start1 < b or a <= start < b for a, b in spans):
            continue
        if 0 < value < 1000:
            values.add(value)
            spans.append((start, end))
    return values.pop() if len(values) == 1 else None
