"""kuaifan.signals — demand per product, variant and hour from the event log (pure functions).

    from kuaifan.signals import demand_signals
    sig = demand_signals(events)        # a polars frame with the log's columns
    sig.variant_hours                   # carts, orders, units, GMV, asks, unmet, demand per variant × hour
    sig.unmet_variants                  # per stream × variant that sold out: estimated unmet units
    sig.mix                             # size curve / colour mix per style (sales ⊕ asked, shrunk)
    sig.ranking                         # 选品: expected GMV per minute on air

Every step is also a function of its own (``prepare``, ``comment_mentions``, ``unmet_hourly``, …).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kuaifan.signals.counts import channel_split, product_hourly, variant_hourly
from kuaifan.signals.fit import fit_tables
from kuaifan.signals.frame import air_segments, conform_events, prepare, stream_bounds, variant_catalogue
from kuaifan.signals.mentions import Classifier, CommentFacts, comment_mentions, text_facts
from kuaifan.signals.mix import style_mix
from kuaifan.signals.rank import rank_products
from kuaifan.signals.trend import fit_trend, trends
from kuaifan.signals.unmet import (
    UnmetParams,
    soldout_intervals,
    unmet_by_variant,
    unmet_hourly,
    variant_rates,
)


@dataclass(frozen=True, slots=True)
class DemandSignals:
    """All signal tables of one events frame."""

    events: pl.DataFrame  # prepared events
    mentions: pl.DataFrame
    product_hours: pl.DataFrame
    variant_hours: pl.DataFrame
    unmet_hours: pl.DataFrame
    unmet_variants: pl.DataFrame
    catalogue: pl.DataFrame
    mix: pl.DataFrame
    channels: pl.DataFrame
    trends: pl.DataFrame
    ranking: pl.DataFrame
    fit: pl.DataFrame  # per style: reviews, rating, 偏小 / 偏大 / 正好 shares, size advice, fabric, 色差
    fit_variants: pl.DataFrame  # per variant: 偏小 / 偏大 / 正好 counts
    fit_complaints: pl.DataFrame  # per style and complaint: texts naming it


def demand_signals(
    events: pl.DataFrame,
    *,
    classifier: Classifier | None = None,
    params: UnmetParams | None = None,
    trend_window: int = 6,
) -> DemandSignals:
    """Every signal of ``events`` (any tenants, rooms and streams)."""
    prepared = prepare(events)
    # written reviews feed the fit feedback only: they are no live demand and no stream
    is_review = pl.col("kind") == "review"
    df = prepared.filter(~is_review)
    mentions = comment_mentions(df, classifier)
    fit, fit_variants, fit_complaints = fit_tables(
        pl.concat([prepared.filter(is_review), df.filter(pl.col("kind") == "comment")]), mentions
    )
    unmet = unmet_hourly(df, mentions, params)
    variants = variant_hourly(df, mentions, unmet)
    catalogue = variant_catalogue(df)
    return DemandSignals(
        events=df,
        mentions=mentions,
        product_hours=product_hourly(df, mentions),
        variant_hours=variants,
        unmet_hours=unmet,
        unmet_variants=unmet_by_variant(df, unmet),
        catalogue=catalogue,
        mix=style_mix(catalogue, variants, mentions),
        channels=channel_split(variants),
        # Hours with demand only: refunds arriving days later must not stretch the series.
        trends=trends(
            variants.filter(pl.col("demand_units") > 0),
            ["tenant", "item"],
            value_col="demand_units",
            window=trend_window,
        ),
        ranking=rank_products(df, variants),
        fit=fit,
        fit_variants=fit_variants,
        fit_complaints=fit_complaints,
    )


__all__ = [
    "Classifier",
    "CommentFacts",
    "DemandSignals",
    "UnmetParams",
    "air_segments",
    "channel_split",
    "comment_mentions",
    "conform_events",
    "demand_signals",
    "fit_tables",
    "fit_trend",
    "prepare",
    "product_hourly",
    "rank_products",
    "soldout_intervals",
    "stream_bounds",
    "style_mix",
    "text_facts",
    "trends",
    "unmet_by_variant",
    "unmet_hourly",
    "variant_catalogue",
    "variant_hourly",
    "variant_rates",
]
