"""抖店 product-review exports (商品评价导出) as CSV or Excel -> canonical ``review`` events.

One row is one buyer's review of one product. Columns (header names as the export writes them; the
first name found wins, a bracketed unit note is ignored as in the order exports):

| field | headers | required |
|---|---|---|
| text | 评价内容, 评论内容, 评价 | yes |
| sku_id | 商品ID, 商品id | yes |
| rating | 评分, 商品评分, 星级, 评价星级 | yes (1–5; "5星", "5.0" and "★★★★★" are read too) |
| ts_ms | 评价时间, 评论时间, 创建时间 | yes (local time, Asia/Shanghai) |
| spec | 规格, 商品规格, SKU规格 | no: the bought variant, parsed like the order exports' 商品规格 |
| name | 商品名称, 商品标题 | no: kept beside the log as the product's name |
| order_id | 订单号, 订单编号, 子订单编号, 主订单编号 | no |
| review_id | 评价ID, 评论ID | no: the dedup key when present |
| follow_up | 追评内容, 追评 | no: appended to the text after "追评：" |

Per row: a ``review`` event with msg_id ``review:<评价ID>``, else ``review:<sha1 of 商品ID, 订单号, 评价时间,
评价内容>`` (stable, so importing the same export twice dedups in the log); sku_id = 商品ID
(as in the order exports, so reviews land on the same product), qty = the star rating, text = the
review (up to the event's text limit), ts_ms = 评价时间. Buyer nicknames and ids are not read.
A row whose review is empty and that has no follow-up still counts (its rating does).

Encodings (UTF-8, UTF-8 BOM, GBK / GB18030) and Excel are read by the order-export readers. A row
that cannot be read becomes a ``DeadLetter`` with its line number and reason; the rest of the file
still lands.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import orjson
import polars as pl

from kuaifan.errors import InputError
from kuaifan.events import EVENT_COLUMNS, MAX_TEXT_LEN, POLARS_SCHEMA, EventKind, spec_text, validate_frame
from kuaifan.sources.base import Batch, DeadLetter
from kuaifan.sources.export_cells import Cell, CellError, clean_id, clean_text, parse_local_time
from kuaifan.sources.export_readers import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    Record,
    csv_records,
    excel_records,
    first_header,
    is_blank,
    match_header,
    sniff_records,
)
from kuaifan.sources.export_spec import parse_spec
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.mapping import DOUDIAN_MAPPING

REVIEW: Final = EventKind.REVIEW.value
BATCH_ROWS: Final = 20_000
ZONE: Final = ZoneInfo("Asia/Shanghai")
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "text": ("评价内容", "评论内容", "评价"),
    "sku_id": ("商品ID", "商品id"),
    "rating": ("评分", "商品评分", "星级", "评价星级"),
    "ts_ms": ("评价时间", "评论时间", "创建时间"),
    "spec": ("规格", "商品规格", "SKU规格", "sku规格"),
    "name": ("商品名称", "商品标题"),
    "order_id": ("订单号", "订单编号", "子订单编号", "主订单编号"),
    "review_id": ("评价ID", "评价id", "评论ID", "评论id"),
    "follow_up": ("追评内容", "追评"),
}
REQUIRED: Final = ("text", "sku_id", "rating", "ts_ms")
_STARS: Final = re.compile(r"^([1-5])(?:\.0+)?\s*(?:星|分)?$")


def parse_rating(value: Cell) -> int:
    """A star rating 1–5 from "5", 5, 5.0, "5星", "5分" or "★★★★★"; CellError otherwise."""
    if isinstance(value, bool):
        raise CellError(f"评分 is not a rating 1-5: {value!r}")
    if isinstance(value, int | float) and float(value).is_integer() and 1 <= value <= 5:
        return int(value)
    text = clean_text(value)
    if text is None:
        raise CellError("评分 is empty")
    if text and set(text) <= {"★", "☆"} and 1 <= text.count("★") <= 5:
        return text.count("★")
    m = _STARS.match(text)
    if m is None:
        raise CellError(f"评分 is not a rating 1-5: {text!r}")
    return int(m.group(1))


def _resolve(cells: list[Cell]) -> tuple[list[str], dict[str, int]]:
    headers, index, _ = match_header(cells, COLUMNS.items())
    return headers, index


def _find_header(records: Iterator[Record]) -> tuple[list[str], dict[str, int]] | None:
    """The first row (of the first few) with every required column; else the first non-blank row."""
    return first_header(records, _resolve, lambda found: all(f in found[1] for f in REQUIRED))


def _cell(cells: list[Cell], index: dict[str, int], field: str) -> Cell:
    i = index.get(field)
    return cells[i] if i is not None and i < len(cells) else None


def review_event(cells: list[Cell], index: dict[str, int], tenant: str) -> tuple[dict[str, Any], str | None]:
    """The event of one data row and the product name it carries; CellError for a bad row."""
    sku_id = clean_id(_cell(cells, index, "sku_id"))
    if sku_id is None:
        raise CellError("商品ID is empty")
    rating = parse_rating(_cell(cells, index, "rating"))
    ts_ms = parse_local_time(_cell(cells, index, "ts_ms"), ZONE, (), "评价时间")
    if ts_ms is None:
        raise CellError("评价时间 is empty")
    text = clean_text(_cell(cells, index, "text")) or ""
    follow = clean_text(_cell(cells, index, "follow_up"))
    if follow:
        text = f"{text}\n追评：{follow}" if text else f"追评：{follow}"
    order_id = clean_id(_cell(cells, index, "order_id"))
    review_id = clean_id(_cell(cells, index, "review_id"))
    if review_id is None:
        key = "\x1f".join((sku_id, order_id or "", str(ts_ms), text))
        review_id = hashlib.sha1(key.encode()).hexdigest()[:24]
    spec_cell = clean_text(_cell(cells, index, "spec"))
    event = dict.fromkeys(EVENT_COLUMNS) | {
        "kind": REVIEW,
        "tenant": tenant,
        "platform": DOUDIAN_MAPPING.platform.value,
        "ts_ms": ts_ms,
        "msg_id": f"{REVIEW}:{review_id}",
        "sku_id": sku_id,
        "spec": spec_text(parse_spec(spec_cell)) if spec_cell else None,
        "order_id": order_id,
        "qty": rating,
        "text": text[:MAX_TEXT_LEN] or None,
    }
    return event, clean_text(_cell(cells, index, "name"))


def _raw(cells: list[Cell], headers: list[str]) -> str:
    values = [c if isinstance(c, str) else clean_text(c) for c in cells]
    if len(values) == len(headers):
        return orjson.dumps(dict(zip(headers, values, strict=True))).decode()
    return orjson.dumps(values).decode()


class ReviewExportSource:
    """FileSource for 抖店 商品评价导出 (.csv in UTF-8/GBK/GB18030, .xlsx)."""

    name = "reviews_export"

    def __init__(self, *, batch_rows: int = BATCH_ROWS) -> None:
        self.batch_rows = max(1, batch_rows)

    def sniff(self, path: Path) -> bool:
        """True for a .csv/.xlsx whose header row has 评价内容, 商品ID, 评分 and 评价时间."""
        try:
            records = sniff_records(path, DOUDIAN_MAPPING)
            if records is None:
                return False
            found = _find_header(records)
        except (InputError, OSError, ValueError):
            return False
        return found is not None and all(f in found[1] for f in REQUIRED)

    def read(self, path: Path, gate: TenantGate) -> Iterator[Batch]:
        """Stream batches of at most ``batch_rows`` rows (no buyer id or nickname is read at all)."""
        tenant = gate.tenant
        if not path.is_file():
            raise InputError(f"文件不存在：{path}", f"file does not exist: {path}", path=str(path))
        suffix = path.suffix.lower()
        if suffix in CSV_SUFFIXES:
            _, records = csv_records(path, DOUDIAN_MAPPING)
        elif suffix in EXCEL_SUFFIXES:
            records = excel_records(path, DOUDIAN_MAPPING)
        else:
            raise InputError(
                f"{path}: 不支持的文件类型 {suffix or '(无扩展名)'}；请导出为 .csv 或 .xlsx",
                f"{path}: unsupported file type {suffix or '(no extension)'}; export as .csv or .xlsx",
                path=str(path),
            )
        found = _find_header(records)
        if found is None:
            raise InputError(f"{path}: 文件为空（没有表头行）", f"{path}: the file is empty (no header row)")
        headers, index = found
        missing = [COLUMNS[f][0] for f in REQUIRED if f not in index]
        if missing:
            have = ", ".join(h for h in headers if h) or "-"
            raise InputError(
                f"{path}: 缺少必需的列：{'; '.join(missing)}。文件中的列：{have}",
                f"{path}: missing required column(s): {'; '.join(missing)}. Columns in the file: {have}",
                path=str(path),
                missing=missing,
            )
        yield from self._batches(str(path), records, headers, index, tenant)

    def _batches(
        self, source: str, records: Iterator[Record], headers: list[str], index: dict[str, int], tenant: str
    ) -> Iterator[Batch]:
        rows: list[dict[str, Any]] = []
        lines: list[Record] = []
        bad: list[DeadLetter] = []
        names: dict[str, str] = {}
        width = len(headers)
        yielded = False
        for record in records:
            if record.error is None and is_blank(record.cells):
                continue
            cells = record.cells
            while len(cells) > width and clean_text(cells[-1]) is None:
                cells = cells[:-1]
            try:
                if record.error is not None:
                    raise CellError(record.error)
                if len(cells) != width:
                    raise CellError(f"row has {len(cells)} fields, the header has {width}")
                event, name = review_event(cells, index, tenant)
            except CellError as err:
                bad.append(DeadLetter(source, str(err), _raw(cells, headers), record.line, tenant))
            else:
                rows.append(event)
                lines.append(record)
                if name:
                    names[event["sku_id"]] = name
            if len(rows) + len(bad) >= self.batch_rows:
                yield _build(source, rows, lines, bad, names, headers, tenant)
                rows, lines, bad, names = [], [], [], {}
                yielded = True
        if rows or bad or not yielded:
            yield _build(source, rows, lines, bad, names, headers, tenant)


def _build(
    source: str,
    rows: list[dict[str, Any]],
    lines: list[Record],
    bad: list[DeadLetter],
    names: dict[str, str],
    headers: list[str],
    tenant: str,
) -> Batch:
    frame = pl.DataFrame(
        {name: [r[name] for r in rows] for name in EVENT_COLUMNS}, schema=POLARS_SCHEMA
    ).with_row_index("_origin")
    good, rejected = validate_frame(frame)
    for origin, reason in zip(rejected["_origin"].to_list(), rejected["reason"].to_list(), strict=True):
        record = lines[origin]
        bad.append(DeadLetter(source, reason, _raw(record.cells, headers), record.line, tenant))
    bad.sort(key=lambda d: d.line or 0)
    return Batch(good=good.drop("_origin"), bad=bad, names=names)
