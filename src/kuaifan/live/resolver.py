"""Which product and variant a comment is about: one rule, in a batch form (polars frames, for the
signals and the text report) and an incremental form (for the live room's asked-variant counts),
tested equal on simulated streams.

The rule, within one stream:

1. **product**: the product on the link the comment names (``3号链接有M码吗``) when product events of
   the stream carry that link number — the product most of them name (ties: the smaller key); else
   the product on screen when it was sent: the latest ``product_show`` at or before the comment
   (ties at one time: the larger key); else none;
2. **colour / size**: the product's own value that the comment's colour or size means (黑的 ~ 黑色,
   白 → 米白色 when it is the only one containing it, xxl ~ 2XL, 38码 ~ 38); none when the product
   has no such value;
3. **variant**: when the comment pins every axis the product has and exactly one variant fits.

Products are keys as the signals name them: ``item_id``, else ``sku_id``.

Which comments are restock asks (demand that found no stock: 没抢到, 求补货, 还有M吗) is decided here
too, once for both forms: ``restock_ask`` — intent ``stock``, or the words of ``MISSED_RE``.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Final

import polars as pl

from kuaifan.text.extract import canonical_size
from kuaifan.text.normalize import fold_width

PLACED_COLUMNS: Final = ("item", "color", "size", "sku_id")
# The spec keys of a variant's colour (颜色, or 色号 for cosmetics) and size.
COLOR_KEYS: Final = ("颜色", "色号")
SIZE_KEY: Final = "尺码"
# 没抢到 / 求补货 / 没了 / 无货 ...: a comment saying the stock ran out before the viewer could buy.
MISSED_RE: Final = re.compile(r"没抢到|抢不到|补货|加库存|没库存|无货|没货|没了|手慢|求返场|断码")


def restock_ask(intent: str | None, text: str) -> bool:
    """A comment asking for stock: intent ``stock`` (还有M吗, 什么时候补货) or a missed-stock phrase."""
    return intent == "stock" or MISSED_RE.search(text) is not None


# -- values ----------------------------------------------------------------------------------------


def color_core(value: str) -> str:
    v = fold_width(value).replace(" ", "")
    for suffix in ("的", "色", "款"):
        v = v.removesuffix(suffix)
    return v


def size_key(value: str) -> str:
    v = fold_width(value).replace(" ", "")
    if v in {"f", "free", "freesize", "onesize", "均码", "均"}:
        return "均码"
    return canonical_size(v) or v.upper().removesuffix("码")


def match_color(asked: str | None, values: Sequence[str]) -> str | None:
    """The product's colour that ``asked`` means (黑的 ~ 黑色, 白 → 米白色 if unique, 链接黑色 → 黑色)."""
    if not asked or not values:
        return None
    core = color_core(asked)
    if not core:
        return None
    exact = [v for v in values if color_core(v) == core]
    if exact:
        return sorted(exact)[0]
    partial = [v for v in values if core in color_core(v)]
    if len(partial) == 1:
        return partial[0]
    # Words run into the colour (链接黑色): the longest colour the text ends with.
    tails = sorted(
        (v for v in values if color_core(v) and core.endswith(color_core(v))),
        key=lambda v: len(color_core(v)),
    )
    if tails and (len(tails) == 1 or len(color_core(tails[-1])) > len(color_core(tails[-2]))):
        return tails[-1]
    return None


def match_size(asked: str | None, values: Sequence[str]) -> str | None:
    """The product's size that ``asked`` means (xxl ~ 2XL, 38码 ~ 38), else None."""
    if not asked or not values:
        return None
    key = size_key(asked)
    hits = [v for v in values if size_key(v) == key]
    return sorted(hits)[0] if hits else None


# -- batch -----------------------------------------------------------------------------------------


def link_products(products: pl.DataFrame) -> pl.DataFrame:
    """Per (tenant, stream_id, link_no): the product most product events on that link name
    (``products``: tenant, stream_id, link_no, item)."""
    return (
        products.filter(pl.col("link_no").is_not_null() & pl.col("item").is_not_null())
        .group_by("tenant", "stream_id", "link_no", "item")
        .len()
        .sort("len", "item", descending=[True, False])
        .group_by("tenant", "stream_id", "link_no", maintain_order=True)
        .agg(pl.col("item").first().alias("link_item"))
    )


