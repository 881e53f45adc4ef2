"""The one comment → product / variant rule (kuaifan.live.resolver): value matching, the batch form on
a hand-made stream, and the incremental catalogue. Batch == incremental on simulated rooms is tested
with the live counts (tests/api/test_api_asked.py)."""

from __future__ import annotations

import polars as pl
import pytest

from kuaifan.live.resolver import Catalogue, match_color, match_size, place_comments, size_key


@pytest.mark.parametrize(
    ("asked", "values", "expected"),
    [
        ("米白", ["米白色", "黑色"], "米白色"),
        ("米白色", ["米白", "黑色"], "米白"),
        ("黑的", ["米白色", "黑色"], "黑色"),
        ("白色", ["米白色", "黑色"], "米白色"),  # the only white there is
        ("白色", ["米白色", "白色"], "白色"),  # exact beats partial
        ("白", ["米白色", "奶白色"], None),  # ambiguous
        ("链接黑色", ["黑色", "白色"], "黑色"),  # words run into the colour
        ("红色", ["米白色", "黑色"], None),
        (None, ["黑色"], None),
    ],
)
def test_match_color(asked: str | None, values: list[str], expected: str | None) -> None:
    assert match_color(asked, values) == expected


@pytest.mark.parametrize(
    ("asked", "values", "expected"),
    [
        ("2XL", ["M", "L", "XXL"], "XXL"),
        ("xxl", ["M", "2XL"], "2XL"),
        ("38", ["37码", "38码"], "38码"),
        ("m", ["S", "M"], "M"),
        ("均码", ["F"], "F"),
        ("3XL", ["M", "L"], None),
    ],
)
def test_match_size(asked: str, values: list[str], expected: str | None) -> None:
    assert match_size(asked, values) == expected
    assert size_key("XXL") == size_key("2xl") == "2XL"


def _comments(*rows: tuple[int, int | None, str | None, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        [("t", "s1", ts, link, color, size) for ts, link, color, size in rows],
        schema={"tenant": pl.String, "stream_id": pl.String, "ts_ms": pl.Int64, "link_no": pl.Int64,
                "asked_color": pl.String, "asked_size": pl.String},
        orient="row",
    )  # fmt: skip


PRODUCTS = pl.DataFrame(
    [
        ("t", "s1", 0, "product_show", "A", 1),
        ("t", "s1", 0, "stock_level", "A", 1),
        ("t", "s1", 100, "product_show", "B", 2),
        ("t", "s1", 100, "product_show", "C", None),  # two shows at one time: the larger key is on screen
        ("t", "s1", 150, "product_click", "B", 2),
    ],
    schema=["tenant", "stream_id", "ts_ms", "kind", "item", "link_no"],
    orient="row",
)
CATALOGUE = pl.DataFrame(
    [("t", "A", "A-1", "黑色", "M"), ("t", "A", "A-2", "米白色", "L"), ("t", "B", "B-1", None, "均码")],
    schema=["tenant", "item", "sku_id", "color", "size"],
    orient="row",
)


def test_batch_form_places_by_link_then_screen_and_pins_variants() -> None:
    got = place_comments(
        _comments(
            (50, None, "白", "l"),  # A on screen: 白 → 米白色, l → L, both axes: variant A-2
            (60, None, "黑的", None),  # colour only: no variant (A has sizes too)
            (120, 1, "黑色", "m"),  # link 1 is A although C is on screen
            (130, None, None, "xl"),  # C on screen (ties: larger key); C has no sizes
            (-5, None, "黑色", None),  # before any show: no product
            (140, 9, None, "M"),  # an unknown link number: the product on screen
        ),
        PRODUCTS,
        CATALOGUE,
    )
    assert got.select("item", "color", "size", "sku_id").rows() == [
        ("A", "米白色", "L", "A-2"),
        ("A", "黑色", None, None),
        ("A", "黑色", "M", "A-1"),
        ("C", None, None, None),
        (None, None, None, None),
        ("C", None, None, None),
    ]


def test_incremental_catalogue_places_like_the_batch_form() -> None:
    cat = Catalogue()
    for _, item, sku, color, size in CATALOGUE.iter_rows():
        cat.add(item, sku, color, size)
    assert cat.place("A", "白", "l") == ("米白色", "L", "A-2")
    assert cat.place("A", "黑的", None) == ("黑色", None, None)
    assert cat.place("B", None, "F") == (None, "均码", "B-1")  # B has sizes only: one axis pins it
    assert cat.place("Z", "黑色", "M") == (None, None, None)
    assert cat.add("A", "A-3", "红色", "M") is True and cat.add("A", "A-3", "红色", "M") is False
