"""Comment tags in the store: each stored comment text classified once per tenant and classifier.

A comment's intent and attributes depend only on its text and on the tenant's classifier (the
built-in lexicon plus the tenant's ``text`` config), so the store keeps one row per distinct
text (``comment_tags``) under a ``tagger`` fingerprint of that classifier, and joins it to the
comment events on read (``EventStore.read(..., tagger=...)``). Live rooms repeat themselves (已拍, 扣1,
有M码吗), so there are far fewer texts than comments; changing the tenant's lexicon changes the
fingerprint and the texts are tagged afresh.

``tag_comments`` is incremental: it looks only at events ingested since the watermark it
returns, so a server can call it every few seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
import polars as pl

from kuaifan import __version__
from kuaifan.store.log import TAG_SCHEMA, EventStore
from kuaifan.text.classifier import Comment, TextClassifier, classifier_from_config

# Bump when the rules or the built-in lexicon change results: stored tags are then recomputed.
RULES_VERSION: Final = "3"  # 3: learned review sentiment (ngram_model), numbers as typed
TAG_BATCH: Final = 50_000  # texts classified per store write


def tagger_id(text_config: Mapping[str, Any] | None) -> str:
    """A fingerprint of the classifier a tenant's ``text`` config builds (16 hex chars)."""
    spec = {"kuaifan": __version__, "rules": RULES_VERSION, "text": dict(text_config or {})}
    return hashlib.sha256(orjson.dumps(spec, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class TagResult:
    tagger: str  # the fingerprint the tags are stored under: pass to ``EventStore.read``
    texts: int  # distinct texts classified now
    watermark: int  # pass as ``since_ms`` next time


def tags_frame(texts: list[str], comments: list[Comment]) -> pl.DataFrame:
    """``text`` + TAG_SCHEMA columns for classified texts."""
    return pl.DataFrame(
        {
            "text": texts,
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


def tag_comments(
    store: EventStore,
    tenant: str,
    text_config: Mapping[str, Any] | None = None,
    *,
    since_ms: int = 0,
    classifier: TextClassifier | None = None,
) -> TagResult:
    """Classify the tenant's untagged comment texts (ingested at or after ``since_ms``) into the store."""
    tagger = tagger_id(text_config)
    texts, watermark = store.untagged_texts(tenant, tagger, since_ms=since_ms)
    if texts:
        clf = classifier or classifier_from_config(text_config)
        for start in range(0, len(texts), TAG_BATCH):
            part = texts[start : start + TAG_BATCH]
            store.add_comment_tags(tenant, tagger, tags_frame(part, clf.classify_many(part)))
    return TagResult(tagger, len(texts), since_ms if watermark is None else watermark)


def read_tagged(
    store: EventStore, tenant: str, text_config: Mapping[str, Any] | None = None, **filters: Any
) -> pl.DataFrame:
    """Events with their comment tags, after tagging whatever is not tagged yet."""
    return store.read(tenant, tagger=tag_comments(store, tenant, text_config).tagger, **filters)
