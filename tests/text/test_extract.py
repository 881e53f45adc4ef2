"""Attribute extraction rules of the dev README."""

from __future__ import annotations

import pytest

from kuaifan.text import classify


@pytest.mark.parametrize(
    ("text", "height", "weight"),
    [
        ("1米6 105斤 裤子要什么码", 160, 52.5),
        ("一米六五 一百二十斤 穿L会不会紧", 165, 60.0),
        ("我1.72 62kg 肩宽", 172, 62.0),
        ("孩子一米二 五十斤 选哪个码", 120, 25.0),
        ("身高一七五体重七十五公斤穿啥码", 175, 75.0),
        ("１６８ ５５kg 穿Ｍ行不", 168, 55.0),
        ("主播我158 95斤，XS还是S啊", 158, 47.5),
        ("162 一百零八斤 梨形身材", 162, 54.0),
        ("165 130多斤 能穿XL不", 165, 65.0),
        ("宝宝90cm 26斤穿什么码", 90, 13.0),
        ("我160斤 穿2XL够吗", None, 80.0),
        ("主播多高啊 我160穿会不会长", 160, None),
    ],
)
def test_height_and_weight(text: str, height: int | None, weight: float | None) -> None:
    c = classify(text)
    assert (c.height_cm, c.weight_kg) == (height, weight)


@pytest.mark.parametrize(
    "text",
    [
        "牛肉干2斤多少钱",
        "1.8米的床垫没了？",
        "牛肉干拍了两斤",
        "大米10斤多少钱",
        "脚长24.5穿多大码",
        "腰围2尺3 穿什么码的裤子",
    ],
)
def test_product_measures_are_not_the_wearer(text: str) -> None:
    c = classify(text)
    assert (c.height_cm, c.weight_kg, c.size) == (None, None, None)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("已拍+1 备注了XXL", "2XL"),
        ("xxl能穿到多少斤", "2XL"),
        ("求加库存 白色s", "S"),
        ("155/90斤 均码能穿吗", "均码"),
        ("38码一直显示无货", "38"),
        ("这个靴子是正码吗 拿36.5可以不", "36.5"),
        ("童装已拍 110码 粉色", "110"),
        ("平时穿37 这双要拿大一码吗", "37"),
        ("奶白37还有吗", "37"),
        ("XXXL还有吗", "3XL"),
    ],
)
def test_sizes(text: str, size: str) -> None:
    assert classify(text).size == size


@pytest.mark.parametrize(
    "text",
    [
        "这双鞋拿37还是38",
        "主播我158 95斤，XS还是S啊",
        "M码和L码一个价吗",
        "6个月宝宝穿73还是80",
        "苹果13的手机壳没了吗",
        "螺蛳粉yyds",
        "胖mm能穿吗",
    ],
)
def test_alternatives_and_non_sizes_give_no_size(text: str) -> None:
    assert classify(text).size is None


@pytest.mark.parametrize(
    ("text", "color"),
    [
        ("有木有黑色？", "黑色"),
        ("耳机有粉的吗", "粉色"),
        ("米白的鞋给个特写", "米白色"),
        ("3号的卡其穿一下呗", "卡其色"),
        ("藏青的拿出来看看", "藏青色"),
        ("口红已拍 豆沙色", "豆沙色"),
        ("灰的还有L吗", "灰色"),
        ("刚刚那件白衬衫几号", "白色"),
    ],
)
def test_colours_end_with_se(text: str, color: str) -> None:
    assert classify(text).color == color


@pytest.mark.parametrize(
    "text",
    [
        "这个颜色好显白 绝了",
        "试下999那个色号",
        "已拍两件 一件灰一件杏",
        "两件有折扣吗 想拿一黑一白",
        "四件套还有别的花色吗",
        "已下单 蓝牙耳机",
        "小黄车里没看到",
        "口红那个色号没了吗",
        "有原味吗",
        "粉底真的不卡粉",
    ],
)
def test_no_colour(text: str) -> None:
    assert classify(text).color is None


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("3号链接在哪 找不到", 3),
        ("三号返场吗 没抢到", 3),
        ("链接7有券吗", 7),
        ("#12 是这双吗", 12),
        ("充电宝下单了 第5个链接", 5),
        ("充电宝和昨天一个价吗 ６号", 6),
        ("十一号是不是刚刚那个饼干", 11),
        ("二号链接怎么显示已售罄", 2),
    ],
)
def test_link_numbers(text: str, link: int) -> None:
    assert classify(text).link_no == link


@pytest.mark.parametrize("text", ["几号链接啊", "11号能到吗", "试一下01号色", "37号还有吗", "3号和5号都要"])
def test_no_link_number(text: str) -> None:
    assert classify(text).link_no is None
