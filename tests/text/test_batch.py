"""The batch path (batch.py, numbers.py) gives exactly the per-text path's comments.

classify_python() is the reference: the per-text code of normalize.py, extract.py, intents.py. The batch
path re-expresses it (polars kernels, word tables), so it is compared with it on real comments,
on the simulator's stream, on generated comment-like texts (hypothesis) and character by character
over the Unicode ranges it evaluates with Rust's tables.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from itertools import product
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuaifan.text import Comment, TextClassifier, classifier_from_config
from kuaifan.text.batch import NUMERAL_GATE, SAFE_TEXT, normalize_batch, patterns
from kuaifan.text.evaluate import load_jsonl
from kuaifan.text.extract import extract
from kuaifan.text.intents import has_question_flags, text_flags
from kuaifan.text.normalize import convert_numerals
from kuaifan.text.numbers import LEFT, NEEDS_EXTRACT, RIGHT, numbers

DATA = Path(__file__).parent / "data"
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "comments_dev.jsonl"
clf = TextClassifier()
lex = clf.compiled


def assert_same(texts: Sequence[str], classifier: TextClassifier = clf) -> None:
    """classify_many's batch path equals classify on every text (the first difference is shown)."""
    batch = classifier.classify_many(texts, method="polars")
    assert len(batch) == len(texts)
    for text, got in zip(texts, batch, strict=True):
        want = classifier.classify_python(text)
        assert (got, type(got.weight_kg)) == (want, type(want.weight_kg)), text


def labelled_texts() -> list[str]:
    files = [DATA / "tune.jsonl", DATA / "heldout.jsonl", *([DEV] if DEV.exists() else [])]
    return [row["text"] for f in files for row in load_jsonl(f)]


# Pieces of live comments: numbers with units and labels, size letters, colours, person and
# product words, link numbers, Chinese numerals, separators, emoji, full-width forms.
PIECES = [
    *"0123456789",
    *"0123456789",
    ".",
    "1.6",
    "1.72",
    "2.0",
    "36.5",
    *"一二两三五六七八九十百",
    *[
        "斤",
        "多斤",
        "来斤",
        "没抢到",
        "kg",
        "公斤",
        "千克",
        "cm",
        "公分",
        "厘米",
        "米",
        "码",
        "号",
        "号链接",
        "链接",
        "#",
        "第",
    ],
    *["身高", "体重", "是", "大概", "我", "宝宝", "男朋友", "孩子", "女儿", "床垫", "牛肉干", "装", "的量"],
    *["穿", "拿", "要", "平时穿", "已拍", "备注", "还是", "或者", "或", "的", "还有", "有吗", "没了", "偏"],
    *["s", "m", "l", "xl", "xxl", "2xl", "3xs", "x", "均码", "S", "Ｍ", "ＸＬ", "a", "g", "w", "mah"],
    *["黑", "白色", "黑的", "米白", "卡其", "酒红", "显白", "蓝牙", "一黑一白", "灰"],
    *["多少钱", "包邮吗", "上链接", "有没有", "什么码", "会不会大", "收到", "换", "退", "拍的", "发的"],
    *["左右", "个子", "长", "宽", "高", "脚长", "腰围", "价", "元", "块", "满", "减", "¥", "%"],
    *[" ", " ", "/", ",", "，", "、", "~", "!", "？", "…", "１６８", "５５", "😭", "❤️", "[爱心]", "  "],
]
COMMENTS = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


def test_labelled_comments() -> None:
    texts = labelled_texts()
    assert len(texts) > 1000
    tails = ["", "~", "!", "？", "…", "😊", " 吗", "吗~", "斤", "码", "1"]
    assert_same([t + tails[i % len(tails)] for i, t in enumerate(texts)] + texts)


def test_the_simulator_stream() -> None:
    from kuaifan.sim import SimConfig, simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(SimConfig(seed=5, rooms=2, minutes=20), Path(tmp))
        texts = [
            t
            for path in sorted(Path(tmp, "events").glob("*.jsonl"))
            for t in pl.read_ndjson(path, infer_schema_length=None)
            .filter(pl.col("kind") == "comment")
            .get_column("text")
            .to_list()
            if t
        ]
    assert len(texts) > 200
    assert_same(texts)


