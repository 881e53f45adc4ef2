"""Test streams for kuaifan.live: canonical rows by hand, by a small seeded generator, or simulated."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import polars as pl

from kuaifan.events import EVENT_COLUMNS
from kuaifan.sim import SimConfig, simulate

T0 = 1_791_460_800_000  # 2026-10-08T12:00:00Z, a minute boundary
MIN = 60_000
_seq = [0]


def row(kind: str, ts_ms: int, **fields: Any) -> dict[str, Any]:
    """One canonical row (every EVENT_COLUMNS key) for room r1 / stream s1."""
    _seq[0] += 1
    out: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    out.update(
        kind=kind, tenant="demo", platform="sim", room_id="r1", stream_id="s1", channel="store",
        ts_ms=ts_ms, msg_id=f"m{_seq[0]}",
    )  # fmt: skip
    for k, v in fields.items():
        if k not in out:
            raise KeyError(k)
        out[k] = v
    return out


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as a polars frame in the event log's schema."""
    from kuaifan.events import POLARS_SCHEMA

    return pl.DataFrame(rows, schema=POLARS_SCHEMA)


def generated_stream(
    seed: int, minutes: int = 12, users: int = 40, events: int = 1500, room_shows: bool = True
) -> list[dict[str, Any]]:
    """A messy stream: every kind, user-level (and unless ``room_shows`` is False, room-level)
    shows, users missing, items missing, several links and variants, stock running out, late
    orders and refunds, arrival out of order."""
    rng = random.Random(seed)
    skus = {
        "it1": [("it1-a", '{"尺码":"M","颜色":"黑色"}'), ("it1-b", '{"尺码":"L","颜色":"黑色"}')],
        "it2": [("it2-a", '{"颜色":"白色"}')],
        None: [("loose-1", None)],  # a product whose events carry no item_id
    }
    links = list(skus)
    kinds = [
        ("enter", 20), ("like", 14), ("comment", 10), ("online_count", 4), ("gift", 2), ("follow", 2),
        ("share", 2), ("product_show", 3), ("product_click", 10), ("cart_add", 4), ("order_paid", 6),
        ("order_refund", 1), ("stock_level", 3), ("price_change", 1), ("stream_start", 0.2),
        ("stream_end", 0.2), ("bogus_kind", 0.2),
    ]  # fmt: skip
    names, weights = zip(*kinds, strict=True)
    comments = ["黑色还有吗", "没抢到", "质量太差了要退货", "主播好美", "M码", "1111", "客服一直不回", ""]
    out: list[dict[str, Any]] = []
    for _ in range(events):
        kind = rng.choices(names, weights)[0]
        ts = T0 + rng.randrange(minutes * MIN)
        user = None if rng.random() < 0.05 else f"u{rng.randrange(users):03d}"
        item = rng.choice(links)
        sku, spec = rng.choice(skus[item])
        f: dict[str, Any] = {}
        if kind in ("enter", "like", "comment", "gift", "follow", "share"):
            f["user_key"] = user if kind != "enter" else (user or "u000")
        if kind == "like":
            f["qty"] = rng.choice([None, 1, 3, 10])
        if kind == "comment":
            f["text"] = rng.choice(comments)
        if kind == "online_count":
            f["qty"] = rng.choice([None, 0, 12, 40, 40, 77])
        if kind == "gift":
            f["amount_fen"] = rng.choice([None, 0, 10, 990])
        if kind in ("product_show", "product_click", "cart_add", "order_paid", "order_refund", "stock_level",
                    "price_change"):  # fmt: skip
            f.update(sku_id=sku, item_id=item, link_no=links.index(item) + 1 if rng.random() < 0.9 else None)
            if rng.random() < 0.5:
                f["spec"] = spec
        if kind == "product_show":
            f["user_key"] = user if rng.random() < 0.5 or not room_shows else None
            if not room_shows and f["user_key"] is None:
                f["user_key"] = "u000"
            f["amount_fen"] = rng.choice([None, 9900, 12900])
        if kind in ("product_click", "cart_add"):
            f["user_key"] = user
            f["qty"] = rng.choice([None, 1, 2])
        if kind == "order_paid":
            qty = rng.randint(1, 3)
            f.update(
                user_key=user, order_id=f"o{len(out)}", qty=qty, amount_fen=qty * rng.choice([9900, 12900])
            )
        if kind == "order_refund":
            f.update(user_key=user, order_id=f"o{rng.randrange(1000)}", amount_fen=rng.choice([0, 9900]))
        if kind == "stock_level":
            f["stock"] = rng.choice([0, 0, 3, 8, 50])
        if kind == "price_change":
            f["amount_fen"] = rng.choice([7900, 9900])
        out.append(row(kind, ts, **f))
    # Arrival order: mostly by event time, with a jitter and a few orders hours late.
    keyed = []
    for r in out:
        arrival = r["ts_ms"] + rng.randrange(90_000)
        if r["kind"] == "order_paid" and rng.random() < 0.05:
            arrival += 3 * 3600_000
        keyed.append((arrival, r["msg_id"], r))
    keyed.sort(key=lambda x: (x[0], x[1]))
    return [r for _, _, r in keyed]


def sim_frames(
    tmp: Path, seed: int, rooms: int = 2, minutes: int = 20, viewers: int = 1200
) -> list[pl.DataFrame]:
    """Simulated rooms, one frame per stream in file (arrival) order."""
    out_dir = tmp / f"sim-{seed}"
    simulate(SimConfig(seed=seed, rooms=rooms, minutes=minutes, viewers=viewers, format="parquet"), out_dir)
    return [pl.read_parquet(p) for p in sorted((out_dir / "events").glob("*.parquet"))]
