"""RoomState: hand-checked numbers, changes, watermark and late corrections, replay == batch."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from live_streams import MIN, T0, frame, generated_stream, row, sim_frames

from kuaifan.live import Change, RoomState, batch_snapshot, replay
from kuaifan.live.windows import Watermark, closed_before, minute_of


def hand_stream() -> list[dict[str, object]]:
    return [
        row("enter", T0 + 1_000, user_key="a"),
        row("enter", T0 + 2_000, user_key="b"),
        row("enter", T0 + 3_000, user_key="c"),
        row("comment", T0 + 4_000, user_key="a", text="主播好美"),
        row("product_click", T0 + 5_000, user_key="b", sku_id="s1", item_id="i1", link_no=1),
        row(
            "order_paid",
            T0 + 6_000,
            user_key="b",
            sku_id="s1",
            item_id="i1",
            link_no=1,
            order_id="o1",
            qty=2,
            amount_fen=200,
            spec='{"尺码":"M"}',
        ),
        row("follow", T0 + 7_000, user_key="c"),
        row("online_count", T0 + 8_000, qty=10),
        row("online_count", T0 + 30_000, qty=20),
        row("online_count", T0 + 61_000, qty=5),
        row(
            "order_refund", T0 + 70_000, user_key="b", order_id="o1", amount_fen=50, sku_id="s1", item_id="i1"
        ),
        row("stock_level", T0 + 75_000, sku_id="s1", item_id="i1", stock=4),
    ]


def test_hand_computed_overall() -> None:
    o = replay(hand_stream()).overall()
    assert (o["events"], o["pv"], o["uv"], o["entered"]) == (12, 3, 3, 3)
    assert (o["gmv_fen"], o["orders"], o["units"], o["buyers"], o["clickers"]) == (200, 1, 2, 1, 1)
    assert (o["refund_fen"], o["refunds"], o["interactors"], o["followers"]) == (50, 1, 2, 1)
    assert o["conversion"] == pytest.approx(1 / 3)
    assert o["exposure_ctr"] == 1.0  # no room-level show: the clicker is the one exposed viewer
    assert o["click_conversion"] == 1.0
    assert o["interaction_rate"] == pytest.approx(2 / 3)
    assert o["follow_rate"] == pytest.approx(1 / 3)
    assert o["refund_rate"] == 0.25
    assert o["gpm_fen"] == pytest.approx(200 * 1000 / 3)
    assert o["uv_value_fen"] == pytest.approx(200 / 3)
    assert (o["online_now"], o["online_peak"]) == (5, 20)
    assert o["online_avg"] == pytest.approx(35 / 3)


def test_hand_computed_minutes_link_variant() -> None:
    st = replay(hand_stream())
    m0, m1 = st.minutes()
    assert (m0["minute_ms"], m0["events"], m0["uv"], m0["gmv_fen"]) == (T0, 9, 3, 200)
    assert (m0["online_now"], m0["online_peak"], m0["online_avg"]) == (20, 20, 15.0)
    assert m0["refund_rate"] == 0.0
    assert (m1["minute_ms"], m1["events"], m1["uv"], m1["refund_fen"]) == (T0 + MIN, 3, 0, 50)
    assert m1["conversion"] is None and m1["refund_rate"] is None  # nothing to divide by
    link = st.link("i1")
    assert link is not None
    assert (link["clicks"], link["orders"], link["units"], link["gmv_fen"], link["stock"]) == (
        1,
        1,
        2,
        200,
        4,
    )
    assert (link["link_no"], link["refund_fen"], link["exposure_ctr"], link["click_conversion"]) == (
        1,
        50,
        1.0,
        1.0,
    )
    # Sell rate: 2 units since the first event at T0+1s, 74 s before the latest event (T0+75s).
    assert link["sell_rate_per_min"] == pytest.approx(2 * 60 / 74)
    assert link["eta_min"] == pytest.approx(4 / (2 * 60 / 74))
    v = st.variant("s1")
    assert v is not None
    assert (v["orders"], v["units"], v["buyers"], v["stock"], v["stock_ts_ms"]) == (1, 2, 1, 4, T0 + 75_000)
    assert (v["spec"], v["link"], v["sold_out"]) == ('{"尺码":"M"}', "i1", False)


def test_stock_zero_is_sold_out_and_latest_stock_wins() -> None:
    rows = [
        row("stock_level", T0 + 5_000, sku_id="s1", item_id="i1", stock=0),
        row("stock_level", T0 + 1_000, sku_id="s1", item_id="i1", stock=7),  # older, arrives later
        row("stock_level", T0 + 2_000, sku_id="s2", item_id="i1", stock=0),
    ]
    st = replay(rows)
    v = st.variant("s1")
    link = st.link("i1")
    assert v is not None and link is not None
    assert (v["stock"], v["sold_out"], v["eta_min"]) == (0, True, 0.0)
    assert (link["stock"], link["sold_out"], link["sold_out_skus"]) == (0, True, 2)


def test_update_reports_what_changed() -> None:
    st = RoomState(lateness_ms=2 * MIN)
    changes = st.update(row("order_paid", T0 + 1_000, user_key="a", sku_id="s1", item_id="i1", qty=1,
                            amount_fen=100, order_id="o1"))  # fmt: skip
    assert set(changes) == {
        Change("room", None),
        Change("minute", T0),
        Change("link", "i1"),
        Change("variant", "s1"),
    }
    assert set(st.update(row("enter", T0 + 2_000, user_key="b"))) == {
        Change("room", None),
        Change("minute", T0),
    }
    # The watermark passes the end of minute T0: the update says the minute closed.
    changes = st.update(row("enter", T0 + 3 * MIN + 1, user_key="c"))
    assert Change("closed", T0) in changes and Change("minute", T0 + 3 * MIN) in changes
    m = st.minute(T0)
    assert m is not None and m["closed"]
    assert st.resolve(Change("link", "i1")) == st.link("i1")
    assert st.resolve(Change("room", None)) == st.overall()


def test_late_events_correct_their_own_minute() -> None:
    st = replay(hand_stream())
    st.update(row("enter", T0 + 10 * MIN, user_key="z"))  # closes minutes T0 and T0+1
    before = {m["minute_ms"]: m for m in st.minutes()}
    assert before[T0]["closed"]
    # a (already a viewer of minute T0, in its compacted flags) buys late; d is new to the minute.
    changes = st.update(row("order_paid", T0 + 20_000, user_key="a", sku_id="s1", item_id="i1", qty=1,
                            amount_fen=300, order_id="o2"))  # fmt: skip
    assert Change("minute", T0, True) in changes
    st.update(row("enter", T0 + 30_000, user_key="d"))
    after = {m["minute_ms"]: m for m in st.minutes()}
    assert st.late_events == 2
    assert after[T0]["gmv_fen"] == before[T0]["gmv_fen"] + 300
    assert after[T0]["buyers"] == 2 and after[T0]["uv"] == 4  # a counted once, d added
    assert after[T0]["pv"] == 4
    assert {m: after[m] for m in after if m != T0} == {m: before[m] for m in before if m != T0}
    assert st.overall()["buyers"] == 2 and st.overall()["uv"] == 5


def test_unknown_kinds_count_as_events_only() -> None:
    st = replay([row("enter", T0, user_key="a"), row("mystery", T0 + 1, user_key="b")])
    o = st.overall()
    assert (o["events"], o["uv"]) == (2, 1)


def test_snapshot_is_json_and_minutes_since() -> None:
    st = replay(hand_stream())
    snap = st.snapshot()
    assert orjson.loads(orjson.dumps(snap)) == snap
    assert [m["minute_ms"] for m in st.snapshot(minutes_since_ms=T0 + MIN)["minutes"]] == [T0 + MIN]
    assert snap["room_id"] == "r1" and snap["stream_id"] == "s1" and snap["events"] == 12


def test_empty_state_reads() -> None:
    st = RoomState()
    assert st.max_ts_ms is None and st.closed_before_ms is None and st.first_ts_ms is None
    snap = st.snapshot()
    assert snap["overall"]["events"] == 0 and snap["minutes"] == [] and snap["overall"]["conversion"] is None
    with pytest.raises(ValueError):
        RoomState(rate_minutes=0)
    with pytest.raises(ValueError):
        Watermark(-1)


def test_watermark_boundaries() -> None:
    assert minute_of(T0 + 59_999) == T0
    # A minute is closed once its end is at or before max_ts - lateness.
    assert closed_before(T0 + MIN + 30_000, 30_000) == T0 + MIN
    assert closed_before(T0 + MIN + 29_999, 30_000) == T0
    wm = Watermark(30_000)
    assert wm.observe(T0 + 10) == (-1, T0 - MIN)
    assert wm.observe(T0 + 29_999) is None  # still inside the same closed boundary
    assert wm.observe(T0 + MIN + 29_999) == (T0 - MIN, T0)  # minute T0-1 closes, T0 does not
    assert wm.observe(T0 + MIN + 30_000) == (T0, T0 + MIN)  # the end of T0 reaches the watermark
    assert wm.observe(T0) is None and wm.max_ts == T0 + MIN + 30_000


def _compare(live: dict[str, object], batch: dict[str, object]) -> None:
    live = dict(live)
    live.pop("late_events")
    assert live.keys() == batch.keys()
    for key in live:
        assert live[key] == batch[key], key


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replay_equals_batch_on_simulated_streams(tmp_path: Path, seed: int) -> None:
    for df in sim_frames(tmp_path, seed):
        state = replay(df.to_dicts())
        _compare(state.snapshot(), batch_snapshot(df))
        assert state.overall()["orders"] > 0 and state.overall()["uv"] > 100  # a real stream


@pytest.mark.parametrize("seed", range(6))
def test_replay_equals_batch_on_messy_streams(seed: int) -> None:
    rows = generated_stream(seed, room_shows=seed % 2 == 0)
    kwargs = {"lateness_ms": [0, 30_000, 120_000][seed % 3], "rate_minutes": [1, 5, 15][seed % 3]}
    state = replay(rows, **kwargs)
    _compare(state.snapshot(), batch_snapshot(frame(rows), **kwargs))
    assert state.late_events > 0 or kwargs["lateness_ms"] == 120_000


def test_update_many_and_replay_agree() -> None:
    rows = generated_stream(9)
    a = replay(rows)
    b = RoomState()
    changed = b.update_many(rows)
    assert a.snapshot() == b.snapshot()
    assert Change("room", None) in changed and any(c.late for c in changed)
