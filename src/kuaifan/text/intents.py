"""Intent decision: lexicon cue weights, a few structural patterns, and the labelling rules.

Scores start from the weights of the cues found (leftmost-longest) in the normalised text. Then:

- structural patterns add weight: ``有X吗`` (does a variant exist), ``37还是38`` (which size),
  ``是99吗`` (price), a lone number or emoji (other);
- extracted height/weight add to size_fit; a colour with ``有X吗`` adds to variant;
- a purchase report loses to any question with a decisive cue (已拍 几天能到 → shipping), and
  wins over weak hints and the attribute boosts (已拍 165 110斤 拿的M → purchased);
- ad spam is ``other``; ties go to the intent listed first in ``PRIORITY``.
"""

from __future__ import annotations

import math
import re
from typing import Final

from kuaifan.text.extract import Attributes
from kuaifan.text.lexicon import INTENT_INDEX, INTENTS, CompiledLexicon
from kuaifan.text.sentiment import QUESTION_END

N_INTENTS: Final = len(INTENTS)
PRICE, SIZE_FIT, VARIANT, STOCK, LINK, SHIPPING, QUALITY, PURCHASED, AFTER_SALES, PRAISE, OTHER = range(
    N_INTENTS
)
QUESTION_INTENTS: Final = (PRICE, SIZE_FIT, VARIANT, STOCK, LINK, SHIPPING, QUALITY, AFTER_SALES)
# Tie-break order: complaints and concrete demand first, chit-chat last.
PRIORITY: Final = (
    AFTER_SALES,
    STOCK,
    SIZE_FIT,
    PRICE,
    SHIPPING,
    LINK,
    VARIANT,
    QUALITY,
    PURCHASED,
    PRAISE,
    OTHER,
)
_RANK: Final = {intent: rank for rank, intent in enumerate(PRIORITY)}

DECISIVE: Final = 2.5  # a single cue this strong is a question that beats a purchase report
MIN_SCORE: Final = 1.5  # below this nothing was said that we understand → other

_HAS_VARIANT = re.compile(
    r"(?<![还没])有(?!没有|没|点|人|空|时|些|的时候|优惠|券)([^,，。!！?？ 还吗]{1,8}?)(?:吗|不|没|\?)"
)
_SIZE_TOKEN = re.compile(
    r"(?:(?<![a-z0-9.])(?:[2-6]?x{1,4}l|x{1,3}s|[sml])(?![a-z]))|\d{2,3}(?:\.5)?\s*(?:码|号)"
)
_ALT_SIZES = re.compile(
    r"(?:(?<![a-z0-9.])(?:[2-6]?x{1,4}l|x{1,3}s|[sml])|\d{2,3}(?:\.5)?)\s*(?:码|号)?\s*还是\s*"
    r"(?:(?:[2-6]?x{1,4}l|x{1,3}s|[sml])(?![a-z])|\d{2,3}(?:\.5)?)"
)
_PRICE_NUMBER = re.compile(
    r"(?:是|也是|就)\s*\d{2,4}\s*(?:元|块)?\s*(?:吗|嘛|\?)|\d+\s*(?:元|块钱|块)|满\d+减|¥|￥"
)
_LINK_NUMBER_Q = re.compile(r"是\s*\d{1,2}\s*号\s*(?:吗|\?)|\d{1,2}\s*号是|#\d{1,3}\s*是")
ONLY_SYMBOLS = re.compile(r"[\d\s\W_]*")
_QUESTION_END = re.compile(QUESTION_END)
_HAS_AFTER = re.compile(r"([^,，。!！?？ ]{1,8}?) ?(?<!还)有(?:吗|没有|没|不|\?)\s*(?:$|[,，。!！?？ ])")
_STILL_HAVE = re.compile(r"还有(?!别的|其他|其它|什么|优惠)[^,，。!！?？ ]{0,8}?(?:吗|没|不|\?)")
_RECEIVED_EXCHANGE = re.compile(r"收到.{0,12}(?:换|退)")
_SENT_WRONG = re.compile(r"拍的.{1,8}发的")
_ANY_DIGIT = re.compile(r"[0-9]")
_ASK_SIZE = re.compile(r"(?:求|要|蹲)\s*(?:\d?\s*(?:个|件))?\s*(?:[2-6]?x{1,4}l|x{1,3}s|[sml])(?![a-z])")
# 99包邮吗, 120两件吗: a number with a deal is a price question, whatever else it names
_PRICE_DEAL = re.compile(r"\d{2,4}\s*(?:元|块)?\s*(?:包邮|[一两二三]件)")
# 拿38吗, 穿m可以吗: which size to take
_SIZE_Q = re.compile(
    r"(?:拿|穿|选)\s*(?:[2-6]?x{1,4}l|x{1,3}s|[sml]|\d{2,3}(?:\.5)?)\s*(?:码|号)?\s*"
    r"就?\s*(?:吗|可以|行|合适|\?)"
)


