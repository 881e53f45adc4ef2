"""Asked-for demand from comments: which product, colour, size and link viewers ask about.

Comments are classified (by default with ``kuaifan.text.classify_many``; the store's tags when
read from a store) and placed on a product and variant by the one comment resolver,
``kuaifan.live.resolver`` — the rule the live room's asked-variant counts and the text report use.

``missed`` marks 没抢到 / 求补货 / 没了 / 无货 comments: demand that found no stock. A comment with
intent ``stock`` or ``missed`` is a restock ask (``kuaifan.live.resolver.restock_ask``): the live
room places the same comments on the same products.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

import polars as pl

from kuaifan.live.resolver import MISSED_RE, place_comments
from kuaifan.signals.frame import variant_catalogue


class CommentFacts(NamedTuple):
    """What the signals need from one comment."""

    intent: str
    size: str | None
    color: str | None
    link_no: int | None


Classifier = Callable[[Sequence[str]], list[CommentFacts]]


def text_facts(texts: Sequence[str]) -> list[CommentFacts]:
    """The comment classifier of ``kuaifan.text`` (its built-in lexicon)."""
    from kuaifan.text import classify_many

    return [CommentFacts(c.intent, c.size, c.color, c.link_no) for c in classify_many(list(texts))]


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


def comment_mentions(df: pl.DataFrame, classifier: Classifier | None = None) -> pl.DataFrame:
    """One row per comment that could be placed on a product (``prepare``-d events in, MENTION_SCHEMA out)."""
    comments = df.filter((pl.col("kind") == "comment") & pl.col("text").is_not_null()).select(
        "tenant", "stream_id", "room_id", "channel", "msg_id", "ts_ms", "hour_ms", "text"
    )
    if comments.height == 0:
        return pl.DataFrame(schema=MENTION_SCHEMA)
    texts = comments.get_column("text").to_list()
    facts = (classifier or text_facts)(texts)
    comments = comments.with_columns(
        pl.Series("intent", [f.intent for f in facts], dtype=pl.String),
        pl.Series("asked_size", [f.size for f in facts], dtype=pl.String),
        pl.Series("asked_color", [f.color for f in facts], dtype=pl.String),
        pl.Series("link_no", [f.link_no for f in facts], dtype=pl.Int64),
        pl.Series("missed", [bool(MISSED_RE.search(t)) for t in texts], dtype=pl.Boolean),
    )
    products = df.filter(pl.col("item").is_not_null() & (pl.col("kind") != "comment")).select(
        "tenant", "stream_id", "ts_ms", "kind", "item", "link_no"
    )
    placed = place_comments(comments, products, variant_catalogue(df))
    return placed.filter(pl.col("item").is_not_null()).select(list(MENTION_SCHEMA))
