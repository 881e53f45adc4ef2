"""Seeded written reviews of a launched style (for the demo's fit-feedback step), with their truth.

Each unit sold is reviewed with probability ``review_rate``. The buyer's verdict on the size is drawn
from the style's truth (``runs_small``: the share of buyers for whom it runs small; a few find it
large, the rest true to size); the text is put together from phrases buyers write, with a fabric
remark, a colour remark or a complaint now and then, and the star rating follows the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import Any, Final

from kuaifan.events import Event

SMALL_PHRASES: Final = ("偏小，建议拍大一码", "有点紧，平时穿M的建议拿L", "小了一码，穿着勒", "尺码偏小")
LARGE_PHRASES: Final = ("有点大，建议拍小一码", "偏大，腰有点松", "大了一点")
TRUE_PHRASES: Final = ("尺码正好", "按平时的码拍的，很合身", "大小合适", "不大不小刚刚好")
EXTRA_PHRASES: Final = (
    "面料有点薄", "没有色差", "颜色很正", "洗了一次有点起球", "有线头", "质量不错", "物流很快",
    "厚薄适中", "有色差，比图片暗", "穿着很舒服",
)  # fmt: skip


def simulate_reviews(
    tenant: str,
    variants: Sequence[tuple[str, str, str, int]],
    *,
    seed: int,
    start_ms: int,
    runs_small: float = 0.45,
    review_rate: float = 0.3,
) -> list[dict[str, Any]]:
    """Review events (EVENT_SCHEMA rows) for ``variants``: (product id, colour, size, units sold)."""
    rng = Random(seed)
    rows: list[dict[str, Any]] = []
    for product, color, size, units in variants:
        for _ in range(units):
            if rng.random() >= review_rate:
                continue
            u = rng.random()
            if u < runs_small:
                verdict, stars = rng.choice(SMALL_PHRASES), rng.choice((2, 3, 3, 4))
            elif u < runs_small + 0.05:
                verdict, stars = rng.choice(LARGE_PHRASES), rng.choice((3, 4))
            else:
                verdict, stars = rng.choice(TRUE_PHRASES), rng.choice((4, 5, 5))
            parts = [verdict]
            if rng.random() < 0.5:
                parts.append(rng.choice(EXTRA_PHRASES))
            rng.shuffle(parts)
            i = len(rows)
            event = Event(
                kind="review", tenant=tenant, platform="sim", ts_ms=start_ms + i * 60_000,
                msg_id=f"review:sim-{seed}-{i}", sku_id=product, spec={"颜色": color, "尺码": size},
                qty=stars, text="，".join(parts),
            )  # fmt: skip
            rows.append(event.to_row())
    return rows
