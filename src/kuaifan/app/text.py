"""Use cases of comment and review understanding.

``fit_from_files``: the fit feedback per product of review exports (抖店 商品评价导出) read directly,
without a store — what a brand checks before a re-order or a restock of a style.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict

from kuaifan.errors import InputError
from kuaifan.signals.fit import fit_report, fit_tables
from kuaifan.signals.frame import prepare
from kuaifan.sources.reviews_export import ReviewExportSource

SALT_UNUSED = "review-exports-read-no-buyer-ids"


class Complaint(BaseModel):
    model_config = ConfigDict(frozen=True)
    complaint: str
    texts: int


class VariantFit(BaseModel):
    model_config = ConfigDict(frozen=True)
    sku_id: str
    color: str | None
    size: str | None
    small: int
    large: int
    true_size: int


class ProductFit(BaseModel):
    """Fit feedback of one product (the ``fit`` entries of ``kuaifan signals --json`` have this shape)."""

    model_config = ConfigDict(frozen=True)
    item: str
    name: str | None
    reviews: int
    rating: float | None
    feedback_texts: int
    size_feedback: int
    small_share: float | None
    large_share: float | None
    true_share: float | None
    advice: str | None  # size_up | size_down | true_to_size | mixed
    advice_zh: str | None
    advice_en: str | None
    thin: int
    thick: int
    color_diff: int
    no_color_diff: int
    complaints: list[Complaint]
    variants: list[VariantFit]


class FitReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    files: int
    reviews: int
    rejected: int  # rows that could not be read (reasons: kuaifan ingest stores them as dead letters)
    products: list[ProductFit]


def fit_from_files(paths: Sequence[Path], *, tenant: str = "local", top: int = 20) -> FitReport:
    """Fit feedback per product of the review exports in ``paths`` (most feedback first)."""
    source = ReviewExportSource()
    frames: list[pl.DataFrame] = []
    names: dict[str, str] = {}
    rejected = 0
    for path in paths:
        if not source.sniff(path):
            raise InputError(
                f"{path}: 不是商品评价导出（需要列 评价内容、商品ID、评分、评价时间）",
                f"{path}: not a product-review export (needs 评价内容, 商品ID, 评分, 评价时间)",
                path=str(path),
            )
        for batch in source.read(path, tenant, SALT_UNUSED):
            frames.append(batch.good)
            names.update(batch.names)
            rejected += len(batch.bad)
    events = prepare(pl.concat(frames)) if frames else None
    if events is None or events.is_empty():
        return FitReport(files=len(paths), reviews=0, rejected=rejected, products=[])
    styles, variants, complaints = fit_tables(events)
    items = styles.sort(["feedback_texts", "item"], descending=[True, False])["item"].head(top).to_list()
    products = [
        ProductFit.model_validate({"item": item, "name": names.get(item), **fit})
        for item, fit in fit_report(styles, variants, complaints, items).items()
    ]
    return FitReport(files=len(paths), reviews=events.height, rejected=rejected, products=products)