# Numbers at the edges of the rules' ranges and shapes (heights 130-229, shoe sizes 33-46, link
# numbers up to 30, 1.x / 2.0-2.29 metres, .5 sizes, runs no pattern takes).
NUMBERS = [*"12389", "12", "30", "31", "33", "37", "37.5", "46", "47", "50", "80", "95", "100", "110", "130"]
NUMBERS += ["140", "165", "199", "229", "230", "1.5", "1.65", "2.1", "2.3", "0.5", "999", "1234", "1.", "3.5"]


def test_every_context_word_of_the_number_rules() -> None:
    # numbers.py reads a run's surroundings through these word lists: each word, around each kind
    # of number, with and without a person or product word and a second number nearby
    lefts = sorted(set().union(*LEFT.values()))
    rights = sorted(set().union(*RIGHT.values()))
    around = ["", "我", "宝宝", "床垫", "x", "#", "，"]
    after = ["", " ", "斤", "码", "号", "cm", "米", "米6", "m", "左右", "~", "还是38", "/50斤", " 120斤"]
    texts = [f"{word}{n}{b}" for word in lefts for n in NUMBERS for b in ("", " 120斤", "码")]
    texts += [f"{a}{n}{word}" for word in rights for n in NUMBERS for a in around[:3]]
    texts += [f"{a}{n}{b}" for n in NUMBERS for a in around for b in after]
    texts += [
        f"{p}{n}{b}{q}"
        for n in NUMBERS
        for b in after
        for p in ("孩子40斤 ", "牛肉干", "我是")
        for q in ("", "穿m")
    ]
    assert len(texts) > 40_000
    assert_same(texts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMMENTS, min_size=1, max_size=60))
def test_generated_comments(texts: list[str]) -> None:
    assert_same(texts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=25), min_size=1, max_size=40))
def test_arbitrary_unicode(texts: list[str]) -> None:
    assert_same(texts)


def _safe_chars() -> list[str]:
    chars = [chr(c) for c in range(0x110000) if c < 0xD800 or c > 0xDFFF]
    safe = pl.Series(chars).str.contains(SAFE_TEXT)
    return [c for c, ok in zip(chars, safe.to_list(), strict=True) if ok]


def test_each_character_the_kernels_see() -> None:
    # Rust and Python must agree on NFKC, lower-case, \s, \d and "letter" for every character
    # SAFE_TEXT lets through; CJK ideographs all behave alike, the others get some context too.
    chars = _safe_chars()
    assert len(chars) > 25_000
    others = [c for c in chars if not "\u4e00" <= c <= "\u9fff"]
    texts = (
        chars + [f"我1{c}6 {c}" for c in others] + [f"{c}s码{c}2" for c in others] + [c * 11 for c in others]
    )
    assert_same(texts)


# The characters and words the structural patterns of intents.py look at.
FLAG_PIECES = [*"0123456789smlx求要蹲码号是元块吗嘛?#第满减¥￥有还没的", "还是", "收到", "换", "退", "拍的"]
FLAG_PIECES += [
    "发的",
    "也是",
    "块钱",
    "黑色",
    "白色",
    "xl",
    "xxl",
    "3xl",
    "2xs",
    " ",
    ",",
    "~",
    "!",
    "a",
    "😭",
    "还有",
]


def small_world(pieces: Sequence[str], length: int) -> list[str]:
    """Every text of up to ``length`` pieces: a translated pattern that differs anywhere short
    differs here."""
    return ["".join(parts) for n in range(1, length + 1) for parts in product(pieces, repeat=n)]


def test_the_rust_patterns_on_every_short_text() -> None:
    pieces = [
        "要",
        "s",
        "x",
        "l",
        "a",
        "还是",
        "3",
        "37",
        "码",
        " ",
        "是",
        "元",
        "吗",
        "#",
        "号",
        "收到",
        "换",
    ]
    norms = small_world(pieces, 4)
    _assert_kernel_flags_match_python(norms)


def test_numbers_on_every_short_text() -> None:
    pieces = [
        "1",
        "2",
        "37",
        "165",
        "1.6",
        "斤",
        "kg",
        "米",
        "号",
        "链接",
        "码",
        " ",
        "我",
        "宝宝",
        "床垫",
        "还是",
        "/",
    ]
    for text in small_world(pieces, 4):
        if NEEDS_EXTRACT.search(text):
            continue
        got, want = numbers(text, lex), extract(text, lex, [])
        assert (got.height_cm, got.weight_kg, got.link_no) == (
            want.height_cm,
            want.weight_kg,
            want.link_no,
        ), text
    assert_same(small_world(pieces, 3))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(FLAG_PIECES), max_size=10).map("".join), min_size=1, max_size=50))
