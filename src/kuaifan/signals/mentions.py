"""Asked-for demand from comments: which product, colour, size and link viewers ask about.

Comments are classified with ``kuaifan.text.classify_many`` when that package is importable, else
with :func:`keyword_facts`, a small keyword matcher (kept tested so signals never depend on the text
package being present). Each comment is then placed in its room's context:

- the product: the link number it names (``3号链接``) if that link is known in the stream, else the
  product being explained when it was sent (the latest ``product_show``);
- the variant: the product's colour and size values that the comment names (米白 ~ 米白色,
  xxl ~ 2XL); a comment naming one axis only counts towards that axis' mix, not a variant.

``missed`` marks 没抢到 / 求补货 / 没了 / 无货 comments: demand that found no stock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

import polars as pl

from kuaifan.signals.frame import variant_catalogue


class CommentFacts(NamedTuple):
    """What the signals need from one comment."""

    intent: str
    size: str | None
    color: str | None
    link_no: int | None


Classifier = Callable[[Sequence[str]], list[CommentFacts]]

MISSED_RE: Final = re.compile(r"没抢到|抢不到|补货|加库存|没库存|无货|没货|没了|手慢|求返场|断码")
_STOCK_RE: Final = re.compile(r"还有货|还有[^?？]{0,8}吗|库存|还剩|售罄|" + MISSED_RE.pattern)
_PURCHASED_RE: Final = re.compile(r"已拍|已下单|下单了|付款了|拍了|抢到了")
_FIT_RE: Final = re.compile(r"什么码|几码|多大码?|尺码|偏大|偏小|大一码|小一码|穿[^，,]{0,6}(可以|合适)")
_LINK_RE: Final = re.compile(r"链接|上车|挂车|小黄车")
_VARIANT_RE: Final = re.compile(r"有没有|有木有|看看|试一下|有.{1,6}吗")
_LINK_NO_RE: Final = re.compile(r"(\d{1,3})\s*号(?:链接)?|第\s*(\d{1,3})\s*个?链接|链接\s*(\d{1,3})")
_LETTER_SIZE_RE: Final = re.compile(r"(?<![a-z0-9])([2-6]?x{0,4}[sl]|m)(?![a-z])", re.IGNORECASE)
_NUMBER_SIZE_RE: Final = re.compile(r"(?<!\d)(\d{2,3})\s*码")
_COLOR_RE: Final = re.compile(r"([\u4e00-\u9fff]{1,3})色")
# Words that run into a colour name without a break: 有没有杏色, 想要黑色.
_COLOR_PREFIX_RE: Final = re.compile(
    r"^(?:有没有|有木有|没有|还有|看看|试一下|试试|想要|来个|要|有|求|拍|和|或|是|的)+"
)


def canonical_size(token: str) -> str | None:
    """s → S, xxl → 2XL, 3xl → 3XL, 38码 → 38; None when the token is not a size."""
    t = token.strip().lower().removesuffix("码")
    if t.isdigit():
        return t if 2 <= len(t) <= 3 else None
    m = re.fullmatch(r"([2-6]?)(x*)([sml])", t)
    if m is None:
        return None
    digit, xs, letter = m.groups()
    if letter == "m":
        return "M" if not digit and not xs else None
    n = int(digit) if digit else len(xs)
    if digit and xs != "x":
        return None
    return letter.upper() if n == 0 else ("X" if n == 1 else f"{n}X") + letter.upper()


def color_core(value: str) -> str:
    v = value.strip()
    for suffix in ("的", "色", "款"):
        v = v.removesuffix(suffix)
    return v


def keyword_facts(texts: Sequence[str]) -> list[CommentFacts]:
    """Fallback classifier: intent, size, colour and link number from keywords and patterns."""
    out: list[CommentFacts] = []
    for text in texts:
        t = text.lower()
        link = _LINK_NO_RE.search(t)
        link_no = int(next(g for g in link.groups() if g)) if link else None
        sizes = [s for s in (canonical_size(m.group(1)) for m in _LETTER_SIZE_RE.finditer(t)) if s]
        sizes += [m.group(1) for m in _NUMBER_SIZE_RE.finditer(t)]
        colors = [
            c for c in (_COLOR_PREFIX_RE.sub("", m.group(0)) for m in _COLOR_RE.finditer(t)) if len(c) > 1
        ]
        if _STOCK_RE.search(t):
            intent = "stock"
        elif _PURCHASED_RE.search(t):
            intent = "purchased"
        elif _FIT_RE.search(t):
            intent = "size_fit"
        elif link_no is not None or _LINK_RE.search(t):
            intent = "link"
        elif colors or _VARIANT_RE.search(t):
            intent = "variant"
        else:
            intent = "other"
        size = sizes[0] if len(set(sizes)) == 1 else None
        color = colors[0] if len(set(colors)) == 1 else None
        out.append(CommentFacts(intent, size, color, link_no))
    return out


def text_facts(texts: Sequence[str]) -> list[CommentFacts]:
    """Classifier from ``kuaifan.text``; raises ImportError when the package is not available."""
    from kuaifan.text import classify_many

    return [CommentFacts(c.intent, c.size, c.color, c.link_no) for c in classify_many(list(texts))]


def default_classifier() -> Classifier:
    """``kuaifan.text`` when importable, else the keyword fallback."""
    try:
        import kuaifan.text  # noqa: F401
    except ImportError:
        return keyword_facts
    return text_facts


MENTION_SCHEMA: Final[dict[str, pl.DataType]] = {
    "tenant": pl.String(),
    "stream_id": pl.String(),
    "room_id": pl.String(),
    "channel": pl.String(),
    "msg_id": pl.String(),
    "ts_ms": pl.Int64(),
    "hour_ms": pl.Int64(),
    "item": pl.String(),
    "sku_id": pl.String(),
    "color": pl.String(),
    "size": pl.String(),
    "intent": pl.String(),
    "missed": pl.Boolean(),
    "link_no": pl.Int64(),
}


def _link_map(df: pl.DataFrame) -> pl.DataFrame:
    """Per stream: link number → product (the product most often seen on that link)."""
    return (
        df.filter(pl.col("link_no").is_not_null() & pl.col("item").is_not_null())
        .group_by("tenant", "stream_id", "link_no", "item")
        .len()
        .sort("len", "item", descending=[True, False])
        .group_by("tenant", "stream_id", "link_no", maintain_order=True)
        .agg(pl.col("item").first().alias("link_item"))
    )


def _on_screen(comments: pl.DataFrame, df: pl.DataFrame) -> pl.DataFrame:
    shows = (
        df.filter(pl.col("kind") == "product_show")
        .select("tenant", "stream_id", pl.col("ts_ms").alias("show_ms"), pl.col("item").alias("screen_item"))
        .sort("show_ms")
    )
    return comments.sort("ts_ms").join_asof(
        shows,
        left_on="ts_ms",
        right_on="show_ms",
        by=["tenant", "stream_id"],
        strategy="backward",
        check_sortedness=False,  # both sides are sorted by time, hence within every stream too
    )


def comment_mentions(df: pl.DataFrame, classifier: Classifier | None = None) -> pl.DataFrame:
    """One row per comment that could be placed on a product (``prepare``-d events in, MENTION_SCHEMA out)."""
    comments = df.filter((pl.col("kind") == "comment") & pl.col("text").is_not_null()).select(
        "tenant", "stream_id", "room_id", "channel", "msg_id", "ts_ms", "hour_ms", "text"
    )
    if comments.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    texts = comments.get_column("text").to_list()
    facts = (classifier or default_classifier())(texts)
    comments = comments.with_columns(
        pl.Series("intent", [f.intent for f in facts], dtype=pl.String),
        pl.Series("asked_size", [f.size for f in facts], dtype=pl.String),
        pl.Series("asked_color", [f.color for f in facts], dtype=pl.String),
        pl.Series("link_no", [f.link_no for f in facts], dtype=pl.Int64),
        pl.Series("missed", [bool(MISSED_RE.search(t)) for t in texts], dtype=pl.Boolean),
    )
    placed = (
        _on_screen(comments, df)
        .join(_link_map(df), on=["tenant", "stream_id", "link_no"], how="left")
        .with_columns(pl.coalesce("link_item", "screen_item").alias("item"))
        .filter(pl.col("item").is_not_null())
    )
    return _resolve_variants(placed, variant_catalogue(df)).select(list(MENTION_SCHEMA))


def _resolve_variants(placed: pl.DataFrame, catalogue: pl.DataFrame) -> pl.DataFrame:
    """Match asked colour / size to the product's own values, then to a variant when both axes fit."""
    values = catalogue.group_by("tenant", "item").agg(
        pl.col("color").drop_nulls().unique().alias("colors"),
        pl.col("size").drop_nulls().unique().alias("sizes"),
    )
    rows = placed.join(values, on=["tenant", "item"], how="left")
    colors: list[str | None] = []
    sizes: list[str | None] = []
    for asked_c, asked_s, cs, ss in rows.select("asked_color", "asked_size", "colors", "sizes").iter_rows():
        colors.append(match_color(asked_c, cs or []))
        sizes.append(match_size(asked_s, ss or []))
    rows = rows.with_columns(
        pl.Series("color", colors, dtype=pl.String), pl.Series("size", sizes, dtype=pl.String)
    )
    # A variant only when the comment pins every axis the product has.
    axes = catalogue.select(
        "tenant", "item", "sku_id", pl.col("color").alias("v_color"), pl.col("size").alias("v_size")
    )
    has_axes = values.select(
        "tenant",
        "item",
        (pl.col("colors").list.len() > 0).alias("has_c"),
        (pl.col("sizes").list.len() > 0).alias("has_s"),
    )
    rows = rows.join(has_axes, on=["tenant", "item"], how="left").with_row_index("_r")
    pins = (
        (pl.col("color").is_not_null() | ~pl.col("has_c").fill_null(False))
        & (pl.col("size").is_not_null() | ~pl.col("has_s").fill_null(False))
        & (pl.col("color").is_not_null() | pl.col("size").is_not_null())
    )
    pinned = rows.filter(pins)
    matched = (
        pinned.join(axes, on=["tenant", "item"], how="inner")
        .filter(
            (pl.col("color").is_null() | (pl.col("color") == pl.col("v_color")))
            & (pl.col("size").is_null() | (pl.col("size") == pl.col("v_size")))
        )
        .group_by("_r")
        .agg(pl.col("sku_id").first(), pl.len().alias("_n"))
        .filter(pl.col("_n") == 1)
        .select("_r", "sku_id")
    )
    resolved = pinned.join(matched, on="_r", how="left")
    rest = rows.filter(~pins).with_columns(pl.lit(None, dtype=pl.String).alias("sku_id"))
    return pl.concat([resolved, rest], how="diagonal_relaxed").sort("_r").drop("_r")


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
    key = canonical_size(asked) or asked.strip().upper()
    hits = [v for v in values if (canonical_size(v) or v.strip().upper()) == key]
    return sorted(hits)[0] if hits else None
