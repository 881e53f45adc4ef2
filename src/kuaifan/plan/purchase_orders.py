"""采购单 (purchase orders): orders to place now, one Excel and one CSV file per factory.

One line per variant, with style, variant, quantity, unit price, amount, delivery date, and the
product name, colour and size a factory's order desk reads, headers in Chinese and English.
Amounts are in 元. ``write_purchase_orders`` writes the planner's orders (its factories as the
costs file names them); :mod:`kuaifan.match.loop` writes the same sheets for the factories the
orders were matched to (``write_po``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kuaifan.plan.model import OrderLine, PlanResult

HEADERS = [
    "款式 Style",
    "变体 Variant",
    "数量 Qty",
    "单价(元) Unit price",
    "金额(元) Amount",
    "交货日期 Delivery date",
    "商品名称 Product",
    "颜色 Colour",
    "尺码 Size",
]


@dataclass(frozen=True, slots=True)
class PoLine:
    style: str
    variant: str
    qty: int
    unit_price: float
    amount: float
    delivery: date
    product_name: str | None = None
    color: str | None = None
    size: str | None = None

    def row(self) -> list[Any]:
        return [
            self.style,
            self.variant,
            self.qty,
            round(self.unit_price, 2),
            round(self.amount, 2),
            self.delivery.isoformat(),
            self.product_name or "",
            self.color or "",
            self.size or "",
        ]


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """One factory's order: the header rows say who and when, the lines what."""

    factory_id: str
    factory: str  # what the "工厂 Factory" row shows (its name, or the planner's id)
    order_date: date
    lines: list[PoLine]
    header: list[tuple[str, str]] = field(default_factory=list)  # further (label, value) rows


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "factory"


def _delivery(line: OrderLine, start: date) -> date:
    return line.delivery_date or start + timedelta(days=line.delivery_day)


def po_rows(lines: list[OrderLine], start: date) -> list[list[Any]]:
    """Table rows of one factory's order, sorted by style then variant."""
    return [_po_line(o, start).row() for o in sorted(lines, key=lambda o: (o.style, o.variant))]


def _po_line(o: OrderLine, start: date) -> PoLine:
    return PoLine(
        o.style,
        o.variant,
        o.qty,
        o.unit_price,
        o.amount,
        _delivery(o, start),
        o.product_name,
        o.color,
        o.size,
    )


def write_purchase_orders(
    plan: PlanResult | dict[str, Any], out_dir: Path, start_date: date | None = None
) -> list[Path]:
    """Write PO-<factory>.xlsx and PO-<factory>.csv for each factory with orders; return the paths.

    Delivery dates come from the plan (its start_date); without one, from ``start_date``,
    else today.
    """
    result = plan if isinstance(plan, PlanResult) else PlanResult.model_validate(plan)
    start = result.start_date or start_date or date.today()
    by_factory: dict[str, list[OrderLine]] = {}
    for line in result.orders:
        by_factory.setdefault(line.factory, []).append(line)
    orders = [
        PurchaseOrder(
            factory_id=factory,
            factory=factory,
            order_date=start + timedelta(days=min(o.day for o in lines)),
            lines=[_po_line(o, start) for o in sorted(lines, key=lambda o: (o.style, o.variant))],
        )
        for factory, lines in sorted(by_factory.items())
    ]
    return write_pos(orders, out_dir)


def write_pos(orders: list[PurchaseOrder], out_dir: Path) -> list[Path]:
    """PO-<factory id>.xlsx and .csv for each order; the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for po in orders:
        written += write_po(po, out_dir)
    return written


def write_po(po: PurchaseOrder, out_dir: Path) -> list[Path]:
    rows = [line.row() for line in po.lines]
    stem = f"PO-{_safe(po.factory_id)}"
    csv_path = out_dir / f"{stem}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    xlsx_path = out_dir / f"{stem}.xlsx"
    _write_xlsx(xlsx_path, po, rows)
    return [xlsx_path, csv_path]


def _write_xlsx(path: Path, po: PurchaseOrder, rows: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "采购单 PO"
    ws.append(["采购单 Purchase order"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["工厂 Factory", po.factory])
    ws.append(["下单日期 Order date", po.order_date.isoformat()])
    for label, value in po.header:
        ws.append([label, value])
    ws.append([])
    ws.append(HEADERS)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(row)
    first = header_row + 1
    ws.append(
        ["合计 Total", "", sum(r[2] for r in rows), "", round(sum(r[4] for r in rows), 2), "", "", "", ""]
    )
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in range(first, ws.max_row + 1):
        ws.cell(r, 4).number_format = "0.00"
        ws.cell(r, 5).number_format = "#,##0.00"
    for col, width in zip("ABCDEFGHI", (14, 28, 10, 18, 16, 22, 24, 12, 10), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{first}"
    wb.save(path)
