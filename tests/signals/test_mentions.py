"""Comments → asked-for product, colour, size: keyword fallback and kuaifan.text, against the sim's labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuaifan.signals import (
    CommentFacts,
    comment_mentions,
    default_classifier,
    keyword_facts,
    prepare,
    text_facts,
)
from kuaifan.signals.mentions import canonical_size, match_color, match_size

from .helpers import MIN, Log, SimRun


@pytest.mark.parametrize(
    ("text", "intent", "size", "color", "link"),
    [
        ("没抢到😭", "stock", None, None, None),
        ("黑色M还有吗", "stock", "M", "黑色", None),
        ("3号链接上一下", "link", None, None, 3),
        ("身高160 100斤穿什么码", "size_fit", None, None, None),
        ("已拍xxl", "purchased", "2XL", None, None),
        ("有没有杏色", "variant", None, "杏色", None),
        ("37码偏大还是偏小", "size_fit", "37", None, None),
        ("主播好美", "other", None, None, None),
    ],
)
def test_keyword_facts(text: str, intent: str, size: str | None, color: str | None, link: int | None) -> None:
    assert keyword_facts([text]) == [CommentFacts(intent, size, color, link)]


def test_sizes_and_colours_match_the_products_spelling() -> None:
    assert [canonical_size(t) for t in ("xxl", "3xl", "m", "L", "38码", "2xm", "abc")] == [
        "2XL", "3XL", "M", "L", "38", None, None,
    ]  # fmt: skip
    assert match_size("xxl", ["M", "L", "XL", "2XL"]) == "2XL"
    assert match_size("S", ["M", "L"]) is None
    assert match_color("黑的", ["黑色", "白色"]) == "黑色"
    assert match_color("白", ["米白色", "黑色"]) == "米白色"
    assert match_color("白", ["米白色", "奶白色"]) is None  # ambiguous


@given(st.text(max_size=40))
def test_keyword_facts_never_fails(text: str) -> None:
    (facts,) = keyword_facts([text])
    assert facts.intent in {"stock", "purchased", "size_fit", "link", "variant", "other"}
    assert facts.link_no is None or facts.link_no >= 0


def test_default_classifier_is_the_text_package_when_present() -> None:
    assert default_classifier() is text_facts


def test_comments_are_placed_by_link_number_then_by_screen() -> None:
    log = Log()
    log.add("stream_start", 0)
    log.add("product_show", 0, sku_id="A-1", item_id="A", link_no=1)
    log.add(
        "stock_level", 0, sku_id="A-1", item_id="A", link_no=1, spec={"颜色": "黑色", "尺码": "M"}, stock=9
    )
    log.add(
        "stock_level", 0, sku_id="A-2", item_id="A", link_no=1, spec={"颜色": "米白色", "尺码": "L"}, stock=9
    )
    log.add("product_show", 10 * MIN, sku_id="B-1", item_id="B", link_no=2)
    log.add("comment", 1 * MIN, text="白色L还有吗")
    log.add("comment", 11 * MIN, text="1号链接黑色m")
    log.add("comment", 12 * MIN, text="好看")
    log.add("stream_end", 20 * MIN)
    m = comment_mentions(prepare(log.frame()), keyword_facts)
    assert m.select("item", "sku_id", "color", "size").rows() == [
        ("A", "A-2", "米白色", "L"),
        ("A", "A-1", "黑色", "M"),
        ("B", None, None, None),
    ]


Facts = Callable[[Sequence[str]], list[CommentFacts]]


@pytest.mark.parametrize("classifier", [keyword_facts, text_facts], ids=["keywords", "kuaifan.text"])
def test_placement_against_simulator_labels(sim_run: SimRun, classifier: Facts) -> None:
    m = comment_mentions(prepare(sim_run.events), classifier)
    truth = sim_run.comments.select(
        "msg_id", pl.col("item_id").alias("t_item"), pl.col("sku_id").alias("t_sku")
    )
    j = m.join(truth, on="msg_id", how="inner")
    assert j.height == sim_run.comments.height  # every comment is placed
    assert (j["item"] == j["t_item"]).mean() >= 0.95
    pinned = j.filter(pl.col("sku_id").is_not_null())
    assert pinned.height >= 20
    assert (pinned["sku_id"] == pinned["t_sku"]).mean() >= 0.9
    assert m["missed"].sum() > 0
