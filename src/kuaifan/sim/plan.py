"""A room's broadcast plan: who runs it, which products go up when, at what price.

Rooms 1, 3, 4, 6 … are store rooms (店播, the brand's own account); every third room
(2, 5, 8 …) is an influencer room (达播) selling two brands' products.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from kuaifan.sim.catalogue import Brand, Product, World, round_price
from kuaifan.sim.config import SHANGHAI, SimConfig

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PriceMove:
    """A live price cut on one product (all its SKUs), maybe reverted when its segment ends."""

    product: int  # index into RoomPlan.products
    at_ms: int
    factor: float
    revert_ms: int | None


@dataclass(frozen=True, slots=True)
class RoomPlan:
    index: int
    room_id: str
    stream_id: str
    channel: str
    author_id: str | None
    brands: tuple[Brand, ...]
    start_ms: int
    duration_s: int
    n_viewers: int
    products: tuple[Product, ...]  # products[k] carries link number k + 1
    seg_product: I64  # per segment: index into products
    seg_start_ms: I64  # relative to the stream start
    seg_end_ms: I64
    hot: frozenset[int]  # products that pull traffic when they go up
    price_moves: tuple[PriceMove, ...]

    @property
    def end_ms(self) -> int:
        return self.duration_s * 1000

    def segment_at(self, t_ms: I64) -> I64:
        return np.clip(
            np.searchsorted(self.seg_start_ms, t_ms, side="right") - 1, 0, self.seg_product.size - 1
        )


def room_id_of(index: int) -> str:
    return f"room-{index + 1:03d}"


def channel_of(index: int) -> str:
    return "influencer" if index % 3 == 1 else "store"


def plan_room(
    world: World,
    config: SimConfig,
    index: int,
    rng: np.random.Generator,
    *,
    day: int = 0,
    keep: tuple[tuple[Brand, ...], str | None] | None = None,
) -> RoomPlan:
    """The room's broadcast on ``day`` (0 = the configured start). ``keep`` = (brands, author) of
    the room's first day: an influencer room stays the same account with the same brands."""
    channel = channel_of(index)
    n_brands = len(world.brands)
    if channel == "store":
        brands: tuple[Brand, ...] = (world.brands[index % n_brands],)
        author = None
        scale = 1.0
    else:
        first = int(rng.integers(0, n_brands))
        second = (first + 1 + int(rng.integers(0, n_brands - 1))) % n_brands
        brands = (world.brands[first], world.brands[second])
        author = world.influencers[int(rng.integers(0, len(world.influencers)))]
        scale = 1.5  # influencer rooms draw bigger crowds
    if keep is not None:  # the draws above still happen, so every later draw is where it was
        brands, author = keep
    n_viewers = max(10, round(config.viewers * scale * float(rng.lognormal(0.0, 0.2))))
    offset_min = int(rng.integers(0, 16))
    start = config.start + timedelta(days=day, minutes=offset_min)
    start_ms = config.start_ms + day * 86_400_000 + offset_min * 60_000
    local = start.astimezone(SHANGHAI)
    room_id = room_id_of(index)
    stream_id = f"{room_id}-{local:%Y%m%d%H%M}-s{config.seed}"
    duration_s = config.minutes * 60

    # Segments of 4-14 minutes (shorter in short streams), each explaining one product.
    mean_s = float(np.clip(duration_s / 3.0, 120.0, 600.0))
    lengths = rng.gamma(4.0, mean_s / 4.0, size=int(duration_s / mean_s * 1.5) + 3)
    bounds = np.concatenate([[0.0], np.cumsum(lengths)])
    n_seg = max(1, int(np.searchsorted(bounds, duration_s)))
    starts = np.rint(bounds[:n_seg] * 1000).astype(np.int64)
    ends = np.append(starts[1:], duration_s * 1000).astype(np.int64)

    pool = [p for b in brands for p in b.products]
    n_products = min(len(pool), max(1, int(np.ceil(n_seg * 0.8))))
    chosen = rng.choice(len(pool), size=n_products, replace=False)
    products = tuple(pool[int(i)] for i in chosen)
    appeal = np.array([p.appeal for p in products])
    ranked = np.argsort(-appeal, kind="stable")
    hot = frozenset(int(i) for i in ranked[: max(1, n_products // 4)])
    # First every product once (links 1..K in order), then 返场 of the best sellers.
    encore = ranked[: max(1, n_products // 3)]
    seq = np.concatenate([np.arange(n_products), rng.choice(encore, size=max(0, n_seg - n_products))])
    seg_product = seq[:n_seg].astype(np.int64)

    moves: list[PriceMove] = []
    for k in range(n_products):
        first_seg = int(np.flatnonzero(seg_product == k)[0]) if np.any(seg_product == k) else -1
        if first_seg < 0 or rng.random() >= 0.35:
            continue
        a, b = int(starts[first_seg]), int(ends[first_seg])
        at = a + int((b - a) * rng.uniform(0.2, 0.6))
        revert = b if rng.random() < 0.5 and b < duration_s * 1000 else None
        moves.append(PriceMove(k, at, float(rng.uniform(0.75, 0.92)), revert))

    return RoomPlan(
        index=index,
        room_id=room_id,
        stream_id=stream_id,
        channel=channel,
        author_id=author,
        brands=brands,
        start_ms=start_ms,
        duration_s=duration_s,
        n_viewers=n_viewers,
        products=products,
        seg_product=seg_product,
        seg_start_ms=starts,
        seg_end_ms=ends,
        hot=hot,
        price_moves=tuple(moves),
    )


def unit_prices(plan: RoomPlan, product: int, t_ms: I64) -> npt.NDArray[np.int64]:
    """Price (fen) of each SKU of ``product`` at each time: rows = times, columns = variants."""
    p = plan.products[product]
    base = np.array([v.price_fen for v in p.variants], dtype=np.int64)
    out = np.broadcast_to(base, (t_ms.size, base.size)).copy()
    for m in plan.price_moves:
        if m.product != product:
            continue
        cut = np.array([moved_price(v.price_fen, m.factor) for v in p.variants], dtype=np.int64)
        live = (t_ms >= m.at_ms) & (
            t_ms < (m.revert_ms if m.revert_ms is not None else np.iinfo(np.int64).max)
        )
        out[live] = cut
    return out


def moved_price(price_fen: int, factor: float) -> int:
    return min(price_fen, round_price(price_fen / 100 * factor))
