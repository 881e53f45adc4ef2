"""The compiled hot path (kuaifan/text/_hot/*.c) gives exactly the pure-Python path's comments.

``classify_python`` is the reference (normalize.py, extract.py, intents.py, sentiment.py). The C
engine re-implements every rule by hand, so it is compared with it on the labelled sets (the dev
set, the project's own sets, written reviews), on the simulator's stream, on every context word of
the number rules, on every short text over the pieces the rules look at, on generated comments
and arbitrary Unicode (hypothesis), and character by character over the Basic Multilingual Plane
and the emoji plane. ``make install`` builds the extension; these tests fail when it is missing
unless ``KUAIFAN_NO_COMPILE=1`` says it was not built on purpose.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuaifan.text import Comment, TextClassifier, classifier_from_config, compiled
from kuaifan.text.evaluate import load_jsonl
from kuaifan.text.numbers import LEFT, RIGHT

from .test_batch import FLAG_PIECES, NUMBERS, PIECES, small_world

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
DEV = ROOT.parent / "shared" / "data" / "comments_dev.jsonl"

if not compiled.available():
    if os.environ.get("KUAIFAN_NO_COMPILE", "").strip() not in ("", "0"):
        pytest.skip("built without the compiled hot path (KUAIFAN_NO_COMPILE)", allow_module_level=True)
    pytest.fail(f"the compiled hot path is missing: {compiled.unavailable_reason()} (run make install)")

clf = TextClassifier()
lex = clf.compiled


def assert_same(texts: Sequence[str], classifier: TextClassifier = clf) -> None:
    """classify_many (compiled) and classify (compiled) equal the Python reference on every text."""
    assert classifier.uses_compiled
    got = classifier.classify_many(texts, method="compiled")
    assert len(got) == len(texts)
    for text, c in zip(texts, got, strict=True):
        want = classifier.classify_python(text)
        assert (c, type(c.weight_kg), type(c.height_cm)) == (
            want,
            type(want.weight_kg),
            type(want.height_cm),
        ), text
        assert type(c) is Comment
    for text in texts[:50]:
        assert classifier.classify(text) == classifier.classify_python(text), text


def labelled_texts() -> list[str]:
    files = [
        *([DEV] if DEV.exists() else []),
        *(
            DATA / name
            for name in (
                *("tune.jsonl", "heldout.jsonl", "numbers_tune.jsonl", "numbers_heldout.jsonl"),
                *("typed_tune.jsonl", "typed_heldout.jsonl"),
            )
        ),
    ]
    return [row["text"] for f in files if f.exists() for row in load_jsonl(f)]


def test_labelled_comments_and_reviews() -> None:
    texts = labelled_texts()
    assert len(texts) > 1400
    tails = ["", "~", "!", "？", "…", "😊", " 吗", "吗~", "斤", "码", "1", " 好评", "差评!!"]
    reviews = [row["text"] for row in load_jsonl(DATA / "reviews.jsonl")]
    assert_same(texts + [t + tails[i % len(tails)] for i, t in enumerate(texts)] + reviews)


def test_the_simulator_stream() -> None:
    from kuaifan.sim import SimConfig, simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(SimConfig(seed=7, rooms=2, minutes=20), Path(tmp))
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


def test_every_context_word_of_the_number_rules() -> None:
    lefts = sorted(set().union(*LEFT.values()))
    rights = sorted(set().union(*RIGHT.values()))
    around = ["", "我", "宝宝", "床垫", "x", "#", "，", "老公"]
    after = [
        "",
        " ",
        "斤",
        "码",
        "号",
        "cm",
        "米",
        "米6",
        "m",
        "左右",
        "~",
        "还是38",
        "/50斤",
        " 120斤",
        "的脚",
        " 110",
    ]
    texts = [f"{word}{n}{b}" for word in lefts for n in NUMBERS for b in ("", " 120斤", "码", "/110")]
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


def test_every_short_text_over_the_flag_pieces() -> None:
    assert_same(small_world([*FLAG_PIECES[:24], "有", "吗", "没", "还有"], 3))


def test_every_short_text_over_the_number_pieces() -> None:
    pieces = ["1", "2", "37", "165", "1.6", "36.5", "斤", "kg", "米", "号", "链接", "码", " ", "我", "宝宝"]
    pieces += ["床垫", "还是", "/", "的", "脚", "cm", "#", "第", "xl", "s"]
    assert_same(small_world(pieces, 3))


NUMERAL_PIECES = [
    *"零〇一二两三四五六七八九十百米斤公号码个件多第脚的",
    "身高",
    "体重",
    "链接",
    "kg",
    "1",
    "我",
    " ",
]


def test_every_short_text_over_the_numeral_pieces() -> None:
    texts = small_world(NUMERAL_PIECES, 3)
    assert [clf._compiled().norm(t) for t in texts] == [lex.norm(t) for t in texts]  # type: ignore[union-attr]
    assert_same(texts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=14).map("".join), min_size=1, max_size=60))
def test_generated_comments(texts: list[str]) -> None:
    assert_same(texts)


# The pieces of the rules for comments as typed: hundreds numerals (weights unless money is
# talked), 来/多 before 斤, bare height/weight pairs, the host's measures, 有 before a measure,
# deals (99包邮, 两件), 要一个l, 拿38吗, relatives.
TYPED_PIECES = [
    "主播",
    "有",
    "来",
    "多",
    "包邮",
    "要",
    "蹲",
    "个",
    "件",
    "1",
    "拿",
    "选",
    "就",
    "可以",
    "行",
    "合适",
]
TYPED_PIECES += [
    "一百",
    "一百三",
    "一百零五",
    "两百",
    "两件",
    "元",
    "块",
    "钱",
    "零",
    "一米",
    "零五",
    "米",
    "我",
    "老公",
]
TYPED_PIECES += [
    "婆婆",
    "/",
    " ",
    "，",
    "165",
    "110",
    "99",
    "38",
    "m",
    "xl",
    "吗",
    "?",
    "没抢到",
    "断货",
    "斤",
    "出头",
]


def test_every_short_text_over_the_typed_pieces() -> None:
    assert_same(small_world(TYPED_PIECES, 3))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(TYPED_PIECES + PIECES[:40]), max_size=12).map("".join), max_size=40))
def test_generated_typed_comments(texts: list[str]) -> None:
    assert_same(texts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.sampled_from(FLAG_PIECES + NUMERAL_PIECES), max_size=12).map("".join), max_size=40)
)
def test_generated_flag_and_numeral_texts(texts: list[str]) -> None:
    assert_same(texts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=30), min_size=1, max_size=40))
def test_arbitrary_unicode(texts: list[str]) -> None:
    assert_same(texts)


def test_each_character() -> None:
    # the fold table (NFKC, lower-case) is filled per character: every character of the BMP and the
    # emoji plane alone, and every one that is not a CJK ideograph between others
    chars = [chr(c) for c in [*range(0xD800), *range(0xE000, 0x10000), *range(0x1F000, 0x1FB00)]]
    others = [c for c in chars if not "\u4e00" <= c <= "\u9fff"]
    texts = chars + [f"我1{c}6 {c}" for c in others] + [f"{c}s码{c}2" for c in others[::3]]
    assert_same(texts)


def test_the_composing_starters_are_complete() -> None:
    # a starter that composes with the character before it makes NFKC depend on neighbours: the
    # C table marks these unsafe; this recomputes them from this Python's unicodedata
    from kuaifan.text import _hotpath

    starters = set()
    for c in range(0x110000):
        d = unicodedata.decomposition(chr(c))
        if d and not d.startswith("<"):
            parts = [int(x, 16) for x in d.split()]
            if len(parts) == 2 and unicodedata.combining(chr(parts[1])) == 0:
                starters.add(parts[1])
    assert starters <= set(_hotpath.composing_starters())


def test_texts_the_engine_hands_back_to_python() -> None:
    texts = [
        "ｶﾞ有吗",  # half-width katakana voicing mark: composes with its neighbour
        "e\u0301 多少钱",  # a combining mark
        "我١٦٥ 一百斤",  # digits other than ASCII after NFKC
        "身高" + "一" * 30 + "米",  # a numeral run too long for 64 bits
        "好评" * 2100,  # longer than the engine's buffers
        "Σ黑色m码",  # lower() of Σ reads its neighbours
        "有" * 120 + "吗",  # more matches than the fixed arrays hold
        "黑色" * 120,
        "",
        " ",
        "\x00",
    ]
    assert_same(texts)


def test_a_tenant_lexicon() -> None:
    tenant = classifier_from_config(
        {
            "categories": ["apparel", "food"],
            "lexicon": {
                "intents": {"price": {"米米": 3, "几个钱": 3}, "praise": {"绝绝子": 2.2}},
                "colors": {"bare": ["牛油果绿"], "single": ["橙"]},
                "typos": {"链jie": "链接", "Ｍ码": "m码"},
                "products": {"words": ["被套"]},
                "sentiment": {"positive": {"绝绝子": 1.3}},
            },
        }
    )
    assert tenant.compiled is not lex
    assert_same(
        [
            *labelled_texts()[:600],
            "牛油果绿有吗",
            "链jie3",
            "被套1.8米",
            "绝绝子 几个钱",
            "橙的m码",
            "我160 被套100斤",
        ],
        tenant,
    )


def test_without_a_sentiment_model() -> None:
    plain = TextClassifier(sentiment_model=None)
    reviews = [row["text"] for row in load_jsonl(DATA / "reviews.jsonl")]
    assert_same(reviews[:100] + labelled_texts()[:200], plain)


def test_repeats_share_one_comment_and_order_is_kept() -> None:
    texts = ["多少钱", "黑色还有吗", "多少钱", "我165 120斤穿什么码", "多少钱"] * 200
    got = clf.classify_many(texts)
    assert [c.intent for c in got[:5]] == ["price", "stock", "price", "size_fit", "price"]
    assert got[0] is got[2] is got[4]
    assert got[3].height_cm == 165 and got[3].weight_kg == 60.0


def test_not_text_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        clf.classify_many(["多少钱", 3])  # type: ignore[list-item]


def _run(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KUAIFAN_LANG": "en", **(env or {})},
        cwd=ROOT,
    )


def test_a_missing_module_means_the_pure_path_and_one_notice() -> None:
    # as after installing from an sdist on a machine without a compiler: the import fails
    code = (
        "import sys; sys.modules['kuaifan.text._hotpath'] = None\n"
        "from kuaifan.text import TextClassifier, classify, classify_many\n"
        "clf = TextClassifier()\n"
        "a = classify_many(['已拍L 我165 120斤会不会大', '多少钱'] * 400)\n"
        "b = [clf.classify('黑色有吗'), classify('3号链接')]\n"
        "assert not clf.uses_compiled\n"
        "print(a[0].intent, a[0].height_cm, a[0].weight_kg, b[0].intent, b[1].link_no)\n"
    )
    out = _run(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["size_fit", "165", "60.0", "variant", "3"]
    notice = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(notice) == 1 and "pure-Python path" in notice[0], out.stderr


def test_an_outdated_build_is_not_used() -> None:
    code = (
        "import sys, types\n"
        "stale = types.ModuleType('kuaifan.text._hotpath'); stale.HOTPATH_VERSION = -1\n"
        "sys.modules['kuaifan.text._hotpath'] = stale\n"
        "from kuaifan.text import compiled, classify\n"
        "print(compiled.available(), classify('多少钱').intent)\n"
    )
    out = _run(code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "price"]
    assert "make install" in out.stderr


def test_the_build_hook_without_a_compiler_builds_nothing_and_does_not_fail(tmp_path: Path) -> None:
    code = (
        "import sys; sys.path.insert(0, '.')\n"
        "import hatch_build, pathlib\n"
        f"print(hatch_build.build(pathlib.Path({str(tmp_path)!r})))\n"
    )
    out = _run(code, {"CC": "/nonexistent/cc", "LDSHARED": "/nonexistent/cc -shared"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None"
    assert "pure-Python path will be used" in out.stderr
