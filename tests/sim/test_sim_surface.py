"""Surface forms and their labels: an independent reader recovers the label from every form."""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.sim.comments import FORM_BACKGROUND, INTENTS, CommentWriter, Ctx
from kuaifan.sim.surface import cn_number, color_text, height_text, link_text, size_text, weight_text

_CN = {c: i for i, c in enumerate("零一二三四五六七八九")}


def read_cn(text: str) -> int:
    """Chinese numerals 0..999 (一百零八, 九十五, 十二) → int, written independently of cn_number."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN:
            current = _CN[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += current * 100
            current = 0
        else:
            raise ValueError(ch)
    return total + current


def read_height(text: str) -> int:
    t = unicodedata.normalize("NFKC", text).removeprefix("身高").removesuffix("cm")
    if m := re.fullmatch(r"1米(\d*)", t):
        tail = m.group(1)
        return 100 + (int(tail) * 10 if len(tail) == 1 else int(tail or 0))
    if m := re.fullmatch(r"一米([一二三四五六七八九零]*)", t):
        digits = "".join(str(_CN[c]) for c in m.group(1))
        return 100 + (int(digits) * 10 if len(digits) == 1 else int(digits or 0))
    if m := re.fullmatch(r"1\.(\d+)", t):
        return round(float(t) * 100)
    if re.fullmatch(r"[一二三四五六七八九零]{3}", t):
        return int("".join(str(_CN[c]) for c in t))
    return int(t)


def read_weight(text: str) -> float:
    t = unicodedata.normalize("NFKC", text)
    if m := re.fullmatch(r"(\d+)(kg|公斤)", t):
        return float(m.group(1))
    if m := re.fullmatch(r"(\d+)多斤", t):
        return int(m.group(1)) / 2
    if m := re.fullmatch(r"(\d+)斤", t):
        return int(m.group(1)) / 2
    if m := re.fullmatch(r"(.+)斤", t):
        return read_cn(m.group(1)) / 2
    raise ValueError(text)


@given(st.integers(0, 999))
def test_chinese_numerals_read_back(n: int) -> None:
    assert read_cn(cn_number(n)) == n


def test_chinese_numerals_spoken_forms() -> None:
    assert [cn_number(n) for n in (108, 95, 12, 120, 100, 10)] == [
        "一百零八",
        "九十五",
        "十二",
        "一百二十",
        "一百",
        "十",
    ]


@settings(max_examples=300)
@given(st.integers(140, 199), st.booleans(), st.integers(0, 2**32))
def test_heights_read_back(cm: int, child: bool, seed: int) -> None:
    text = height_text(random.Random(seed), cm, child=child)
    assert read_height(text) == cm, text


@settings(max_examples=300)
@given(st.integers(75, 139), st.integers(0, 2**32))
def test_child_heights_read_back(cm: int, seed: int) -> None:
    text = height_text(random.Random(seed), cm, child=True)
    assert read_height(text) == cm, text


@settings(max_examples=300)
@given(st.floats(8.0, 140.0), st.integers(0, 2**32))
def test_weights_read_back_to_the_label(kg: float, seed: int) -> None:
    text, label = weight_text(random.Random(seed), kg)
    assert read_weight(text) == label, text
    assert abs(label - kg) <= 5.0 + 0.1 * kg  # the stated weight is the body's, rounded as people do


@given(
    st.sampled_from(["S", "M", "L", "XL", "2XL", "3XL", "35", "38", "44", "90", "110", "150"]),
    st.integers(0, 2**32),
)
def test_sizes_read_back(size: str, seed: int) -> None:
    text = unicodedata.normalize("NFKC", size_text(random.Random(seed), size)).upper().removesuffix("码")
    assert text.replace("XXXL", "3XL").replace("XXL", "2XL") == size


@given(st.integers(1, 60), st.integers(0, 2**32))
def test_link_numbers_read_back(n: int, seed: int) -> None:
    text = unicodedata.normalize("NFKC", link_text(random.Random(seed), n))
    m = re.search(r"\d+", text)
    assert (int(m.group()) if m else read_cn(re.sub(r"号.*", "", text))) == n, text


@given(
    st.sampled_from(["黑色", "奶白色", "卡其色", "雾霾蓝色", "豆沙色"]), st.booleans(), st.integers(0, 2**32)
)
def test_colours_keep_their_stem(color: str, de: bool, seed: int) -> None:
    text = color_text(random.Random(seed), color, de=de)
    assert text.startswith(color.removesuffix("色"))
    assert de or not text.endswith("的")


@settings(max_examples=200)
@given(
    st.integers(0, 2**32), st.sampled_from(range(len(INTENTS))), st.sampled_from(["apparel", "food", "kids"])
)
def test_rendered_comments_are_clean_text(seed: int, intent: int, category: str) -> None:
    sized = category != "food"
    ctx = Ctx(
        category=category,
        noun="裙子" if sized else "牛肉干",
        line="kids" if category == "kids" else "women",
        link_no=3,
        max_link=12,
        colors=("黑色", "杏色") if sized else (),
        color="杏色" if sized else None,
        size=("110" if category == "kids" else "L") if sized else None,
        alt_size=("120" if category == "kids" else "XL") if sized else None,
        option=None if sized else "香辣味",
        height=112.0 if category == "kids" else 163.0,
        weight=19.0 if category == "kids" else 54.0,
        wearer=2 if category == "kids" else 0,
    )
    text, labels = CommentWriter(random.Random(seed)).write(intent, FORM_BACKGROUND, ctx)
    assert text and len(text) < 80
    assert '"' not in text and "\\" not in text and "\n" not in text
    assert labels[0] in INTENTS
    if labels[1] is not None:
        assert labels[0] == "size_fit" and 70 <= labels[1] <= 200
