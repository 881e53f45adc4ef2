"""Event-time minute buckets and the watermark that closes them.

Every event lands in the UTC minute of its own event time (``ts_ms - ts_ms % 60_000``), whatever
its arrival order. The watermark is the latest event time seen minus the allowed lateness; a
minute is *closed* once its end is at or before the watermark. An event whose minute is already
closed is *late*: it still corrects that minute exactly (and the caller reports a Change for the
minute), it is only counted as late.

Closing a minute also compacts it: the per-user flags of an open minute live in a dict
(fast to update); a closed minute keeps them as two sorted numpy arrays (5 bytes per user),
with a small dict for users first seen in the minute after it closed.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from kuaifan.live.metrics import MINUTE_MS, N_ROOM, NEW_BITS_TO_COUNTERS

_EMPTY_UIDS: Final = np.zeros(0, dtype=np.int32)
_EMPTY_FLAGS: Final = np.zeros(0, dtype=np.uint8)


class Change(NamedTuple):
    """What an update touched: scope ``room`` | ``minute`` | ``link`` | ``variant`` | ``closed``.

    ``key`` is the minute (epoch ms), link key or sku; ``late`` marks a correction of a minute the
    watermark had already closed.
    """

    scope: str
    key: str | int | None
    late: bool = False


def minute_of(ts_ms: int) -> int:
    """Start (epoch ms) of the UTC minute holding ``ts_ms``."""
    return ts_ms - ts_ms % MINUTE_MS


def closed_before(max_ts_ms: int, lateness_ms: int) -> int:
    """Minutes starting before this instant are closed: their end <= max_ts - lateness."""
    watermark = max_ts_ms - lateness_ms
    return watermark - watermark % MINUTE_MS


class Bucket:
    """One minute of one room: counters (metrics.ROOM_COUNTERS layout) and per-user flags."""

    __slots__ = ("c", "change", "flags", "late_flags", "minute", "online_last", "sealed_flags", "sealed_uids")

    def __init__(self, minute: int, change: Change) -> None:
        self.minute = minute
        self.change = change  # the (not late) Change reported for this minute
        self.c: list[int] = [0] * N_ROOM
        self.flags: dict[int, int] | None = {}  # open: uid -> flag bits
        self.sealed_uids: npt.NDArray[np.int32] = _EMPTY_UIDS
        self.sealed_flags: npt.NDArray[np.uint8] = _EMPTY_FLAGS
        self.late_flags: dict[int, int] = {}  # closed: users first seen after closing
        self.online_last: tuple[int, int] | None = None  # (ts, qty) of the latest sample

    @property
    def closed(self) -> bool:
        return self.flags is None

    def seal(self) -> None:
        """Close the minute: move the flag dict into sorted compact arrays."""
        flags = self.flags
        if flags is None:
            return
        n = len(flags)
        uids = np.fromiter(flags.keys(), dtype=np.int32, count=n)
        bits = np.fromiter(flags.values(), dtype=np.uint8, count=n)
        order = np.argsort(uids, kind="stable")
        self.sealed_uids = uids[order]
        self.sealed_flags = bits[order]
        self.flags = None

    def mark_closed(self, uid: int, bits: int) -> None:
        """Set flag ``bits`` of user ``uid`` in a closed minute, counting newly set bits."""
        uids = self.sealed_uids
        i = int(np.searchsorted(uids, uid))
        if i < uids.size and int(uids[i]) == uid:
            old = int(self.sealed_flags[i])
            new = bits & ~old
            if new:
                self.sealed_flags[i] = old | bits
        else:
            old = self.late_flags.get(uid, 0)
            new = bits & ~old
            if new:
                self.late_flags[uid] = old | bits
        c = self.c
        for k in NEW_BITS_TO_COUNTERS[new]:
            c[k] += 1


class Watermark:
    """Max event time seen, allowed lateness, and the boundary of closed minutes.

    ``next_move`` is the first event time that moves ``closed_before``; the hot path compares
    against it inline and calls ``advance`` only then (about once a minute).
    """

    __slots__ = ("closed_before", "lateness_ms", "max_ts", "next_move")

    def __init__(self, lateness_ms: int) -> None:
        if lateness_ms < 0:
            raise ValueError("lateness_ms must be >= 0")
        self.lateness_ms = lateness_ms
        self.max_ts = -1  # no event yet (event times are positive)
        self.closed_before = -1  # minutes starting before this are closed
        self.next_move = 0

    @property
    def watermark_ms(self) -> int | None:
        return None if self.max_ts < 0 else self.max_ts - self.lateness_ms

    def advance(self, ts_ms: int) -> tuple[int, int]:
        """Take a new max event time at or past ``next_move``; return (old, new) closed_before."""
        self.max_ts = max(self.max_ts, ts_ms)
        old = self.closed_before
        self.closed_before = max(old, closed_before(self.max_ts, self.lateness_ms))
        self.next_move = self.closed_before + MINUTE_MS + self.lateness_ms
        return (old, self.closed_before)

    def observe(self, ts_ms: int) -> tuple[int, int] | None:
        """Take one event time; return (old, new) closed_before when it moved forward."""
        if ts_ms > self.max_ts:
            self.max_ts = ts_ms
            if ts_ms >= self.next_move:
                return self.advance(ts_ms)
        return None

    def is_closed(self, minute: int) -> bool:
        return minute < self.closed_before
