"""``extract`` for a batch of normalised texts with digits, as polars expressions over number runs.

Every number pattern of ``extract.py`` matches a whole maximal run of ``[0-9.]`` (a look-behind
``(?<![\\d.])``, a look-ahead ``(?![\\d.])`` or a following literal such as 斤 or 号 bounds it), so a
``finditer`` over the text is the same as a test on each run: the run against the number part,
the text before it against what precedes, the text after it against what follows. The runs are
exploded into rows with their character positions; the lexicon words the rules look at are found
with ``replace_many`` (leftmost-longest, as ``iter_long``) into marker texts of the same length, so
"a product word ends within 8 characters before" is a test on a slice. Rules that depend on
earlier ones (a bare 165 is not a height where 身高 took it, sizes skip runs taken by a height or
weight, link matches skip spans of earlier ones) run in the same order as in ``extract``.

``needs_python`` marks the few texts where a run-by-run test could differ from ``finditer``
(chains such as 1米2米, 37还是38还是39, whose middle run one match consumes) and texts whose
colour word ends in a digit (黑3…); ``extract`` handles those.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from kuaifan.text.extract import (
    HEIGHT_RANGE,
    KIDS_SIZES,
    SHOE_SIZES,
    WEIGHT_RANGE,
    _BARE_NOT_HEIGHT,
    _BOUNDARY,
    _CM_NOT_HEIGHT,
    _NOT_BEFORE_NUMBER,
    _PERSON_GAP,
    _SIZE_WORDS_BEFORE,
)
from kuaifan.text.lexicon import CompiledLexicon

# Marker characters (private use: SAFE_TEXT keeps them out of the texts themselves).
P_START, P_MID, P_END, P_ONE = "\ue010", "\ue011", "\ue012", "\ue013"  # product words
Q_OTHER, Q_END = "\ue020", "\ue021"  # person words (only where one ends matters)
NEUTRAL = "\ue030"  # words found by the same automaton that count as neither (体重, 胖, 瘦)

# Texts where a run-by-run test could differ from finditer (see module doc); two whitespace
# characters in a row would make the window tests below differ from extract's.
NEEDS_PYTHON = r"[12]米[12]米|(?:还是|或者|或)\s*[0-9.]+\s*(?:还是|或者|或)\s*[0-9]|\s\s"


def _alt(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(sorted((_escape(w) for w in words), key=len, reverse=True))


def _escape(word: str) -> str:
    return "".join("\\" + ch if ch in r".^$*+?()[]{}|\#&-~" else ch for ch in word)


def _cls(chars: str | frozenset[str]) -> str:
    return "[" + "".join(_escape(c) for c in sorted(chars)) + "]"


_NOT_AFTER_BARE = (
    r"^\s*(?:斤|kg|公斤|千克|码|号|元|块|米|cm|公分|厘米|g|ml|w|岁|个|件|包|盒|瓶|%|mah|万|度|天|分|次|毫"
    r"|寸|克|期|条)"
)
_NOT_AFTER_SIZE = r"^\s*(?:斤|kg|公斤|千克|cm|公分|厘米|岁|个|元|块|米|号链接|度|g|ml|w)"
_NOT_AFTER_SHOE = r"^\s*(?:斤|kg|公斤|千克|岁|cm|公分|厘米|元|块|米|号链接|度)"
_SIZE_AFTER_WORDS = (
    r"(?:穿|拿|要|选|买|换|平时|平常|平时穿|平常穿|拍了|已拍|已下单|下单|备注|还是|或者|或|穿的|拿的|还有|有)\s*$"
)
_FIT_WORDS = r"码|穿|尺|能穿|会长|会短|偏大|偏小|合身|[sml](?:$|[^a-z])|xl"
_PRICE_WORDS = r"价|钱|元|块|券|优惠|便宜|贵|包邮|运费"
_DIM_AFTER = r"^的?(?:长|宽|高|深|厚|床|被|席|垫|桌|柜|沙发|窗帘|尺寸|大小)"
_LABEL = r"\s*(?:是|有|大概|大约)?\s*$"


class Markers:
    """The replace_many table that turns product and person words into marker runs."""

    __slots__ = ("misc_keys", "misc_values")

    def __init__(self, lex: CompiledLexicon) -> None:
        misc = {key: kind for key, (_, kind) in lex.misc_ac.items() if key != "\x00"}
        self.misc_keys = lex.longest_first(misc)
        self.misc_values = [_misc_marker(k, misc[k]) for k in self.misc_keys]


def _misc_marker(key: str, kind: str) -> str:
    n = len(key)
    if kind == "product":
        return P_ONE if n == 1 else P_START + P_MID * (n - 2) + P_END
    if kind == "person" and key not in _NOT_BEFORE_NUMBER:
        return Q_OTHER * (n - 1) + Q_END
    return NEUTRAL * n


@lru_cache(maxsize=8)
def markers(lex: CompiledLexicon) -> Markers:
    return Markers(lex)


def _char(col: pl.Expr, pos: pl.Expr) -> pl.Expr:
    """The character at ``pos`` (a string of length one), or "" outside the text."""
    return pl.when(pos >= 0).then(col.str.slice(pos.clip(lower_bound=0), 1)).otherwise(pl.lit(""))


def _before(col: pl.Expr, end: pl.Expr, width: int) -> pl.Expr:
    """``col[max(0, end - width):end]``."""
    start = (end - width).clip(lower_bound=0)
    return col.str.slice(start, end - start)


def _runs(texts: pl.LazyFrame) -> pl.LazyFrame:
    """One row per maximal [0-9.] run that starts with a digit: id, k (segment index), r, s, e."""
    seg = pl.col("t").str.replace_all(r"[0-9.]+", "\x00${0}\x00").str.split("\x00")
    return (
        texts.select("id", seg=seg)
        .with_columns(ln=pl.col("seg").list.eval(pl.element().str.len_chars().cast(pl.Int64)))
        .with_columns(s=pl.col("ln").list.eval(pl.element().cum_sum() - pl.element()))
        .explode("seg", "ln", "s")
        .with_columns(k=pl.int_range(pl.len()).over("id"))
        .filter((pl.col("k") % 2 == 1) & pl.col("seg").str.contains("^[0-9]"))
        .select("id", "k", r=pl.col("seg"), s=pl.col("s"), e=pl.col("s") + pl.col("ln"))
    )


# Each rule of extract.py as one regex over X = text[:s] + "\x01" + run + "\x02" + text[e:].
# With single spaces (texts with two whitespace characters in a row go to Python) a window test
# such as text[start-6:start].rstrip().endswith(words) is the same as "words\s*\x01".
_NUM13 = r"[0-9]{1,3}(?:\.[0-9])?"
_SZ = r"[0-9]{2,3}(?:\.5)?"
_WEIGHT_UNIT = r"(?:kg|公斤|千克)"
_SHAPES: dict[str, str] = {
    "jin": rf"\x01{_NUM13}\x02\s*多?\s*斤",
    "jin_tail": rf"\x01{_NUM13}\x02\s*多?\s*斤\s*(?:装|的量|一箱|一袋|重)",
    "kg": rf"\x01{_NUM13}\x02\s*{_WEIGHT_UNIT}(?:$|[^a-z])",
    "wlabel": rf"体重{_LABEL[:-1]}\x01[0-9]{{2,3}}\x02",
    "unit_after": rf"\x02\s*(?:斤|{_WEIGHT_UNIT})",
    "hlabel": rf"身高{_LABEL[:-1]}\x01[0-9]{{2,3}}\x02",
    "meter": r"\x01[12]\x02米(?:[0-9]{1,2})?(?:[^0-9.]|$)",
    "dec": r"\x01(?:1\.[0-9]{1,2}|2\.[0-2][0-9]?)\x02",
    "cm": r"\x01[0-9]{2,3}\x02\s*(?:cm|公分|厘米)",
    "cm_not": rf"(?:{_alt(_CM_NOT_HEIGHT)})\s*\x01",
    "cm_shen": r"身高\s*\x01",
    "bare": r"(?:^|[^#a-z])\x01(?:1[3-9][0-9]|2[0-2][0-9])\x02",
    "bare_unit": _NOT_AFTER_BARE.replace("^", "\x02"),
    "bare_size_word": rf"(?:{_alt(_SIZE_WORDS_BEFORE)})\s*\x01",
    "bare_not_height": rf"(?:{_alt(_BARE_NOT_HEIGHT)})\s*\x01",
    "weight_follows": rf"\x02[\s/,，、]*[0-9]{{2,3}}(?:\.[0-9])?\s*多?\s*(?:斤|{_WEIGHT_UNIT})",
    "height_tail": r"\x02\s*(?:的个子|个子|左右|的身高)",
    "boundary": f"(?:^|{_cls(_BOUNDARY)})\x01",
    "unit": rf"\x01{_SZ}\x02\s*(?:码|号)",
    "unit_bad": r"\x02\s*(?:码|号)(?:链接|色|发|到|前|后)",
    "unit_hao": r"\x02\s*号",
    "after": rf"{_SIZE_AFTER_WORDS[:-1]}\x01{_SZ}\x02",
    "after_bad": _NOT_AFTER_SIZE.replace("^", "\x02"),
    "before": rf"(?:^|[^#])\x01{_SZ}\x02\s*(?:的|还有|没了|没有|没货|有吗|有没有|会不会|偏)",
    "shoe": r"我\s*\x01[0-9]{2}(?:\.5)?\x02",
    "shoe_bad": _NOT_AFTER_SHOE.replace("^", "\x02"),
    "alt1": rf"\x01{_SZ}\x02\s*(?:还是|或者|或)\s*{_SZ}(?:[^0-9.]|$)",
    "alt2": rf"(?:^|[^0-9.]){_SZ}\s*(?:还是|或者|或)\s*\x01{_SZ}\x02",
    "l0": r"\x01[0-9]{1,3}\x02\s*号\s*链接",
    "l1": r"链接\s*#?\s*\x01[0-9]{1,3}\x02",
    "l1_bad": r"\x02(?:[a-z]|\s*(?:号色|色|斤|码|件|元|块|天|分钟|小时|kg|公斤|cm))",
    "l2": r"#\s*\x01[0-9]{1,3}\x02",
    "l3": r"第\s*\x01[0-9]{1,3}\x02\s*个?\s*链接",
    "l4": r"(?:^|[^#a-z])\x01[0-9]{1,2}\x02\s*号",
    "l4_bad": r"\x02\s*号(?:链接|色|发|到|前|后|之前|左右|当天|的时候|能到|下午|晚上|上午)",
}
# Length of what a match consumes after the run (its end is e + this), per rule.
_TAILS: dict[str, str] = {
    "jin": r"\x02(\s*多?\s*斤)",
    "kg": rf"\x02(\s*{_WEIGHT_UNIT})",
    "meter": r"\x02(米[0-9]{0,2})",
    "dec": r"\x02((?:米|m)?)",
    "cm": r"\x02(\s*(?:cm|公分|厘米))",
    "l0": r"\x02(\s*号\s*链接)",
    "l3": r"\x02(\s*个?\s*链接)",
    "l4": r"\x02(\s*号)",
}
# Length of what a match consumes before the run (its start is s - this).
_HEADS: dict[str, str] = {"l1": r"(链接\s*#?\s*)\x01", "l2": r"(#\s*)\x01", "l3": r"(第\s*)\x01"}


def _tail_len(x: pl.Expr, rule: str) -> pl.Expr:
    return x.str.extract(_TAILS[rule], 1).str.len_chars().fill_null(0).cast(pl.Int64)


def _head_len(x: pl.Expr, rule: str) -> pl.Expr:
    return x.str.extract(_HEADS[rule], 1).str.len_chars().fill_null(0).cast(pl.Int64)


def _person_before() -> pl.Expr:
    """extract._person_before at the run start: a person word ends 0-2 characters before it, with
    only _PERSON_GAP characters between."""
    m, t, s = pl.col("M"), pl.col("t"), pl.col("s")
    gap = f"^{_cls(_PERSON_GAP)}$"
    g1 = _char(t, s - 1).str.contains(gap)
    g2 = g1 & _char(t, s - 2).str.contains(gap)
    return (
        (_char(m, s - 1) == Q_END)
        | ((_char(m, s - 2) == Q_END) & g1)
        | ((_char(m, s - 3) == Q_END) & g2)
    )


def _product_measure(end: pl.Expr) -> pl.Expr:
    """extract._is_product_measure for a match [s, end) (needs columns M, t, s, person)."""
    near = _before(pl.col("M"), pl.col("s"), 9).str.contains(f"[{P_END}{P_ONE}]") | pl.col("M").str.slice(
        end, 4
    ).str.contains(f"[{P_START}{P_ONE}]")
    return pl.when(near).then(~pl.col("person")).otherwise(pl.col("t").str.slice(end).str.contains(_DIM_AFTER))


def _single(frame: pl.DataFrame, value: str, name: str) -> pl.DataFrame:
    """Per id: the value if exactly one distinct value was found."""
    return frame.group_by("id").agg(
        pl.when(pl.col(value).n_unique() == 1).then(pl.col(value).first()).alias(name)
    )


def link_number(cands: list[tuple[int, int, int, int, int]], taken: list[tuple[int, int]]) -> int | None:
    """extract._link_no over precomputed matches (pattern, s, ms, me, value), in pattern order."""
    values: set[int] = set()
    spans = list(taken)
    for _, start1, start, end, value in sorted(cands):
        if any(a <= start1 < b or a <= start < b for a, b in spans):
            continue
        if 0 < value < 1000:
            values.add(value)
            spans.append((start, end))
    return values.pop() if len(values) == 1 else None


Numbers = tuple[
    int | None,  # height_cm
    float | None,  # weight_kg
    list[str],  # numeric sizes (without the ones right after a colour word)
    list[tuple[int, int]],  # spans of the accepted heights and weights
    list[tuple[int, int, int, int, int]],  # link matches: pattern, run start, start, end, value
]


def extract_batch(texts: list[str], lex: CompiledLexicon) -> list[Numbers]:
    """The number rules of ``extract`` for normalised texts with digits (see module doc)."""
    if not texts:
        return []
    mk = markers(lex)
    c = pl.col
    t, r, s, e, x, num = c("t"), c("r"), c("s"), c("e"), c("x"), c("num")
    base = pl.LazyFrame({"t": texts}, schema={"t": pl.String}).with_row_index("id")
    runs = (
        _runs(base)
        .join(base, on="id", how="left")
        .with_columns(
            x=pl.concat_str(t.str.slice(0, s), pl.lit("\x01"), r, pl.lit("\x02"), t.str.slice(e)),
            num=r.cast(pl.Float64, strict=False),
        )
        .with_columns(**{name: x.str.contains(pattern) for name, pattern in _SHAPES.items()})
        .with_columns(
            # candidates of each rule, before the checks that need product and person words
            w_jin=c("jin") & ~c("jin_tail"),
            w_label=c("wlabel") & ~c("unit_after"),
            h_cm=c("cm") & ~(c("cm_not") & ~c("cm_shen")),
            h_bare=c("bare")
            & ~c("bare_unit")
            & ~c("hlabel")
            & ~c("bare_size_word")
            & ~(~c("weight_follows") & c("bare_not_height")),
            sz=(c("unit") & ~c("unit_bad") & ~(c("unit_hao") & ~num.is_between(33, 46)))
            | (c("after") & ~c("after_bad"))
            | (c("before") & (num >= 33))
            | (c("shoe") & ~c("shoe_bad") & num.is_between(33, 46))
            | c("alt1")
            | c("alt2"),
            l1=c("l1") & ~c("l1_bad"),
            l4=c("l4") & ~c("l4_bad") & (num <= 30),
        )
        .select(
            "id", "k", "r", "s", "e", "x", "num", "w_jin", "kg", "w_label", "hlabel", "meter", "dec", "h_cm",
            "h_bare", "weight_follows", "height_tail", "boundary", "sz", "l0", "l1", "l2", "l3", "l4",
        )
        .collect()
        .lazy()
    )
    # product / person words around the candidates that need them (extract._is_product_measure)
    needs = c("w_jin") | c("kg") | c("meter") | c("dec") | c("h_cm") | c("h_bare")
    marked_texts = base.join(runs.filter(needs).select("id").unique(), on="id", how="semi").with_columns(
        M=t.str.replace_many(mk.misc_keys, mk.misc_values, leftmost=True) if mk.misc_keys else t,
        fit=t.str.contains(_FIT_WORDS),
        price=t.str.contains(_PRICE_WORDS),
    ).with_columns(persons=c("M").str.contains(Q_END, literal=True))
    end = (
        pl.when(c("w_jin"))
        .then(e + _tail_len(x, "jin"))
        .when(c("kg"))
        .then(e + _tail_len(x, "kg"))
        .when(c("meter"))
        .then(e + _tail_len(x, "meter"))
        .when(c("dec"))
        .then(e + x.str.contains(r"\x02(?:米(?:[^0-9.]|$)|m(?:[^a-z0-9.]|$))").cast(pl.Int64))
        .when(c("h_cm"))
        .then(e + _tail_len(x, "cm"))
        .otherwise(e)
    )
    marked = (
        runs.filter(needs)
        .select("id", "k", "s", "x", "w_jin", "kg", "meter", "dec", "h_cm", "e")
        .join(marked_texts.select("id", "t", "M", "fit", "price", "persons"), on="id", how="inner")
        .with_columns(person=_person_before(), mend=end)
        .with_columns(pm=_product_measure(c("mend")))
        .select("id", "k", "person", "pm", "mend", "fit", "price", "persons")
    )
    runs = runs.join(marked, on=["id", "k"], how="left")

    # weights (extract._weights)
    lo_w, hi_w = WEIGHT_RANGE
    runs = runs.with_columns(w_jin=c("w_jin") & ~c("pm"), w_kg=c("kg") & ~c("pm"))
    runs = runs.with_columns(
        wv=pl.when(c("w_jin"))
        .then(num / 2)
        .when(c("w_kg"))
        .then(num)
        .when(c("w_label"))
        .then(pl.when(num >= 80).then(num / 2).otherwise(num))
    ).with_columns(w_ok=c("wv").is_between(lo_w, hi_w).fill_null(False))
    runs = runs.with_columns(has_weight=c("w_ok").any().over("id"))

    # heights (extract._heights)
    digits = x.str.extract(r"\x02米([0-9]{1,2})", 1)
    runs = runs.with_columns(
        h_meter=c("meter")
        & ~c("pm")
        & (digits.is_not_null() | ((c("persons") | c("has_weight")) & (r == "1"))),
        h_dec=c("dec") & ~c("pm") & (c("has_weight") | c("person") | c("fit")),
        h_cm=c("h_cm") & ~c("pm"),
        h_bare=c("h_bare")
        & (
            c("weight_follows")
            | c("person")
            | c("height_tail")
            | (num.is_between(140, 199) & c("boundary") & c("fit") & ~c("price"))
        )
        & (c("person") | ~c("pm")),
        digits=digits,
    )
    hv = (
        pl.when(c("hlabel") | c("h_cm") | c("h_bare"))
        .then(num.cast(pl.Int64, strict=False))
        .when(c("h_meter") & c("digits").is_null())
        .then(100)
        .when(c("h_meter"))
        .then(
            100 * num.cast(pl.Int64, strict=False)
            + pl.when(c("digits").str.len_chars() == 1)
            .then(c("digits").cast(pl.Int64) * 10)
            .otherwise(c("digits").cast(pl.Int64, strict=False))
        )
        .when(c("h_dec"))
        .then((num * 100).round(0).cast(pl.Int64))
    )
    lo_h, hi_h = HEIGHT_RANGE
    runs = runs.with_columns(hv=hv).with_columns(h_ok=c("hv").is_between(lo_h, hi_h).fill_null(False))
    # taken runs: accepted weights and heights, and the digits of an accepted 1米65 (the next run)
    meter_digits = runs.filter(c("h_ok") & c("h_meter") & c("digits").is_not_null()).select(
        "id", k=c("k") + 2, taken2=pl.lit(True)
    )
    runs = (
        runs.join(meter_digits, on=["id", "k"], how="left")
        .with_columns(taken=c("w_ok") | c("h_ok") | c("taken2").fill_null(False))
        .collect()
        .lazy()
    )

    # numeric sizes (extract._sizes, digits part): canonical_size of the run, on free runs
    canon = pl.when(
        num.is_between(SHOE_SIZES[0], SHOE_SIZES[1])
        | (~r.str.contains(".", literal=True) & num.is_in([float(k) for k in sorted(KIDS_SIZES)]))
    ).then(r)
    sizes = runs.filter(~c("taken") & c("sz")).select("id", size=canon).drop_nulls().group_by("id").agg("size")

    # spans of accepted weights and heights (for link matches and sizes after a colour)
    weight_end = pl.when(c("w_jin") | c("w_kg")).then(c("mend")).otherwise(e)
    height_end = pl.when(c("h_meter") | c("h_dec") | c("h_cm")).then(c("mend")).otherwise(e)
    spans = (
        pl.concat(
            [
                runs.filter(c("w_ok")).select("id", span=pl.concat_list(s, weight_end)),
                runs.filter(c("h_ok")).select("id", span=pl.concat_list(s, height_end)),
            ]
        )
        .group_by("id")
        .agg("span")
    )

    # link matches of the five patterns (extract._link_no resolves them in pattern order)
    link_rules = ("l0", "l1", "l2", "l3", "l4")
    starts = [s, s - _head_len(x, "l1"), s - _head_len(x, "l2"), s - _head_len(x, "l3"), s]
    ends = [e + _tail_len(x, "l0"), e, e, e + _tail_len(x, "l3"), e + _tail_len(x, "l4")]
    links = (
        pl.concat(
            [
                runs.filter(c(n)).select(
                    "id", m=pl.concat_list(pl.lit(i, pl.Int64), s, st, en, num.cast(pl.Int64, strict=False))
                )
                for i, (n, st, en) in enumerate(zip(link_rules, starts, ends, strict=True))
            ]
        )
        .group_by("id")
        .agg("m")
    )
    single = runs.group_by("id").agg(
        h=pl.col("hv").filter(c("h_ok")).unique(),
        w=pl.col("wv").filter(c("w_ok")).unique(),
    )
    out = (
        base.select("id")
        .join(single, on="id", how="left")
        .join(sizes, on="id", how="left")
        .join(spans, on="id", how="left")
        .join(links, on="id", how="left")
        .sort("id")
        .collect()
    )
    result: list[Numbers] = []
    for _, hs, ws, sz, sp, lk in out.iter_rows():
        result.append(
            (
                hs[0] if hs is not None and len(hs) == 1 else None,
                ws[0] if ws is not None and len(ws) == 1 else None,
                sz or [],
                [(a, b) for a, b in sp] if sp else [],
                [(p, s1, ms, me, v) for p, s1, ms, me, v in lk] if lk else [],
            )
        )
    return result
