"""LiveHub and the tenant gate of POST /v1/events, without a server."""

from __future__ import annotations

import asyncio
from typing import Any

from apihelpers import CFG, MIN, T0, ev, order, rows
from hypothesis import given
from hypothesis import strategies as st

from kuaifan.config import AlertThresholds
from kuaifan.events import EVENT_COLUMNS
from kuaifan.live import replay
from kuaifan.live.hub import RESYNC, LiveHub, Subscriber, sse_message
from kuaifan.sources.gate import TenantGate


def stream() -> list[dict[str, Any]]:
    return rows(
        [ev("enter", T0 + i * 7000, user_key=f"u{i % 9}") for i in range(40)]
        + [order(T0 + i * MIN + 11, 100 * i, user=f"u{i}") for i in range(1, 6)]
        + [ev("comment", T0 + 3 * MIN, user_key="u1", text="还有L码吗")]
    )


def test_install_then_apply_equals_one_replay() -> None:
    all_rows = sorted(stream(), key=lambda r: r["ts_ms"])
    hub = LiveHub(lambda _: AlertThresholds())
    hub.install("acme", "r1", "s1", all_rows[:20])
    hub.apply("acme", all_rows[20:])
    view = hub.view("acme", "r1")
    assert view is not None
    assert view["state"] == replay(all_rows, room_id="r1", stream_id="s1").snapshot()
    assert view["state"]["overall"]["gmv_fen"] == sum(100 * i for i in range(1, 6))


def test_rows_without_a_room_are_not_live() -> None:
    hub = LiveHub(lambda _: AlertThresholds())
    shop_order = TenantGate.of("acme", CFG).admit(
        {"kind": "order_paid", "platform": "doudian", "ts_ms": T0, "msg_id": "x", "sku_id": "a",
         "order_id": "o", "qty": 1, "amount_fen": 5},
    )  # fmt: skip
    assert isinstance(shop_order, dict)
    assert hub.apply("acme", [shop_order]) == 0
    assert hub.rooms("acme") == []


def test_at_most_max_streams_per_room_are_kept() -> None:
    hub = LiveHub(lambda _: AlertThresholds(), max_streams=2)
    for i, sid in enumerate(["a", "b", "c"]):
        hub.apply("acme", rows([ev("enter", T0 + i * MIN, stream=sid, user_key="u")]))
    view = hub.view("acme", "r1")
    assert view is not None
    assert sorted(s["stream_id"] for s in view["streams"]) == ["b", "c"]
    assert view["stream_id"] == "c"


def test_slow_subscriber_gets_one_resync_instead_of_a_backlog() -> None:
    async def run() -> list[bytes | None]:
        sub = Subscriber(maxsize=3)
        for i in range(10):
            sub.push(sse_message("metrics", {"i": i}, i))
        got = []
        while not sub.queue.empty():
            got.append(sub.queue.get_nowait())
        return got

    got = asyncio.run(run())
    assert got == [RESYNC]


def test_sse_message_format() -> None:
    msg = sse_message("alert", {"kind": "low_stock", "reason": "行\n2"}, 7)
    assert msg.startswith(b"event: alert\nid: 7\ndata: {")
    assert msg.endswith(b"}\n\n") and msg.count(b"\n") == 4  # the JSON is one line


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=8),
                          st.dictionaries(st.sampled_from(["kind", "ts_ms", "tenant", "qty", "x"]),
                                          st.one_of(st.integers(), st.text(max_size=5), st.none()))),
                max_size=8))  # fmt: skip
def test_intake_sorts_every_item_into_exactly_one_place(items: list[Any]) -> None:
    out = TenantGate.of("acme", CFG).admit_all(items, "api")
    assert len(out.rows) + out.batch_duplicates + len(out.errors) == len(items)
    assert [d.line for d in out.dead] == [e["index"] + 1 for e in out.errors]
    for row in out.rows:
        assert list(row) == list(EVENT_COLUMNS) and row["tenant"] == "acme"
