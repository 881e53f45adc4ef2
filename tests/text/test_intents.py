"""The labelling rules of the dev README and slang, one case each."""

from __future__ import annotations

import pytest

from kuaifan.text import INTENTS, classify


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a question wins over a purchase report; a plain report with details is purchased
        ("已拍 几天能到广州", "shipping"),
        ("已拍L 我165 120斤会不会大", "size_fit"),
        ("已拍 165 110斤 拿的M 黑色", "purchased"),
        ("刚拍了 下一单还能用券吗", "price"),
        # a sold-out complaint is stock, even at checkout
        ("付款的时候说没货了 啥情况", "stock"),
        ("拍了显示没货", "stock"),
        # 有X色吗 → variant, X还有吗 → stock
        ("有白色吗", "variant"),
        ("白色还有吗", "stock"),
        # a fit problem with a received item is after-sales
        ("收到的M码偏小 能换大一码吗", "after_sales"),
        # praise about an earlier purchase
        ("上次买的卫衣质量真好 穿了一冬天不起球", "praise"),
        # slang and emoji
        ("扣1", "other"),
        ("666", "other"),
        ("🌹🌹🌹", "other"),
        ("蹲返场 上次那双老爹鞋", "stock"),
        ("家人们谁懂啊 今天又加班", "other"),
        ("螺蛳粉yyds", "praise"),
        ("3号链接多少米", "price"),
        ("链结发一下 充电器", "link"),
        ("包油吗", "shipping"),
        ("拍了什么时候发火啊", "shipping"),
    ],
)
def test_labelling_rules(text: str, intent: str) -> None:
    assert classify(text).intent == intent


def test_every_intent_is_reachable() -> None:
    samples = [
        "多少钱",
        "穿什么码",
        "有没有黑色",
        "还有吗",
        "上链接",
        "包邮吗",
        "是纯棉的吗",
        "已拍",
        "怎么退货",
        "好好看",
        "晚上好",
    ]
    assert {classify(t).intent for t in samples} == set(INTENTS)


def test_confidence_is_higher_for_a_clear_comment() -> None:
    assert classify("上链接上链接！").confidence > classify("嗯").confidence
