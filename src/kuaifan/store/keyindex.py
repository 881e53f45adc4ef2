"""A per-process index of the dedup keys a DuckDB log holds, so that a small append does not scan them.

The log's dedup key is ``md5_number(tenant ␟ platform ␟ msg_id)``, a 128-bit number. Without an
index, every append joins its batch against the whole key column: 16–45 ms per append at 0 to 1 M
stored events, whatever the batch size, which caps the server's group commits. The index answers
"certainly new" for almost every key of a push, so such an append is one plain ``INSERT``:

- a Bloom filter over every stored key (``KeyFilter``: the md5 bits are uniform, so the probes are
  slices of the key itself; 12 bits per key, 7 probes, ~0.3 % false positives per layer; a full
  layer gets a new one twice its size, so the filter never needs the log scanned again);
- the most recent keys exactly (``RECENT_KEYS``): a platform's redelivery of a message it pushed a
  moment ago is found there, without a scan;
- anything else the filter calls possible (an old redelivery, a false positive) is checked against
  the log with the join, for those rows only.

The index is built from one scan of the key column the first time a small append needs it, and
kept up to date by every append of the process (large appends too, once it exists). The comment
tags kept beside the log (``text_tags``) have an index of their own, keyed by (tenant, tagger,
text). DuckDB lets one process write a file; inside a process, the stores open on one file share
their indexes and one lock (``shared_index``), so two of them cannot both insert a key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
BITS_PER_KEY: Final = 12
PROBES: Final = 7
MIN_CAPACITY: Final = 1 << 18
RECENT_KEYS: Final = 1 << 16
_SEP: Final = "\x1f"


def key_parts(tenant: str, platform: str, msg_id: str) -> tuple[int, int]:
    """(high, low) 64-bit halves of the log's key: DuckDB's md5_number is the digest read little-endian."""
    d = hashlib.md5(f"{tenant}{_SEP}{platform}{_SEP}{msg_id}".encode()).digest()
    return int.from_bytes(d[8:], "little"), int.from_bytes(d[:8], "little")


def keys_of(tenants: Sequence[str], platforms: Sequence[str], msg_ids: Sequence[str]) -> tuple[U64, U64]:
    """The (high, low) key halves of a batch, as two uint64 arrays."""
    n = len(msg_ids)
    hi = np.empty(n, np.uint64)
    lo = np.empty(n, np.uint64)
    for i, (t, p, m) in enumerate(zip(tenants, platforms, msg_ids, strict=True)):
        hi[i], lo[i] = key_parts(t, p, m)
    return hi, lo


class _Layer:
    __slots__ = ("capacity", "count", "mask", "words")

    def __init__(self, capacity: int) -> None:
        bits = 1 << max(20, (capacity * BITS_PER_KEY - 1).bit_length())
        self.mask = np.uint64(bits - 1)
        self.words = np.zeros(bits // 64, np.uint64)
        self.capacity = capacity
        self.count = 0

    def positions(self, hi: U64, lo: U64) -> U64:
        # Double hashing on the key's own bits: probe i is lo + i * (hi | 1), wrapped to the layer size.
        steps = np.arange(PROBES, dtype=np.uint64)
        with np.errstate(over="ignore"):
            return (lo[:, None] + steps[None, :] * (hi | np.uint64(1))[:, None]) & self.mask

    def add(self, hi: U64, lo: U64) -> None:
        pos = self.positions(hi, lo).ravel()
        np.bitwise_or.at(self.words, pos >> np.uint64(6), np.uint64(1) << (pos & np.uint64(63)))
        self.count += len(hi)

    def may_contain(self, hi: U64, lo: U64) -> npt.NDArray[np.bool_]:
        pos = self.positions(hi, lo)
        bits = (self.words[pos >> np.uint64(6)] >> (pos & np.uint64(63))) & np.uint64(1)
        result: npt.NDArray[np.bool_] = bits.all(axis=1)
        return result


class KeyFilter:
    """A Bloom filter of 128-bit keys that grows by layers (no false negatives, ever)."""

    def __init__(self, capacity: int = MIN_CAPACITY) -> None:
        self._layers = [_Layer(max(capacity, MIN_CAPACITY))]

    def add(self, hi: U64, lo: U64) -> None:
        start = 0
        while start < len(hi):
            layer = self._layers[-1]
            room = layer.capacity - layer.count
            if room <= 0:
                self._layers.append(_Layer(layer.capacity * 2))
                continue
            end = min(len(hi), start + room)
            layer.add(hi[start:end], lo[start:end])
            start = end

    def may_contain(self, hi: U64, lo: U64) -> npt.NDArray[np.bool_]:
        out = np.zeros(len(hi), np.bool_)
        for layer in self._layers:
            out |= layer.may_contain(hi, lo)
        return out

    @property
    def nbytes(self) -> int:
        return sum(layer.words.nbytes for layer in self._layers)


@dataclass(slots=True)
class KeyIndex:
    """The keys of one log: a filter over all of them and the most recent ones exactly."""

    filter: KeyFilter
    recent: set[int] = field(default_factory=set)
    order: deque[int] = field(default_factory=deque)

    @classmethod
    def of(cls, parts: Iterable[tuple[U64, U64]], stored: int) -> KeyIndex:
        index = cls(KeyFilter(2 * stored + MIN_CAPACITY))
        for hi, lo in parts:
            index.filter.add(hi, lo)
        return index

    def add(self, hi: U64, lo: U64) -> None:
        self.filter.add(hi, lo)
        recent, order = self.recent, self.order
        for h, low in zip(hi.tolist(), lo.tolist(), strict=True):
            k = (h << 64) | low
            if k not in recent:
                recent.add(k)
                order.append(k)
        while len(order) > RECENT_KEYS:
            recent.discard(order.popleft())

    def known(self, hi: U64, lo: U64) -> list[bool]:
        """True for the keys certainly stored (seen recently)."""
        recent = self.recent
        return [((h << 64) | low) in recent for h, low in zip(hi.tolist(), lo.tolist(), strict=True)]


@dataclass(slots=True)
class SharedIndex:
    """What the writable stores of one database file in this process share."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    events: KeyIndex | None = None  # keys of the events table
    tags: KeyIndex | None = None  # (tenant, tagger, text) of the text_tags table
    users: int = 0


_SHARED: dict[str, SharedIndex] = {}
_SHARED_LOCK = threading.Lock()


def shared_index(path: str) -> SharedIndex:
    """The index holder of a database file (one per file and process); pair with ``release``."""
    with _SHARED_LOCK:
        holder = _SHARED.get(path)
        if holder is None:
            holder = _SHARED[path] = SharedIndex()
        holder.users += 1
        return holder


def release(path: str, holder: SharedIndex) -> None:
    with _SHARED_LOCK:
        holder.users -= 1
        if holder.users <= 0 and _SHARED.get(path) is holder:
            del _SHARED[path]
