"""Fit feedback per style and variant: how a product's sizes run, its fabric, 色差, its complaints.

Sources, both read with ``kuaifan.text.fit.fit_feedback`` (questions and negations are no feedback):

- ``review`` events (抖店 商品评价导出): the bought variant from their spec, the star rating in ``qty``;
- comments placed on a product by ``comment_mentions`` (a buyer back in the room: "上次买的M偏小").

Per style (``fit_styles``): reviews, mean rating, texts with size feedback and the shares that say
偏小 / 偏大 / 正好, a size advice, texts that say thin / thick, 色差 yes / no. Per variant
(``fit_variants``): the same size counts (an S that runs small while the L fits). Per style and
complaint (``fit_complaints``): how many texts name it, most repeated first.

Size advice (``size_advice``), from ``MIN_SIZE_FEEDBACK`` texts with size feedback on:
``size_up`` (建议拍大一码) when at least 40 % say 偏小 and 偏小 is at least twice 偏大; ``size_down``
(建议拍小一码) the other way round; ``true_to_size`` (尺码标准) when at least half say 正好; otherwise
``mixed`` (反馈不一). The forecast's size curve can take it into account: see docs/text.md.
"""

from __future__ import annotations

from typing import Final

import polars as pl

# kuaifan.text.fit's values (imported lazily in fit_tables: signals work without the text extra)
SMALL, LARGE, TRUE, THIN, THICK = "small", "large", "true", "thin", "thick"
MIN_SIZE_FEEDBACK: Final = 3
ADVICE: Final[dict[str, tuple[str, str]]] = {
    "size_up": ("偏小，建议拍大一码", "runs small: take one size up"),
    "size_down": ("偏大，建议拍小一码", "runs large: take one size down"),
    "true_to_size": ("尺码标准，按平时尺码拍", "true to size"),
    "mixed": ("尺码反馈不一，参考尺码表", "mixed size feedback: see the size chart"),
}
STYLE_SCHEMA: Final[dict[str, pl.DataType]] = {
    "tenant": pl.String(),
    "item": pl.String(),
    "reviews": pl.Int64(),
    "rating": pl.Float64(),
    "feedback_texts": pl.Int64(),
    "size_feedback": pl.Int64(),
    "small": pl.Int64(),
    "large": pl.Int64(),
    "true_size": pl.Int64(),
    "small_share": pl.Float64(),
    "large_share": pl.Float64(),
    "true_share": pl.Float64(),
    "advice": pl.String(),
    "thin": pl.Int64(),
    "thick": pl.Int64(),
    "color_diff": pl.Int64(),
    "no_color_diff": pl.Int64(),
}
VARIANT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "tenant": pl.String(),
    "item": pl.String(),
    "sku_id": pl.String(),
    "color": pl.String(),
    "size": pl.String(),
    "small": pl.Int64(),
    "large": pl.Int64(),
    "true_size": pl.Int64(),
}
COMPLAINT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "tenant": pl.String(),
    "item": pl.String(),
    "complaint": pl.String(),
    "texts": pl.Int64(),
}
_TEXTS: Final[dict[str, pl.DataType]] = {
    "tenant": pl.String(),
    "item": pl.String(),
    "sku_id": pl.String(),
    "color": pl.String(),
    "size": pl.String(),
    "rating": pl.Int64(),
    "is_review": pl.Boolean(),
    "text": pl.String(),
}


def size_advice(small: int, large: int, true: int) -> str | None:
    """``size_up`` / ``size_down`` / ``true_to_size`` / ``mixed``; None under MIN_SIZE_FEEDBACK texts."""
    n = small + large + true
    if n < MIN_SIZE_FEEDBACK:
        return None
    if small >= 0.4 * n and small >= 2 * large:
        return "size_up"
    if large >= 0.4 * n and large >= 2 * small:
        return "size_down"
    if true >= 0.5 * n:
        return "true_to_size"
    return "mixed"


def feedback_texts(events: pl.DataFrame, mentions: pl.DataFrame | None = None) -> pl.DataFrame:
    """The texts fit feedback is read from: ``prepare``-d review events, and the comments that
    ``comment_mentions`` placed on a product (their text joined back by msg_id)."""
    parts = [
        events.filter((pl.col("kind") == "review") & pl.col("item").is_not_null()).select(
            "tenant", "item", "sku_id", "color", "size", pl.col("qty").alias("rating"),
            pl.lit(True).alias("is_review"), pl.col("text"),
        )
    ]  # fmt: skip
    if mentions is not None and mentions.height:
        texts = events.filter(pl.col("kind") == "comment").select("tenant", "msg_id", "text")
        parts.append(
            mentions.join(texts, on=["tenant", "msg_id"], how="inner").select(
                "tenant", "item", "sku_id", "color", "size", pl.lit(None, dtype=pl.Int64).alias("rating"),
                pl.lit(False).alias("is_review"), "text",
            )
        )  # fmt: skip
    return pl.concat([p.cast(_TEXTS) for p in parts], how="vertical")  # type: ignore[arg-type]


