"""Invariants of the live metrics over arbitrary event streams (hypothesis)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from live_streams import MIN, T0, frame, row

from kuaifan.live import RoomState, batch_snapshot, replay
from kuaifan.live.metrics import MINUTE_MS

USERS = [None, "a", "b", "c", "d", "e", "f"]
SKUS = [("s1", "i1"), ("s2", "i1"), ("s3", None), ("s4", "i2")]
USER_KINDS = ["enter", "like", "comment", "gift", "follow", "share"]
PRODUCT_KINDS = ["product_show", "product_click", "cart_add", "order_paid", "order_refund", "stock_level",
                 "price_change"]  # fmt: skip
RATES = ("conversion", "exposure_ctr", "click_conversion", "interaction_rate", "follow_rate")
LATENESS = 2 * MIN


@st.composite
def event(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from([*USER_KINDS, *PRODUCT_KINDS, "online_count", "stream_start", "stream_end"]))
    ts = T0 + draw(st.integers(0, 9 * MIN))
    f: dict[str, Any] = {}
    if kind in USER_KINDS or kind in ("product_click", "cart_add", "order_paid", "product_show"):
        f["user_key"] = draw(st.sampled_from(USERS if kind != "enter" else USERS[1:]))
    if kind in PRODUCT_KINDS:
        sku, item = draw(st.sampled_from(SKUS))
        f.update(sku_id=sku, item_id=item, link_no=draw(st.sampled_from([None, 1, 2])))
        f["spec"] = draw(st.sampled_from([None, '{"尺码":"M"}', '{"尺码":"L"}']))
    if kind in ("like", "cart_add", "online_count"):
        f["qty"] = draw(st.one_of(st.none(), st.integers(0, 50)))
    if kind == "order_paid":
        f.update(qty=draw(st.integers(1, 5)), amount_fen=draw(st.integers(0, 10**6)), order_id="o")
    if kind in ("order_refund", "gift", "price_change", "product_show"):
        f["amount_fen"] = draw(st.one_of(st.none(), st.integers(0, 10**5)))
    if kind == "stock_level":
        f["stock"] = draw(st.integers(0, 30))
    if kind == "comment":
        f["text"] = draw(st.sampled_from(["", "还有吗", "质量差 投诉", "好看", "没抢到 差评"]))
    return row(kind, ts, **f)


streams = st.lists(event(), min_size=1, max_size=60)


def _without_late(snap: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in snap.items() if k != "late_events"}


@settings(max_examples=40, deadline=None)
@given(streams)
def test_replay_equals_batch(rows: list[dict[str, Any]]) -> None:
    assert _without_late(replay(rows).snapshot()) == batch_snapshot(frame(rows))


@settings(max_examples=80, deadline=None)
@given(streams)
def test_rates_within_unit_interval(rows: list[dict[str, Any]]) -> None:
    snap = replay(rows).snapshot()
    scopes = [snap["overall"], *snap["minutes"], *snap["links"]]
    for scope in scopes:
        for name in RATES:
            value = scope.get(name)
            assert value is None or 0.0 <= value <= 1.0, (name, value)


@settings(max_examples=80, deadline=None)
@given(streams)
def test_gmv_is_the_sum_of_order_amounts(rows: list[dict[str, Any]]) -> None:
    snap = replay(rows).snapshot()
    orders = [r for r in rows if r["kind"] == "order_paid"]
    assert snap["overall"]["gmv_fen"] == sum(r["amount_fen"] for r in orders)
    assert sum(m["gmv_fen"] for m in snap["minutes"]) == snap["overall"]["gmv_fen"]
    for m in snap["minutes"]:
        mine = [r for r in orders if r["ts_ms"] - r["ts_ms"] % MINUTE_MS == m["minute_ms"]]
        assert m["gmv_fen"] == sum(r["amount_fen"] for r in mine)
    for link in snap["links"]:
        assert link["gmv_fen"] == sum(
            r["amount_fen"] for r in orders if (r["item_id"] or r["sku_id"]) == link["link"]
        )


@settings(max_examples=60, deadline=None)
@given(streams, st.randoms(use_true_random=False))
def test_every_event_lands_in_its_own_minute(rows: list[dict[str, Any]], rnd: random.Random) -> None:
    rows = rows[:]
    rnd.shuffle(rows)  # any arrival order, late events included
    snap = replay(rows).snapshot()
    expected: dict[int, int] = {}
    for r in rows:
        m = r["ts_ms"] - r["ts_ms"] % MINUTE_MS
        expected[m] = expected.get(m, 0) + 1
    assert {m["minute_ms"]: m["events"] for m in snap["minutes"]} == expected


@settings(max_examples=60, deadline=None)
@given(streams, st.data())
def test_a_late_event_changes_only_its_minute(rows: list[dict[str, Any]], data: st.DataObject) -> None:
    state = replay([*rows, row("online_count", T0 + 20 * MIN, qty=1)])  # closes every earlier minute
    late = data.draw(event())
    minute = late["ts_ms"] - late["ts_ms"] % MINUTE_MS
    before = {m["minute_ms"]: m for m in state.minutes()}
    changes = state.update(late)
    after = {m["minute_ms"]: m for m in state.minutes()}
    assert ("minute", minute, True) in changes
    assert after[minute]["events"] == before.get(minute, {"events": 0})["events"] + 1
    # The first room-level product_show (no user_key) tells how the platform pushes shows: from then
    # on every viewer counts as exposed (metrics.py), in every minute. Only exposure may change then.
    room_level = late["kind"] == "product_show" and late["user_key"] is None
    switch = room_level and not any(r["kind"] == "product_show" and r["user_key"] is None for r in rows)
    skip = {"exposed", "exposure_ctr"} if switch else set()

    def others(minutes: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        return {m: {k: x for k, x in v.items() if k not in skip} for m, v in minutes.items() if m != minute}

    assert others(after) == others(before)


@settings(max_examples=60, deadline=None)
@given(streams, st.randoms(use_true_random=False))
def test_shuffling_within_the_lateness_bound_changes_nothing(
    rows: list[dict[str, Any]], rnd: random.Random
) -> None:
    in_order = sorted(rows, key=lambda r: (r["ts_ms"], r["msg_id"]))
    # Each event arrives up to LATENESS - 1 ms after its event time, so it is never late.
    jittered = sorted(rows, key=lambda r: (r["ts_ms"] + rnd.randrange(LATENESS), r["msg_id"]))
    a = replay(in_order, lateness_ms=LATENESS)
    b = replay(jittered, lateness_ms=LATENESS)
    assert a.late_events == 0 and b.late_events == 0
    assert a.snapshot() == b.snapshot()


@settings(max_examples=40, deadline=None)
@given(streams, st.randoms(use_true_random=False))
def test_any_arrival_order_gives_the_same_final_numbers(
    rows: list[dict[str, Any]], rnd: random.Random
) -> None:
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a, b = RoomState(lateness_ms=0), RoomState(lateness_ms=0)
    a.update_many(rows)
    b.update_many(shuffled)
    for name in ("overall", "minutes", "links", "variants"):
        assert a.snapshot()[name] == b.snapshot()[name]


def test_a_first_room_level_show_changes_only_exposure_elsewhere() -> None:
    """Found by hypothesis: a late room-level product_show switches the room to "every viewer is
    exposed", so an earlier minute's exposure changes with it, and nothing else there does."""
    state = replay([row("enter", T0, user_key="a"), row("online_count", T0 + 20 * MIN, qty=1)])
    before = {m["minute_ms"]: m for m in state.minutes()}
    state.update(row("product_show", T0 + MIN, sku_id="s1", item_id="i1"))
    after = {m["minute_ms"]: m for m in state.minutes()}
    assert (before[T0]["exposed"], after[T0]["exposed"]) == (0, 1)  # the viewer of minute 0
    changed = {k for k in before[T0] if before[T0][k] != after[T0][k]}
    assert changed == {"exposed", "exposure_ctr"}
