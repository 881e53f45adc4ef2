"""The most asked-for variants: attribution rules, order independence, the hub, the real server, and
the live (incremental) form of the comment resolver equal to its batch form on simulated rooms."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from apihelpers import KEY_A, MIN, T0, Api, SseReader, ev, rows, running_api
from hypothesis import given
from hypothesis import strategies as st

from kuaifan.app.replay import load_events
from kuaifan.config import AlertThresholds
from kuaifan.live.asked import ANY_PRODUCT, AskedVariants
from kuaifan.live.hub import LiveHub, default_classify
from kuaifan.live.resolver import Shows, place_comments
from kuaifan.signals.frame import prepare, variant_catalogue
from kuaifan.sim import SimConfig, simulate
from kuaifan.text import classify_many


def classifying_hub() -> LiveHub:
    classify, many = default_classify()
    assert classify is not None and many is not None
    return LiveHub(lambda _: AlertThresholds(), classify=classify, classify_many=many)


# ---- a hand-made room: every rule once ---------------------------------------------------------
def scene() -> list[dict[str, Any]]:
    """Product A on screen (link 1), B on link 2 but never on screen, asks of every kind."""
    say = [
        (T0 - 5000, "有XL吗"),  # before anything was shown: product unknown
        (T0 + 1000, "有M码吗"),
        (T0 + 1001, "有M码吗"),
        (T0 + 1002, "有M码吗"),
        (T0 + 2000, "黑色还有吗"),
        (T0 + 2001, "黑色还有吗"),
        (T0 + 3000, "vx123456 有M码吗 免费领"),  # spam: not an ask
        (T0 + 4000, "多少钱"),  # no size, no colour
        (T0 + 5000, "2号链接有L吗"),  # link 2 is B although A is on screen
        (T0 + 6000, "3号链接有M码吗"),  # no link 3: the product on screen
    ]
    return [
        ev("stream_start", T0 - 10_000),
        ev("product_show", T0, sku_id="A", link_no=1, text="羊毛大衣"),
        ev("product_click", T0 + 500, sku_id="B", link_no=2, user_key="u0"),
        *[ev("comment", ts, user_key=f"u{i}", text=text) for i, (ts, text) in enumerate(say)],
    ]


SCENE_ASKED = [
    {"product": "A", "product_name": "羊毛大衣", "size": "M", "color": None, "count": 4, "share": 4 / 8},
    {"product": "A", "product_name": "羊毛大衣", "size": None, "color": "黑色", "count": 2, "share": 2 / 8},
    {"product": ANY_PRODUCT, "size": "XL", "color": None, "count": 1, "share": 1 / 8},
    {"product": "B", "size": "L", "color": None, "count": 1, "share": 1 / 8},
]


def test_scene_asked_live_rebuilt_and_shuffled_agree() -> None:
    scene_rows = rows(scene())
    live = classifying_hub()
    for row in scene_rows:  # one event per request, in event-time order
        live.apply("acme", [row])
    rebuilt = classifying_hub()
    rebuilt.install("acme", "r1", "s1", sorted(scene_rows, key=lambda r: r["ts_ms"]))
    shuffled = classifying_hub()
    mixed = random.Random(7).sample(scene_rows, len(scene_rows))
    shuffled.apply("acme", mixed[:5])
    shuffled.apply("acme", mixed[5:])
    for hub in (live, rebuilt, shuffled):
        view = hub.view("acme", "r1")
        assert view is not None
        assert view["asked"] == SCENE_ASKED


def test_top_n_and_no_classifier() -> None:
    asked = AskedVariants()
    for i, size in enumerate(["S", "M", "L", "XL"]):
        for j in range(i + 1):
            asked.comment(T0 + 10 * i + j, None, size, None)
    assert [(a["size"], a["count"]) for a in asked.top(2)] == [("XL", 4), ("L", 3)]
    assert sum(a["share"] for a in asked.top()) == pytest.approx(1.0)
    keyword_only = LiveHub(lambda _: AlertThresholds())  # without kuaifan.text: no asks, no crash
    keyword_only.apply("acme", rows(scene()))
    view = keyword_only.view("acme", "r1")
    assert view is not None and view["asked"] == []


# ---- order independence against a brute-force reference ------------------------------------------
KEYS = st.sampled_from(["A", "B", "C"])
LINKS = st.sampled_from([1, 2, 3])
TS = st.integers(0, 30)
SHOW = st.tuples(st.just("product_show"), TS, KEYS, st.one_of(st.none(), LINKS))
CLICK = st.tuples(st.just("product_click"), TS, KEYS, LINKS)
ASK = st.tuples(
    st.just("ask"),
    TS,
    st.one_of(st.none(), LINKS),
    st.sampled_from([None, "M", "L"]),
    st.sampled_from(["黑色", None]),
)


def _feed(asked: AskedVariants, events: list[tuple[Any, ...]]) -> None:
    for e in events:
        if e[0] == "ask":
            asked.comment(e[1], e[2], e[3], e[4])
        else:
            asked.product({"kind": e[0], "ts_ms": e[1], "sku_id": e[2], "item_id": None, "link_no": e[3]})


def _reference(events: list[tuple[Any, ...]]) -> Counter[tuple[str, str | None, str | None]]:
    """Every rule spelt out over the whole event list."""
    shows = [(e[1], e[2]) for e in events if e[0] == "product_show"]
    linked = [(e[3], e[1], e[2]) for e in events if e[0] != "ask" and e[3] is not None]
    out: Counter[tuple[str, str | None, str | None]] = Counter()
    for e in events:
        if e[0] != "ask":
            continue
        _, ts, link_no, size, color = e
        on_link = Counter(k for n, _, k in linked if n == link_no)
        if on_link:
            product = min(on_link, key=lambda k: (-on_link[k], k))  # most events, then the smaller key
        else:
            seen = [tk for tk in shows if tk[0] <= ts]
            product = max(seen)[1] if seen else ANY_PRODUCT
        out[(product, size, color)] += 1
    return out


@given(st.lists(st.one_of(SHOW, CLICK, ASK), max_size=40), st.randoms(use_true_random=False))
def test_asked_is_a_function_of_the_event_set(events: list[tuple[Any, ...]], rnd: random.Random) -> None:
    expected = _reference(events)
    in_order, shuffled = AskedVariants(), AskedVariants()
    _feed(in_order, sorted(events, key=lambda e: e[1]))
    mixed = rnd.sample(events, len(events))
    for k in range(0, len(mixed), 3):  # read between batches: counts are recomputed lazily
        _feed(shuffled, mixed[k : k + 3])
        shuffled.top()
    assert in_order.counts() == expected
    assert shuffled.counts() == expected
    assert in_order.top() == shuffled.top()


@given(st.lists(st.tuples(st.integers(0, 12), st.sampled_from("xyz")), max_size=30))
def test_shows_give_the_latest_show_at_or_before(shows: list[tuple[int, str]]) -> None:
    screen = Shows()
    added = [screen.add(ts, key) for ts, key in shows]
    assert sum(added) == len(screen) == len(set(shows))  # each distinct (time, product) once
    for t in range(-1, 14):
        before = [s for s in shows if s[0] <= t]
        assert screen.at(t) == (max(before)[1] if before else None)


def _show(ts: int, sku: str) -> dict[str, Any]:
    return {"kind": "product_show", "ts_ms": ts, "sku_id": sku, "item_id": None, "link_no": None}


def test_a_late_show_inside_a_run_ends_it_until_the_runs_next_show() -> None:
    asked = AskedVariants()
    for ts in (0, 10, 20):
        asked.product(_show(T0 + ts, "A"))
    for ts in (5, 15):
        asked.comment(T0 + ts, None, "M", None)
    assert asked.counts() == {("A", "M", None): 2}
    asked.product(_show(T0 + 3, "B"))
    assert asked.counts() == {("B", "M", None): 1, ("A", "M", None): 1}


# ---- simulated rooms: live == rebuilt == a batch computation over the stored frame -------------
@pytest.fixture(scope="module")
def sim_rows(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("sim-asked") / "out"
    simulate(SimConfig(seed=11, rooms=1, minutes=20, viewers=3000, tenant="acme"), out)
    events, rejects = load_events([out])
    assert rejects == []
    yield rows(events)


def _batch_asked(df: pl.DataFrame) -> Counter[tuple[str, str | None, str | None]]:
    """The same counts from the batch form of the one comment resolver (what signals and the text
    report use): classify_many, then ``place_comments`` over the stream's product events."""
    events = prepare(df)
    comments = events.filter(pl.col("kind") == "comment").select("tenant", "stream_id", "ts_ms", "text")
    facts = classify_many(comments["text"].to_list())
    comments = comments.with_columns(
        pl.Series("link_no", [c.link_no for c in facts], dtype=pl.Int64),
        pl.Series("asked_size", [c.size for c in facts], dtype=pl.String),
        pl.Series("asked_color", [c.color for c in facts], dtype=pl.String),
        pl.Series("spam", [c.spam for c in facts], dtype=pl.Boolean),
    ).filter(~pl.col("spam") & (pl.col("asked_size").is_not_null() | pl.col("asked_color").is_not_null()))
    products = events.filter(pl.col("item").is_not_null() & (pl.col("kind") != "comment"))
    placed = place_comments(
        comments,
        products.select("tenant", "stream_id", "ts_ms", "kind", "item", "link_no"),
        variant_catalogue(products),
    )
    keyed = placed.select(
        pl.col("item").fill_null(ANY_PRODUCT),
        pl.coalesce("size", "asked_size"),
        pl.coalesce("color", "asked_color"),
    )
    return Counter(keyed.iter_rows())


