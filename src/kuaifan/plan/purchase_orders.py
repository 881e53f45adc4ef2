"""采购单 (purchase orders): the plan's orders to place now, one Excel and one CSV file per factory.

One line per variant, with style, variant, quantity, unit price, amount and delivery date, headers
in Chinese and English as a factory's order desk reads them. Amounts are in 元.
"""

from __future__ import annotations

import csv
import re
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
]


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "factory"


def _delivery(line: OrderLine, start: date) -> date:
    return line.delivery_date or start + timedelta(days=line.delivery_day)


def po_rows(lines: list[OrderLine], start: date) -> list[list[Any]]:
    """Table rows of one factory's order, sorted by style then variant."""
    return [
        [
            o.style,
            o.variant,
            o.qty,
            round(o.unit_price, 2),
            round(o.amount, 2),
            _delivery(o, start).isoformat(),
        ]
        for o in sorted(lines, key=lambda o: (o.style, o.variant))
    ]


def write_purchase_orders(
    plan: PlanResult | dict[str, Any], out_dir: Path, start_date: date | None = None
) -> list[Path]:
    """Write PO-<factory>.xlsx and PO-<factory>.csv for each factory with orders; return the paths.

    Delivery dates come from the plan (its start_date); without one, from ``start_date``,
    else today.
    """
    result = plan if isinstance(plan, PlanResult) else PlanResult.model_validate(plan)
    start = result.start_date or start_date or date.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    by_factory: dict[str, list[OrderLine]] = {}
    for line in result.orders:
        by_factory.setdefault(line.factory, []).append(line)
    written: list[Path] = []
    for factory, lines in sorted(by_factory.items()):
        rows = po_rows(lines, start)
        order_date = start + timedelta(days=min(o.day for o in lines))
        stem = f"PO-{_safe(factory)}"
        csv_path = out_dir / f"{stem}.csv"
        with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(rows)
        xlsx_path = out_dir / f"{stem}.xlsx"
        _write_xlsx(xlsx_path, factory, order_date, rows)
        written += [xlsx_path, csv_path]
    return written


def _write_xlsx(path: Path, factory: str, order_date: date, rows: list[list[Any]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "采购单 PO"
    ws.append(["采购单 Purchase order"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["工厂 Factory", factory])
    ws.append(["下单日期 Order date", order_date.isoformat()])
    ws.append([])
    ws.append(HEADERS)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(row)
    first = header_row + 1
    ws.append(["合计 Total", "", sum(r[2] for r in rows), "", round(sum(r[4] for r in rows), 2), ""])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for r in range(first, ws.max_row + 1):
        ws.cell(r, 4).number_format = "0.00"
        ws.cell(r, 5).number_format = "#,##0.00"
    for col, width in zip("ABCDEF", (14, 28, 10, 18, 16, 22), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{first}"
    wb.save(path)
