"""Several days of the same rooms (``SimConfig.days > 1`` or ``shelf``): schedules and the room loop.

An influencer room (达播) streams on the first day and then on about 40 % of the days, selling the
brands of its neighbouring store rooms. A store room (店播) first airs on ``store_start_day`` and
then on about ``store_stream_share`` of the later days, so a brand has
days before its store streams start, and stream-on and stream-off days after (what the
incrementality estimate compares). A room keeps its audience from day to day
(``kuaifan.sim.regulars``). Seeds: day 0 of room i uses the one-evening room seed
``(1, i)``, day d > 0 uses ``SeedSequence(seed, spawn_key=(1, i, d))``; the schedule of room i
uses ``(4, i)``. So room i's days do not depend on the other rooms or on the workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from kuaifan.sim.catalogue import World
from kuaifan.sim.config import SimConfig
from kuaifan.sim.plan import channel_of
from kuaifan.sim.regulars import DayAudience, RoomHistory
from kuaifan.sim.room import RoomResult, simulate_room

DAY_MS = 86_400_000
INFLUENCER_DAY_SHARE = 0.4  # an influencer room airs on about this share of the days


def stream_seed(seed: int, index: int, day: int) -> np.random.SeedSequence:
    if day == 0:
        return np.random.SeedSequence(seed, spawn_key=(1, index))
    return np.random.SeedSequence(seed, spawn_key=(1, index, day))


def room_days(config: SimConfig, index: int) -> list[int]:
    """The days room ``index`` is on air."""
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(4, index)))
    draws = rng.random(config.days)
    if channel_of(index) == "influencer":  # booked now and then (达播 supports the store rooms)
        return [d for d in range(config.days) if d == 0 or draws[d] < INFLUENCER_DAY_SHARE]
    first = config.store_start_day
    return [d for d in range(first, config.days) if d == first or draws[d] < config.store_stream_share]


@dataclass(frozen=True, slots=True)
class StreamDay:
    """One stream of a several-days run and what it sold per brand (paid GMV, fen)."""

    day: int
    result: RoomResult
    brand_gmv: dict[str, int]


def brand_gmv(result: RoomResult, brand_of: dict[str, str]) -> dict[str, int]:
    """Paid GMV of a stream per brand (by the brand of each order's product)."""
    paid = result.events.of_kind("order_paid")
    if paid.is_empty():
        return {}
    by = (
        paid.select(pl.col("item_id").replace_strict(brand_of, default=None).alias("brand"), "amount_fen")
        .group_by("brand")
        .agg(pl.col("amount_fen").sum())
        .sort("brand")
    )
    return {str(b): int(v) for b, v in by.iter_rows() if b is not None}


def simulate_room_days(config: SimConfig, world: World, index: int) -> Iterator[StreamDay]:
    """Every stream of room ``index`` in day order, each with the audience it built before."""
    brand_of = {p.item_id: p.brand_id for b in world.brands for p in b.products}
    history = RoomHistory()
    if channel_of(index) == "influencer":
        # An influencer room sells the brands of its neighbouring store rooms every day, so a brand
        # meets its buyers in both kinds of room (overlap, influencer -> store).
        n = len(world.brands)
        brands = (world.brands[(index - 1) % n], world.brands[(index + 1) % n])
        history.keep = (brands, world.influencers[index % len(world.influencers)])
    for day in room_days(config, index):
        result = simulate_room(
            world, config, index, stream_seed(config.seed, index, day), DayAudience(day, history)
        )
        assert result.plan is not None and result.gids is not None
        assert result.followers is not None and result.buyers is not None
        if history.keep is None:
            history.keep = (result.plan.brands, result.plan.author_id)
        history.add(np.unique(result.gids), result.followers, result.buyers)
        yield StreamDay(day, result, brand_gmv(result, brand_of))