def place_comments(comments: pl.DataFrame, products: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """``comments`` (tenant, stream_id, ts_ms, link_no, asked_color, asked_size, …) with ``item``,
    ``color``, ``size`` and ``sku_id`` placed by the rule of this module, in their order.

    ``products``: the stream's product events (tenant, stream_id, ts_ms, kind, item, link_no);
    ``catalogue``: the variants seen (tenant, item, sku_id, color, size)."""
    shows = (
        products.filter(pl.col("kind") == "product_show")
        .select("tenant", "stream_id", pl.col("ts_ms").alias("show_ms"), pl.col("item").alias("screen_item"))
        .sort("show_ms", "screen_item")  # the last of equal times is the larger key
    )
    base = comments.drop([c for c in PLACED_COLUMNS if c in comments.columns]).with_row_index("_r")
    on_screen = base.sort("ts_ms").join_asof(
        shows,
        left_on="ts_ms",
        right_on="show_ms",
        by=["tenant", "stream_id"],
        strategy="backward",
        check_sortedness=False,  # both sides are sorted by time, hence within every stream too
    )
    placed = (
        on_screen.join(link_products(products), on=["tenant", "stream_id", "link_no"], how="left")
        .with_columns(pl.coalesce("link_item", "screen_item").alias("item"))
        .drop("link_item", "screen_item", "show_ms")
    )
    return _variants(placed, catalogue).sort("_r").drop("_r")


def _variants(placed: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Match the asked colour / size to the product's own values, then to a variant when every axis
    the product has is pinned and exactly one variant fits."""
    values = catalogue.group_by("tenant", "item").agg(
        pl.col("color").drop_nulls().unique().sort().alias("colors"),
        pl.col("size").drop_nulls().unique().sort().alias("sizes"),
    )
    rows = placed.join(values, on=["tenant", "item"], how="left", maintain_order="left")
    colors: list[str | None] = []
    sizes: list[str | None] = []
    for asked_c, asked_s, cs, ss in rows.select("asked_color", "asked_size", "colors", "sizes").iter_rows():
        colors.append(match_color(asked_c, cs or []))
        sizes.append(match_size(asked_s, ss or []))
    rows = rows.with_columns(
        pl.Series("color", colors, dtype=pl.String),
        pl.Series("size", sizes, dtype=pl.String),
        has_c=pl.col("colors").list.len().fill_null(0) > 0,
        has_s=pl.col("sizes").list.len().fill_null(0) > 0,
    ).drop("colors", "sizes")
    pins = (
        (pl.col("color").is_not_null() | ~pl.col("has_c"))
        & (pl.col("size").is_not_null() | ~pl.col("has_s"))
        & (pl.col("color").is_not_null() | pl.col("size").is_not_null())
    )
    axes = catalogue.select(
        "tenant", "item", "sku_id", pl.col("color").alias("v_color"), pl.col("size").alias("v_size")
    )
    matched = (
        rows.filter(pins)
        .select("_r", "tenant", "item", "color", "size")
        .join(axes, on=["tenant", "item"], how="inner")
        .filter(
            (pl.col("color").is_null() | (pl.col("color") == pl.col("v_color")))
            & (pl.col("size").is_null() | (pl.col("size") == pl.col("v_size")))
        )
        .group_by("_r")
        .agg(pl.col("sku_id").first(), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
        .select("_r", "sku_id")
    )
    return rows.drop("has_c", "has_s").join(matched, on="_r", how="left")


# -- incremental -----------------------------------------------------------------------------------


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


class LinkVotes:
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


class Catalogue:
    """The colour and size values seen per product, and its variants by (colour, size)."""

    __slots__ = ("_colors", "_sizes", "_variants")

    def __init__(self) -> None:
        self._colors: dict[str, list[str]] = {}
        self._sizes: dict[str, list[str]] = {}
        self._variants: dict[str, dict[str, tuple[str | None, str | None]]] = {}

    def add(self, item: str, sku_id: str, color: str | None, size: str | None) -> bool:
        """Record a variant; True when the product's values changed (placements may move)."""
        changed = False
        variants = self._variants.setdefault(item, {})
        if variants.get(sku_id) != (color, size):
            old = variants.get(sku_id)
            variants[sku_id] = (color, size)
            changed = old is not None  # a variant's values changed: rebuild the value lists
            if changed:
                self._colors[item] = sorted({c for c, _ in variants.values() if c is not None})
                self._sizes[item] = sorted({s for _, s in variants.values() if s is not None})
        for value, table in ((color, self._colors), (size, self._sizes)):
            if value is not None:
                have = table.setdefault(item, [])
                if value not in have:
                    bisect.insort(have, value)
                    changed = True
        return changed

    def place(
        self, item: str, color: str | None, size: str | None
    ) -> tuple[str | None, str | None, str | None]:
        """(colour, size, sku_id) of a comment about ``item`` by the rule of this module."""
        colors, sizes = self._colors.get(item, []), self._sizes.get(item, [])
        c, s = match_color(color, colors), match_size(size, sizes)
        if (c is None and s is None) or (c is None and colors) or (s is None and sizes):
            return c, s, None
        fits = [
            sku
            for sku, (vc, vs) in sorted(self._variants.get(item, {}).items())
            if (c is None or vc == c) and (s is None or vs == s)
        ]
        return c, s, fits[0] if len(fits) == 1 else None
