"""Streaming readers for exported tables: CSV (any of the encodings in ``encodings``) and Excel.

Both yield ``Record``s: the 1-based line number where the record starts (CSV physical line,
so a quoted field with line breaks moves the count on; Excel row number), its cells, and an
error text when the line could not be split at all. ``resolve_columns`` matches a header
row against an ``ExportMapping``.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final, TypeVar

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from kuaifan.errors import InputError
from kuaifan.sources.encodings import decode_head, detect_encoding
from kuaifan.sources.export_cells import Cell, clean_text
from kuaifan.sources.mapping import ColumnMap, ExportMapping

CSV_SUFFIXES: Final = frozenset({".csv", ".tsv"})
EXCEL_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
REQUIRED_FIELDS: Final = ("order_id", "sku_id", "qty", "paid_time")
AMOUNT_FIELDS: Final = ("amount", "item_amount", "unit_price")
HEADER_SEARCH_ROWS: Final = 10
SNIFF_BYTES: Final = 64 * 1024  # the head of a CSV read to decide which source reads it
H = TypeVar("H")
_BRACKET_SUFFIXES: Final = (("(", ")"), ("（", "）"), ("[", "]"), ("【", "】"))


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    cells: list[Cell]
    error: str | None = None


def header_key(text: str) -> str:
    """Comparable form of a header: no blanks, no trailing unit note ("金额(元)" -> "金额"), lower case."""
    key = "".join(text.split())
    for opening, closing in _BRACKET_SUFFIXES:
        if key.endswith(closing) and opening in key and not key.startswith(opening):
            key = key[: key.rindex(opening)]
            break
    return key.lower()


@dataclass(frozen=True, slots=True)
class Columns:
    """Header of one file resolved against a mapping: field -> column index."""

    headers: list[str]
    index: dict[str, int]
    used: dict[str, str]  # field -> header text found in the file

    def header(self, field: str) -> str:
        return self.used.get(field, field)


def match_header(
    header_cells: list[Cell], fields: Iterable[tuple[str, Sequence[str]]]
) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """A header row against the names each field may have (the first name found wins): the header
    texts, field -> column index, and field -> the header text found."""
    headers = [clean_text(c) or "" for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    position: dict[str, int] = {}
    for i, h in enumerate(headers):
        position.setdefault(header_key(h), i)
    index: dict[str, int] = {}
    used: dict[str, str] = {}
    for field, names in fields:
        for name in names:
            found = position.get(header_key(name))
            if found is not None:
                index[field] = found
                used[field] = headers[found]
                break
    return headers, index, used


def first_header(
    records: Iterator[Record], resolve: Callable[[list[Cell]], H], complete: Callable[[H], bool]
) -> H | None:
    """The first non-blank row among the first ``HEADER_SEARCH_ROWS`` whose resolution is complete (a title
    line above the table is passed over); else the first non-blank row's; None when there is none."""
    first: H | None = None
    for n, record in enumerate(records, start=1):
        if not is_blank(record.cells):
            resolved = resolve(record.cells)
            if complete(resolved):
                return resolved
            first = first if first is not None else resolved
        if n >= HEADER_SEARCH_ROWS:
            break
    return first


def sniff_records(path: Path, mapping: ExportMapping) -> Iterator[Record] | None:
    """The first records of a CSV (its head only) or Excel file, for deciding whether a source reads it;
    None for another kind of file or an undecodable CSV."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        with path.open("rb") as fh:
            head = decode_head(fh.read(SNIFF_BYTES))
        return None if head is None else csv_records_from_text(head, mapping)
    if suffix in EXCEL_SUFFIXES:
        return excel_records(path, mapping)
    return None


def resolve_columns(header_cells: list[Cell], columns: ColumnMap) -> tuple[Columns, list[str]]:
    """Match a header row; returns the resolved columns and the missing required fields' descriptions."""
    headers, index, used = match_header(header_cells, columns)
    missing = [_describe(getattr(columns, f)) for f in REQUIRED_FIELDS if f not in index]
    if not any(f in index for f in AMOUNT_FIELDS):
        missing.append(_describe([n for f in AMOUNT_FIELDS for n in getattr(columns, f)]))
    return Columns(headers=headers, index=index, used=used), missing


def find_header(records: Iterator[Record], columns: ColumnMap) -> tuple[Columns, list[str]] | None:
    """Consume records up to the header row and resolve it.

    The header is the first non-blank row among the first ``HEADER_SEARCH_ROWS`` that has every
    required column (so a title line above the table is passed over). If none has, the first
    non-blank row and what it misses are returned; None when the file has no non-blank row there.
    """
    return first_header(records, lambda cells: resolve_columns(cells, columns), lambda r: not r[1])


def _describe(names: list[str]) -> str:
    return names[0] + (f" ({' / '.join(names[1:])})" if len(names) > 1 else "")


def missing_columns_error(path: Path, missing: list[str], headers: list[str]) -> InputError:
    found = ", ".join(h for h in headers if h) or "-"
    need = "; ".join(missing)
    return InputError(
        f"{path}: 缺少必需的列：{need}。文件中的列：{found}",
        f"{path}: missing required column(s): {need}. Columns in the file: {found}",
        path=str(path),
        missing=missing,
    )


def guess_delimiter(first_line: str) -> str:
    """Tab when the header line has more tabs than commas (Excel "text" saves), else comma."""
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def csv_records(path: Path, mapping: ExportMapping) -> tuple[str, Iterator[Record]]:
    """The encoding used and a stream of the file's records."""
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as fh:
        first_line = fh.readline()
    delimiter = mapping.delimiter or guess_delimiter(first_line)
    return encoding, _csv_stream(path, encoding, delimiter)


def csv_records_from_text(text: str, mapping: ExportMapping) -> Iterator[Record]:
    """Records of CSV text already in memory (the head of a file, for sniffing); lines not tracked."""
    delimiter = mapping.delimiter or guess_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return (Record(0, list(row)) for row in reader)


def _csv_stream(path: Path, encoding: str, delimiter: str) -> Iterator[Record]:
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        consumed = 0  # physical lines consumed before the current record
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield Record(consumed + 1, [], f"cannot split the line as CSV: {err}")
                consumed = reader.line_num
                continue
            yield Record(consumed + 1, list(row))
            consumed = reader.line_num


def _excel_cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | Decimal | datetime | date):
        return value
    return str(value)  # time, timedelta, errors such as "#N/A" already come as text


def excel_records(path: Path, mapping: ExportMapping) -> Iterator[Record]:
    """Rows of the mapped sheet (or the first), read in openpyxl's streaming read-only mode."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles/extensions it cannot read; irrelevant for values.
            warnings.simplefilter("ignore", UserWarning)
            book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(
            f"{path}: 不是有效的 Excel (.xlsx) 文件：{exc}",
            f"{path}: not a valid Excel (.xlsx) file: {exc}",
            path=str(path),
        ) from None
    try:
        if mapping.sheet and mapping.sheet not in book.sheetnames:
            raise InputError(
                f"{path}: 找不到工作表 {mapping.sheet!r}（有：{', '.join(book.sheetnames)}）",
                f"{path}: no sheet named {mapping.sheet!r} (sheets: {', '.join(book.sheetnames)})",
                path=str(path),
            )
        sheet = book[mapping.sheet] if mapping.sheet else book.worksheets[0]
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise InputError(f"{path}: 第一个工作表不是数据表", f"{path}: the first sheet is not a worksheet")
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield Record(number, [_excel_cell(v) for v in values])
    finally:
        book.close()


def is_blank(cells: list[Cell]) -> bool:
    return all(clean_text(c) is None for c in cells)
