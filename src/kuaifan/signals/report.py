"""What a brand reads from its demand signals: the products to put on air next, the variants that
sold out with demand left over, the size curve / colour mix per style and its fit feedback
(偏小 / 偏大 shares, size advice, fabric, 色差, most repeated complaints from reviews and comments);
pure: tables in, data out.

``signals_report(sig, top=…)`` is the one shape behind ``kuaifan signals --json`` and its tables:
plain JSON-able data, money in fen (as in the event log), units rounded to 0.1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from kuaifan.signals import CommentFacts, DemandSignals
from kuaifan.signals.fit import fit_report

TAG_COLUMNS = ("intent", "size", "color", "comment_link_no")
# Comments that ask for the product: which size or colour, whether it is in stock, its link, its price.
ASKING = ("size_fit", "variant", "stock", "link", "price")
MIN_TREND_HOURS = 3


def stored_facts(events: pl.DataFrame) -> Callable[[Sequence[str]], list[CommentFacts]]:
    """A classifier that answers from the comment tags stored with the events (``EventStore.read(…,
    tagger=…)``): the same intent and attributes the report, the dashboard and the export show."""
    tagged = (
        events.filter((pl.col("kind") == "comment") & pl.col("text").is_not_null())
        .select("text", *TAG_COLUMNS)
        .unique("text", keep="first")
    )
    facts = {
        str(text): CommentFacts(str(intent or "other"), size, color, link)
        for text, intent, size, color, link in tagged.iter_rows()
    }
    missing = CommentFacts("other", None, None, None)

    def classify(texts: Sequence[str]) -> list[CommentFacts]:
        return [facts.get(t, missing) for t in texts]

    return classify


def _fen(x: float | None) -> int | None:
    return None if x is None else round(x)


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(float(x), digits)


def product_table(sig: DemandSignals) -> pl.DataFrame:
    """One row per product: the 选品 ranking with units, unmet units, channel split and trend."""
    keys = ["tenant", "item"]
    units = sig.variant_hours.group_by(keys).agg(
        pl.col("units").sum().alias("units"),
        pl.col("unmet_units").sum().alias("unmet_units"),
        pl.col("demand_units").sum().alias("demand_units"),
        pl.col("sku_id").n_unique().alias("variants"),
    )
    asks = (
        sig.mentions.filter(pl.col("intent").is_in(ASKING))
        .group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("asks"))
    )
    return (
        sig.ranking.join(units, on=keys, how="left")
        .join(asks, on=keys, how="left")
        .join(sig.channels.select(*keys, "store_share"), on=keys, how="left")
        .join(
            # a slope through one or two hours says nothing: shown from MIN_TREND_HOURS on
            sig.trends.select(
                *keys,
                pl.when(pl.col("buckets") >= MIN_TREND_HOURS).then(pl.col("trend_pct")).alias("trend_pct"),
            ),
            on=keys,
            how="left",
        )
        .sort(["tenant", "rank"])
    )


def signals_report(
    sig: DemandSignals, *, top: int = 10, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The ranking (``top`` products), the sold-out variants with the most demand left over and the
    mix of each ranked product; ``name`` is the product's name where ``names`` knows it, else null."""
    known = names or {}
    events = sig.events
    products = product_table(sig).head(top)
    ranked = products.get_column("item").to_list()
    catalogue = sig.catalogue.select("item", "sku_id", "color", "size").unique("sku_id", keep="first")
    sold_out = (
        sig.unmet_variants.group_by("item", "sku_id")
        .agg(
            pl.col("stream_id").n_unique().alias("streams"),
            pl.col("soldout_minutes").sum(),
            pl.col("sold_units").sum(),
            pl.col("unmet_units").sum(),
            pl.col("missed_comments").sum(),
        )
        .join(catalogue, on=["item", "sku_id"], how="left")
        .sort(["unmet_units", "sku_id"], descending=[True, False])
        .head(top)
    )
    mix: dict[str, dict[str, list[dict[str, Any]]]] = {item: {} for item in ranked}  # in rank order
    for item, axis, value, sales, asks, share in (
        sig.mix.filter(pl.col("item").is_in(ranked))
        .sort(["item", "axis", "share", "value"], descending=[False, False, True, False])
        .select("item", "axis", "value", "sales_units", "asks", "share")
        .iter_rows()
    ):
        mix[item].setdefault(axis, []).append(
            {"value": value, "share": _r(share, 3), "sales_units": _r(sales), "asks": int(asks)}
        )
    ts = events.get_column("ts_ms")
    # fit feedback: the ranked products first, then the other products with the most feedback
    by_feedback = sig.fit.sort(["feedback_texts", "item"], descending=[True, False])["item"].to_list()
    fit_items = list(dict.fromkeys([*ranked, *by_feedback]))[: max(top, len(ranked))]
    return {
        "events": events.height,
        "streams": events.get_column("stream_id").drop_nulls().n_unique(),
        "from_ms": int(ts.min()) if events.height else None,  # type: ignore[arg-type]
        "to_ms": int(ts.max()) if events.height else None,  # type: ignore[arg-type]
        "products": [
            {
                "rank": int(r["rank"]),
                "item": r["item"],
                "name": known.get(r["item"]),
                "minutes_on_air": _r(r["minutes"]),
                "gmv_fen": round(r["gmv_fen"]),
                "unmet_gmv_fen": round(r["unmet_gmv_fen"]),
                "gmv_per_minute_fen": None
                if r["gmv_per_minute_fen"] is None
                else round(r["gmv_per_minute_fen"]),
                "variants": int(r["variants"] or 0),
                "units": int(r["units"] or 0),
                "unmet_units": _r(r["unmet_units"] or 0.0),
                "demand_units": _r(r["demand_units"] or 0.0),
                "asks": int(r["asks"] or 0),
                "store_share": _r(r["store_share"], 3),
                "trend_pct": _r(r["trend_pct"], 3),
            }
            for r in products.iter_rows(named=True)
        ],
        "sold_out": [
            {
                "item": r["item"],
                "name": known.get(r["item"]),
                "sku_id": r["sku_id"],
                "color": r["color"],
                "size": r["size"],
                "streams": int(r["streams"]),
                "soldout_minutes": _r(r["soldout_minutes"]),
                "sold_units": int(r["sold_units"]),
                "unmet_units": _r(r["unmet_units"]),
                "missed_comments": int(r["missed_comments"]),
            }
            for r in sold_out.iter_rows(named=True)
        ],
        "mix": {item: axes for item, axes in mix.items() if axes},
        "fit": {
            item: {"name": known.get(item), **fit}
            for item, fit in fit_report(sig.fit, sig.fit_variants, sig.fit_complaints, fit_items).items()
        },
    }


# Tables written by ``kuaifan signals --out DIR`` (each as Parquet and as CSV for Excel).
EXPORT_TABLES = (
    "variant_hours",
    "product_hours",
    "unmet_variants",
    "mix",
    "channels",
    "trends",
    "ranking",
    "fit",
    "fit_variants",
    "fit_complaints",
)
