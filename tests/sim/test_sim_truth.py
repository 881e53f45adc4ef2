"""The ground truth agrees with the events: stock, sales, unmet demand, comment labels, the audience."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from simhelpers import load_events

from kuaifan.sim import AudienceConfig, SimConfig, SimSummary, simulate
from kuaifan.sim.comments import INTENTS

Run = tuple[SimConfig, Path, SimSummary]
SIZE_FORM = re.compile(r"^(S|M|L|XL|[2-5]XL|XS|均码|\d{2,3}(\.5)?)$")


@pytest.fixture(scope="module")
def events(small_run: Run) -> pl.DataFrame:
    return load_events(small_run[1])


@pytest.fixture(scope="module")
def variants(small_run: Run) -> pl.DataFrame:
    return pl.read_parquet(small_run[1] / "truth" / "variants.parquet")


@pytest.fixture(scope="module")
def comments(small_run: Run) -> pl.DataFrame:
    return pl.read_parquet(small_run[1] / "truth" / "comments" / "*.parquet")


def test_sold_plus_unmet_is_demand_and_never_above_stock(variants: pl.DataFrame) -> None:
    assert variants.height > 0
    assert (variants["sold_units"] <= variants["stock"]).all()
    assert (variants["sold_units"] + variants["unmet_units"] == variants["demand_units"]).all()
    assert (variants["unmet_units"] >= 0).all()
    sold_out = variants.filter(pl.col("sellout_ts_ms").is_not_null())
    assert sold_out.height > 0 and (sold_out["sold_units"] == sold_out["stock"]).all()
    # Unmet demand exists only where the variant sold out.
    assert variants.filter((pl.col("unmet_units") > 0) & pl.col("sellout_ts_ms").is_null()).height == 0
    assert variants["unmet_units"].sum() > 0


def test_truth_sales_match_the_order_events(events: pl.DataFrame, variants: pl.DataFrame) -> None:
    sold = (
        events.filter(pl.col("kind") == "order_paid")
        .group_by("stream_id", "sku_id")
        .agg(pl.col("qty").sum().alias("qty"))
    )
    joined = variants.join(sold, on=["stream_id", "sku_id"], how="left").with_columns(
        pl.col("qty").fill_null(0)
    )
    assert (joined["qty"] == joined["sold_units"]).all()
    assert sold.height == variants.filter(pl.col("sold_units") > 0).height


def test_orders_stop_at_sell_out_and_stock_levels_run_down(
    events: pl.DataFrame, variants: pl.DataFrame
) -> None:
    orders = events.filter(pl.col("kind") == "order_paid").join(
        variants.select("stream_id", "sku_id", "sellout_ts_ms", "stock"), on=["stream_id", "sku_id"]
    )
    assert orders.filter(pl.col("ts_ms") > pl.col("sellout_ts_ms")).height == 0
    levels = events.filter(pl.col("kind") == "stock_level").sort("ts_ms", "line")
    per_sku = levels.group_by("stream_id", "sku_id", maintain_order=True).agg(
        pl.col("stock").first().alias("first"),
        pl.col("stock").last().alias("last"),
        pl.col("stock").alias("all"),
    )
    truth = per_sku.join(variants, on=["stream_id", "sku_id"])
    assert truth.height == variants.height  # every SKU of every stream reports its stock
    assert (truth["first"] == truth["stock"]).all()
    assert (truth["last"] == truth["stock"] - truth["sold_units"]).all()
    assert all(s == sorted(s, reverse=True) for s in truth["all"].to_list())  # stock only goes down
    zero = levels.filter(pl.col("stock") == 0).group_by("stream_id", "sku_id").agg(pl.col("ts_ms").min())
    hit = zero.join(variants, on=["stream_id", "sku_id"])
    assert hit.height == variants["sellout_ts_ms"].is_not_null().sum()
    assert (hit["ts_ms"] == hit["sellout_ts_ms"]).all()
    # In the file, a SKU's level drops to 0 right after the order that emptied it (unless that order
    # was re-attributed hours later and so comes after the stream's end).
    end = events.filter(pl.col("kind") == "stream_end").select("stream_id", end_line="line")
    emptied = (
        orders.filter(pl.col("ts_ms") == pl.col("sellout_ts_ms"))
        .join(end, on="stream_id")
        .filter(pl.col("line") < pl.col("end_line"))
        .select("stream_id", "sku_id", "line")
    )
    zero_line = levels.filter(pl.col("stock") == 0).group_by("stream_id", "sku_id").agg(pl.col("line").min())
    pairs = emptied.join(zero_line, on=["stream_id", "sku_id"], suffix="_zero")
    assert pairs.height > 0 and (pairs["line"] < pairs["line_zero"]).all()


def test_every_comment_has_its_truth(events: pl.DataFrame, comments: pl.DataFrame) -> None:
    posted = events.filter(pl.col("kind") == "comment").select("msg_id", "text", "ts_ms")
    joined = posted.join(comments, on="msg_id", how="full", coalesce=True)
    assert joined.height == posted.height == comments.height
    assert (joined["text"] == joined["text_right"]).all() and (joined["ts_ms"] == joined["ts_ms_right"]).all()


def test_comment_truth_covers_every_intent_with_valid_labels(
    comments: pl.DataFrame, variants: pl.DataFrame
) -> None:
    assert set(comments["intent"].unique()) == set(INTENTS)
    colors = comments["color"].drop_nulls()
    assert colors.len() > 0 and colors.str.ends_with("色").all()
    sizes = comments["size"].drop_nulls()
    assert sizes.len() > 0 and all(SIZE_FORM.match(s) for s in sizes.to_list())
    links = comments.filter(pl.col("link_no").is_not_null()).join(
        variants.group_by("stream_id").agg(pl.col("link_no").max().alias("max_link")), on="stream_id"
    )
    assert links.height > 0 and links["link_no"].min() >= 1  # type: ignore[operator]
    assert (links["link_no"] <= links["max_link"]).all()
    measured = comments.filter(pl.col("height_cm").is_not_null() | pl.col("weight_kg").is_not_null())
    assert measured.height > 0 and set(measured["intent"].unique()) == {"size_fit"}
    assert set(measured["category"].unique()) <= {"apparel", "shoes", "kids"}


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper().replace("XXXL", "3XL").replace("XXL", "2XL")


def test_labels_are_stated_in_the_text(comments: pl.DataFrame) -> None:
    for row in comments.filter(pl.col("size").is_not_null()).iter_rows(named=True):
        assert row["size"] in _plain(row["text"]), row
    for row in comments.filter(pl.col("color").is_not_null()).iter_rows(named=True):
        assert row["color"].removesuffix("色") in row["text"], row
    for row in comments.filter(pl.col("height_cm").is_not_null()).iter_rows(named=True):
        plain = _plain(row["text"])
        assert str(row["height_cm"]) in plain or "米" in plain or "." in plain or "身高" in plain, row
    for row in comments.filter(pl.col("weight_kg").is_not_null()).iter_rows(named=True):
        assert re.search("斤|KG|公斤", _plain(row["text"])), row


def test_body_measurements_are_plausible(comments: pl.DataFrame) -> None:
    adults = comments.filter(pl.col("category").is_in(["apparel", "shoes"]))
    kids = comments.filter(pl.col("category") == "kids")
    assert adults["height_cm"].drop_nulls().is_between(140, 205).all()
    assert adults["weight_kg"].drop_nulls().is_between(33, 130).all()
    assert kids["height_cm"].drop_nulls().is_between(70, 170).all()
    assert kids["weight_kg"].drop_nulls().is_between(7, 60).all()


def _size_questions(tmp: Path, audience: AudienceConfig) -> pl.DataFrame:
    # Room 1 is a store room of the women's-wear brand: every wearer has the women's body.
    simulate(SimConfig(seed=5, rooms=1, minutes=60, viewers=6000, audience=audience), tmp)
    truth = pl.read_parquet(tmp / "truth" / "comments" / "room-001.parquet")
    assert set(truth["category"].unique()) == {"apparel"}
    return truth


def test_size_questions_follow_the_configured_audience(tmp_path: Path) -> None:
    base = _size_questions(tmp_path / "base", AudienceConfig())
    tall = _size_questions(tmp_path / "tall", AudienceConfig(female_height_cm=170.0, female_bmi=24.0))
    h0, h1 = base["height_cm"].drop_nulls(), tall["height_cm"].drop_nulls()
    assert h0.len() > 30 and h1.len() > 30
    assert abs(h0.mean() - 161.0) < 3.0  # type: ignore[operator]
    assert abs(h1.mean() - 170.0) < 3.0  # type: ignore[operator]
    w0, w1 = base["weight_kg"].drop_nulls(), tall["weight_kg"].drop_nulls()
    assert w1.mean() - w0.mean() > 8.0  # type: ignore[operator]
    # The demand's size curve moves up with the bodies.
    order = {s: i for i, s in enumerate(("S", "M", "L", "XL", "2XL"))}

    def mean_size(out: Path) -> float:
        v = pl.read_parquet(out / "truth" / "variants.parquet")
        idx = v["size"].replace_strict(order, return_dtype=pl.Float64)
        return float((idx * v["demand_units"]).sum()) / float(v["demand_units"].sum())

    assert mean_size(tmp_path / "tall") - mean_size(tmp_path / "base") > 0.7