def test_simulated_room_live_equals_rebuilt_equals_batch(sim_rows: list[dict[str, Any]]) -> None:
    live = classifying_hub()
    for k in range(0, len(sim_rows), 250):
        live.apply("acme", sim_rows[k : k + 250])
    rebuilt = classifying_hub()
    room, stream = sim_rows[0]["room_id"], sim_rows[0]["stream_id"]
    rebuilt.install("acme", room, stream, sim_rows)
    view_live, view_rebuilt = live.view("acme", room), rebuilt.view("acme", room)
    assert view_live is not None and view_rebuilt is not None
    assert view_live["asked"] == view_rebuilt["asked"]
    assert view_live["intents"] == view_rebuilt["intents"]

    expected = _batch_asked(pl.DataFrame(sim_rows, infer_schema_length=None))
    top = view_live["asked"]
    assert len(top) == min(10, len(expected)) and sum(expected.values()) >= 20
    assert {(a["product"], a["size"], a["color"]): a["count"] for a in top} == dict(
        sorted(expected.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] is None, kv[0][1] or "",
                                                 kv[0][2] is None, kv[0][2] or ""))[:10]
    )  # fmt: skip
    assert all(a["share"] == a["count"] / sum(expected.values()) for a in top)


# ---- through the real server -----------------------------------------------------------------------
def test_server_state_and_deltas_carry_asked(api: Api) -> None:
    assert api.post(scene())["accepted"] == len(scene())
    state = api.a.get("/v1/rooms/r1/state").json()
    assert state["asked"] == SCENE_ASKED

    sse = SseReader(api.url + "/v1/rooms/r1/live", {"X-API-Key": KEY_A})
    try:
        assert sse.next("snapshot")["asked"] == SCENE_ASKED
        api.post([ev("comment", T0 + MIN, user_key="u9", text="2号链接有L吗")])
        delta = sse.next("metrics")
        assert {(a["product"], a["size"]): a["count"] for a in delta["asked"]} == {
            ("A", "M"): 4, ("A", None): 2, (ANY_PRODUCT, "XL"): 1, ("B", "L"): 2,
        }  # fmt: skip
        api.post([ev("comment", T0 + MIN + 1, user_key="u9", text="加微信 vx123456 M码 免费领")])
        assert "asked" not in sse.next("metrics")  # spam: nothing asked changed, nothing sent
        api.post([ev("enter", T0 + MIN + 2, user_key="u10")])
        assert "asked" not in sse.next("metrics")
    finally:
        sse.close()


def test_server_rebuilds_asked_from_the_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    events = scene()
    with running_api(home) as api:
        for e in events:  # live, one event per request
            api.post([e])
        assert api.a.get("/v1/rooms/r1/state").json()["asked"] == SCENE_ASKED
    with running_api(home) as api:  # a new process: rebuilt from the store by install()
        assert api.a.get("/v1/rooms/r1/state").json()["asked"] == SCENE_ASKED
