"""The audience a room builds over several days: followers who come back, buyers who buy again.

A several-days run (``SimConfig.days > 1``) keeps, per room, the global ids of everyone who
watched, followed or bought. On every later day some of them return in place of new viewers:
followers most often, then earlier buyers, then other past viewers (信任沉淀). Returning followers
and buyers also buy more readily (``buy_boost``), and a follower does not follow again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kuaifan.sim.catalogue import Brand

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

# Chance that a past follower / buyer / other viewer of the room watches it again on a given day.
RETURN_P = {"follower": 0.30, "buyer": 0.18, "viewer": 0.03}
# How much more readily a returning follower / buyer buys what they click (trust).
BUY_BOOST = {"follower": 1.8, "buyer": 1.5}
# Returners never take more than this share of a day's viewers (the room keeps finding new people).
MAX_RETURNING = 0.5
_DAY_SHIFT = np.uint64(50)  # bits 50-58 of a fresh viewer id hold the day


def _empty() -> U64:
    return np.zeros(0, dtype=np.uint64)


@dataclass(slots=True)
class RoomHistory:
    """Who a room has seen so far (global viewer ids, sorted and unique)."""

    keep: tuple[tuple[Brand, ...], str | None] | None = None
    followers: U64 = field(default_factory=_empty)
    buyers: U64 = field(default_factory=_empty)
    viewers: U64 = field(default_factory=_empty)

    def add(self, viewers: U64, followers: U64, buyers: U64) -> None:
        self.viewers = np.union1d(self.viewers, viewers)
        self.followers = np.union1d(self.followers, followers)
        self.buyers = np.union1d(self.buyers, buyers)


@dataclass(frozen=True, slots=True)
class DayAudience:
    """What a room brings into one day of a several-days run."""

    day: int
    history: RoomHistory


@dataclass(frozen=True, slots=True)
class Regulars:
    gids: U64  # global viewer id per room viewer
    buy_boost: F64  # per viewer
    following: B  # per viewer: already follows the room


def fresh_ids_of_day(gids: U64, day: int) -> U64:
    """Room-local viewer ids are the same numbers every day: tag the non-fan ones with the day."""
    out = gids.copy()
    local = out < (np.uint64(1) << np.uint64(61))
    out[local] |= np.uint64(day) << _DAY_SHIFT
    return out


def place_regulars(rng: np.random.Generator, gids: U64, audience: DayAudience) -> Regulars:
    """Put returning followers, buyers and viewers of the room into some of today's viewer slots."""
    h = audience.history
    gids = fresh_ids_of_day(gids, audience.day)
    n = gids.size
    p = np.full(h.viewers.size, RETURN_P["viewer"])
    p[np.isin(h.viewers, h.buyers, assume_unique=True)] = RETURN_P["buyer"]
    p[np.isin(h.viewers, h.followers, assume_unique=True)] = RETURN_P["follower"]
    back = h.viewers[rng.random(h.viewers.size) < p]
    back = back[~np.isin(back, gids)]  # a fan who is already here today
    cap = int(n * MAX_RETURNING)
    if back.size > cap:
        back = rng.choice(back, size=cap, replace=False)
    slots = rng.choice(n, size=back.size, replace=False) if back.size else np.zeros(0, np.int64)
    gids[slots] = back
    boost = np.ones(n)
    boost[np.isin(gids, h.buyers)] = BUY_BOOST["buyer"]
    following = np.isin(gids, h.followers)
    boost[following] = BUY_BOOST["follower"]
    return Regulars(gids=gids, buy_boost=boost, following=following)
