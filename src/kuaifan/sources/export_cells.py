"""Parsers for the cells of merchant order exports (抖店 订单导出 and similar layouts).

Every parser takes one cell as the reader produced it (CSV: text; Excel: text, number or
datetime) and returns a clean value, or raises ``CellError`` with a short English reason
that ends up in the dead letter. They are pure functions; nothing here does I/O.

Quirks handled (seen in real exports):

- ids prefixed with a tab (``"\\t6917…"``), a leading apostrophe, or wrapped as ``="6917…"``,
  all there to stop Excel turning long numbers into ``6.917E+18``;
- ``-`` / ``--`` / ``—`` for "no value";
- money in 元 with thousands separators and a currency sign (``¥1,299.00``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Final, Literal

from kuaifan.events import MAX_ID_LEN

Cell = str | int | float | Decimal | datetime | date | None
MoneyUnit = Literal["yuan", "fen"]

INT64_MAX: Final = 2**63 - 1
# Integers above this are not exact in an IEEE double (what Excel stores numbers as).
FLOAT_EXACT_MAX: Final = 2**53
EMPTY_MARKERS: Final = frozenset({"", "-", "--", "—", "——", "/", "null", "NULL", "None", "N/A"})
_STRIP: Final = " \t\r\n\u3000\ufeff\u200b\xa0"
_EXCEL_TEXT_FORMULA: Final = re.compile(r'^="(.*)"$', re.S)
_SCIENTIFIC: Final = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_NUMBER: Final = re.compile(r"^(?P<sign>[-+−])?(?P<int>\d{1,3}(?:,\d{3})+|\d*)(?:\.(?P<frac>\d*))?$")
_PLAIN_MONEY: Final = re.compile(r"^(\d{1,15})(?:\.(\d{1,2}))?$")
_CURRENCY: Final = re.compile(r"^[¥￥]|^RMB|^CNY|元$")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_DATETIME: Final = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+|$)"
    r"(?:(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$"
)


class CellError(ValueError):
    """A cell that cannot be read; ``str(err)`` is the reason (English, for the dead letter)."""


class NegativeError(CellError):
    """A number below zero where only zero or more makes sense."""


def clean_text(value: Cell) -> str | None:
    """Cell as stripped text; None for empty markers. Numbers use their shortest exact form."""
    if value is None:
        return None
    if type(value) is str:  # fast path: most cells are plain text
        text = value.strip(_STRIP)
        if text[:1] not in ("=", "'"):
            return None if text in EMPTY_MARKERS else text
    elif isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < FLOAT_EXACT_MAX else repr(value)
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip(_STRIP)
    wrapped = _EXCEL_TEXT_FORMULA.match(text)
    if wrapped:
        text = wrapped.group(1).strip(_STRIP)
    if text.startswith("'"):
        text = text[1:].strip(_STRIP)
    return None if text in EMPTY_MARKERS else text


def clean_id(value: Cell, *, zero_is_empty: bool = False) -> str | None:
    """An id cell as a string. Refuses ids Excel has already turned into lossy numbers."""
    if isinstance(value, float) and not (value.is_integer() and abs(value) < FLOAT_EXACT_MAX):
        raise CellError(f"id {value!r} was stored as a number and lost digits (export ids as text)")
    text = clean_text(value)
    if text is None:
        return None
    if text.isdigit():  # the usual case
        return None if zero_is_empty and text.strip("0") == "" else text
    if _SCIENTIFIC.match(text):
        raise CellError(f"id {text!r} is in scientific notation and lost digits (export ids as text)")
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]  # a whole-number cell written by a spreadsheet as "123.0"
    if zero_is_empty and text.strip("0") == "":
        return None
    if len(text) > MAX_ID_LEN:
        raise CellError(f"id longer than {MAX_ID_LEN} characters")
    return text


def _decimal(value: Cell, what: str) -> Decimal | None:
    """A non-negative Decimal from a number cell; None when empty."""
    if isinstance(value, bool):
        raise CellError(f"{what} is not a number: {value!r}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(f"{what} is not a number: {value!r}")
        number = Decimal(repr(value))  # shortest repr: 12.9 -> Decimal("12.9"), not 12.9000000000000003…
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, datetime | date):
        raise CellError(f"{what} is a date, not a number: {value!s}")
    else:
        text = clean_text(value)
        if text is None:
            return None
        compact = _CURRENCY.sub("", text.replace(" ", "")).strip()
        m = _NUMBER.match(compact)
        if not m or not (m.group("int") or m.group("frac")):
            raise CellError(f"{what} is not a number: {text!r}")
        number = Decimal(f"{m.group('int').replace(',', '') or '0'}.{m.group('frac') or '0'}")
        if m.group("sign") in ("-", "−"):
            number = -number
    if not number.is_finite():
        raise CellError(f"{what} is not a number: {value!r}")
    if number < 0:
        raise NegativeError(f"{what} is negative: {value!s}")
    return number


def parse_money_fen(value: Cell, unit: MoneyUnit = "yuan", what: str = "amount") -> int | None:
    """Money cell to an exact integer number of 分; None when empty.

    元 must have at most 2 decimal places (trailing zeros beyond are fine: "1.230" is exact);
    分 must be a whole number. Negatives and anything that is not a plain number are refused.
    """
    if type(value) is str:
        fast = _PLAIN_MONEY.match(value)
        if fast and unit == "yuan":  # "129.00": exact integer arithmetic, no Decimal needed
            return int(fast.group(1)) * 100 + int((fast.group(2) or "").ljust(2, "0"))
    number = _decimal(value, what)
    if number is None:
        return None
    fen = number * 100 if unit == "yuan" else number
    if fen != fen.to_integral_value():
        places = "2 decimal places" if unit == "yuan" else "a whole number of fen"
        raise CellError(f"{what} {value!s} has more than {places}")
    result = int(fen)
    if result > INT64_MAX:
        raise CellError(f"{what} {value!s} is too large")
    return result


def parse_qty(value: Cell, what: str = "qty") -> int | None:
    """A quantity cell as an int ("2", "2.0", 2.0, "1,000"); None when empty."""
    if type(value) is str and value.isdigit() and value.isascii():
        return int(value)
    try:
        number = _decimal(value, what)
    except NegativeError:
        raise
    except CellError:
        raise CellError(f"{what} is not a whole number: {clean_text(value)!r}") from None
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"{what} is not a whole number: {value!s}")
    if number > INT64_MAX:
        raise CellError(f"{what} {value!s} is too large")
    return int(number)


def parse_local_time(
    value: Cell, tz: tzinfo, formats: tuple[str, ...] = (), what: str = "time"
) -> int | None:
    """A local date-time cell to UTC epoch milliseconds; None when empty.

    Without ``formats`` accepts "YYYY-MM-DD HH:MM[:SS[.ffffff]]" with "-", "/", "." or 年月日 between
    date parts (months, days and hours may be one digit). With ``formats``, each is tried with
    ``datetime.strptime``. Naive times are in ``tz``; Excel datetime cells are naive too.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise CellError(f"{what} has a date but no time of day: {value.isoformat()}")
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        raise CellError(f"{what} is a number, not a date-time: {value!r}")
    else:
        text = clean_text(value)
        if text is None:
            return None
        moment = _parse_time_text(text, formats, what)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _parse_time_text(text: str, formats: tuple[str, ...], what: str) -> datetime:
    if formats:
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        raise CellError(f"{what} {text!r} matches none of the formats {list(formats)}")
    m = _DATETIME.match(text)
    if not m or m.group(4) is None:
        raise CellError(f"{what} {text!r} is not a date-time like 2025-06-18 20:15:00")
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in m.groups()[:6])
    micro = int((m.group(7) or "0").ljust(6, "0"))
    try:
        return datetime(year, month, day, hour, minute, second, micro)
    except ValueError as err:
        raise CellError(f"{what} {text!r} is not a valid date-time ({err})") from None
