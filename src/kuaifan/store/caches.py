"""Derived data kept beside the log: comment tags and product names.

They are caches: everything in them can be rebuilt from the log and the classifier, so a backend
may drop them (a new tag format simply re-tags). Each has its own small interface, so the log's
contract stays the log's.

- ``TagCache``: what a classifier (``tagger``, a fingerprint of it) said about a comment text, per
  tenant. The store does not know the tag columns: they are kept as one JSON object per text and
  come back in the schema the caller asks for.
- ``NameCache``: product names (product id → name) from order exports; the latest name wins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl


class TagCache(Protocol):
    def lookup(
        self, tenant: str, tagger: str, texts: Sequence[str], schema: Mapping[str, pl.DataType]
    ) -> pl.DataFrame:
        """``text`` plus the ``schema`` columns for each of ``texts`` that ``tagger`` has tagged
        (one row per distinct text; texts never tagged are absent)."""
        ...

    def add(self, tenant: str, tagger: str, tags: pl.DataFrame) -> int:
        """Keep tags (``text`` plus tag columns) of texts not tagged yet; return rows added."""
        ...


@dataclass(frozen=True, slots=True)
class TagRows:
    """Tags to keep with an append (``Store.append_tagged``): what ``TagCache.add`` takes."""

    tenant: str
    tagger: str
    tags: pl.DataFrame  # ``text`` plus tag columns


class NameCache(Protocol):
    def add(self, tenant: str, names: Mapping[str, str]) -> int:
        """Remember product names (product id → name); a later name for the same product replaces
        the earlier one. Ids or names that are empty are skipped. Returns how many were kept."""
        ...

    def get(self, tenant: str) -> dict[str, str]:
        """The product names known for a tenant."""
        ...


def encode_tags(tags: pl.DataFrame) -> pl.DataFrame:
    """``text`` + one JSON object per row of the other columns (what a TagCache stores)."""
    payload = [c for c in tags.columns if c != "text"]
    return tags.select(
        pl.col("text").cast(pl.String), pl.struct(payload).struct.json_encode().alias("tags")
    ).unique("text", keep="first", maintain_order=True)


def decode_tags(rows: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The inverse of ``encode_tags`` in the caller's ``schema`` (missing keys are null)."""
    struct = pl.Struct(dict(schema))
    return rows.select(pl.col("text"), pl.col("tags").str.json_decode(struct).alias("_t")).unnest("_t")
