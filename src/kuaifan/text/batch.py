"""The batch path: the distinct texts of a batch through polars string kernels (Rust), a few plans.

Same results as the per-text path, by construction and by test (tests/text/test_batch.py):

1. normalisation as kernels (NFKC, lower-case, emote codes, whitespace, the typo table with
   ``replace_many``), then each distinct normalised text once. A text with characters outside
   ``SAFE_TEXT`` (where Python's and Rust's Unicode tables could differ) is classified per text;
   Chinese numerals are converted in Python on the texts where ``NUMERAL_GATE`` says they can be;
2. intent cues and sentiment words with ``extract_many`` (Aho-Corasick), spam words with
   ``contains_any``, and each structural pattern of ``intents.text_flags`` that Rust's regex
   engine evaluates exactly (no look-around: a one-character look-around at the edge of a pattern
   becomes a consumed character, which gives the same "is there a match");
3. per text in Python, only where a cheap test says it is needed: colours (a colour character
   present; the compiled automaton), the 有 patterns (whose first match's group matters), 刷屏;
4. attributes: numbers with ``batch_extract`` (kernels over number runs), letter sizes once per
   distinct run of letter-size characters;
5. a comment depends only on the features above, so ``decide_flags`` and the sentiment run once
   per distinct feature tuple, and equal comments share one ``Comment``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import polars as pl

from kuaifan.text.batch_extract import NEEDS_PYTHON, extract_batch, link_number
from kuaifan.text.extract import _AFTER_COLOR, Attributes, _sizes, canonical_size, extract, find_colors
from kuaifan.text.intents import (
    F_ALT_SIZES,
    F_ASK_SIZE,
    F_HAISHI,
    F_LINK_NUMBER_Q,
    F_ONLY_SYMBOLS,
    F_PRICE_NUMBER,
    F_RECEIVED,
    decide_flags,
    has_question_flags,
    score_cues,
)
from kuaifan.text.lexicon import CompiledLexicon
from kuaifan.text.normalize import convert_numerals
from kuaifan.text.sentiment import CONTACT, QUESTION_END, URL, is_flood, sentiment_from_words

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
    rf"(?:身高|体重|链接|第|米)[{_NUM}]|[{_NUM}]多?[米斤公千号码岁个块元厘cmkg]"
    r"|一[三四五六七八九][零〇一二三四五六七八九]"
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
    (F_PRICE_NUMBER, r"(?:是|也是|就)\s*\d{2,4}\s*(?:元|块)?\s*(?:吗|嘛|\?)|\d+\s*(?:元|块钱|块)|满\d+减|¥|￥"),
    (F_LINK_NUMBER_Q, r"是\s*\d{1,2}\s*号\s*(?:吗|\?)|\d{1,2}\s*号是|#\d{1,3}\s*是"),
    (F_ASK_SIZE, rf"(?:求|要|蹲)\s*{_LETTER}(?:$|[^a-z])"),
)
# Python's \w is "alphanumeric or _": letters and every numeric character; ONLY_SYMBOLS fails on
# the alphanumerics that are not decimal digits.
_NOT_SYMBOL = r"[\p{L}\p{Nl}\p{No}]"
# For letter sizes only these characters matter (extract._LETTER_SIZE: the tokens, 码/号 after
# them and the one character before and after); any other character separates runs of them.
LETTER_RUN = r"[a-z0-9.几码号均]+"


class Patterns:
    """Word lists of a compiled lexicon in the order the kernels need (built once per lexicon)."""

    __slots__ = ("color_chars", "cues", "ok", "senti", "spam", "typo_keys", "typo_values")

    def __init__(self, lex: CompiledLexicon) -> None:
        typo_map = lex.typos.mapping
        self.typo_keys = lex.longest_first(typo_map)
        self.typo_values = [typo_map[k] for k in self.typo_keys]
        self.cues = lex.longest_first(lex.intent_cues)
        self.senti = lex.longest_first(lex.senti_map)
        self.spam = list(lex.spam_words)
        # every colour word contains one of these characters: a text without any has no colour
        chars: set[str] = set()
        for key, canon in lex.color_map.items():
            if canon and not chars.intersection(key):
                chars.add(max(key, key=lambda ch: (ch in canon, ch)))
        self.color_chars = "[" + "".join(sorted("\\" + c if c in "\\[]^-&~" else c for c in chars)) + "]"
        # a separator inside a word would split its key: such a lexicon uses the per-text path
        self.ok = not any(SEP in w for w in (*self.cues, *self.senti))


@lru_cache(maxsize=8)
def patterns(lex: CompiledLexicon) -> Patterns:
    return Patterns(lex)


def _normalize_safe(raw: Sequence[str], pats: Patterns) -> list[str]:
    """``lex.norm`` of texts within SAFE_TEXT."""
    t = (
        pl.col("t")
        .str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_all(_EMOTE, " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    if pats.typo_keys:
        t = t.str.replace_many(pats.typo_keys, pats.typo_values, leftmost=True)
    df = pl.LazyFrame({"t": raw}, schema={"t": pl.String}).select(t).with_columns(
        numeral=pl.col("t").str.contains(NUMERAL_GATE)
    ).collect()
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
    made = _classify_norms(list(slot), lex, pats, make)
    out = iter(made[i] for i in where)
    return [next(out) if ok else python(t) for t, ok in zip(texts, safe, strict=True)]


def _classify_norms(norms: list[str], lex: CompiledLexicon, pats: Patterns, make: Callable[..., Any]) -> list[Any]:
    """Comments of distinct normalised texts (all within SAFE_TEXT)."""
    t = pl.col("t")
    flags = pl.lit(0, dtype=pl.Int64)
    for bit, pattern in _RUST_FLAGS:
        flags = flags + t.str.contains(pattern).cast(pl.Int64) * bit
    flags = flags + t.str.contains("还是", literal=True).cast(pl.Int64) * F_HAISHI
    flags = flags + ((t == "") | ~t.str.contains(_NOT_SYMBOL)).cast(pl.Int64) * F_ONLY_SYMBOLS

    def joined(words: list[str], **how: bool) -> pl.Expr:
        return t.str.extract_many(words, **how).list.join(SEP) if words else pl.lit("")

    df = (
        pl.LazyFrame({"t": norms}, schema={"t": pl.String})
        .with_row_index("id")
        .with_columns(
            ck=joined(pats.cues, overlapping=True),
            sk=joined(pats.senti, leftmost=True),
            ad=(t.str.contains_any(pats.spam) if pats.spam else pl.lit(False))
            | (t.str.contains("[a-z0-9]") & t.str.contains(f"{URL}|{CONTACT}")),
            qend=t.str.contains(QUESTION_END),
            digit=t.str.contains("[0-9]"),
            you=t.str.contains("有", literal=True),
            color=t.str.contains(pats.color_chars),
            long=t.str.len_chars() >= 10,
            runs=pl.when(t.str.contains("[smlx]|均码")).then(t.str.extract_all(LETTER_RUN)),
            flags=flags,
        )
        .with_columns(python=pl.col("digit") & t.str.contains(NEEDS_PYTHON))
        .collect()
    )
    n = len(norms)
    col = df.get_column

    # colours: the compiled automaton on texts with a colour character (scan_python's colours)
    colors: list[list[tuple[str, int, int]]] = [[]] * n
    for i in col("color").arg_true().to_list():
        found = find_colors(norms[i], lex)
        if found:
            colors[i] = found
    flag_list: list[int] = col("flags").to_list()
    for i in col("you").arg_true().to_list():
        flag_list[i] |= has_question_flags(norms[i])
    spam: list[bool] = col("ad").to_list()
    ad = list(spam)
    for i in col("long").arg_true().to_list():
        text = norms[i]
        if not spam[i] and len(set(text)) <= len(text) - 7.5 and is_flood(text):
            spam[i] = True

    # attributes
    h: list[int | None] = [None] * n
    w: list[float | None] = [None] * n
    link: list[int | None] = [None] * n
    size: list[str | None] = [None] * n
    letter = _letter_sizes(col("runs").to_list())
    python_rows = set(col("python").arg_true().to_list())
    for i in python_rows:
        a = extract(norms[i], lex, colors[i])
        h[i], w[i], size[i], link[i] = a.height_cm, a.weight_kg, a.size, a.link_no
    digits = [i for i in col("digit").arg_true().to_list() if i not in python_rows]
    numbers = extract_batch([norms[i] for i in digits], lex)
    for i, (hv, wv, nsizes, spans, cands) in zip(digits, numbers, strict=True):
        h[i], w[i] = hv, wv
        found = set(nsizes) | letter[i]
        for _, _, end in colors[i]:
            after = _AFTER_COLOR.match(norms[i], end)
            if after and not any(a < after.end(1) and after.start(1) < b for a, b in spans):
                found.add(canonical_size(after.group(1)) or "")
        found.discard("")
        size[i] = found.pop() if len(found) == 1 else None
        if cands:
            link[i] = link_number(cands, spans)
    for i, (found, has_digit) in enumerate(zip(letter, col("digit").to_list(), strict=True)):
        if found and not has_digit:
            size[i] = next(iter(found)) if len(found) == 1 else None

    # the decision, once per distinct feature tuple
    ncol = [len({c for c, _, _ in found}) for found in colors]
    color = [found[0][0] if k == 1 else None for found, k in zip(colors, ncol, strict=True)]
    cache: dict[tuple[Any, ...], Any] = {}
    out = []
    senti_map = lex.senti_map
    for key in zip(
        col("ck").to_list(), col("sk").to_list(), flag_list, h, w, size, color, link, ncol, ad, spam,
        col("qend").to_list(), strict=True,
    ):
        comment = cache.get(key)
        if comment is None:
            ck, sk, fl, hv, wv, sz, cl, ln, nc, is_ad, is_spam, qend = key
            total, strongest = score_cues(ck.split(SEP) if ck else [], lex)
            intent, confidence = decide_flags(fl, total, strongest, Attributes(hv, wv, sz, cl, ln, None, nc), is_ad)
            senti = sentiment_from_words(sk.split(SEP), senti_map, qend) if sk else 0.0
            comment = cache[key] = make(intent, hv, wv, sz, cl, ln, confidence, senti, is_spam)
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
