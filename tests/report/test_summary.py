"""The per-room summary adds up what happened, by room."""

from __future__ import annotations

from typing import Any

import polars as pl

from kuaifan.events import POLARS_SCHEMA
from kuaifan.report.summary import summarise_rooms

TS = 1_791_000_000_000


def ev(kind: str, room: str | None, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(POLARS_SCHEMA)
    row.update(
        kind=kind,
        tenant="demo",
        platform="sim",
        room_id=room,
        stream_id=room and room + "-s1",
        ts_ms=TS,
        msg_id=f"{kind}-{len(kw)}-{kw}",
        channel="store",
    )
    row.update(kw)
    return row


def test_summary_counts_by_room() -> None:
    rows = [
        ev("enter", "A", user_key="u1"),
        ev("enter", "A", user_key="u2"),
        ev("enter", "A", user_key="u1"),
        ev("online_count", "A", qty=7),
        ev("online_count", "A", qty=12),
        ev("order_paid", "A", user_key="u1", sku_id="S1", order_id="o1", qty=1, amount_fen=9900),
        ev("order_paid", "A", user_key="u2", sku_id="S2", order_id="o2", qty=2, amount_fen=20000),
        ev("order_paid", "A", user_key="u2", sku_id="S1", order_id="o3", qty=1, amount_fen=9900),
        ev(
            "order_paid",
            "A",
            user_key="u3",
            sku_id="S3-M",
            item_id="P3",
            order_id="o4",
            qty=1,
            amount_fen=5000,
        ),
        ev(
            "order_paid",
            "A",
            user_key="u3",
            sku_id="S3-L",
            item_id="P3",
            order_id="o5",
            qty=1,
            amount_fen=5000,
        ),
        ev("order_refund", "A", order_id="o2", amount_fen=10000),
        ev("stock_level", "A", sku_id="S1", spec='{"尺码":"M"}', stock=0),
        ev("stock_level", "A", sku_id="S1", spec='{"尺码":"M"}', stock=0, text="again"),
        ev("stock_level", "A", sku_id="S1", spec='{"尺码":"L"}', stock=3),
        ev("comment", "A", text="hi"),
        ev("enter", "B", user_key="u9"),
        ev("order_paid", None, sku_id="S1", order_id="o9", qty=1, amount_fen=1),  # shelf order: no room
    ]
    out = summarise_rooms(pl.DataFrame(rows, schema=POLARS_SCHEMA))
    assert [r.room_id for r in out] == ["A", "B"]
    a = out[0]
    assert (a.viewers, a.peak_online, a.gmv_fen, a.refund_fen) == (2, 12, 49800, 10000)
    assert (a.orders, a.buyers, a.comments, a.sellouts) == (5, 3, 1, 1)
    # variants of one product (item_id P3) add up; 3 best products only
    assert a.top_products == [("S2", 20000), ("S1", 19800), ("P3", 10000)]
    assert out[1].gmv_fen == 0 and out[1].top_products == []


def test_empty_frame() -> None:
    assert summarise_rooms(pl.DataFrame(schema=POLARS_SCHEMA)) == []
