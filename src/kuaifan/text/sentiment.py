"""Sentiment in [-1, 1] and spam flags, from lexicon words on the normalised text.

Sentiment: the sum of the weights of the sentiment words found leftmost-longest, where a negated
word is its own entry with the opposite sign (不喜欢, 没有色差, 不起球), squashed with tanh. A
text with both praise and complaint words counts half (a mixed verdict: "质量还行，就是物流太慢"),
and so does a question (…吗, …?): "质量好吗" is not praise. It behaves the same on live comments and
on written reviews ("质量很好，物流也快" > 0, "做工很差，退货了" < 0). From ``min_chars`` characters on
(written reviews, long comments) the learned n-gram model of ``ngram_model`` is blended in.

Spam: 刷屏 (one short unit repeated four or more times over ten or more characters), ads and
引流 (加v, 加微信, 货源 …), URLs, QQ / WeChat ids and phone numbers. The regexes avoid
look-around so that polars (Rust regex) evaluates them exactly like Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Final

from kuaifan.text.ngram_model import NgramModel

QUESTION_END: Final = r"(?:吗|么|呢|\?)\s*$"
URL: Final = r"https?://|www\.|[a-z0-9-]{2,}\.(?:com|cn|net|top|xyz|cc|vip|shop)(?:[^a-z]|$)"
CONTACT: Final = (
    r"(?:qq|q号|扣扣|企鹅|vx|wx|v信|微信|威信|薇信|加v|\+v)\s*[:：号]?\s*[a-z0-9_-]{5,}"
    r"|(?:^|[^0-9])1[3-9][0-9]{9}(?:[^0-9]|$)"
)
_QUESTION_END = re.compile(QUESTION_END)
_AD = re.compile(f"{URL}|{CONTACT}")
_REPEAT = re.compile(r"(.{1,8}?)\1{3,}")
_ASCII_ALNUM = re.compile(r"[a-z0-9]")


MIXED_DAMPING: Final = 0.5  # praise and complaint in one text: the net is halved (a mixed verdict)


def lexicon_score(words: Iterable[str], weights: Mapping[str, float]) -> float:
    """The raw (unsquashed) lexicon score of the sentiment words found in a text."""
    positive = negative = 0.0
    for w in words:
        weight = weights[w]
        if weight > 0:
            positive += weight
        else:
            negative += weight
    score = positive + negative
    if positive and negative:  # "颜色好看，就是有点薄": a review that weighs both sides
        score *= MIXED_DAMPING
    return score


def sentiment_from_words(words: Iterable[str], weights: Mapping[str, float], question: bool) -> float:
    """Polarity in [-1, 1] from the sentiment words found in a text (the lexicon alone)."""
    score = lexicon_score(words, weights)
    if score == 0.0:
        return 0.0
    if question:
        score *= 0.5
    return round(math.tanh(score / 3.0), 3)


def sentiment_score(
    words: Iterable[str], weights: Mapping[str, float], question: bool, norm: str, model: NgramModel | None
) -> float:
    """Polarity in [-1, 1]: the lexicon alone for a short text, blended with the learned n-gram
    model (``ngram_model``) from ``model.min_chars`` characters on."""
    if model is None or len(norm) < model.min_chars:
        return sentiment_from_words(words, weights, question)
    score = lexicon_score(words, weights) + model.alpha * model.logit(norm)
    if question:
        score *= 0.5
    return round(math.tanh(score / model.scale), 3)


def is_question_end(text: str) -> bool:
    return bool(_QUESTION_END.search(text))


def is_flood(text: str) -> bool:
    """刷屏: one unit repeated at least four times, ten or more characters in all."""
    # a flooded stretch of L >= 10 characters has at most L/4 distinct ones, so the whole text
    # then has at most len - 7.5 distinct characters: a cheap test that skips nearly every comment
    if len(text) < 10 or len(set(text)) > len(text) - 7.5:
        return False
    return any(len(m.group(0)) >= 10 for m in _REPEAT.finditer(text))


def has_ad_pattern(text: str) -> bool:
    """URLs, contact ids and phone numbers (the spam words are matched by the lexicon)."""
    return bool(_ASCII_ALNUM.search(text)) and bool(_AD.search(text))