def score_cues(cues: list[str], lex: CompiledLexicon) -> tuple[list[float], list[float]]:
    """Summed and strongest weight per intent; a cue inside another cue found in the text is dropped."""
    n = len(INTENTS)
    total = [0.0] * n
    strongest = [0.0] * n
    table = lex.intent_cues
    if len(cues) > 1:
        supers = lex.intent_supers
        found = set(cues)
        cues = [c for c in cues if c not in supers or found.isdisjoint(supers[c])]
    for cue in cues:
        for idx, w in table[cue]:
            total[idx] += w
            if w > strongest[idx]:
                strongest[idx] = w
    return total, strongest


def _boost(scores: list[float], strongest: list[float], idx: int, w: float) -> None:
    scores[idx] += w
    if w > strongest[idx]:
        strongest[idx] = w


# What the structural patterns found in a text, as bits (``text_flags``). Both paths compute them
# (per text with ``re`` here, vectorised in ``batch.py``) and ``decide_flags`` reads only them.
F_HAS_Q = 1  # 有X吗 / X有吗 (_HAS_VARIANT or _HAS_AFTER)
F_HAS_Q_SIZE = 2  # ... and X contains a size token
F_STILL_HAVE = 4  # 还有…吗
F_RECEIVED = 8  # 收到…换/退, 拍的…发的
F_HAISHI = 16  # 还是 (a choice)
F_ALT_SIZES = 32  # 37还是38, s还是m
F_PRICE_NUMBER = 64  # 是99吗, 99元, 满300减, ¥
F_LINK_NUMBER_Q = 128  # 是3号吗, #3是
F_ASK_SIZE = 256  # 求M, 蹲xl
F_ONLY_SYMBOLS = 512  # empty, or digits, emoji and punctuation only
F_PRICE_DEAL = 1024  # 99包邮, 120两件
F_SIZE_Q = 2048  # 拿38吗, 穿m可以吗
F_QUESTION_END = 4096  # …吗 / …? at the end (sentiment.QUESTION_END)
F_QUALITY_A = 8192  # A不A on a property: 耐不耐脏, 透不透, 甜不甜
F_SIZE_A = 16384  # A不A on a size: 大不大, 长不长, 紧不紧
F_PRICE_A = 32768  # 贵不贵


_A_NOT_A = re.compile(r"([\u4e00-\u9fff])不\1")
_SIZE_A: Final = frozenset("大小长短紧松宽肥瘦挤")
_AUX_A: Final = frozenset("是要会能可对行算用做去来买拍发有好")


def a_not_a_flags(text: str) -> int:
    """The A不A questions of a text that contains 不 (大不大 asks about the size, 贵不贵 the price,
    耐不耐脏 / 透不透 a property; auxiliaries such as 是不是, 要不要, 会不会 say nothing alone)."""
    flags = 0
    for m in _A_NOT_A.finditer(text):
        ch = m.group(1)
        if ch in _SIZE_A:
            flags |= F_SIZE_A
        elif ch == "贵":
            flags |= F_PRICE_A
        elif ch not in _AUX_A:
            flags |= F_QUALITY_A
    return flags


def has_question_flags(text: str) -> int:
    """F_HAS_Q, F_HAS_Q_SIZE and F_STILL_HAVE of a text that contains 有."""
    flags = 0
    m = _HAS_VARIANT.search(text) or _HAS_AFTER.search(text)
    if m is not None:
        flags = F_HAS_Q | (F_HAS_Q_SIZE if _SIZE_TOKEN.search(m.group(1)) else 0)
    if "还有" in text and _STILL_HAVE.search(text):
        flags |= F_STILL_HAVE
    return flags


def text_flags(text: str, *, ask_size: bool = True, only_symbols: bool = True) -> int:
    """The structural patterns of one normalised text (cheap substring tests gate the regexes).
    ``ask_size`` / ``only_symbols`` False: those two are left out (``decide`` knows when they
    cannot matter)."""
    flags = has_question_flags(text) if "有" in text else 0
    if ("收到" in text and _RECEIVED_EXCHANGE.search(text)) or ("发的" in text and _SENT_WRONG.search(text)):
        flags |= F_RECEIVED
    if "还是" in text:
        flags |= F_HAISHI | (F_ALT_SIZES if _ALT_SIZES.search(text) else 0)
    if _ANY_DIGIT.search(text) is not None:
        if _PRICE_NUMBER.search(text):
            flags |= F_PRICE_NUMBER
        if ("号" in text or "#" in text) and _LINK_NUMBER_Q.search(text):
            flags |= F_LINK_NUMBER_Q
        if ("包邮" in text or "件" in text) and _PRICE_DEAL.search(text):
            flags |= F_PRICE_DEAL
    elif "¥" in text or "￥" in text:
        flags |= F_PRICE_NUMBER
    if ask_size and _ASK_SIZE.search(text):
        flags |= F_ASK_SIZE
    if _SIZE_Q.search(text):
        flags |= F_SIZE_Q
    if only_symbols and (not text or ONLY_SYMBOLS.fullmatch(text)):
        flags |= F_ONLY_SYMBOLS
    if "不" in text:
        flags |= a_not_a_flags(text)
    if _QUESTION_END.search(text):
        flags |= F_QUESTION_END
    return flags


