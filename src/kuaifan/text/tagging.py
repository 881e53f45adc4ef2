"""Comment tags: what the classifier says about a comment text, as rows kept beside the log.

A comment's intent and attributes depend only on its text and on the tenant's classifier (the
built-in lexicon plus the tenant's ``text`` settings), so each distinct text is classified once
per tenant and classifier and kept under a ``tagger`` fingerprint of that classifier. Live rooms
repeat themselves (已拍, 扣1, 有M码吗), so there are far fewer texts than comments; changing the
tenant's lexicon changes the fingerprint and the texts are tagged afresh.

This module is pure: it defines the tag columns and computes tags. Keeping them in the store and
joining them to events is the application layer's (``kuaifan.signals.tags``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson
import polars as pl

from kuaifan import __version__
from kuaifan.config import TextSettings
from kuaifan.text.classifier import Comment, TextClassifier, text_settings

# Bump when the rules or the built-in lexicon change results: stored tags are then recomputed.
# 3: learned review sentiment (ngram_model), numbers as typed; 4: rules for comments as typed
# (hundreds numerals as 斤, pairs, the host's measures, question forms, cue words) and the learned
# intent model where the rules are unsure
RULES_VERSION: Final = "4"
TAG_BATCH: Final = 50_000  # texts classified per store write

# What a comment classifier said about a comment text (kuaifan.text.Comment). ``comment_link_no``
# is the link the comment named ("3号链接"), not the event's own link_no.
TAG_SCHEMA: Final[dict[str, pl.DataType]] = {
    "intent": pl.String(),
    "height_cm": pl.Int64(),
    "weight_kg": pl.Float64(),
    "size": pl.String(),
    "color": pl.String(),
    "comment_link_no": pl.Int64(),
    "confidence": pl.Float64(),
    "sentiment": pl.Float64(),
    "spam": pl.Boolean(),
}


def tagger_id(text_config: TextSettings | Mapping[str, Any] | None) -> str:
    """A fingerprint of the classifier a tenant's ``text`` settings build (16 hex chars)."""
    data = text_settings(text_config).fingerprint_data()
    spec = {"kuaifan": __version__, "rules": RULES_VERSION, "text": data}
    return hashlib.sha256(orjson.dumps(spec, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def tags_frame(texts: Sequence[str], comments: Sequence[Comment]) -> pl.DataFrame:
    """``text`` + TAG_SCHEMA columns for classified texts."""
    return pl.DataFrame(
        {
            "text": list(texts),
            "intent": [c.intent for c in comments],
            "height_cm": [c.height_cm for c in comments],
            "weight_kg": [c.weight_kg for c in comments],
            "size": [c.size for c in comments],
            "color": [c.color for c in comments],
            "comment_link_no": [c.link_no for c in comments],
            "confidence": [c.confidence for c in comments],
            "sentiment": [c.sentiment for c in comments],
            "spam": [c.spam for c in comments],
        },
        schema={"text": pl.String(), **TAG_SCHEMA},
    )


def classify_tags(texts: Sequence[str], classifier: TextClassifier) -> pl.DataFrame:
    """Tags of ``texts`` (``text`` + TAG_SCHEMA), classified ``TAG_BATCH`` at a time."""
    parts = [
        tags_frame(texts[i : i + TAG_BATCH], classifier.classify_many(list(texts[i : i + TAG_BATCH])))
        for i in range(0, len(texts), TAG_BATCH)
    ]
    return pl.concat(parts) if parts else tags_frame([], [])


def join_tags(events: pl.DataFrame, tags: pl.DataFrame) -> pl.DataFrame:
    """``events`` with the TAG_SCHEMA columns of their text joined on (comments only; other kinds and
    texts without tags get nulls). Row order is kept."""
    cols = list(TAG_SCHEMA)
    joined = events.drop([c for c in cols if c in events.columns]).join(
        tags.select("text", *cols), on="text", how="left", maintain_order="left"
    )
    is_comment = pl.col("kind") == "comment"
    return joined.with_columns(
        [
            pl.when(is_comment).then(pl.col(c)).otherwise(pl.lit(None, dtype=t)).alias(c)
            for c, t in TAG_SCHEMA.items()
        ]
    )
