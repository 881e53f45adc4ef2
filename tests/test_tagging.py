"""Comment tags kept in a real DuckDB store (kuaifan.signals.tags): each text tagged once, incremental,
tenant-scoped, per lexicon, joined to every comment on read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kuaifan.config import TextSettings
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA
from kuaifan.signals.tags import read_tagged, tag_new
from kuaifan.store.duckdb import DuckStore
from kuaifan.text import TextClassifier, classify
from kuaifan.text.tagging import TAG_SCHEMA, tagger_id

DEFAULT = TextSettings()

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
    done = tag_new(store, "demo", DEFAULT)
    assert done.texts == len(set(TEXTS))
    df = read_tagged(store, "demo", DEFAULT)
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
    first = tag_new(store, "demo", DEFAULT)
    assert first.texts == len(set(TEXTS)) and first.watermark > 0
    assert tag_new(store, "demo", DEFAULT).texts == 0  # nothing new
    store.append(
        frame(event("c-new", text="有XXL吗", ts_ms=TS + 50), event("c-old", text="已拍", ts_ms=TS + 51))
    )
    again = tag_new(store, "demo", DEFAULT, since_ms=first.watermark)
    assert again.texts == 1  # 已拍 is tagged already
    got = read_tagged(store, "demo", DEFAULT).filter(pl.col("msg_id") == "c-new")
    assert got.get_column("size").to_list() == ["2XL"]


def test_tags_are_scoped_by_tenant(store: DuckStore) -> None:
    tag_new(store, "demo", DEFAULT)
    tagger = tagger_id(DEFAULT)
    assert store.tags.lookup("acme", tagger, ["有L码吗", "已拍"], TAG_SCHEMA).is_empty()  # not acme's yet
    assert tag_new(store, "acme", DEFAULT).texts == 1
    acme = read_tagged(store, "acme", DEFAULT)
    assert acme.get_column("size").to_list() == ["L"]
    assert store.tags.lookup("demo", tagger, ["有L码吗"], TAG_SCHEMA).is_empty()


def test_a_read_tags_what_it_finds_untagged(store: DuckStore) -> None:
    got = read_tagged(store, "demo", DEFAULT, kinds=["comment"])  # nothing tagged before
    assert got.get_column("intent").null_count() == 0
    assert store.tags.lookup("demo", tagger_id(DEFAULT), TEXTS, TAG_SCHEMA).height == len(set(TEXTS))


def test_a_tenant_lexicon_has_its_own_tags(store: DuckStore) -> None:
    config = TextSettings(lexicon={"intents": {"purchased": {"芜湖起飞": 3.5}}})
    assert tagger_id(config) != tagger_id(None) == tagger_id(DEFAULT)
    default = read_tagged(store, "demo", DEFAULT)
    custom = read_tagged(store, "demo", config)
    pick = pl.col("text") == "芜湖起飞"
    assert custom.filter(pick).get_column("intent").to_list() == ["purchased"]
    expected = TextClassifier().classify("芜湖起飞").intent
    assert expected != "purchased"
    assert default.filter(pick).get_column("intent").to_list() == [expected]
