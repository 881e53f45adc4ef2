"""Room context: a comment resolves to the (sku, variant) on screen."""

from __future__ import annotations

import pytest

from kuaifan.text import RoomContext, classify, resolve, resolve_many
from kuaifan.text.context import ProductOnScreen, match_color, match_size

ROOM = RoomContext.from_links(
    {1: "sku-coat", 3: "sku-tee", 7: "sku-shoe"},
    {
        "sku-coat": {"颜色": ["米白色", "黑色"], "尺码": ["S", "M", "L", "XL"]},
        "sku-tee": {"颜色": ["白色", "卡其色", "藏青色"], "尺码": ["M", "L", "XL", "XXL"]},
        "sku-shoe": {"颜色": ["奶白色", "黑色"], "尺码": ["36", "37", "38", "39"]},
    },
    explaining="sku-coat",
    keywords={"sku-shoe": ["鞋", "靴"]},
)


@pytest.mark.parametrize(
    ("asked", "values", "expected"),
    [
        ("米白", ["米白色", "黑色"], "米白色"),
        ("米白色", ["米白", "黑色"], "米白"),
        ("黑色", ["米白色", "黑色"], "黑色"),
        ("黑的", ["米白色", "黑色"], "黑色"),
        ("白色", ["米白色", "黑色"], "米白色"),  # the only white there is
        ("白色", ["米白色", "白色"], "白色"),  # exact beats partial
        ("蓝色", ["浅蓝色", "深蓝色"], None),  # ambiguous
        ("红色", ["米白色", "黑色"], None),
    ],
)
def test_match_color(asked: str, values: list[str], expected: str | None) -> None:
    assert match_color(asked, values) == expected


@pytest.mark.parametrize(
    ("asked", "values", "expected"),
    [
        ("2XL", ["M", "L", "XXL"], "XXL"),
        ("XXL", ["M", "2XL"], "2XL"),
        ("38", ["37码", "38码"], "38码"),
        ("m", ["S", "M"], "M"),
        ("均码", ["F"], "F"),
        ("3XL", ["M", "L"], None),
    ],
)
def test_match_size(asked: str, values: list[str], expected: str | None) -> None:
    assert match_size(asked, values) == expected


def test_link_number_picks_the_sku_and_variant_values() -> None:
    r = resolve(classify("3号链接 2XL还有吗 卡其"), ROOM)
    assert (r.sku_id, r.how, r.size, r.color) == ("sku-tee", "link_no", "XXL", "卡其色")
    assert r.variant == {"颜色": "卡其色", "尺码": "XXL"}


def test_without_a_link_the_product_being_explained_is_meant() -> None:
    r = resolve(classify("米白M还有吗"), ROOM)
    assert (r.sku_id, r.how, r.color, r.size) == ("sku-coat", "variant", "米白色", "M")
    r = resolve(classify("有没有大码"), ROOM)
    assert (r.sku_id, r.how) == ("sku-coat", "explaining")


def test_a_keyword_names_the_product() -> None:
    text = "那双鞋37还有吗"
    r = resolve(classify(text), ROOM, text)
    assert (r.sku_id, r.how, r.size) == ("sku-shoe", "keyword", "37")


def test_a_variant_only_one_product_has_picks_it() -> None:
    r = resolve(classify("奶白37还有吗"), RoomContext(products=ROOM.products))
    assert (r.sku_id, r.how) == ("sku-shoe", "variant")


def test_unknown_link_resolves_to_nothing() -> None:
    assert resolve(classify("9号链接多少钱"), ROOM).sku_id is None


def test_resolve_many_keeps_order() -> None:
    texts = ["1号链接黑色L", "7号链接38码"]
    res = resolve_many([classify(t) for t in texts], ROOM, texts)
    assert [(r.sku_id, r.color, r.size) for r in res] == [("sku-coat", "黑色", "L"), ("sku-shoe", None, "38")]
    with pytest.raises(ValueError):
        resolve_many([classify("x")], ROOM, ["a", "b"])


def test_single_product_room() -> None:
    room = RoomContext(products=(ProductOnScreen("only", colors=("黑色",)),))
    assert resolve(classify("黑的还有吗"), room).variant == {"颜色": "黑色"}