def fit_tables(
    events: pl.DataFrame, mentions: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(per style, per variant, per style × complaint) fit feedback (see the module doc)."""
    from kuaifan.text.fit import fit_feedback_many

    rows = feedback_texts(events, mentions)
    found = fit_feedback_many([t or "" for t in rows.get_column("text").to_list()])
    rows = rows.with_columns(
        pl.Series("fit_size", [f.size for f in found], dtype=pl.String),
        pl.Series("fabric", [f.fabric for f in found], dtype=pl.String),
        pl.Series("diff", [f.color_diff for f in found], dtype=pl.Boolean),
        pl.Series("complaints", [list(f.complaints) for f in found], dtype=pl.List(pl.String)),
        pl.Series("any", [not f.empty for f in found], dtype=pl.Boolean),
    )
    keep = pl.col("is_review") | pl.col("any")  # a comment counts only when it gives feedback
    rows = rows.filter(keep)
    counts = [
        (pl.col("fit_size") == SMALL).sum().cast(pl.Int64).alias("small"),
        (pl.col("fit_size") == LARGE).sum().cast(pl.Int64).alias("large"),
        (pl.col("fit_size") == TRUE).sum().cast(pl.Int64).alias("true_size"),
    ]
    styles = rows.group_by("tenant", "item").agg(
        pl.col("is_review").sum().cast(pl.Int64).alias("reviews"),
        pl.col("rating").mean().alias("rating"),
        pl.col("any").sum().cast(pl.Int64).alias("feedback_texts"),
        *counts,
        (pl.col("fabric") == THIN).sum().cast(pl.Int64).alias("thin"),
        (pl.col("fabric") == THICK).sum().cast(pl.Int64).alias("thick"),
        (pl.col("diff") == True).sum().cast(pl.Int64).alias("color_diff"),  # noqa: E712
        (pl.col("diff") == False).sum().cast(pl.Int64).alias("no_color_diff"),  # noqa: E712
    )
    n = pl.col("small") + pl.col("large") + pl.col("true_size")
    styles = styles.with_columns(
        n.alias("size_feedback"),
        *(pl.when(n > 0).then(pl.col(c) / n).alias(f"{c.removesuffix('_size')}_share")
          for c in ("small", "large", "true_size")),
    )  # fmt: skip
    advice = [size_advice(*counts) for counts in styles.select("small", "large", "true_size").iter_rows()]
    styles = styles.with_columns(pl.Series("advice", advice, dtype=pl.String))
    variants = (
        rows.filter(pl.col("sku_id").is_not_null() & pl.col("fit_size").is_not_null())
        .group_by("tenant", "item", "sku_id")
        .agg(pl.col("color").drop_nulls().first(), pl.col("size").drop_nulls().first(), *counts)
    )
    complaints = (
        rows.select("tenant", "item", pl.col("complaints").alias("complaint"))
        .explode("complaint")
        .drop_nulls("complaint")
        .group_by("tenant", "item", "complaint")
        .agg(pl.len().cast(pl.Int64).alias("texts"))
    )
    return (
        styles.select(list(STYLE_SCHEMA)).cast(STYLE_SCHEMA).sort("tenant", "item"),  # type: ignore[arg-type]
        variants.select(list(VARIANT_SCHEMA)).cast(VARIANT_SCHEMA).sort("tenant", "item", "sku_id"),  # type: ignore[arg-type]
        complaints.select(list(COMPLAINT_SCHEMA))
        .cast(COMPLAINT_SCHEMA)  # type: ignore[arg-type]
        .sort(["tenant", "item", "texts", "complaint"], descending=[False, False, True, False]),
    )


def fit_report(
    styles: pl.DataFrame, variants: pl.DataFrame, complaints: pl.DataFrame, items: list[str], top: int = 5
) -> dict[str, dict[str, object]]:
    """Per item (in ``items`` order, those with any feedback): the JSON shape of ``signals_report``'s
    ``fit``."""
    out: dict[str, dict[str, object]] = {}
    by_item = {r["item"]: r for r in styles.iter_rows(named=True)}
    for item in items:
        r = by_item.get(item)
        if r is None:
            continue
        zh, en = ADVICE.get(r["advice"] or "", (None, None))
        out[item] = {
            "reviews": r["reviews"],
            "rating": None if r["rating"] is None else round(r["rating"], 2),
            "feedback_texts": r["feedback_texts"],
            "size_feedback": r["size_feedback"],
            "small_share": _r3(r["small_share"]),
            "large_share": _r3(r["large_share"]),
            "true_share": _r3(r["true_share"]),
            "advice": r["advice"],
            "advice_zh": zh,
            "advice_en": en,
            "thin": r["thin"],
            "thick": r["thick"],
            "color_diff": r["color_diff"],
            "no_color_diff": r["no_color_diff"],
            "complaints": [
                {"complaint": c, "texts": n}
                for c, n in complaints.filter(pl.col("item") == item)
                .select("complaint", "texts")
                .head(top)
                .iter_rows()
            ],
            "variants": [
                {"sku_id": s, "color": c, "size": z, "small": a, "large": b, "true_size": t}
                for s, c, z, a, b, t in variants.filter(pl.col("item") == item)
                .select("sku_id", "color", "size", "small", "large", "true_size")
                .iter_rows()
            ],
        }
    return out


def _r3(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)
