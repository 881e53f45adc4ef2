"""Which stored events a signal read selects: days in China time (``--since`` / ``--until``), else
the last ``days`` days up to the latest event."""

from __future__ import annotations

from datetime import date

from kuaifan.errors import InputError
from kuaifan.signals.frame import DAY_MS, EPOCH, china_day_of, china_day_start_ms

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


def time_window(
    since: str | None, until: str | None, days: int | None, last_event_ms: int | None
) -> tuple[int | None, int | None]:
    """``(start_ms, end_ms)`` of the selection (None: open): ``since`` / ``until`` (China days, both
    included), else the ``days`` days up to the latest event (None or 0: everything)."""
    start = day_start_ms(since, "since") if since else None
    end = day_start_ms(until, "until") + DAY_MS if until else None
    if start is None and end is None and days and last_event_ms is not None:
        start = china_day_start_ms(china_day_of(last_event_ms) - days + 1)  # from 00:00 China time
    if start is not None and end is not None and end <= start:
        raise InputError(
            f"until（{until}）早于 since（{since}）",
            f"until ({until}) is before since ({since})",
            field="until",
        )
    return start, end
