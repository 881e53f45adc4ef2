"""Fit feedback per style and variant from review events and comments (signals.fit, signals_report)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from kuaifan.events import POLARS_SCHEMA, Event
from kuaifan.signals import demand_signals
from kuaifan.signals.fit import size_advice
from kuaifan.signals.report import signals_report

T0 = 1_790_000_000_000


def ev(kind: str, i: int, **fields: Any) -> dict[str, Any]:
    return Event(kind=kind, tenant="acme", platform="doudian", ts_ms=T0 + i * 1000, msg_id=f"{kind}-{i}",
                 **fields).to_row()  # fmt: skip


def review(i: int, sku: str, size: str, stars: int, text: str) -> dict[str, Any]:
    return ev("review", i, sku_id=sku, spec={"颜色": "黑色", "尺码": size}, qty=stars, text=text)


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=POLARS_SCHEMA)


ROWS = [
    review(1, "P1", "M", 2, "偏小，建议拍大一码"),
    review(2, "P1", "M", 3, "有点紧，面料有点薄"),
    review(3, "P1", "L", 4, "L码也偏小一点，起球了"),
    review(4, "P1", "S", 5, "尺码正好，没有色差"),
    review(5, "P1", "M", 1, "穿不上，起球，退了"),
    review(6, "P2", "M", 5, "很好看"),
    review(7, "P2", "M", 5, "大小合适"),
    # a live room: the product on screen, a buyer back in the room, a pre-purchase question
    ev("stream_start", 10, room_id="r1", stream_id="s1"),
    ev("product_show", 11, room_id="r1", stream_id="s1", sku_id="P1", link_no=1),
    ev("comment", 12, room_id="r1", stream_id="s1", text="上次买的M偏小 这次拍L"),
    ev("comment", 13, room_id="r1", stream_id="s1", text="会不会偏小啊"),
    ev("order_paid", 14, room_id="r1", stream_id="s1", sku_id="P1", order_id="o1", qty=1, amount_fen=9900,
       spec={"颜色": "黑色", "尺码": "L"}),
    ev("stream_end", 15, room_id="r1", stream_id="s1"),
]  # fmt: skip


def test_per_style_shares_advice_and_complaints() -> None:
    sig = demand_signals(frame(ROWS))
    p1 = sig.fit.filter(pl.col("item") == "P1").row(0, named=True)
    assert p1["reviews"] == 5 and p1["rating"] == pytest.approx(3.0)
    # four reviews and one comment say small, one review says true to size; the question is no feedback
    assert (p1["small"], p1["large"], p1["true_size"], p1["size_feedback"]) == (5, 0, 1, 6)
    assert p1["small_share"] == pytest.approx(5 / 6)
    assert p1["advice"] == "size_up"
    assert (p1["thin"], p1["color_diff"], p1["no_color_diff"]) == (1, 0, 1)
    complaints = sig.fit_complaints.filter(pl.col("item") == "P1")
    assert complaints.row(0) == ("acme", "P1", "偏小", 5)
    assert dict(complaints.select("complaint", "texts").iter_rows())["起球"] == 2
    variants = sig.fit_variants.filter(pl.col("item") == "P1")
    by_size = {r["size"]: r["small"] for r in variants.iter_rows(named=True)}
    assert by_size == {"M": 3, "L": 1, "S": 0}  # the comment names no variant the catalogue pins
    p2 = sig.fit.filter(pl.col("item") == "P2").row(0, named=True)
    assert p2["advice"] is None  # one text with size feedback is too few


def test_reviews_are_no_live_demand() -> None:
    with_reviews = demand_signals(frame(ROWS))
    without = demand_signals(frame([r for r in ROWS if r["kind"] != "review"]))
    assert with_reviews.variant_hours.equals(without.variant_hours)
    assert with_reviews.ranking.equals(without.ranking)


def test_report_has_the_advice_line() -> None:
    report = signals_report(demand_signals(frame(ROWS)), top=5, names={"P1": "冰丝阔腿裤"})
    fit = report["fit"]["P1"]
    assert fit["name"] == "冰丝阔腿裤"
    assert fit["advice"] == "size_up" and fit["advice_zh"].endswith("建议拍大一码")
    assert fit["complaints"][0] == {"complaint": "偏小", "texts": 5}
    assert list(report["fit"]) == ["P1", "P2"]  # the ranked product first, then by feedback


@pytest.mark.parametrize(
    ("small", "large", "true", "advice"),
    [(0, 0, 2, None), (3, 0, 0, "size_up"), (4, 2, 4, "size_up"), (2, 2, 6, "true_to_size"),
     (1, 5, 1, "size_down"), (3, 3, 2, "mixed")],
)  # fmt: skip
def test_size_advice(small: int, large: int, true: int, advice: str | None) -> None:
    assert size_advice(small, large, true) == advice
