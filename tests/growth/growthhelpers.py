"""Small hand-made event logs with known answers, and loading simulator output (plain module)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.sim.config import SHANGHAI

MONDAY = date(2026, 9, 7)  # day 0 of the hand-made logs is a Monday
HOUR = 3_600_000
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def at(day: int, hour: float) -> int:
    """UTC ms of ``hour`` o'clock China time on day ``day`` after MONDAY."""
    base = datetime(MONDAY.year, MONDAY.month, MONDAY.day, tzinfo=SHANGHAI).timestamp() * 1000
    return int(base + day * 24 * HOUR + hour * HOUR)


_seq = [0]


def event(kind: str, ts_ms: int, **fields: Any) -> dict[str, Any]:
    _seq[0] += 1
    row = {c: None for c in EVENT_COLUMNS}
    row.update(kind=kind, tenant="t", platform="sim", ts_ms=ts_ms, msg_id=f"m{_seq[0]}")
    row.update(fields)
    return row


def live(
    kind: str, ts_ms: int, room: str, stream: str, channel: str = "store", **fields: Any
) -> dict[str, Any]:
    return event(kind, ts_ms, room_id=room, stream_id=stream, channel=channel, **fields)


def paid(ts_ms: int, order: str, user: str, item: str, qty: int, fen: int, **where: Any) -> dict[str, Any]:
    return event("order_paid", ts_ms, order_id=order, user_key=user, item_id=item, sku_id=f"{item}-01",
                 qty=qty, amount_fen=fen, **where)  # fmt: skip


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=POLARS_SCHEMA).sort("ts_ms")


def shop_log() -> pl.DataFrame:
    """Two brands (A: store room r1 and shelf; B: influencer room r2 only) over three weeks.

    s1 (r1, store, day 0, 20-22 h): u1 pays A-1 100 yuan; u2 pays 2 x A-1 200 yuan, refunded in full.
    s2 (r2, influencer kol-1, day 1, 20-21 h): u1 pays A-2 50 yuan; u3 pays B-1 80 yuan.
    shelf: u4 A-1 100 yuan (day 2); u2 A-1 100 yuan (day 9); u7 A-1 100 yuan (day 20).
    s3 (r1, store, day 8, 20-21 h): u5, who followed r1 on day 0, comes back and pays A-1 100 yuan.
    Entries: day 0 u1 u2 u5 in r1; day 8 u5 u6 in r1; day 1 u1 u3 in r2.
    """
    s1 = {"room_id": "r1", "stream_id": "s1", "channel": "store"}
    s2 = {"room_id": "r2", "stream_id": "s2", "channel": "influencer", "author_id": "kol-1"}
    s3 = {"room_id": "r1", "stream_id": "s3", "channel": "store"}
    shelf = {"channel": "shelf"}
    rows = [
        live("stream_start", at(0, 20), "r1", "s1"),
        live("stream_end", at(0, 22), "r1", "s1"),
        live("enter", at(0, 20.1), "r1", "s1", user_key="u1"),
        live("enter", at(0, 20.2), "r1", "s1", user_key="u2"),
        live("enter", at(0, 20.3), "r1", "s1", user_key="u5"),
        live("follow", at(0, 20.4), "r1", "s1", user_key="u5"),
        paid(at(0, 20.5), "o1", "u1", "A-1", 1, 10000, **s1),
        paid(at(0, 21), "o2", "u2", "A-1", 2, 20000, **s1),
        event("order_refund", at(1, 10), order_id="o2", amount_fen=20000, qty=2, user_key="u2", **s1),
        live("stream_start", at(1, 20), "r2", "s2", "influencer", author_id="kol-1"),
        live("stream_end", at(1, 21), "r2", "s2", "influencer", author_id="kol-1"),
        live("enter", at(1, 20.1), "r2", "s2", "influencer", user_key="u1"),
        live("enter", at(1, 20.2), "r2", "s2", "influencer", user_key="u3"),
        paid(at(1, 20.5), "o3", "u1", "A-2", 1, 5000, **s2),
        paid(at(1, 20.6), "o4", "u3", "B-1", 1, 8000, **s2),
        paid(at(2, 10), "o5", "u4", "A-1", 1, 10000, **shelf),
        live("stream_start", at(8, 20), "r1", "s3"),
        live("stream_end", at(8, 21), "r1", "s3"),
        live("enter", at(8, 20.1), "r1", "s3", user_key="u5"),
        live("enter", at(8, 20.2), "r1", "s3", user_key="u6"),
        paid(at(8, 20.5), "o7", "u5", "A-1", 1, 10000, **s3),
        paid(at(9, 10), "o6", "u2", "A-1", 1, 10000, **shelf),
        paid(at(20, 10), "o8", "u7", "A-1", 1, 10000, **shelf),
    ]
    return frame(rows)


# The incrementality test's world (the same as benchmarks/eval_incrementality.py, which reports its
# coverage on other seeds): 3 rooms x 42 days, store streams from day 14 on about 60 % of the days.
WORLD: dict[str, Any] = dict(
    rooms=3,
    minutes=30,
    viewers=3000,
    days=42,
    shelf=True,
    store_start_day=14,
    store_stream_share=0.6,
    shelf_orders=100.0,
    start=datetime(2026, 9, 1, 20, 0, tzinfo=SHANGHAI),
)
