"""Signals of a tenant's stored events: the store read, a time window in China days, the stored
comment tags as the classifier. Shared by ``kuaifan signals``, ``kuaifan forecast`` and the API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kuaifan.config import TextSettings
from kuaifan.errors import InputError, NotFoundError
from kuaifan.signals import DemandSignals, demand_signals
from kuaifan.signals.frame import DAY_MS, EPOCH, SIGNAL_KINDS, china_day_of, china_day_start_ms
from kuaifan.signals.report import stored_facts
from kuaifan.store.log import EventStore

DEFAULT_DAYS = 30  # 近30天: the window a live-commerce dashboard looks at, and memory stays bounded


def day_start_ms(text: str, field: str) -> int:
    """'2026-10-08' → the UTC ms of 00:00 that day in China time; InputError (zh + en) otherwise."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{field} 应为日期 YYYY-MM-DD，收到 {text!r}",
            f"{field}: expected a date YYYY-MM-DD, got {text!r}",
            field=field,
        ) from None
    return china_day_start_ms((day - EPOCH).days)


def store_signals(
    store: EventStore,
    tenant: str,
    text_config: TextSettings | Mapping[str, Any] | None = None,
    *,
    room: str | None = None,
    stream: str | None = None,
    since: str | None = None,
    until: str | None = None,
    days: int | None = DEFAULT_DAYS,
) -> DemandSignals:
    """The signals of a tenant's stored events in the selection (tagging what is untagged first):
    ``since`` / ``until`` (China days), else the last ``days`` days up to the latest event (None or
    0: everything). InputError for bad dates, NotFoundError when nothing is selected."""
    from kuaifan.text.tagging import read_tagged

    start = day_start_ms(since, "since") if since else None
    end = day_start_ms(until, "until") + DAY_MS if until else None
    if start is None and end is None and days:
        last = store.last_event_ms(tenant)
        if last is not None:  # from 00:00 China time, days - 1 days before the latest event's day
            start = china_day_start_ms(china_day_of(last) - days + 1)
    if start is not None and end is not None and end <= start:
        raise InputError(
            f"until（{until}）早于 since（{since}）",
            f"until ({until}) is before since ({since})",
            field="until",
        )
    events = read_tagged(
        store,
        tenant,
        text_config,
        room_id=room,
        stream_id=stream,
        kinds=SIGNAL_KINDS,  # ~5x fewer rows in memory than the whole log (measured on the simulator)
        start_ms=start,
        end_ms=end,
    )
    if events.is_empty():
        where = " ".join(x for x in (room, stream, since, until) if x) or tenant
        raise NotFoundError(f"没有找到事件：{where}", f"no events found for {where}")
    return demand_signals(events, classifier=stored_facts(events))
