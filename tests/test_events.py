"""The canonical event: one set of rules, applied per record (pydantic) and per batch (polars)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from kuaifan.events import (
    EVENT_COLUMNS,
    EVENT_SCHEMA,
    KIND_RULES,
    POLARS_SCHEMA,
    Event,
    EventKind,
    now_ms,
    pseudonymise,
    rows_to_table,
    spec_text,
    validate_frame,
)

TS = 1_791_000_000_000  # 2026-10


def base(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": "comment",
        "tenant": "demo",
        "platform": "sim",
        "room_id": "r1",
        "stream_id": "s1",
        "ts_ms": TS,
        "msg_id": "m1",
        "text": "黑色还有吗",
    }
    row.update(kw)
    return row


def test_valid_order_round_trips_to_the_log_schema() -> None:
    e = Event(
        **base(
            kind="order_paid",
            sku_id="SKU1",
            order_id="o1",
            qty=2,
            amount_fen=39800,
            spec={"颜色": "黑色", "尺码": "M"},
            text=None,
        )
    )
    row = e.to_row()
    assert list(row) == list(EVENT_COLUMNS)
    assert row["spec"] == '{"尺码":"M","颜色":"黑色"}'
    table = rows_to_table([row])
    assert table.schema == EVENT_SCHEMA
    assert table.column("amount_fen").to_pylist() == [39800]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"kind": "teleport"}, "kind"),
        ({"amount_fen": -1, "kind": "order_refund", "order_id": "o"}, "amount_fen"),
        ({"ts_ms": 1_791_000_000}, "before 2015"),
        ({"ts_ms": 4_102_444_800_000}, "future"),
        ({"text": None}, "text is required"),
        (
            {"kind": "order_paid", "sku_id": "a", "order_id": "o", "qty": 0, "amount_fen": 1},
            "qty must be >= 1",
        ),
        ({"nickname_raw": "x"}, "nickname_raw"),
        ({"tenant": "a b"}, "tenant"),
        ({"msg_id": ""}, "msg_id"),
    ],
)
def test_event_rejects_with_a_precise_reason(change: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Event(**base(**change))
    assert needle in str(exc.value)


def test_pseudonymise_is_keyed_and_stable() -> None:
    a = pseudonymise("salt-one-0123456789", "user-42")
    assert a == pseudonymise("salt-one-0123456789", "user-42")
    assert a != pseudonymise("salt-two-0123456789", "user-42")
    assert len(a) == 32 and "user-42" not in a


def test_spec_text_is_canonical() -> None:
    assert spec_text({"颜色": "黑色", "尺码": "M"}) == spec_text({"尺码": "M", "颜色": "黑色"})
    assert spec_text({}) is None


def test_every_kind_has_rules() -> None:
    assert set(KIND_RULES) == set(EventKind)


# --- the batch rules agree with the per-record rules ---------------------------------------

_kinds = st.sampled_from([k.value for k in EventKind] + ["bogus"])
_maybe_int = st.one_of(st.none(), st.integers(min_value=-5, max_value=10))
_maybe_str = st.one_of(st.none(), st.sampled_from(["", "x", "SKU-1"]))
_ts = st.sampled_from([TS, 1_000, now_ms() + 3 * 24 * 3600 * 1000])


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(EVENT_COLUMNS)
    row.update(
        kind=draw(_kinds),
        tenant=draw(st.sampled_from(["demo", "bad tenant"])),
        platform=draw(st.sampled_from(["sim", "douyin", "nowhere"])),
        room_id=draw(_maybe_str),
        stream_id=draw(_maybe_str),
        channel=draw(st.sampled_from([None, "store", "influencer", "tv"])),
        ts_ms=draw(_ts),
        msg_id=draw(st.sampled_from(["m", ""])),
        user_key=draw(_maybe_str),
        sku_id=draw(_maybe_str),
        order_id=draw(_maybe_str),
        text=draw(_maybe_str),
        qty=draw(_maybe_int),
        amount_fen=draw(_maybe_int),
        stock=draw(_maybe_int),
        link_no=draw(_maybe_int),
    )
    return row


def _model_accepts(row: dict[str, Any]) -> bool:
    try:
        Event(**{k: v for k, v in row.items() if v is not None})
    except ValidationError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(rows(), min_size=1, max_size=20))
def test_validate_frame_agrees_with_event_model(batch: list[dict[str, Any]]) -> None:
    # The pydantic model treats "" as a present string for optional ids with min_length=1
    # (rejected) and the frame treats "" as missing for required ones; compare on rows whose
    # optional strings are either None or non-empty.
    for row in batch:
        for name in ("room_id", "stream_id", "user_key", "sku_id", "order_id", "text"):
            if row[name] == "":
                row[name] = None
    df = pl.DataFrame(batch, schema=POLARS_SCHEMA)
    good, bad = validate_frame(df)
    assert good.height + bad.height == len(batch)
    accepted = {i for i, r in enumerate(batch) if _model_accepts(r)}
    assert good.height == len(accepted)
    assert bad["reason"].null_count() == 0
