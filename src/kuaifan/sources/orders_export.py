"""Merchant order exports (抖店 订单导出, 商品维度) as CSV or Excel -> canonical order events.

One row is one 子订单 (one SKU line of an order). Per row:

- status in ``mapping.status.unpaid`` (待支付, 已取消 …): not a sale. The row is **skipped and
  counted** in ``OrderBatch.skipped`` (reason -> rows), never dead-lettered. A row whose status is
  unknown (or absent) counts as paid when it has a payment time, else it is skipped as
  "no payment time".
- otherwise an ``order_paid`` event: msg_id ``order_paid:<子订单编号>`` (stable, so importing the
  same export again dedups in the log), order_id = 子订单编号, sku_id = 商品ID, spec parsed from
  商品规格 (``export_spec``), qty = 商品数量, amount_fen = 订单应付金额 in exact 分 (falling back to
  商品金额, then 商品单价 × 商品数量, when that column is absent or the cell empty), ts_ms =
  支付完成时间 (local time in ``mapping.timezone``; 订单提交时间 when empty, e.g. cash on delivery),
  room_id = 直播间ID (empty, ``0`` or ``-`` -> None: not a live order).
- channel: ``influencer`` with author_id = 达人ID when a 达人ID is present, is not one of the shop's
  own accounts (``own_author_ids``) and 流量来源 is not a self-sale value (小店自卖 …); otherwise
  ``store`` (author_id kept when present). 达人昵称 goes to ``nickname`` only with store_nicknames.
- refunded (订单状态 or 售后状态 in ``mapping.status.refunded``): also an ``order_refund`` event,
  msg_id ``order_refund:<子订单编号>``, amount = 退款金额 if the file has it else the paid amount,
  ts_ms = 退款时间 if present else the paid time; qty is set only for a full refund.

Rows that cannot be read become ``DeadLetter`` (file, line, reason, the row as JSON), and so do
rows ``events.validate_frame`` refuses; the rest of the file still lands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import orjson
import polars as pl

from kuaifan.errors import InputError
from kuaifan.events import (
    EVENT_COLUMNS,
    POLARS_SCHEMA,
    Channel,
    DeadLetter,
    EventKind,
    spec_text,
    validate_frame,
)
from kuaifan.i18n import Lang
from kuaifan.sources.base import Batch
from kuaifan.sources.export_cells import (
    Cell,
    CellError,
    clean_id,
    clean_text,
    parse_local_time,
    parse_money_fen,
    parse_qty,
)
from kuaifan.sources.export_readers import (
    CSV_SUFFIXES,
    EXCEL_SUFFIXES,
    Columns,
    Record,
    csv_records,
    excel_records,
    find_header,
    is_blank,
    missing_columns_error,
    sniff_records,
)
from kuaifan.sources.export_spec import parse_spec
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.mapping import DOUDIAN_MAPPING, ExportMapping, load_mapping

DEFAULT_BATCH_ROWS: Final = 20_000
MEMO_SIZE: Final = 50_000
PAID: Final = EventKind.ORDER_PAID.value
REFUND: Final = EventKind.ORDER_REFUND.value
NO_PAYMENT_TIME: Final = "no payment time"
_ENCRYPTED_MARKS: Final = ("##", "$$", "~~")


@dataclass(slots=True)
class OrderBatch(Batch):
    """A Batch plus what an export reader can say about the chunk."""

    rows: int = 0  # data rows of the file read into this chunk (blank rows not counted)
    skipped: Counter[str] = field(default_factory=Counter)  # "status 已取消" / "no payment time" -> rows
    encoding: str | None = None  # CSV text encoding used; None for Excel


@dataclass(slots=True)
class ExportSummary:
    """Totals over the batches of one file (``add`` each batch as it is consumed)."""

    path: str
    rows: int = 0
    events: int = 0
    dead_letters: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    encoding: str | None = None

    def add(self, batch: Batch) -> None:
        self.events += batch.good.height
        self.dead_letters += len(batch.bad)
        if isinstance(batch, OrderBatch):
            self.rows += batch.rows
            self.skipped.update(batch.skipped)
            self.encoding = batch.encoding or self.encoding

    def message(self, lang: Lang = "zh") -> str:
        """One line for the CLI: rows read, events, skipped (by reason) and rejected."""
        skipped = sum(self.skipped.values())
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items()))
        enc = f", {self.encoding}" if self.encoding else ""
        if lang == "zh":
            return (
                f"{self.path}{enc}：读取 {self.rows} 行，生成 {self.events} 个事件，"
                f"跳过 {skipped} 行（未支付{'：' + detail if detail else ''}），"
                f"拒收 {self.dead_letters} 行"
            )
        return (
            f"{self.path}{enc}: {self.rows} rows read, {self.events} events, {skipped} rows skipped "
            f"(not paid{': ' + detail if detail else ''}), {self.dead_letters} rejected"
        )


@dataclass(frozen=True, slots=True)
class _RowContext:
    gate: TenantGate
    mapping: ExportMapping
    zone: ZoneInfo
    own_author_ids: frozenset[str]
    columns: Columns
    # Memo tables: the sub-orders of one order share their times, and a shop has few variants.
    times: dict[str, int] = field(default_factory=dict)
    specs: dict[str, str | None] = field(default_factory=dict)


def _time(record: Record, ctx: _RowContext, name: str) -> int | None:
    value = _cell(record, ctx, name)
    if type(value) is str and value in ctx.times:
        return ctx.times[value]
    ts = parse_local_time(value, ctx.zone, ctx.mapping.time_formats, ctx.columns.header(name))
    if type(value) is str and ts is not None:
        if len(ctx.times) >= MEMO_SIZE:
            ctx.times.clear()
        ctx.times[value] = ts
    return ts


def _spec(record: Record, ctx: _RowContext) -> str | None:
    text = clean_text(_cell(record, ctx, "spec"))
    if text is None:
        return None
    if text not in ctx.specs:
        if len(ctx.specs) >= MEMO_SIZE:
            ctx.specs.clear()
        ctx.specs[text] = spec_text(parse_spec(text))
    return ctx.specs[text]


def _cell(record: Record, ctx: _RowContext, name: str) -> Cell:
    i = ctx.columns.index.get(name)
    return record.cells[i] if i is not None and i < len(record.cells) else None


def _row_amount(record: Record, ctx: _RowContext, qty: int) -> int:
    unit = ctx.mapping.money_unit
    for name in ("amount", "item_amount"):
        fen = parse_money_fen(_cell(record, ctx, name), unit, ctx.columns.header(name))
        if fen is not None:
            return fen
    price = parse_money_fen(_cell(record, ctx, "unit_price"), unit, ctx.columns.header("unit_price"))
    if price is not None:
        return price * qty
    names = [ctx.columns.used[f] for f in ("amount", "item_amount", "unit_price") if f in ctx.columns.used]
    raise CellError(f"{' / '.join(names)} is empty")


def _is_encrypted(text: str) -> bool:
    return len(text) > 4 and any(text.startswith(m) and text.endswith(m) for m in _ENCRYPTED_MARKS)


def row_events(record: Record, ctx: _RowContext) -> list[dict[str, Any]] | str:
    """The events of one data row, or the skip reason of a row that is not a sale.

    Raises CellError (reason naming the file's header) for a row that cannot be read.
    """
    status = ctx.mapping.status
    order_status = clean_text(_cell(record, ctx, "order_status"))
    if order_status is not None and order_status in status.unpaid:
        return f"status {order_status}"
    after_sale = clean_text(_cell(record, ctx, "aftersale_status"))
    refunded = order_status in status.refunded or after_sale in status.refunded
    known_paid = refunded or order_status in status.paid
    ts_ms = _time(record, ctx, "paid_time")
    if ts_ms is None:
        if not known_paid:
            return NO_PAYMENT_TIME
        ts_ms = _time(record, ctx, "created_time")
        if ts_ms is None:
            raise CellError(f"{ctx.columns.header('paid_time')} is empty for a paid order")

    order_id = clean_id(_cell(record, ctx, "order_id"))
    if order_id is None:
        raise CellError(f"{ctx.columns.header('order_id')} is empty")
    sku_id = clean_id(_cell(record, ctx, "sku_id"))
    if sku_id is None:
        raise CellError(f"{ctx.columns.header('sku_id')} is empty")
    qty = parse_qty(_cell(record, ctx, "qty"), ctx.columns.header("qty"))
    if qty is None:
        raise CellError(f"{ctx.columns.header('qty')} is empty")
    amount = _row_amount(record, ctx, qty)

    author = clean_id(_cell(record, ctx, "author_id"), zero_is_empty=True)
    traffic = clean_text(_cell(record, ctx, "traffic_source"))
    own = author in ctx.own_author_ids or traffic in ctx.mapping.own_traffic_sources
    channel = Channel.INFLUENCER if author is not None and not own else Channel.STORE
    user_id = clean_text(_cell(record, ctx, "user_id"))
    user_key = ctx.gate.user_key(user_id) if user_id and not _is_encrypted(user_id) else None
    paid: dict[str, Any] = {
        "kind": PAID,
        "tenant": ctx.gate.tenant,
        "platform": ctx.mapping.platform.value,
        "room_id": clean_id(_cell(record, ctx, "room_id"), zero_is_empty=True),
        "stream_id": None,
        "channel": channel.value,
        "author_id": author,
        "ts_ms": ts_ms,
        "msg_id": f"{PAID}:{order_id}",
        "user_key": user_key,
        "nickname": ctx.gate.nickname(clean_text(_cell(record, ctx, "author_name"))),
        "sku_id": sku_id,
        "item_id": clean_id(_cell(record, ctx, "item_id")),
        "link_no": None,
        "spec": _spec(record, ctx),
        "order_id": order_id,
        "qty": qty,
        "amount_fen": amount,
        "stock": None,
        "text": None,
    }
    if not refunded:
        return [paid]
    refund_amount = parse_money_fen(
        _cell(record, ctx, "refund_amount"), ctx.mapping.money_unit, ctx.columns.header("refund_amount")
    )
    refund_amount = amount if refund_amount is None else refund_amount
    refund_ts = _time(record, ctx, "refund_time")
    refund = paid | {
        "kind": REFUND,
        "msg_id": f"{REFUND}:{order_id}",
        "ts_ms": ts_ms if refund_ts is None else refund_ts,
        "amount_fen": refund_amount,
        "qty": qty if refund_amount == amount else None,
    }
    return [paid, refund]


def _raw(record: Record, headers: list[str]) -> str:
    cells = [clean_text(c) if not isinstance(c, str) else c for c in record.cells]
    if len(cells) == len(headers):
        return orjson.dumps(dict(zip(headers, cells, strict=True))).decode()
    return orjson.dumps(cells).decode()


class _BatchBuilder:
    """Collects one chunk's events column-wise, then validates them as one frame."""

    def __init__(self, source: str, tenant: str, encoding: str | None) -> None:
        self.source, self.tenant, self.encoding = source, tenant, encoding
        self.columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
        self.origin: list[int] = []  # index into self.records of each event
        self.records: list[Record] = []
        self.bad: list[DeadLetter] = []
        self.skipped: Counter[str] = Counter()
        self.names: dict[str, str] = {}

    def add_events(self, record: Record, events: list[dict[str, Any]]) -> None:
        self.records.append(record)
        for event in events:
            for name in EVENT_COLUMNS:
                self.columns[name].append(event[name])
            self.origin.append(len(self.records) - 1)

    def reject(self, record: Record, reason: str, headers: list[str]) -> None:
        self.records.append(record)
        self.bad.append(DeadLetter(self.source, reason, _raw(record, headers), record.line, self.tenant))

    def build(self, headers: list[str]) -> OrderBatch:
        frame = pl.DataFrame(self.columns, schema=POLARS_SCHEMA).with_columns(
            pl.Series("_origin", self.origin, dtype=pl.Int64)
        )
        good, bad = validate_frame(frame)
        for origin, reason in zip(bad["_origin"].to_list(), bad["reason"].to_list(), strict=True):
            record = self.records[origin]
            self.bad.append(DeadLetter(self.source, reason, _raw(record, headers), record.line, self.tenant))
        self.bad.sort(key=lambda d: d.line or 0)
        return OrderBatch(
            good=good.drop("_origin"),
            bad=self.bad,
            rows=len(self.records) + sum(self.skipped.values()),
            skipped=self.skipped,
            encoding=self.encoding,
            names=self.names,
        )


class OrderExportSource:
    """FileSource for merchant order exports (.csv in UTF-8/GBK/GB18030, .xlsx)."""

    name = "orders_export"

    def __init__(
        self,
        mapping: ExportMapping | Path | None = None,
        *,
        own_author_ids: Iterable[str] = (),
        batch_rows: int = DEFAULT_BATCH_ROWS,
    ) -> None:
        if isinstance(mapping, Path):
            mapping = load_mapping(mapping)
        self.mapping = mapping or DOUDIAN_MAPPING
        self.own_author_ids = frozenset(own_author_ids) | self.mapping.own_author_ids
        self.batch_rows = max(1, batch_rows)

    def sniff(self, path: Path) -> bool:
        """True for a .csv/.xlsx whose header row (within the first rows) has the required columns."""
        try:
            records = sniff_records(path, self.mapping)
            if records is None:
                return False
            header = find_header(records, self.mapping.columns)
        except (InputError, OSError, ValueError):
            return False
        return header is not None and not header[1]

    def read(self, path: Path, gate: TenantGate) -> Iterator[OrderBatch]:
        """Stream ``OrderBatch``es of at most ``batch_rows`` file rows each."""
        if not path.is_file():
            raise InputError(f"文件不存在：{path}", f"file does not exist: {path}", path=str(path))
        encoding: str | None = None
        suffix = path.suffix.lower()
        if suffix in CSV_SUFFIXES:
            encoding, records = csv_records(path, self.mapping)
        elif suffix in EXCEL_SUFFIXES:
            records = excel_records(path, self.mapping)
        else:
            raise InputError(
                f"{path}: 不支持的文件类型 {suffix or '(无扩展名)'}；请导出为 .csv 或 .xlsx",
                f"{path}: unsupported file type {suffix or '(no extension)'}; export as .csv or .xlsx",
                path=str(path),
            )
        yield from self._batches(path, records, gate, encoding)

    def _batches(
        self,
        path: Path,
        records: Iterator[Record],
        gate: TenantGate,
        encoding: str | None,
    ) -> Iterator[OrderBatch]:
        header = find_header(records, self.mapping.columns)
        if header is None:
            raise InputError(f"{path}: 文件为空（没有表头行）", f"{path}: the file is empty (no header row)")
        columns, missing = header
        if missing:
            raise missing_columns_error(path, missing, columns.headers)
        ctx = _RowContext(gate, self.mapping, self.mapping.zone(), self.own_author_ids, columns)
        width = len(columns.headers)
        builder = _BatchBuilder(str(path), gate.tenant, encoding)
        yielded = False
        for record in records:
            if record.error is None and is_blank(record.cells):
                continue
            _take(builder, record, ctx, width)
            if len(builder.records) + sum(builder.skipped.values()) >= self.batch_rows:
                yield builder.build(columns.headers)
                yielded = True
                builder = _BatchBuilder(str(path), gate.tenant, encoding)
        if builder.records or builder.skipped or not yielded:
            yield builder.build(columns.headers)


def _take(builder: _BatchBuilder, record: Record, ctx: _RowContext, width: int) -> None:
    headers = ctx.columns.headers
    if record.error is not None:
        builder.reject(record, record.error, headers)
        return
    cells = record.cells
    while len(cells) > width and clean_text(cells[-1]) is None:
        cells = cells[:-1]
    if len(cells) != width:
        builder.reject(record, f"row has {len(cells)} fields, the header has {width}", headers)
        return
    try:
        result = row_events(Record(record.line, cells), ctx)
    except CellError as err:
        builder.reject(record, str(err), headers)
        return
    if isinstance(result, str):
        builder.skipped[result] += 1
    else:
        builder.add_events(record, result)
        name = clean_text(_cell(record, ctx, "product_name"))
        if name is not None and not _is_encrypted(name):
            builder.names[result[0]["item_id"] or result[0]["sku_id"]] = name
