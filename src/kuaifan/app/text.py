"""Comment understanding use cases: ``kuaifan text report`` (what a stream's stored comments asked
for), ``kuaifan text classify`` (a file or stream of comments → their intents and attributes) and
``kuaifan fit`` (the fit feedback per product of review exports, 抖店 商品评价导出, read without a store:
what a brand checks before a re-order or a restock of a style)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import polars as pl
from pydantic import BaseModel, ConfigDict

from kuaifan.app.signals import FitFeedback
from kuaifan.config import Settings
from kuaifan.errors import InputError, NotFoundError
from kuaifan.signals.fit import fit_report, fit_tables
from kuaifan.signals.frame import prepare
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.reviews_export import ReviewExportSource
from kuaifan.store import Store
from kuaifan.text.classifier import TextClassifier
from kuaifan.text.lexicon import Lexicon, load_lexicon

CLASSIFY_CHUNK = 4096  # lines classified together (classify_many dedups and vectorises per chunk)


class IntentBucket(BaseModel):
    model_config = ConfigDict(frozen=True)

    bucket_start_ms: int
    counts: dict[str, int]


class ProductMood(BaseModel):
    model_config = ConfigDict(frozen=True)

    comments: int
    negative: int
    negative_share: float
    mean: float


class Complaint(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: str
    count: int
    text: str
    sentiment: float


class OpenQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    intent: str
    product: str
    count: int
    text: str
    first_ts_ms: int | None = None
    last_ts_ms: int | None = None


class TextReport(BaseModel):
    """``kuaifan text report --json``: intent mix (and over time), the most asked sizes / colours per
    product, negative comments per product, the most repeated complaints and open questions."""

    model_config = ConfigDict(frozen=True)

    comments: int
    spam: int
    sentiment_mean: float
    intent_mix: dict[str, int]
    intent_over_time: list[IntentBucket]
    top_sizes: dict[str, list[tuple[str, int]]]
    top_colors: dict[str, list[tuple[str, int]]]
    sentiment_by_product: dict[str, ProductMood]
    complaints: list[Complaint]
    unanswered: list[OpenQuestion]


# What placing a comment on a product and variant reads: the comments and the product events.
PLACE_KINDS = (
    "comment",
    "product_show",
    "product_click",
    "cart_add",
    "order_paid",
    "stock_level",
    "price_change",
)


def read_comments(
    settings: Settings, store: Store, tenant: str, *, room: str | None = None, stream: str | None = None
) -> pl.DataFrame:
    """A tenant's stored comments (optionally one room / stream) with their tags, each placed on the
    product it is about by the one comment resolver (``kuaifan.live.resolver``): ``sku_id`` is then
    the product and ``size`` / ``color`` the product's own values where they match. NotFoundError
    when there are none."""
    from kuaifan.live.resolver import place_comments
    from kuaifan.signals.frame import prepare, variant_catalogue
    from kuaifan.signals.tags import read_tagged

    _, cfg = settings.tenant(tenant)
    df = read_tagged(store, tenant, cfg.text, room_id=room, stream_id=stream, kinds=PLACE_KINDS)
    comments = df.filter(pl.col("kind") == "comment")
    if comments.is_empty():
        where = " ".join(x for x in (room, stream) if x) or tenant
        raise NotFoundError(f"没有找到评论：{where}", f"no comments found for {where}")
    products = prepare(df.filter(pl.col("kind") != "comment"))
    asked = comments.with_columns(
        pl.coalesce("stream_id", "room_id", pl.lit("-")).alias("stream_id"),
        pl.col("comment_link_no").alias("link_no"),
        pl.col("color").alias("asked_color"),
        pl.col("size").alias("asked_size"),
    )
    placed = place_comments(
        asked,
        products.select("tenant", "stream_id", "ts_ms", "kind", "item", "link_no"),
        variant_catalogue(products),
    )
    return placed.with_columns(
        pl.col("item").alias("sku_id"),
        pl.coalesce("size", "asked_size").alias("size"),
        pl.coalesce("color", "asked_color").alias("color"),
        pl.lit(None, dtype=pl.Int64).alias("link_no"),
    ).drop("item", "asked_size", "asked_color")


def text_report(
    settings: Settings,
    store: Store,
    *,
    tenant: str | None = None,
    room: str | None = None,
    stream: str | None = None,
) -> TextReport:
    from kuaifan.text.summary import summarise

    name, _ = settings.tenant(tenant)
    return TextReport.model_validate(
        summarise(read_comments(settings, store, name, room=room, stream=stream))
    )


# -- classify ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    zh: str
    en: str

    def message(self) -> str:
        return f"第 {self.line} 行：{self.zh} / line {self.line}: {self.en}"


def parse_line(raw: bytes, line_no: int, *, json_only: bool) -> dict[str, Any] | LineError | None:
    """One input line → the record to classify, a LineError, or None for a blank line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineError(line_no, f"不是 UTF-8 编码（{exc.reason}）", f"not UTF-8 ({exc.reason})")
    stripped = text.strip()
    if not stripped:
        return None
    if not json_only and not stripped.startswith("{"):
        return {"text": text.rstrip("\r\n")}
    try:
        obj = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        return LineError(line_no, f"JSON 无法解析：{exc}", f"invalid JSON: {exc}")
    if not isinstance(obj, dict):
        return LineError(line_no, "应为 JSON 对象", "expected a JSON object")
    if not isinstance(obj.get("text"), str):
        return LineError(line_no, "缺少字符串字段 text", "missing string field 'text'")
    return obj


def classify_lines(
    lines: Iterable[tuple[int, bytes]],
    out: IO[str],
    err: IO[str],
    classifier: TextClassifier,
    *,
    json_only: bool = False,
) -> tuple[int, int]:
    """Classify numbered lines, write JSONL to ``out`` and line errors to ``err``; (written, rejected).

    Each output object is the input's (or ``{"text": line}``) with ``intent, height_cm, weight_kg,
    size, color, link_no, confidence, sentiment, spam`` set."""
    written = rejected = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        nonlocal written
        if not batch:
            return
        comments = classifier.classify_many([r["text"] for r in batch])
        for record, c in zip(batch, comments, strict=True):
            record.update(c.to_dict())
            out.write(orjson.dumps(record).decode() + "\n")
        written += len(batch)
        batch.clear()

    for line_no, raw in lines:
        parsed = parse_line(raw, line_no, json_only=json_only)
        if parsed is None:
            continue
        if isinstance(parsed, LineError):
            rejected += 1
            err.write(parsed.message() + "\n")
            continue
        batch.append(parsed)
        if len(batch) >= CLASSIFY_CHUNK:
            flush()
    flush()
    return written, rejected


def classifier_for(categories: list[str] | None, lexicon: Path | None) -> TextClassifier:
    """The built-in classifier, or one for some categories and / or with an extra lexicon file."""
    if not categories and lexicon is None:
        return TextClassifier()
    extra: Lexicon | None = Lexicon.from_toml(lexicon) if lexicon is not None else None
    return TextClassifier(load_lexicon(categories or None), extra_lexicon=extra)


# -- fit feedback from review exports -----------------------------------------------------------

SALT_UNUSED = "review-exports-read-no-buyer-ids"


class ProductFit(FitFeedback):
    """Fit feedback of one product (the ``fit`` entries of ``kuaifan signals --json``, with the id)."""

    item: str


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
        for batch in source.read(path, TenantGate(tenant, SALT_UNUSED)):
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
