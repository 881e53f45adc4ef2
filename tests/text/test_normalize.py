"""Each normalisation rule of the dev README, one test per rule."""

from __future__ import annotations

import pytest

from kuaifan.text import normalize
from kuaifan.text.normalize import chinese_number, convert_numerals, fold_width


def test_full_width_digits_and_letters_become_ascii_lower_case() -> None:
    assert fold_width("１６８ ５５ｋｇ 穿Ｍ行不") == "168 55kg 穿m行不"


def test_emote_codes_and_extra_spaces_are_dropped() -> None:
    assert fold_width("  [爱心][爱心] 好看   啊 ") == "好看 啊"


@pytest.mark.parametrize(
    ("run", "value"),
    [
        ("一百零八", 108),
        ("一七五", 175),
        ("一百二", 120),
        ("十一", 11),
        ("三十五", 35),
        ("五十", 50),
        ("一百", 100),
        ("两", 2),
        ("九十五", 95),
        ("一百一十", 110),
        ("二十", 20),
    ],
)
def test_chinese_numbers(run: str, value: int) -> None:
    assert chinese_number(run) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一米六五", "1米65"),
        ("一米二", "1米2"),
        ("一百零八斤", "108斤"),
        ("130多斤", "130多斤"),
        ("一百三十多斤", "130多斤"),
        ("身高一七五体重七十五公斤", "身高175体重75公斤"),
        ("三号", "3号"),
        ("十一号是不是", "11号是不是"),
        ("第五个链接", "第5个链接"),
        ("链接三有券吗", "链接3有券吗"),
        ("三十九码", "39码"),
        ("一六零 一百零二斤", "160 102斤"),
    ],
)
def test_numerals_become_digits_where_they_are_numbers(text: str, expected: str) -> None:
    assert convert_numerals(text) == expected


@pytest.mark.parametrize("text", ["一黑一白", "试一下白色", "一件灰一件杏", "看一看", "一般般"])
def test_numerals_that_are_not_numbers_stay(text: str) -> None:
    assert convert_numerals(text) == text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("马数准吗", "码数准吗"),
        ("尺吗怎么选", "尺码怎么选"),
        ("什么时候发火", "什么时候发货"),
        ("包油吗", "包邮吗"),
        ("链结在哪", "链接在哪"),
        ("连接在哪", "链接在哪"),
        ("神马面料", "什么面料"),
        ("肿么洗", "怎么洗"),
        ("多钱", "多少钱"),
        ("有木有黑色", "有没有黑色"),
        ("主bo多高", "主播多高"),
    ],
)
def test_typos_and_homophones(typed: str, meant: str) -> None:
    assert normalize(typed, typos=_default_typos()) == meant


def test_a_longer_entry_protects_a_phrase() -> None:
    # 连接 → 链接, but 蓝牙连接 is about a connection, not a shop link
    assert normalize("蓝牙连接稳定吗", typos=_default_typos()) == "蓝牙连接稳定吗"
    assert normalize("什么码", typos=_default_typos()) == "什么码"


def _default_typos():  # type: ignore[no-untyped-def]
    from kuaifan.text.lexicon import default_compiled

    return default_compiled().typos
