"""Comments → asked-for product, colour, size (the resolver of kuaifan.live), against the sim's labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from kuaifan.signals import CommentFacts, comment_mentions, prepare, text_facts

from .helpers import MIN, Log, SimRun


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
    m = comment_mentions(prepare(log.frame()), text_facts)
    assert m.select("item", "sku_id", "color", "size").rows() == [
        ("A", "A-2", "米白色", "L"),
        ("A", "A-1", "黑色", "M"),
        ("B", None, None, None),
    ]


Facts = Callable[[Sequence[str]], list[CommentFacts]]


def test_placement_against_simulator_labels(sim_run: SimRun) -> None:
    m = comment_mentions(prepare(sim_run.events), text_facts)
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
