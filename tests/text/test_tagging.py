"""Comment tags in a real DuckDB store: tagged once per text, incremental, tenant-scoped, per lexicon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.store.duckdb import DuckStore
from kuaifan.store.log import TAG_SCHEMA
from kuaifan.text import TextClassifier, classify
from kuaifan.text.tagging import read_tagged, tag_comments, tagger_id

TS = 1_791_000_000_000


def event(msg_id: str, tenant: str = "demo", **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    r.update(
        kind="comment", tenant=tenant, platform="sim", room_id="r1", stream_id="s1", ts_ms=TS, msg_id=msg_id
    )
    r.update(kw)
    return r


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=POLARS_SCHEMA)


TEXTS = [
    "有M码吗",
    "160 100斤穿什么码",
    "黑色还有吗",
    "已拍",
    "3号链接多少钱",
    "有M码吗",
    "已拍",
    "主播好美",
    "芜湖起飞",
]


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with DuckStore(tmp_path / "kuaifan.duckdb") as s:
        rows = [event(f"c{i}", text=text, ts_ms=TS + i) for i, text in enumerate(TEXTS)]
        rows.append(event("like1", kind="like", ts_ms=TS + 100))
        rows.append(event("other-tenant", tenant="acme", text="有L码吗", ts_ms=TS + 5))
        s.append(frame(*rows))
        yield s


def test_each_distinct_text_is_classified_once_and_joined_to_every_comment(store: DuckStore) -> None:
    done = tag_comments(store, "demo")
    assert done.texts == len(set(TEXTS))
    df = store.read("demo", tagger=tagger_id(None))
    assert df.columns[-len(TAG_SCHEMA) :] == list(TAG_SCHEMA)
    comments = df.filter(pl.col("kind") == "comment")
    assert comments.height == len(TEXTS)
    for text, intent, size, height, weight, link in comments.select(
        "text", "intent", "size", "height_cm", "weight_kg", "comment_link_no"
    ).iter_rows():
        want = classify(text)
        assert (intent, size, height, weight, link) == (
            want.intent,
            want.size,
            want.height_cm,
            want.weight_kg,
            want.link_no,
        )
    # the classifier's reading of these texts, so that the join above is not vacuous
    by_text = dict(comments.select("text", "intent").iter_rows())
    assert by_text["160 100斤穿什么码"] == "size_fit" and by_text["已拍"] == "purchased"
    like = df.filter(pl.col("kind") == "like")
    assert like.height == 1 and like.get_column("intent").null_count() == 1


def test_tagging_is_incremental_and_follows_the_watermark(store: DuckStore) -> None:
    first = tag_comments(store, "demo")
    assert first.texts == len(set(TEXTS)) and first.watermark > 0
    assert tag_comments(store, "demo").texts == 0  # nothing new
    store.append(
        frame(event("c-new", text="有XXL吗", ts_ms=TS + 50), event("c-old", text="已拍", ts_ms=TS + 51))
    )
    again = tag_comments(store, "demo", since_ms=first.watermark)
    assert again.texts == 1  # 已拍 is tagged already
    got = store.read("demo", tagger=tagger_id(None)).filter(pl.col("msg_id") == "c-new")
    assert got.get_column("size").to_list() == ["2XL"]


def test_tags_are_scoped_by_tenant(store: DuckStore) -> None:
    tag_comments(store, "demo")
    acme = store.read("acme", tagger=tagger_id(None))
    assert acme.height == 1 and acme.get_column("intent").to_list() == [None]  # not tagged for acme yet
    assert tag_comments(store, "acme").texts == 1
    acme = store.read("acme", tagger=tagger_id(None))
    assert acme.get_column("size").to_list() == ["L"]
    assert store.read("demo", tagger=tagger_id(None)).filter(pl.col("text") == "有L码吗").is_empty()


def test_a_tenant_lexicon_has_its_own_tags(store: DuckStore) -> None:
    config = {"lexicon": {"intents": {"purchased": {"芜湖起飞": 3.5}}}}
    assert tagger_id(config) != tagger_id(None)
    default = read_tagged(store, "demo")
    custom = read_tagged(store, "demo", config)
    pick = pl.col("text") == "芜湖起飞"
    assert custom.filter(pick).get_column("intent").to_list() == ["purchased"]
    expected = TextClassifier().classify("芜湖起飞").intent
    assert expected != "purchased"
    assert default.filter(pick).get_column("intent").to_list() == [expected]


def test_adding_tags_twice_keeps_one_row_per_text(store: DuckStore) -> None:
    tagger = tagger_id(None)
    texts, _ = store.untagged_texts("demo", tagger)
    from kuaifan.text.tagging import tags_frame

    tags = tags_frame(texts, TextClassifier().classify_many(texts))
    assert store.add_comment_tags("demo", tagger, tags) == len(set(TEXTS))
    assert store.add_comment_tags("demo", tagger, pl.concat([tags, tags])) == 0
    assert store.read("demo", tagger=tagger).filter(pl.col("kind") == "comment").height == len(TEXTS)