def test_the_rust_patterns_find_what_the_python_ones_find(texts: list[str]) -> None:
    norms = [lex.norm(t) for t in texts]
    _assert_kernel_flags_match_python(norms)


NUMERAL_PIECES = [*"零〇一二两三四五六七八九十百米斤公号码个件多第", "身高", "体重", "链接", "kg", "1"]


def test_the_numeral_gate_never_misses_a_conversion() -> None:
    # batch.py converts Chinese numerals only where NUMERAL_GATE matches
    for text in small_world(NUMERAL_PIECES, 3):
        if not re.search(NUMERAL_GATE, text):
            assert convert_numerals(text) == text, text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NUMERAL_PIECES), max_size=12).map("".join))
def test_the_numeral_gate_on_longer_texts(text: str) -> None:
    if not re.search(NUMERAL_GATE, text):
        assert convert_numerals(text) == text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMMENTS | st.text(max_size=15), min_size=1, max_size=30))
def test_normalisation(texts: list[str]) -> None:
    assert normalize_batch(texts, lex) == [lex.norm(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(COMMENTS)
def test_numbers_agree_with_extract(text: str) -> None:
    norm = lex.norm(text)
    if not re.search("[0-9]", norm) or NEEDS_EXTRACT.search(norm):
        return
    got = numbers(norm, lex)
    want = extract(norm, lex, [])
    assert (got.height_cm, got.weight_kg, got.link_no) == (want.height_cm, want.weight_kg, want.link_no)


def test_numbers_on_the_rules_of_the_dev_readme() -> None:
    cases = {
        "1米6 98斤": (160, 49.0, None),
        "160 100斤穿什么码": (160, 50.0, None),
        "我1.72 55kg": (172, 55.0, None),
        "身高170cm": (170, None, None),
        "牛肉干2斤": (None, None, None),
        "3号链接37码": (None, None, 3),
        "链接#12": (None, None, 12),
        "130多斤": (None, 65.0, None),
    }
    for text, want in cases.items():
        got = numbers(lex.norm(text), lex)
        assert (got.height_cm, got.weight_kg, got.link_no) == want, text


def test_a_tenant_lexicon() -> None:
    tenant = classifier_from_config(
        {
            "categories": ["apparel", "food"],
            "lexicon": {
                "intents": {"price": {"米米": 3, "几个钱": 3}, "praise": {"绝绝子": 2}},
                "colors": {"bare": ["牛油果绿"]},
                "typos": {"链jie": "链接"},
                "products": {"words": ["被套"]},
            },
        }
    )
    texts = [
        *labelled_texts()[:600],
        "牛油果绿有吗",
        "链jie3",
        "被套1.8米",
        "绝绝子 几个钱",
        "我160 被套100斤",
    ]
    assert_same(texts, tenant)


def test_repeats_share_one_comment_and_order_is_kept() -> None:
    texts = ["多少钱", "黑色还有吗", "多少钱", "我165 120斤穿什么码", "多少钱"] * 200
    got = clf.classify_many(texts, method="polars")
    assert [c.intent for c in got[:5]] == ["price", "stock", "price", "size_fit", "price"]
    assert got[0] is got[2] is got[4]
    assert all(isinstance(c, Comment) for c in got)


@pytest.mark.parametrize("method", ["auto", "python", "polars", "compiled"])
def test_every_method_gives_the_same_comments(method: str) -> None:
    texts = labelled_texts()[:700]
    want = [clf.classify_python(t) for t in texts]
    assert clf.classify_many(texts, method=method) == want  # type: ignore[arg-type]
    assert [clf.classify(t) for t in texts] == want


def _assert_kernel_flags_match_python(norms: list[str]) -> None:
    """The flags the polars kernels compute equal intents.text_flags, text by text."""
    got = (
        pl.LazyFrame({"t": norms})
        .with_columns(patterns(lex).features)
        .collect()
        .get_column("flags")
        .to_list()
    )
    for norm, flags in zip(norms, got, strict=True):
        assert flags | (has_question_flags(norm) if "有" in norm else 0) == text_flags(norm), norm
