"""``AskedVariants``: which (product, size, colour) the viewers of one stream ask for in comments.

A non-spam comment whose classification names a size and/or a colour is one ask. It is placed by
the one comment resolver (``kuaifan.live.resolver``, the rule the signals and the text report use):
the product on the link it names, else the product on screen when it was sent (``*`` when
neither is known); its size and colour are the product's own values when they match one
(xxl ~ 2XL, 黑的 ~ 黑色), else the values as asked — an ask for a colour the product does not have
is still shown.

It also places the stream's restock asks (没抢到 / 求补货 / 还有吗: ``resolver.restock_ask``) by the
same rule, per product and minute: the ``sold_out_demand`` alert counts those of its link, and the
dashboard shows the products asked for most (``restock``). The signals count the same comments
per product (``stock_asks`` and ``missed``), placed by the batch form of the resolver.

Products are link keys, as in ``RoomState``: ``item_id`` when the event has one, else ``sku_id``.
A product's name is the ``text`` of its latest ``product_show``, when the platform sends one.

The counts depend on the set of events, not on their order, so a stream rebuilt from the store
equals the one fed live: a ``product_show`` arriving after comments it precedes, link numbers that
change a link's product after asks for it, or a product's new colour or size re-attribute those
asks. For that each ask keeps 12 bytes (its time and the index of its (link number, size, colour))
and each distinct (time, product) of a ``product_show`` 12 bytes; counts are kept per key and
recomputed from the records only when such a late event arrives.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

import orjson

from kuaifan.live.resolver import COLOR_KEYS, SIZE_KEY, Catalogue, LinkVotes, Shows

MINUTE_MS: Final = 60_000

ANY_PRODUCT: Final = "*"
TOP_N: Final = 10

AskKey = tuple[str, str | None, str | None]  # (product, size, colour)
_Ask = tuple[int | None, str | None, str | None]  # (link number named in the comment, size, colour)


def _product_key(row: Mapping[str, Any]) -> str | None:
    item = row.get("item_id")
    return item if item is not None else row.get("sku_id")


def _axes(spec: str | None) -> tuple[str | None, str | None]:
    """(colour, size) of a variant's spec text."""
    if not spec:
        return None, None
    try:
        values = orjson.loads(spec)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(values, dict):
        return None, None
    color = next((values[k] for k in COLOR_KEYS if isinstance(values.get(k), str)), None)
    size = values.get(SIZE_KEY)
    return color, size if isinstance(size, str) else None


def _order(kv: tuple[AskKey, int]) -> tuple[int, str, bool, str, bool, str]:
    (product, size, color), n = kv
    return (-n, product, size is None, size or "", color is None, color or "")


class AskedVariants:
    """Asks per (product, size, colour) of one stream; ``version`` moves whenever ``top`` may change."""

    __slots__ = (
        "_ask_ids", "_asked_links", "_asks", "_catalogue", "_counts", "_kind", "_links", "_max_ts", "_names",
        "_restock", "_restock_counts", "_screen", "_stale", "_ts", "restocks", "version",
    )  # fmt: skip

    def __init__(self) -> None:
        self._screen = Shows()
        self._links: dict[int, LinkVotes] = {}
        self._catalogue = Catalogue()
        self._names: dict[str, tuple[int, str]] = {}
        self._asks: list[_Ask] = []  # distinct asks (the key space is small)
        self._ask_ids: dict[_Ask, int] = {}
        self._ts = array("q")  # per ask comment: event time ...
        self._kind = array("i")  # ... and index into _asks
        self._max_ts = -(2**63)
        self._asked_links: set[int] = set()
        self._counts: Counter[AskKey] = Counter()
        # Restock asks per minute: (event time, link number named or -1) of each.
        self._restock: dict[int, list[tuple[int, int]]] = {}
        self._restock_counts: Counter[str] = Counter()
        self.restocks = 0
        self._stale = False
        self.version = 0

    def product(self, row: Mapping[str, Any]) -> None:
        """A product event: the product on screen, link numbers, variants, product names."""
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
        sku = row.get("sku_id")
        if sku is not None:
            color, size = _axes(row.get("spec"))
            known = color is not None or size is not None
            if known and self._catalogue.add(key, sku, color, size) and self._ts:  # (restocks: no variant)
                self._invalidate()
        link_no = row.get("link_no")
        if link_no is not None:
            votes = self._links.get(link_no)
            if votes is None:
                votes = self._links[link_no] = LinkVotes()
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

    def restock(self, ts: int, link_no: int | None) -> None:
        """One restock ask (没抢到, 求补货, 还有吗 ...), with the link number it named if any."""
        self._restock.setdefault(ts - ts % MINUTE_MS, []).append((ts, -1 if link_no is None else link_no))
        self.restocks += 1
        if ts > self._max_ts:
            self._max_ts = ts
        if link_no is not None:
            self._asked_links.add(link_no)
        if not self._stale:
            self._restock_counts[self._product_at(ts, link_no)] += 1
        self.version += 1

    def restock_window(self, start_ms: int, end_ms: int) -> Counter[str]:
        """Restock asks per product sent in [start_ms, end_ms) (``*``: no product could be placed)."""
        out: Counter[str] = Counter()
        for minute in range(start_ms - start_ms % MINUTE_MS, end_ms, MINUTE_MS):
            for ts, link_no in self._restock.get(minute, ()):
                if start_ms <= ts < end_ms:
                    out[self._product_at(ts, None if link_no < 0 else link_no)] += 1
        return out

    def restock_counts(self) -> Counter[str]:
        """Restock asks per product over the whole stream."""
        self._refresh()
        return self._restock_counts

    def _invalidate(self) -> None:
        self._stale = True
        self.version += 1

    def _product_at(self, ts: int, link_no: int | None) -> str:
        """The resolver's product of a comment: the link's product, else the one on screen, else ``*``."""
        product: str | None = None
        if link_no is not None:
            votes = self._links.get(link_no)
            if votes is not None:
                product = votes.winner
        if product is None:
            product = self._screen.at(ts)
        return ANY_PRODUCT if product is None else product

    def _key(self, ts: int, ask: _Ask) -> AskKey:
        link_no, size, color = ask
        product = self._product_at(ts, link_no)
        if product == ANY_PRODUCT:
            return (ANY_PRODUCT, size, color)
        c, s, _ = self._catalogue.place(product, color, size)
        return (product, s or size, c or color)

    def _refresh(self) -> None:
        if self._stale:
            asks, key = self._asks, self._key
            self._counts = Counter(key(ts, asks[k]) for ts, k in zip(self._ts, self._kind, strict=True))
            at = self._product_at
            self._restock_counts = Counter(
                at(ts, None if n < 0 else n) for minute in self._restock.values() for ts, n in minute
            )
            self._stale = False

    def counts(self) -> Counter[AskKey]:
        """Asks per (product, size, colour)."""
        self._refresh()
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

    def restock_top(self, n: int = TOP_N) -> list[dict[str, Any]]:
        """The products with the most restock asks (most first; ``*`` for asks placed on none)."""
        out: list[dict[str, Any]] = []
        for product, count in sorted(self.restock_counts().items(), key=lambda kv: (-kv[1], kv[0]))[:n]:
            item: dict[str, Any] = {"product": product}
            name = self._names.get(product)
            if name is not None:
                item["product_name"] = name[1]
            item["count"] = count
            out.append(item)
        return out