def decide(
    text: str,
    total: list[float],
    strongest: list[float],
    attrs: Attributes,
    ad_spam: bool,
) -> tuple[str, float]:
    """The primary intent of one normalised comment and a confidence in [0, 1]."""
    # decide_flags reads F_ASK_SIZE only with a size and F_ONLY_SYMBOLS only without any cue
    flags = text_flags(text, ask_size=attrs.size is not None, only_symbols=not any(total))
    return decide_flags(flags, total, strongest, attrs, ad_spam)


def decide_flags(
    flags: int,
    total: list[float],
    strongest: list[float],
    attrs: Attributes,
    ad_spam: bool,
) -> tuple[str, float]:
    """``decide`` from the text's flags (``text_flags``); ``total`` and ``strongest`` are updated."""
    if ad_spam:
        return "other", 0.9
    scores = total
    if flags & F_ONLY_SYMBOLS and not any(scores):
        # "666", "1111", "🌹🌹🌹": digits, emoji and punctuation only
        return "other", 0.9
    if flags & F_HAS_Q:
        # 有X吗 / X有吗: does a variant exist (variant), or is a size there (stock)
        if attrs.color is None and (flags & F_HAS_Q_SIZE or attrs.size is not None):
            _boost(scores, strongest, STOCK, 2.5)  # a size with 有吗: is that size there
        else:
            _boost(scores, strongest, VARIANT, 3.0 if attrs.color is not None else 2.0)
    if flags & F_STILL_HAVE and strongest[PRICE] < 3:
        scores[STOCK] += 1.5
    if flags & F_RECEIVED:
        # a fit or wrong-item problem with a parcel already received is after-sales
        _boost(scores, strongest, AFTER_SALES, 5.0)
    if flags & F_HAISHI:
        if attrs.n_colors > 1:
            _boost(scores, strongest, VARIANT, 6.0)
        if flags & F_ALT_SIZES:
            _boost(scores, strongest, SIZE_FIT, 3.5)
    if strongest[AFTER_SALES] >= 3.5:
        # "申请退款了 什么时候到": a delivery question about a return or refund is after-sales
        scores[SHIPPING] *= 0.5
    if flags & F_PRICE_NUMBER:
        _boost(scores, strongest, PRICE, 2.5)
    if flags & F_LINK_NUMBER_Q:
        _boost(scores, strongest, LINK, 3.0)
    if flags & F_PRICE_DEAL:
        _boost(scores, strongest, PRICE, 4.5)
    if flags & F_SIZE_Q:
        _boost(scores, strongest, SIZE_FIT, 3.0)
    if attrs.size is not None and flags & F_ASK_SIZE:
        _boost(scores, strongest, STOCK, 2.5)

    if scores[PURCHASED] >= DECISIVE:
        question = max(*strongest[PRICE:PURCHASED], strongest[AFTER_SALES])
        if question >= DECISIVE:
            scores[PURCHASED] = 0.0
        else:
            return "purchased", _confidence(
                scores[PURCHASED], max(*scores[PRICE:PURCHASED], scores[AFTER_SALES])
            )

    # weak hints from the form of the question, after the purchase rule as the attributes
    if flags & F_QUALITY_A:
        scores[QUALITY] += 2.0
    if flags & F_SIZE_A:
        scores[SIZE_FIT] += 2.0
    if flags & F_PRICE_A:
        scores[PRICE] += 2.0
    if attrs.color is not None and flags & F_QUESTION_END:
        scores[VARIANT] += 1.5  # 出白色吗, 是黑色吗: a question about a colour
    # attributes are evidence, not questions: they come after the purchase rule
    if attrs.height_cm is not None:
        scores[SIZE_FIT] += 2.0
    if attrs.weight_kg is not None:
        scores[SIZE_FIT] += 2.0
    if attrs.link_no is not None:
        scores[LINK] += 1.0

    top = max(scores)
    best = scores.index(top)
    if scores.count(top) > 1:
        best = min((i for i, s in enumerate(scores) if s == top), key=_RANK.__getitem__)
    if top < MIN_SCORE:
        return "other", 0.5 if top <= 0 else 0.4
    second = sorted(scores)[-2]
    return INTENTS[best], _confidence(top, second)


def _confidence(top: float, second: float) -> float:
    margin = 0.5 + 0.5 * math.tanh((top - max(second, 0.0)) / 2.0)
    strength = 1.0 - math.exp(-top / 2.0)
    return round(max(0.0, min(1.0, margin * strength)), 3)


__all__ = ["INTENT_INDEX", "decide", "decide_flags", "text_flags"]
