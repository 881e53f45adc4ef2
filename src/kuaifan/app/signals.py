"""Demand signals of a tenant's stored events: ``kuaifan signals`` and ``GET /v1/signals``.

Reads the kinds a signal uses (comments, product shows and clicks, carts, orders, refunds, stock,
prices, stream start / end: ~5x fewer rows than the whole log) in the selected days, with their
comment tags, and computes ``kuaifan.signals.demand_signals``. The report is the 选品 ranking, the
sold-out variants with demand left over and the size / colour mix of each ranked product.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kuaifan.config import Settings
from kuaifan.report.frames import write_frames
from kuaifan.signals import DemandSignals
from kuaifan.signals.report import EXPORT_TABLES, signals_report
from kuaifan.signals.stored import store_signals
from kuaifan.signals.window import DEFAULT_DAYS
from kuaifan.store import Store


class SignalsQuery(BaseModel):
    """Which events: a room or stream, days in China time (both included) or the last ``days``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str | None = None
    room: str | None = None
    stream: str | None = None
    since: str | None = None
    until: str | None = None
    days: int | None = DEFAULT_DAYS
    top: int = 10


class RankedProduct(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    item: str
    name: str | None
    minutes_on_air: float | None
    gmv_fen: int
    unmet_gmv_fen: int
    gmv_per_minute_fen: int | None
    variants: int
    units: int
    unmet_units: float | None
    demand_units: float | None
    asks: int
    store_share: float | None
    trend_pct: float | None


class SoldOutVariant(BaseModel):
    model_config = ConfigDict(frozen=True)

    item: str
    name: str | None
    sku_id: str
    color: str | None
    size: str | None
    streams: int
    soldout_minutes: float | None
    sold_units: int
    unmet_units: float | None
    missed_comments: int


class MixShare(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    share: float | None
    sales_units: float | None
    asks: int


class FitComplaint(BaseModel):
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


class FitFeedback(BaseModel):
    """Fit feedback of one product from reviews and comments (``kuaifan.signals.fit``)."""

    model_config = ConfigDict(frozen=True)

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
    complaints: list[FitComplaint]
    variants: list[VariantFit]


class SignalsReport(BaseModel):
    """The JSON of ``kuaifan signals --json``: ``events`` counts the demand events the signals read."""

    model_config = ConfigDict(frozen=True)

    events: int
    streams: int
    from_ms: int | None
    to_ms: int | None
    products: list[RankedProduct]
    sold_out: list[SoldOutVariant]
    mix: dict[str, dict[str, list[MixShare]]]
    fit: dict[str, FitFeedback]  # per product: 偏小 / 偏大 shares, size advice, fabric, 色差, complaints


def read_signals(settings: Settings, store: Store, query: SignalsQuery) -> tuple[str, DemandSignals]:
    """The tenant's name and the signals of its stored events in the selection (NotFoundError when
    nothing is selected, InputError for bad dates)."""
    name, cfg = settings.tenant(query.tenant)
    sig = store_signals(
        store, name, cfg.text, room=query.room, stream=query.stream, since=query.since, until=query.until,
        days=query.days,
    )  # fmt: skip
    return name, sig


def signals(
    settings: Settings, store: Store, query: SignalsQuery, *, tables_dir: Path | None = None
) -> tuple[SignalsReport, list[Path]]:
    """The report, and the signal tables written to ``tables_dir`` (Parquet + CSV) when given."""
    name, sig = read_signals(settings, store, query)
    report = SignalsReport.model_validate(signals_report(sig, top=query.top, names=store.names.get(name)))
    written = (
        write_frames({t: getattr(sig, t) for t in EXPORT_TABLES}, tables_dir)
        if tables_dir is not None
        else []
    )
    return report, written
