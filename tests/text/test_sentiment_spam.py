"""Sentiment on live comments and on written reviews; spam flags."""

from __future__ import annotations

import pytest

from kuaifan.text import classify


@pytest.mark.parametrize(
    "text",
    [
        "质量很好，物流也快",
        "衣服质量不错，穿着很舒服，下次还会买",
        "颜色很正，没有色差，好评",
        "主播好美啊😍",
        "不起球 很满意",
    ],
)
def test_positive(text: str) -> None:
    assert classify(text).sentiment > 0.2


@pytest.mark.parametrize(
    "text",
    [
        "做工很差，退货了",
        "太失望了，跟图片完全不一样",
        "不喜欢 质量太差",
        "垃圾 别买",
        "鞋子穿了两天就开胶了 怎么处理",
    ],
)
def test_negative(text: str) -> None:
    assert classify(text).sentiment < -0.2


def test_a_question_is_weaker_than_a_statement() -> None:
    assert 0 <= classify("质量好吗").sentiment < classify("质量好").sentiment


@pytest.mark.parametrize(
    "text",
    [
        "加v看主页 领福利",
        "加微信 wx88888 低价货源",
        "http://abc.com 同款便宜",
        "qq 123456789 招代理",
        "上链接上链接上链接上链接",
        "打电话13812345678",
    ],
)
def test_spam(text: str) -> None:
    c = classify(text)
    assert c.spam


@pytest.mark.parametrize("text", ["上链接上链接！", "哈哈哈哈哈", "666", "已拍 黑色M", "有没有vip价"])
def test_not_spam(text: str) -> None:
    assert not classify(text).spam


def test_ads_are_other_but_a_flooded_request_keeps_its_intent() -> None:
    assert classify("加v看主页 低价").intent == "other"
    assert classify("上链接上链接上链接上链接上链接").intent == "link"
