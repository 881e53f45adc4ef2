"""Signals of a tenant's stored events: the kinds a signal uses, in the selected days, with their
comment tags. What ``kuaifan signals``, ``kuaifan forecast`` and the backtest's production path read."""

from __future__ import annotations

from kuaifan.config import TextSettings
from kuaifan.errors import NotFoundError
from kuaifan.signals import DemandSignals, demand_signals
from kuaifan.signals.frame import SIGNAL_KINDS
from kuaifan.signals.report import stored_facts
from kuaifan.signals.tags import read_tagged
from kuaifan.signals.window import DEFAULT_DAYS, time_window
from kuaifan.store import Store


def store_signals(
    store: Store,
    tenant: str,
    text: TextSettings | None = None,
    *,
    room: str | None = None,
    stream: str | None = None,
    since: str | None = None,
    until: str | None = None,
    days: int | None = DEFAULT_DAYS,
) -> DemandSignals:
    """The signals of a tenant's stored events: ``since`` / ``until`` (China days, both included), else
    the last ``days`` days up to the latest event (None or 0: all). Only the kinds a signal uses are
    read (~5x fewer rows than the whole log). NotFoundError when nothing is selected, InputError for
    bad dates."""
    start, end = time_window(since, until, days, store.last_event_ms(tenant))
    events = read_tagged(
        store, tenant, text or TextSettings(), room_id=room, stream_id=stream, kinds=SIGNAL_KINDS,
        start_ms=start, end_ms=end,
    )  # fmt: skip
    if events.is_empty():
        where = " ".join(x for x in (room, stream, since, until) if x) or tenant
        raise NotFoundError(f"没有找到事件：{where}", f"no events found for {where}")
    return demand_signals(events, classifier=stored_facts(events))
