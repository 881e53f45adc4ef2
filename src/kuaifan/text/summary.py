"""``summarise``: what a stream's comments asked for (the data behind ``kuaifan text report``).

Input: a polars frame with at least ``text``; optional ``ts_ms`` (epoch ms), ``sku_id``,
``link_no``, ``answered`` (bool, if the caller knows which questions the host answered) and,
if already classified, ``intent``/``size``/``color``. Output: a plain dict (JSON-ready):

- ``comments``, ``spam``: counts; ``sentiment_mean``;
- ``intent_mix``: {intent: count} over the non-spam comments;
- ``intent_over_time``: [{"bucket_start_ms", "counts": {intent: n}}] per ``bucket_ms``;
- ``top_sizes`` / ``top_colors``: {product: [[value, count], …]} where product is the sku_id,
  else ``link:N``, else ``*``;
- ``sentiment_by_product``: {product: {"comments", "negative", "negative_share", "mean"}} where a
  comment is negative at sentiment ≤ -0.2 (the review set's threshold) and is no question (会起球吗
  is a question to answer), most negative share first;
- ``complaints``: negative comments grouped by normalised text (and product), most repeated first:
  what the room is unhappy about;
- ``unanswered``: question comments grouped by normalised text (and product), most asked first;
  when ``answered`` is present only rows with answered = false count. Without it these are the
  repeated open questions, the closest we can get from comments alone.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from kuaifan.text.classifier import TextClassifier, default_classifier
from kuaifan.text.tagging import TAG_SCHEMA, tags_frame

QUESTION_INTENTS = ("price", "size_fit", "variant", "stock", "link", "shipping", "quality", "after_sales")
NEGATIVE = -0.2  # the sentiment at or below which a comment counts as a complaint (evaluate.polarity)
# A worried question ("会起球吗", "会不会抢不到") is a question to answer, not a complaint.
QUESTION_MARKERS = r"[吗么呢?？]|会不会|有没有|是不是|能不能|多少"


def _classified(df: pl.DataFrame, clf: TextClassifier) -> pl.DataFrame:
    if not set(TAG_SCHEMA) <= set(df.columns):  # not tagged in the store (kuaifan.text.tagging)
        texts = df.get_column("text").fill_null("").cast(pl.String).to_list()
        tags = tags_frame(texts, clf.classify_many(texts))
        # the caller's own intent / size / color win over the classifier's
        df = pl.concat([df, tags.select(c for c in TAG_SCHEMA if c not in df.columns)], how="horizontal")
    return _from_tags(df, clf)


def _from_tags(df: pl.DataFrame, clf: TextClassifier) -> pl.DataFrame:
    distinct = df.get_column("text").fill_null("").unique().to_list()
    norms = {text: clf.normalize(text) for text in distinct}
    link = pl.coalesce("link_no", "comment_link_no") if "link_no" in df.columns else pl.col("comment_link_no")
    return df.with_columns(
        link.alias("link_no"),
        pl.col("intent").fill_null("other"),
        pl.col("sentiment").fill_null(0.0),
        pl.col("spam").fill_null(False),
        pl.col("text").fill_null("").replace_strict(norms, return_dtype=pl.String).alias("_norm"),
    )


def _product_key(df: pl.DataFrame) -> pl.Expr:
    link = pl.lit("link:") + pl.col("link_no").cast(pl.String)
    if "sku_id" in df.columns:
        return pl.coalesce(pl.col("sku_id").cast(pl.String), link, pl.lit("*"))
    return pl.coalesce(link, pl.lit("*"))


def _top(df: pl.DataFrame, column: str, k: int) -> dict[str, list[list[Any]]]:
    counted = (
        df.filter(pl.col(column).is_not_null())
        .group_by("product", column)
        .agg(pl.len().alias("n"))
        .sort(["product", "n", column], descending=[False, True, False])
    )
    out: dict[str, list[list[Any]]] = {}
    for product, value, n in counted.iter_rows():
        rows = out.setdefault(str(product), [])
        if len(rows) < k:
            rows.append([value, n])
    return out


def _mean(series: pl.Series) -> float:
    value = series.mean() if series.len() else None
    return round(float(value), 3) if isinstance(value, int | float) else 0.0


def summarise(
    comments_df: pl.DataFrame,
    *,
    bucket_ms: int = 300_000,
    top_k: int = 5,
    classifier: TextClassifier | None = None,
) -> dict[str, Any]:
    """Intent mix over time, most asked sizes/colours per product, unanswered questions."""
    if "text" not in comments_df.columns:
        raise ValueError("comments_df needs a 'text' column")
    clf = classifier or default_classifier()
    df = _classified(comments_df, clf)
    df = df.with_columns(_product_key(df).alias("product"))
    n_all = df.height
    n_spam = int(df.get_column("spam").sum()) if n_all else 0
    clean = df.filter(~pl.col("spam"))
    mix = {str(k): int(v) for k, v in clean.group_by("intent").agg(pl.len()).sort("intent").iter_rows()}
    over_time: list[dict[str, Any]] = []
    if "ts_ms" in clean.columns and clean.height:
        bucketed = (
            clean.with_columns(((pl.col("ts_ms") // bucket_ms) * bucket_ms).alias("bucket"))
            .group_by("bucket", "intent")
            .agg(pl.len().alias("n"))
            .sort("bucket", "intent")
        )
        by_bucket: dict[int, dict[str, int]] = {}
        for bucket, intent, n in bucketed.iter_rows():
            by_bucket.setdefault(int(bucket), {})[str(intent)] = int(n)
        over_time = [{"bucket_start_ms": b, "counts": c} for b, c in sorted(by_bucket.items())]
    questions = clean.filter(pl.col("intent").is_in(QUESTION_INTENTS))
    if "answered" in questions.columns:
        questions = questions.filter(~pl.col("answered").fill_null(False))
    aggs = [pl.len().alias("count"), pl.col("text").first().alias("text")]
    if "ts_ms" in questions.columns:
        aggs += [pl.col("ts_ms").min().alias("first_ts_ms"), pl.col("ts_ms").max().alias("last_ts_ms")]
    unanswered = (
        questions.group_by("_norm", "intent", "product")
        .agg(aggs)
        .sort(
            ["count", "_norm", "intent", "product"], descending=[True, False, False, False], nulls_last=True
        )
        .head(20)
        .drop("_norm")
        .to_dicts()
    )
    complaint = (pl.col("sentiment") <= NEGATIVE) & ~pl.col("_norm").str.contains(QUESTION_MARKERS)
    negative = clean.filter(complaint)
    by_product = (
        clean.group_by("product")
        .agg(
            pl.len().alias("comments"),
            complaint.sum().alias("negative"),
            pl.col("sentiment").mean().round(3).alias("mean"),
        )
        .with_columns((pl.col("negative") / pl.col("comments")).round(3).alias("negative_share"))
        .sort(["negative_share", "comments", "product"], descending=[True, True, False])
    )
    complaints = (
        negative.group_by("_norm", "product")
        .agg(pl.len().alias("count"), pl.col("text").first(), pl.col("sentiment").min().alias("sentiment"))
        .sort(["count", "_norm", "product"], descending=[True, False, False], nulls_last=True)
        .head(20)
        .drop("_norm")
        .to_dicts()
    )
    return {
        "comments": n_all,
        "spam": n_spam,
        "sentiment_mean": _mean(clean.get_column("sentiment")),
        "intent_mix": mix,
        "intent_over_time": over_time,
        "top_sizes": _top(clean, "size", top_k),
        "top_colors": _top(clean, "color", top_k),
        "sentiment_by_product": {
            str(r["product"]): {k: r[k] for k in ("comments", "negative", "negative_share", "mean")}
            for r in by_product.iter_rows(named=True)
        },
        "complaints": complaints,
        "unanswered": unanswered,
    }
