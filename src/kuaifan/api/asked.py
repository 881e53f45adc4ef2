"""``AskedVariants``: which (product, size, colour) the viewers of one stream ask for in comments.

A non-spam comment whose classification names a size and/or a colour is one ask for
(product, size, colour). The product is

1. the product on the link the comment names (``3号链接有M码吗``), when product events of the stream
   carry that link number: the product most of them name (ties: the smaller key), the rule of
   ``kuaifan.signals.mentions``;
2. else the product on screen when the comment was sent: the latest ``product_show`` of the stream
   at or before the comment's ``ts_ms`` (ties at one time: the larger product key);
3. else ``*``.

Products are link keys, as in ``RoomState``: ``item_id`` when the event has one, else ``sku_id``.
A product's name is the ``text`` of its latest ``product_show``, when the platform sends one.

The counts depend on the set of events, not on their order, so a stream rebuilt from the store
equals the one fed live: a ``product_show`` arriving after comments it precedes, or link numbers
that change a link's product after asks for it, re-attribute those asks. For that each ask keeps
12 bytes (its time and the index of its (link number, size, colour)) and each distinct
(time, product) of a ``product_show`` 12 bytes; counts are kept per key and recomputed from the
records only when such a late event arrives. Link numbers cost one counter per (number, product).
"""

from __future__ import annotations

import bisect
from array import array
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

ANY_PRODUCT: Final = "*"
TOP_N: Final = 10

AskKey = tuple[str, str | None, str | None]  # (product, size, colour)
_Ask = tuple[int | None, str | None, str | None]  # (link number named in the comment, size, colour)


class Shows:
    """The product on screen as a function of event time: the latest ``product_show`` at or before.

    Every distinct (time, product) is kept, sorted, in two arrays (12 bytes each). Runs of shows of
    one product cannot be merged: a show arriving late may fall inside a run, which then resumes
    at its next show.
    """

    __slots__ = ("_ids", "_key_ids", "_keys", "_ts")

    def __init__(self) -> None:
        self._ts = array("q")
        self._ids = array("i")  # index into _keys; equal times are ordered by key
        self._keys: list[str] = []
        self._key_ids: dict[str, int] = {}

    def add(self, ts: int, key: str) -> bool:
        """Record a show; False when this (time, product) was already known."""
        kid = self._key_ids.get(key)
        if kid is None:
            kid = self._key_ids[key] = len(self._keys)
            self._keys.append(key)
        times, ids, keys = self._ts, self._ids, self._keys
        i = len(times)
        if i and times[-1] > ts:  # out of order: find the place (most shows arrive in order)
            i = bisect.bisect_right(times, ts)
        while i and times[i - 1] == ts and keys[ids[i - 1]] >= key:
            if ids[i - 1] == kid:
                return False
            i -= 1
        times.insert(i, ts)
        ids.insert(i, kid)
        return True

    def at(self, ts: int) -> str | None:
        """The product on screen at ``ts`` (None before the first show)."""
        i = bisect.bisect_right(self._ts, ts)
        return self._keys[self._ids[i - 1]] if i else None

    def __len__(self) -> int:
        return len(self._ts)


class _LinkVotes:
    """Which product a link number stands for: the one most product events on it name."""

    __slots__ = ("counts", "winner")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.winner: str | None = None

    def add(self, key: str) -> bool:
        """Count one event; True when the link's product changed."""
        counts = self.counts
        counts[key] += 1
        w = self.winner
        if w == key:
            return False
        if w is None or counts[key] > counts[w] or (counts[key] == counts[w] and key < w):
            self.winner = key
            return True
        return False


def _product_key(row: Mapping[str, Any]) -> str | None:
    item = row.get("item_id")
    return item if item is not None else row.get("sku_id")


def _order(kv: tuple[AskKey, int]) -> tuple[int, str, bool, str, bool, str]:
    (product, size, color), n = kv
    return (-n, product, size is None, size or "", color is None, color or "")


