from __future__ import annotations

import polars as pl
import pytest

from kuaifan.text import summarise


def test_summarise_counts_intents_sizes_colours_and_open_questions() -> None:
    df = pl.DataFrame(
        {
            "ts_ms": [0, 60_000, 120_000, 400_000, 410_000, 420_000, 430_000],
            "sku_id": ["a", "a", "a", "b", None, "a", "a"],
            "text": [
                "黑色M还有吗",
                "黑色M还有吗",
                "L码还有吗",
                "多少钱",
                "加v看主页 低价货源",
                "已拍 白色M",
                "好看",
            ],
        }
    )
    s = summarise(df, bucket_ms=300_000)
    assert s["comments"] == 7 and s["spam"] == 1
    assert s["intent_mix"] == {"praise": 1, "price": 1, "purchased": 1, "stock": 3}
    assert [b["bucket_start_ms"] for b in s["intent_over_time"]] == [0, 300_000]
    assert s["intent_over_time"][0]["counts"] == {"stock": 3}
    assert s["top_sizes"]["a"][0] == ["M", 3]
    assert s["top_colors"]["a"][0] == ["黑色", 2]
    top = s["unanswered"][0]
    assert (top["text"], top["count"], top["intent"], top["first_ts_ms"]) == ("黑色M还有吗", 2, "stock", 0)


def test_answered_questions_are_left_out() -> None:
    df = pl.DataFrame({"text": ["多少钱", "包邮吗"], "answered": [True, False]})
    assert [u["text"] for u in summarise(df)["unanswered"]] == ["包邮吗"]


def test_link_number_is_the_product_key_without_sku() -> None:
    s = summarise(pl.DataFrame({"text": ["3号链接 XL还有吗"]}))
    assert s["top_sizes"] == {"link:3": [["XL", 1]]}


def test_text_column_is_required() -> None:
    with pytest.raises(ValueError):
        summarise(pl.DataFrame({"x": [1]}))


def test_complaints_and_the_negative_share_per_product() -> None:
    df = pl.DataFrame(
        {
            "sku_id": ["a", "a", "a", "b", "b", "b", "b"],
            "text": [
                "质量太差了 退货",
                "质量太差了 退货",
                "好看",
                "很满意",
                "衣服起球 失望",
                "加v看主页 低价货源",
                "会起球吗",
            ],
        }
    )
    s = summarise(df)
    by = s["sentiment_by_product"]
    assert list(by) == ["a", "b"]  # the highest negative share first (spam left out)
    assert (by["a"]["comments"], by["a"]["negative"], by["a"]["negative_share"]) == (3, 2, 0.667)
    assert (by["b"]["comments"], by["b"]["negative"]) == (3, 1)  # 会起球吗 asks, it does not complain
    top = s["complaints"][0]
    assert (top["text"], top["count"], top["product"]) == ("质量太差了 退货", 2, "a")
    assert top["sentiment"] <= -0.2
    assert [c["text"] for c in s["complaints"]] == ["质量太差了 退货", "衣服起球 失望"]
