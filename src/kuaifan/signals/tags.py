"""The one place that tags stored comments: classify each distinct comment text once per tenant and
classifier, keep the tags in the store's ``TagCache``, and join them to events on read. Every reader of
stored comments (the signals, the text report, exports, the live service) comes through here.

Tagging is lazy and self-healing: whatever a read selects and the cache lacks (new comments, or
every text after the tenant's lexicon changed) is classified then. ``tag_new`` does the same for
the comments an ingest or the server has just stored, so reads later find them tagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from kuaifan.config import TextSettings
from kuaifan.store import Store, event_filter
from kuaifan.text.classifier import TextClassifier, classifier_from_config
from kuaifan.text.tagging import TAG_SCHEMA, classify_tags, join_tags, tagger_id


@dataclass(frozen=True, slots=True)
class TagResult:
    tagger: str  # the fingerprint the tags are kept under
    texts: int  # distinct texts classified now
    watermark: int  # the latest arrival time seen: pass as ``since_ms`` next time


def ensure_tags(
    store: Store,
    tenant: str,
    texts: Sequence[str],
    text: TextSettings,
    *,
    classifier: TextClassifier | None = None,
) -> tuple[pl.DataFrame, int]:
    """Tags of the distinct ``texts`` (``text`` + TAG_SCHEMA), classifying and keeping what the
    cache lacks; and how many texts were classified now."""
    tagger = tagger_id(text)
    wanted = list(dict.fromkeys(t for t in texts if t))
    known = store.tags.lookup(tenant, tagger, wanted, TAG_SCHEMA)
    have = set(known.get_column("text").to_list())
    missing = [t for t in wanted if t not in have]
    if not missing:
        return known, 0
    fresh = classify_tags(missing, classifier or classifier_from_config(text))
    store.tags.add(tenant, tagger, fresh)
    return pl.concat([known, fresh.select(known.columns)]), len(missing)


def with_tags(store: Store, tenant: str, events: pl.DataFrame, text: TextSettings) -> pl.DataFrame:
    """``events`` of a tenant with the TAG_SCHEMA columns of their comments joined on."""
    texts = events.filter(pl.col("kind") == "comment").get_column("text").drop_nulls().unique().to_list()
    tags, _ = ensure_tags(store, tenant, texts, text)
    return join_tags(events, tags)


def read_tagged(store: Store, tenant: str, text: TextSettings, **filters: Any) -> pl.DataFrame:
    """The selected events (``EventLog.read`` filters) with their comment tags."""
    return with_tags(store, tenant, store.read(tenant, **filters), text)


def tag_new(store: Store, tenant: str, text: TextSettings, *, since_ms: int = 0) -> TagResult:
    """Tag the comments that arrived at or after ``since_ms`` (after an ingest; the server calls it
    every few seconds with the watermark it returned)."""
    texts: set[str] = set()
    latest = since_ms
    where = event_filter(tenant, kinds=["comment"], ingested_since_ms=since_ms)
    for part in store.scan(where, columns=["text", "ingest_ms"]):
        texts.update(part.get_column("text").drop_nulls().to_list())
        latest = max(latest, int(part.get_column("ingest_ms").max() or 0))  # type: ignore[arg-type]
    _, done = ensure_tags(store, tenant, sorted(texts), text)
    return TagResult(tagger_id(text), done, latest)