class AskedVariants:
    """Asks per (product, size, colour) of one stream; ``version`` moves whenever ``top`` may change."""

    __slots__ = (
        "_ask_ids", "_asked_links", "_asks", "_counts", "_kind", "_links", "_max_ts", "_names", "_screen",
        "_stale", "_ts", "version",
    )  # fmt: skip

    def __init__(self) -> None:
        self._screen = Shows()
        self._links: dict[int, _LinkVotes] = {}
        self._names: dict[str, tuple[int, str]] = {}
        self._asks: list[_Ask] = []  # distinct asks (the key space is small)
        self._ask_ids: dict[_Ask, int] = {}
        self._ts = array("q")  # per ask comment: event time ...
        self._kind = array("i")  # ... and index into _asks
        self._max_ts = -(2**63)
        self._asked_links: set[int] = set()
        self._counts: Counter[AskKey] = Counter()
        self._stale = False
        self.version = 0

    def product(self, row: Mapping[str, Any]) -> None:
        """A product event: the product on screen, link numbers, product names."""
        key = _product_key(row)
        if key is None:
            return
        ts: int = row["ts_ms"]
        if row["kind"] == "product_show":
            screen = self._screen
            # Asks at or after ts may move only if this show changes what was on screen at ts.
            if ts <= self._max_ts and screen.at(ts) != key:
                if screen.add(ts, key):
                    self._invalidate()
            else:
                screen.add(ts, key)
            name = row.get("text")
            if name:
                cur = self._names.get(key)
                if cur is None or (ts, name) > cur:
                    self._names[key] = (ts, name)
                    self.version += 1
        link_no = row.get("link_no")
        if link_no is not None:
            votes = self._links.get(link_no)
            if votes is None:
                votes = self._links[link_no] = _LinkVotes()
            if votes.add(key) and link_no in self._asked_links:
                self._invalidate()

    def comment(self, ts: int, link_no: int | None, size: str | None, color: str | None) -> None:
        """One ask (the caller has checked that the comment is not spam and names a size or colour)."""
        ask = (link_no, size, color)
        kid = self._ask_ids.get(ask)
        if kid is None:
            kid = self._ask_ids[ask] = len(self._asks)
            self._asks.append(ask)
        self._ts.append(ts)
        self._kind.append(kid)
        if ts > self._max_ts:
            self._max_ts = ts
        if link_no is not None:
            self._asked_links.add(link_no)
        if not self._stale:
            self._counts[self._key(ts, ask)] += 1
        self.version += 1

    def _invalidate(self) -> None:
        self._stale = True
        self.version += 1

    def _key(self, ts: int, ask: _Ask) -> AskKey:
        link_no, size, color = ask
        if link_no is not None:
            votes = self._links.get(link_no)
            if votes is not None and votes.winner is not None:
                return (votes.winner, size, color)
        on_screen = self._screen.at(ts)
        return (ANY_PRODUCT if on_screen is None else on_screen, size, color)

    def counts(self) -> Counter[AskKey]:
        """Asks per (product, size, colour)."""
        if self._stale:
            asks, key = self._asks, self._key
            self._counts = Counter(key(ts, asks[k]) for ts, k in zip(self._ts, self._kind, strict=True))
            self._stale = False
        return self._counts

    @property
    def total(self) -> int:
        return len(self._ts)

    def top(self, n: int = TOP_N) -> list[dict[str, Any]]:
        """The ``n`` most asked-for variants, most asked first (ties: product, size, colour)."""
        total = self.total
        out: list[dict[str, Any]] = []
        for (product, size, color), count in sorted(self.counts().items(), key=_order)[:n]:
            item: dict[str, Any] = {"product": product}
            name = self._names.get(product)
            if name is not None:
                item["product_name"] = name[1]
            item.update(size=size, color=color, count=count, share=count / total)
            out.append(item)
        return out
