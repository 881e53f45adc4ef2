"""The batch path: the distinct texts of a batch through polars string kernels (Rust) in two plans,
and through Python only where a cheap test says a rule can apply.

Same results as the per-text path, by construction and by test (tests/text/test_batch.py):

1. normalisation as kernels (NFKC, lower-case, emote codes, whitespace, the typo table with
   ``replace_many``, leftmost with longest keys first = leftmost-longest). A text with characters
   outside ``SAFE_TEXT`` (where Python's and Rust's Unicode tables could differ) is classified per
   text; Chinese numerals are converted in Python where ``NUMERAL_GATE`` says one can change;
2. each distinct normalised text once: intent cues and sentiment words with ``extract_many``
   (Aho-Corasick, the same matches in the same order as the compiled automata), spam words with
   ``contains_any``, and the structural patterns of ``intents.text_flags`` that Rust's regex
   engine evaluates exactly (it has no look-around; a one-character look-around at the very start
   or end of a pattern becomes a consumed character, which gives the same "is there a match");
3. per text in Python, only where needed: colours (texts with a colour character), the 有
   patterns (the group of their first match matters), 刷屏 (long texts with few distinct
   characters), numbers (texts with a digit: ``numbers.py``), letter sizes (once per distinct run
   of the characters that rule reads);
4. a comment depends only on these features, so ``decide_flags`` and the sentiment run once per
   distinct feature tuple, and equal comments share one ``Comment`` object.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import polars as pl

from kuaifan.text.extract import _AFTER_COLOR, Attributes, _sizes, canonical_size, extract, find_colors
from kuaifan.text.intent_model import UNSURE, IntentModel
from kuaifan.text.intents import (
    F_ALT_SIZES,
    F_ASK_SIZE,
    F_HAISHI,
    F_LINK_NUMBER_Q,
    F_ONLY_SYMBOLS,
    F_PRICE_DEAL,
    F_PRICE_NUMBER,
    F_QUESTION_END,
    F_RECEIVED,
    F_SIZE_Q,
    a_not_a_flags,
    decide_flags,
    has_question_flags,
    score_cues,
)
from kuaifan.text.lexicon import CompiledLexicon
from kuaifan.text.ngram_model import NgramModel
from kuaifan.text.normalize import convert_numerals
from kuaifan.text.numbers import NEEDS_EXTRACT, numbers
from kuaifan.text.sentiment import CONTACT, QUESTION_END, URL, is_flood, sentiment_from_words, sentiment_score

SEP = "\x1f"  # joins the words a scan found into one key (no lexicon word contains it: checked)

# Characters on which Python's unicodedata / str.lower / re and Rust's Unicode tables agree
# (tested character by character in tests/text/test_batch.py): ASCII, Latin-1, punctuation,
# symbols, CJK, kana, full-width forms, variation selectors and emoji. Anything else: per text.
SAFE_TEXT = (
    r"^[\x{9}-\x{D}\x{20}-\x{7E}\x{A0}-\x{FF}\x{2000}-\x{206F}\x{2100}-\x{27BF}\x{3000}-\x{30FF}"
    r"\x{4E00}-\x{9FFF}\x{FE00}-\x{FE0F}\x{FF00}-\x{FFEF}\x{1F000}-\x{1FAFF}]*$"
)
_EMOTE = r"\[[^\[\]\s]{1,6}\]"
_NUM = "零〇一二两三四五六七八九十百"
# convert_numerals changes a text only where one of these matches (see normalize._numeral_sub)
NUMERAL_GATE = (
    rf"(?:身高|体重|链接|第|米)[{_NUM}]|[{_NUM}][多来]?(?:[米斤公千号码岁个块元厘cmkg]|包邮)"
    r"|一[三四五六七八九][零〇一二三四五六七八九]"
    rf"|[一两二]百|[{_NUM}]的?脚"
)

# The patterns of intents.py in Rust syntax. A negative look-behind / look-ahead of one character
# at the very start / end of the pattern becomes (?:^|[^…]) / (?:$|[^…]): same "is there a match".
_LETTER = r"(?:[2-6]?x{1,4}l|x{1,3}s|[sml])"
_RUST_FLAGS: tuple[tuple[int, str], ...] = (
    (F_RECEIVED, r"收到.{0,12}(?:换|退)|拍的.{1,8}发的"),
    (
        F_ALT_SIZES,
        rf"(?:(?:^|[^a-z0-9.]){_LETTER}|\d{{2,3}}(?:\.5)?)\s*(?:码|号)?\s*还是\s*"
        rf"(?:{_LETTER}(?:$|[^a-z])|\d{{2,3}}(?:\.5)?)",
    ),
    (
        F_PRICE_NUMBER,
        r"(?:是|也是|就)\s*\d{2,4}\s*(?:元|块)?\s*(?:吗|嘛|\?)|\d+\s*(?:元|块钱|块)|满\d+减|¥|￥",
    ),
    (F_LINK_NUMBER_Q, r"是\s*\d{1,2}\s*号\s*(?:吗|\?)|\d{1,2}\s*号是|#\d{1,3}\s*是"),
    (F_ASK_SIZE, rf"(?:求|要|蹲)\s*(?:\d?\s*(?:个|件))?\s*{_LETTER}(?:$|[^a-z])"),
    (F_PRICE_DEAL, r"\d{2,4}\s*(?:元|块)?\s*(?:包邮|[一两二三]件)"),
    (
        F_SIZE_Q,
        rf"(?:拿|穿|选)\s*(?:{_LETTER}|\d{{2,3}}(?:\.5)?)\s*(?:码|号)?\s*就?\s*(?:吗|可以|行|合适|\?)",
    ),
)
# Python's \w is "alphanumeric or _": letters and every numeric character; ONLY_SYMBOLS fails on
# the alphanumerics that are not decimal digits.
_NOT_SYMBOL = r"[\p{L}\p{Nl}\p{No}]"
# For letter sizes only these characters matter (extract._LETTER_SIZE: the tokens, 码/号 after
# them and the one character before and after); any other character separates runs of them.
LETTER_RUN = r"[a-z0-9.几码号均]+"


class Patterns:
    """The kernels' word lists and expressions for one compiled lexicon, built once: building them
    (big literal lists) costs more than running them on a few thousand texts."""

    __slots__ = ("color_chars", "features", "normalize", "ok")

    def __init__(self, lex: CompiledLexicon) -> None:
        typo_map = lex.typos.mapping
        typo_keys = lex.longest_first(typo_map)
        cues = lex.longest_first(lex.intent_cues)
        senti = lex.longest_first(lex.senti_map)
        spam = list(lex.spam_words)
        # every colour word contains one of these characters: a text without any has no colour
        chars: set[str] = set()
        for key, canon in lex.color_map.items():
            if canon and not chars.intersection(key):
                chars.add(max(key, key=lambda ch: (ch in canon, ch)))
        self.color_chars = "[" + "".join(sorted("\\" + c if c in "\\[]^-&~" else c for c in chars)) + "]"
        # a separator inside a word would split its key: such a lexicon uses the per-text path
        self.ok = not any(SEP in w for w in (*cues, *senti))

        t = pl.col("t")
        norm = (
            t.str.normalize("NFKC")
            .str.to_lowercase()
            .str.replace_all(_EMOTE, " ")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
        )
        if typo_keys:
            norm = norm.str.replace_many(typo_keys, [typo_map[k] for k in typo_keys], leftmost=True)
        self.normalize = [norm.alias("t")]

        def joined(words: list[str], **how: bool) -> pl.Expr:
            return t.str.extract_many(words, **how).list.join(SEP) if words else pl.lit("")

        bits = [t.str.contains(pattern).cast(pl.Int64) * bit for bit, pattern in _RUST_FLAGS]
        bits.append(t.str.contains("还是", literal=True).cast(pl.Int64) * F_HAISHI)
        bits.append(((t == "") | ~t.str.contains(_NOT_SYMBOL)).cast(pl.Int64) * F_ONLY_SYMBOLS)
        bits.append(t.str.contains(QUESTION_END).cast(pl.Int64) * F_QUESTION_END)
        self.features = [
            joined(cues, overlapping=True).alias("ck"),
            joined(senti, leftmost=True).alias("sk"),
            (
                (t.str.contains_any(spam) if spam else pl.lit(False))
                | (t.str.contains("[a-z0-9]") & t.str.contains(f"{URL}|{CONTACT}"))
            ).alias("ad"),
            t.str.contains(QUESTION_END).alias("qend"),
            t.str.contains("[0-9]").alias("digit"),
            t.str.contains("有", literal=True).alias("you"),
            t.str.contains("不", literal=True).alias("bu"),
            t.str.contains(self.color_chars).alias("color"),
            (t.str.len_chars() >= 10).alias("long"),
            pl.when(t.str.contains("[smlx]|均码")).then(t.str.extract_all(LETTER_RUN)).alias("runs"),
            pl.sum_horizontal(bits).alias("flags"),
        ]


@lru_cache(maxsize=8)
def patterns(lex: CompiledLexicon) -> Patterns:
    return Patterns(lex)


def _normalize_safe(raw: Sequence[str], pats: Patterns) -> list[str]:
    """``lex.norm`` of texts within SAFE_TEXT."""
    df = (
        pl.LazyFrame({"t": raw}, schema={"t": pl.String})
        .select(pats.normalize)
        .with_columns(numeral=pl.col("t").str.contains(NUMERAL_GATE))
        .collect()
    )
    norms: list[str] = df.get_column("t").to_list()
    for i in df.get_column("numeral").arg_true().to_list():
        norms[i] = convert_numerals(norms[i])
    return norms


def normalize_batch(texts: Sequence[str], lex: CompiledLexicon) -> list[str]:
    """``lex.norm`` of every text (tested equal): kernels within SAFE_TEXT, Python outside."""
    raw = pl.Series("t", list(texts), dtype=pl.String)
    safe = raw.str.contains(SAFE_TEXT).to_list()
    norms = _normalize_safe(list(texts), patterns(lex))
    return [n if ok else lex.norm(text) for n, ok, text in zip(norms, safe, texts, strict=True)]


def classify_batch(
    texts: Sequence[str],
    lex: CompiledLexicon,
    make: Callable[..., Any],
    python: Callable[[str], Any],
    model: NgramModel | None = None,
    intent_model: IntentModel | None = None,
) -> list[Any] | None:
    """One ``make(intent, h, w, size, color, link, confidence, sentiment, spam)`` per text;
    ``python(text)`` for texts outside SAFE_TEXT. None when this lexicon cannot use the batch path."""
    pats = patterns(lex)
    if not pats.ok:
        return None
    if not texts:
        return []
    safe: list[bool] = pl.Series(list(texts), dtype=pl.String).str.contains(SAFE_TEXT).to_list()
    inside = [t for t, ok in zip(texts, safe, strict=True) if ok]
    norms = _normalize_safe(inside, pats)
    slot: dict[str, int] = {}
    where = [slot.setdefault(n, len(slot)) for n in norms]
    made = _classify_norms(list(slot), lex, pats, make, model, intent_model)
    out = iter(made[i] for i in where)
    return [next(out) if ok else python(t) for t, ok in zip(texts, safe, strict=True)]


Features = dict[str, list[Any]]


def _classify_norms(
    norms: list[str],
    lex: CompiledLexicon,
    pats: Patterns,
    make: Callable[..., Any],
    model: NgramModel | None,
    intent_model: IntentModel | None = None,
) -> list[Any]:
    """Comments of distinct normalised texts (all within SAFE_TEXT)."""
    df = pl.LazyFrame({"t": norms}, schema={"t": pl.String}).with_columns(pats.features).collect()
    features = _python_features(norms, df, lex)
    features.update(_attributes(norms, df, features["colors"], lex))
    # long texts (reviews) blend in the learned model: their own sentiment, keyed by the text
    long_from = model.min_chars if model is not None else 1 << 30
    features["long_text"] = [n if len(n) >= long_from else None for n in norms]
    made = _decide(features, lex, make, model)
    if intent_model is None:
        return made
    # the intent model reads the text itself: per text, where the rules are unsure
    out = []
    for norm, comment in zip(norms, made, strict=True):
        if comment.confidence <= UNSURE:
            intent, confidence = intent_model.refine(comment.intent, comment.confidence, norm)
            if intent != comment.intent:
                c = comment
                comment = make(
                    intent,
                    c.height_cm,
                    c.weight_kg,
                    c.size,
                    c.color,
                    c.link_no,
                    confidence,
                    c.sentiment,
                    c.spam,
                )
        out.append(comment)
    return out


def _python_features(norms: list[str], df: pl.DataFrame, lex: CompiledLexicon) -> Features:
    """Colours, the 有 patterns and 刷屏, on the texts where they can be found."""
    col = df.get_column
    colors: list[list[tuple[str, int, int]]] = [[]] * len(norms)
    for i in col("color").arg_true().to_list():
        found = find_colors(norms[i], lex)
        if found:
            colors[i] = found
    flags: list[int] = col("flags").to_list()
    for i in col("you").arg_true().to_list():
        flags[i] |= has_question_flags(norms[i])
    for i in col("bu").arg_true().to_list():  # A不A needs a back-reference: Python
        flags[i] |= a_not_a_flags(norms[i])
    ad: list[bool] = col("ad").to_list()
    spam = list(ad)
    for i in col("long").arg_true().to_list():
        text = norms[i]
        # is_flood's own cheap test first: a flooded text has few distinct characters
        if not spam[i] and len(set(text)) <= len(text) - 7.5 and is_flood(text):
            spam[i] = True
    ncol = [len({c for c, _, _ in found}) for found in colors]
    return {
        "ck": col("ck").to_list(),
        "sk": col("sk").to_list(),
        "qend": col("qend").to_list(),
        "flags": flags,
        "ad": ad,
        "spam": spam,
        "colors": colors,
        "ncol": ncol,
        "color": [found[0][0] if k == 1 else None for found, k in zip(colors, ncol, strict=True)],
    }


def _attributes(
    norms: list[str], df: pl.DataFrame, colors: list[list[tuple[str, int, int]]], lex: CompiledLexicon
) -> Features:
    """height, weight, size and link number as ``extract`` finds them."""
    col = df.get_column
    n = len(norms)
    h: list[int | None] = [None] * n
    w: list[float | None] = [None] * n
    link: list[int | None] = [None] * n
    size: list[str | None] = [None] * n
    letter: list[set[str]] = [set()] * n
    has_runs = col("runs").is_not_null()
    runs = col("runs").filter(has_runs).to_list()
    for i, found in zip(has_runs.arg_true().to_list(), _letter_sizes(runs), strict=True):
        letter[i] = found
        size[i] = next(iter(found)) if len(found) == 1 else None
    for i in col("digit").arg_true().to_list():
        text = norms[i]
        if NEEDS_EXTRACT.search(text):
            a = extract(text, lex, colors[i])
            h[i], w[i], size[i], link[i] = a.height_cm, a.weight_kg, a.size, a.link_no
            continue
        h[i], w[i], numeric, spans, link[i] = numbers(text, lex)
        found = letter[i].union(numeric)
        for _, _, end in colors[i]:  # extract._sizes: a number right after a colour (黑色38)
            after = _AFTER_COLOR.match(text, end)
            if after and not any(a < after.end(1) and after.start(1) < b for a, b in spans):
                found.add(canonical_size(after.group(1)) or "")
        found.discard("")
        size[i] = found.pop() if len(found) == 1 else None
    return {"h": h, "w": w, "size": size, "link": link}


def _decide(
    f: Features, lex: CompiledLexicon, make: Callable[..., Any], model: NgramModel | None = None
) -> list[Any]:
    """The decision once per distinct feature tuple, its parts once per distinct part."""
    cache: dict[tuple[Any, ...], Any] = {}
    intents: dict[tuple[Any, ...], tuple[str, float]] = {}
    sentiments: dict[tuple[str, bool], float] = {}
    senti_map = lex.senti_map
    out = []
    keys = zip(
        f["ck"],
        f["sk"],
        f["flags"],
        f["h"],
        f["w"],
        f["size"],
        f["color"],
        f["link"],
        f["ncol"],
        f["ad"],
        f["spam"],
        f["qend"],
        f["long_text"],
        strict=True,
    )
    for key in keys:
        comment = cache.get(key)
        if comment is None:
            ck, sk, fl, hv, wv, sz, cl, ln, nc, is_ad, is_spam, qend, long_text = key
            # decide_flags reads only whether an attribute is there (and whether colours compete)
            ikey = (ck, fl, hv is None, wv is None, sz is None, cl is None, ln is None, nc > 1, is_ad)
            decided = intents.get(ikey)
            if decided is None:
                total, strongest = score_cues(ck.split(SEP) if ck else [], lex)
                attrs = Attributes(hv, wv, sz, cl, ln, None, nc)
                decided = intents[ikey] = decide_flags(fl, total, strongest, attrs, is_ad)
            if long_text is not None:
                words = sk.split(SEP) if sk else []
                senti = sentiment_score(words, senti_map, qend, long_text, model)
            else:
                cached = sentiments.get((sk, qend))
                if cached is None:
                    cached = sentiment_from_words(sk.split(SEP), senti_map, qend) if sk else 0.0
                    sentiments[sk, qend] = cached
                senti = cached
            comment = cache[key] = make(decided[0], hv, wv, sz, cl, ln, decided[1], senti, is_spam)
        out.append(comment)
    return out


def _letter_sizes(runs: list[list[str] | None]) -> list[set[str]]:
    """Per text, the canonical letter sizes in its LETTER_RUN runs (each distinct run once)."""
    memo: dict[str, frozenset[str]] = {}
    empty: set[str] = set()
    out: list[set[str]] = []
    for text_runs in runs:
        if not text_runs:
            out.append(empty)
            continue
        found: set[str] = set()
        for run in text_runs:
            sizes = memo.get(run)
            if sizes is None:
                sizes = memo[run] = frozenset(_sizes(run, [], [], digits=False))
            found |= sizes
        out.append(found)
    return out
