"""What every source yields: batches of valid canonical rows plus the rejects, never lost."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from kuaifan.events import DeadLetter
from kuaifan.sources.gate import TenantGate

__all__ = ["Batch", "DeadLetter", "FileSource"]


@dataclass(slots=True)
class Batch:
    """Valid rows in EVENT_SCHEMA columns (polars, String/Int64) and the rejects of one chunk."""

    good: pl.DataFrame
    bad: list[DeadLetter] = field(default_factory=list)
    # Product names the chunk carried (an order export's 商品名称): product id (item_id, else
    # sku_id, as the signals name a product) → name. Kept beside the log, not in the events.
    names: dict[str, str] = field(default_factory=dict)


class FileSource(Protocol):
    """A reader of one file format. ``sniff`` decides by name/content; ``read`` streams batches."""

    name: str

    def sniff(self, path: Path) -> bool: ...

    def read(self, path: Path, gate: TenantGate) -> Iterator[Batch]:
        """Batches of canonical rows and dead letters; every record passes ``gate`` (the tenant and
        the privacy policy) before it is a row."""
        ...
