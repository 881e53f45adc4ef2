"""Fit feedback from reviews and comments (kuaifan.text.fit)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuaifan.text.fit import NO_FEEDBACK, fit_feedback, fit_feedback_many


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("衣服偏小，建议拍大一码", "small"),
        ("鞋子挤脚 穿不上", "small"),
        ("平时穿M，这个M有点紧", "small"),
        ("建议拍小一码", "large"),
        ("裤子大了，腰太肥", "large"),
        ("M码正好，很合身", "true"),
        ("不大不小刚刚好", "true"),
        ("不偏小，挺合身的", "true"),
        ("按平时码数拍就行", "true"),
        ("会不会偏小？", None),  # a question is no feedback
        ("是不是偏大啊", None),
        ("价格合适，物流很快", None),
        ("孩子长大了买的大一码", None),
        ("上衣偏大 裤子偏小", None),  # both: no verdict
    ],
)
def test_size(text: str, size: str | None) -> None:
    assert fit_feedback(text).size == size


@pytest.mark.parametrize(
    ("text", "fabric", "diff"),
    [
        ("面料有点薄，没有色差", "thin", False),
        ("有点透，要穿打底", "thin", None),
        ("一点都不薄，很厚实", "thick", None),
        ("厚薄适中 颜色很正", "ok", False),
        ("有色差，实物比图片暗", None, True),
        ("颜色跟图片不一样", None, True),
        ("色差不大", None, False),
        ("质量很好", None, None),
    ],
)
def test_fabric_and_colour(text: str, fabric: str | None, diff: bool | None) -> None:
    got = fit_feedback(text)
    assert (got.fabric, got.color_diff) == (fabric, diff)


def test_complaints_are_canonical_and_once_each() -> None:
    got = fit_feedback("起球了，洗了一次就掉色，又起球，线头很多，偏小")
    assert got.complaints == ("偏小", "起球", "掉色", "线头")
    assert fit_feedback("不起球，没有异味").complaints == ()
    assert fit_feedback("会起球吗").complaints == ()


def test_nothing_and_repeats() -> None:
    assert fit_feedback("") == NO_FEEDBACK and NO_FEEDBACK.empty
    assert fit_feedback_many(["偏小", "偏小", "好看"]) == [fit_feedback("偏小")] * 2 + [NO_FEEDBACK]


@given(st.text(max_size=60))
def test_any_text_gives_a_consistent_answer(text: str) -> None:
    got = fit_feedback(text)
    assert got.size in (None, "small", "large", "true")
    assert got.fabric in (None, "thin", "thick", "ok")
    assert ("偏小" in got.complaints) == (got.size == "small")
    assert ("偏大" in got.complaints) == (got.size == "large")
    assert len(set(got.complaints)) == len(got.complaints)
