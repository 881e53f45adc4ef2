"""Factories and orders from spreadsheets as a sourcing team keeps them (CSV or Excel).

Headers are Chinese (or the JSON field names); a unit in brackets is ignored (``日产能(件)`` is
``日产能``). Factories: one a row. Orders: one colour × size a row; rows with the same 订单号 are
one order. A bad cell is an ``InputError`` that names the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from kuaifan.errors import InputError
from kuaifan.match.factories import FactorySet
from kuaifan.match.orders import OrderSet
from kuaifan.match.reading import read_text, validate
from kuaifan.match.vocab import split_words

Cell = str | float | int | date | None

FACTORY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("工厂编号", "编号", "工厂ID"),
    "name": ("工厂名称", "工厂", "名称"),
    "belt": ("产业带",),
    "city": ("城市",),
    "province": ("省份", "省"),
    "categories": ("品类", "主营品类"),
    "processes": ("工艺", "工序"),
    "moq_per_style": ("起订量", "起订量/款", "moq"),
    "capacity_per_day": ("日产能", "capacity"),
    "load_by_day": ("已排产", "已排产/天", "当前负荷", "load"),
    "load_start": ("排产起始日",),
    "prep_days": ("备料天数", "准备天数", "打样备料天数"),
    "ship_days": ("物流天数", "运输天数"),
    "price_tiers": ("阶梯报价", "报价系数"),
    "setup_cost": ("开版费", "开机费"),
    "cost_factor": ("成本系数",),
    "quality_score": ("质量评分", "品质评分"),
    "on_time_rate": ("准时交货率", "准时率"),
    "export_experience": ("外贸经验", "出口经验"),
    "takes_quick_response": ("接小单快反", "小单快反"),
    "account": ("账号", "租户"),
}
ORDER_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "id": ("订单号", "采购单号", "单号"),
    "style": ("款号", "款式"),
    "product_name": ("商品名称", "品名"),
    "category": ("品类",),
    "processes": ("工艺",),
    "sku": ("SKU", "商品编码", "sku_id"),
    "color": ("颜色",),
    "size": ("尺码",),
    "qty": ("数量", "件数"),
    "unit_cost": ("核价", "单件成本", "目标成本"),
    "due_date": ("交货日期", "交期"),
    "max_late_days": ("最多可延期天数", "可延期天数"),
    "late_penalty_per_day": ("延期罚金", "延期成本"),
    "work_factor": ("工时系数",),
    "quick_response": ("快反", "小单快反"),
    "needs_export_experience": ("需外贸经验",),
    "belts": ("指定产业带",),
    "tenant": ("品牌", "租户"),
    "start_date": ("下单日期",),
}
_LIST_FIELDS: Final = frozenset({"categories", "processes", "belts"})
_BOOL_FIELDS: Final = frozenset(
    {"export_experience", "takes_quick_response", "quick_response", "needs_export_experience"}
)
_SHARE_FIELDS: Final = frozenset({"quality_score", "on_time_rate"})
_ORDER_LEVEL: Final = (
    "style",
    "product_name",
    "category",
    "processes",
    "unit_cost",
    "due_date",
    "max_late_days",
    "late_penalty_per_day",
    "work_factor",
    "quick_response",
    "needs_export_experience",
    "belts",
    "tenant",
)
_TRUE: Final = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓"})
_FALSE: Final = frozenset({"否", "无", "没有", "n", "no", "false", "0", "×", ""})


def header_key(text: str) -> str:
    """'日产能(件)' -> '日产能'; blanks removed, lower case."""
    key = "".join(text.split())
    key = re.sub(r"[（(【\[][^）)】\]]*[）)】\]]$", "", key)
    return key.lower()


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[Cell]]]]:
    """(header, [(line number, cells)]) of the first sheet / the CSV, blank rows skipped."""
    rows: list[tuple[int, list[Cell]]] = []
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _excel_rows(path)
    else:
        text = read_text(path)
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for cells in reader:
            rows.append((reader.line_num, list(cells)))
    rows = [(n, c) for n, c in rows if any(_text(x) for x in c)]
    if not rows:
        raise InputError(f"{path}：表格是空的", f"{path}: the sheet is empty", path=str(path))
    _, header = rows[0]
    return [_text(h) for h in header], rows[1:]


def _excel_rows(path: Path) -> list[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise InputError(f"{path}：无法读取 Excel：{exc}", f"{path}: cannot read Excel: {exc}") from None
    try:
        ws = wb.worksheets[0]
        out: list[tuple[int, list[Cell]]] = []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            out.append((n, [_excel_cell(v) for v in values]))
        return out
    finally:
        wb.close()


def _excel_cell(v: object) -> Cell:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date | int | float | str) or v is None:
        return v
    return str(v)


def _text(v: Cell) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


def _columns(
    path: Path, header: list[str], table: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, int]:
    position = {header_key(h): i for i, h in reversed(list(enumerate(header))) if h}
    index: dict[str, int] = {}
    for field, names in table.items():
        for name in (field, *names):
            if header_key(name) in position:
                index[field] = position[header_key(name)]
                break
    missing = [f"{table[f][0]} ({f})" for f in required if f not in index]
    if missing:
        raise InputError(
            f"{path}：缺少列 {', '.join(missing)}；表头是：{', '.join(h for h in header if h)}",
            f"{path}: missing columns {', '.join(missing)}; "
            f"the header is: {', '.join(h for h in header if h)}",
            path=str(path),
        )
    return index


def _bad(path: Path, line: int, column: str, zh: str, en: str) -> InputError:
    return InputError(
        f"{path}：第 {line} 行「{column}」：{zh}",
        f"{path}: line {line} column {column!r}: {en}",
        path=str(path),
        line=line,
        field=column,
    )


def _fail_at(path: Path, line: int, column: str) -> Callable[[str, str], InputError]:
    def fail(zh: str, en: str) -> InputError:
        return _bad(path, line, column, zh, en)

    return fail


def _cell_value(field: str, raw: Cell, fail: Callable[[str, str], InputError]) -> Any:
    text = _text(raw)
    if field in _LIST_FIELDS:
        return split_words(text)
    if field in _BOOL_FIELDS:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise fail(f"应为 是/否，读到 {text!r}", f"expected yes/no (是/否), got {text!r}")
    if field in _SHARE_FIELDS and text.endswith("%"):
        return _number(text[:-1], fail) / 100
    if field in _SHARE_FIELDS:
        value = _number(text, fail)
        return value / 100 if value > 1 else value  # a score written 0..100
    if field == "price_tiers":
        return _tiers(text, fail)
    if field == "load_by_day":
        return [_number(x, fail) for x in re.split(r"[;；,，\s]+", text) if x]
    if isinstance(raw, date) or field.endswith("date") or field == "load_start":
        return raw if isinstance(raw, date) else text.replace("/", "-")
    return text


def _number(text: str, fail: Callable[[str, str], InputError]) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise fail(f"应为数字，读到 {text!r}", f"expected a number, got {text!r}") from None


def _tiers(text: str, fail: Callable[[str, str], InputError]) -> list[dict[str, float]]:
    """'0:1.15; 300:1.0; 1000:0.92' (件:系数) -> [{'min_qty': 0, 'factor': 1.15}, …]."""
    out = []
    for part in re.split(r"[;；,，]+", text):
        if not part.strip():
            continue
        bits = re.split(r"[:：=]", part.replace("件", "").replace("≥", "").replace(">=", ""))
        if len(bits) != 2:
            raise fail(
                f"阶梯报价应写成 件数:系数;件数:系数，读到 {part!r}",
                f"price tiers are 'qty:factor;qty:factor', got {part!r}",
            )
        out.append({"min_qty": _number(bits[0].strip(), fail), "factor": _number(bits[1].strip(), fail)})
    return out


def factories_from_table(path: Path) -> FactorySet:
    header, rows = read_rows(path)
    cols = _columns(
        path,
        header,
        FACTORY_COLUMNS,
        (
            "id",
            "name",
            "belt",
            "categories",
            "processes",
            "moq_per_style",
            "capacity_per_day",
            "prep_days",
            "price_tiers",
        ),
    )
    factories: list[dict[str, Any]] = []
    line_of: dict[int, int] = {}
    for line, cells in rows:
        item: dict[str, Any] = {}
        for field, i in cols.items():
            raw = cells[i] if i < len(cells) else None
            if _text(raw) == "" and field not in _LIST_FIELDS:
                continue
            item[field] = _cell_value(field, raw, _fail_at(path, line, header[cols[field]]))
        line_of[len(factories)] = line
        factories.append(item)
    return validate(FactorySet, {"factories": factories}, str(path), line_of)


def orders_from_table(path: Path, start_date: date | None = None) -> OrderSet:
    """One order per 订单号, its rows the colour × size lines; 下单日期 (or ``start_date``, else today)."""
    header, rows = read_rows(path)
    cols = _columns(path, header, ORDER_COLUMNS, ("id", "style", "category", "qty", "unit_cost", "due_date"))
    orders: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    starts: set[str] = set()
    for line, cells in rows:
        values: dict[str, Any] = {}
        for field, i in cols.items():
            raw = cells[i] if i < len(cells) else None
            if _text(raw) == "":
                continue
            values[field] = _cell_value(field, raw, _fail_at(path, line, header[cols[field]]))
        order_id = str(values.get("id", ""))
        if not order_id:
            raise _bad(path, line, header[cols["id"]], "订单号为空", "the order id is empty")
        if "start_date" in values:
            starts.add(str(values.pop("start_date")))
        order = orders.setdefault(order_id, {"id": order_id, "lines": []})
        first_line.setdefault(order_id, line)
        for field in _ORDER_LEVEL:
            if field in values and field in order and order[field] != values[field]:
                raise _bad(
                    path,
                    line,
                    header[cols[field]],
                    f"同一订单 {order_id} 的各行不一致（{order[field]!r} / {values[field]!r}）",
                    f"rows of order {order_id} disagree ({order[field]!r} / {values[field]!r})",
                )
            if field in values:
                order[field] = values[field]
        qty = _number(str(values["qty"]), _fail_at(path, line, header[cols["qty"]]))
        sku = values.get("sku") or "-".join(str(values.get(k, "")) for k in ("style", "color", "size")).strip(
            "-"
        )
        order["lines"].append(
            {"sku": sku, "color": values.get("color"), "size": values.get("size"), "qty": qty}
        )
    if len(starts) > 1:
        raise InputError(
            f"{path}：下单日期不一致：{sorted(starts)}", f"{path}: different 下单日期: {sorted(starts)}"
        )
    start = next(iter(starts)) if starts else (start_date or date.today()).isoformat()
    line_of = {i: first_line[k] for i, k in enumerate(orders)}
    return validate(OrderSet, {"start_date": start, "orders": list(orders.values())}, str(path), line_of)


def factories_to_rows(factories: FactorySet) -> list[list[str]]:
    """The factories as a sourcing sheet (header first), as ``factories_from_table`` reads it back."""
    from kuaifan.match.vocab import CATEGORIES, PROCESSES

    fields = list(FACTORY_COLUMNS)
    rows = [[FACTORY_COLUMNS[f][0] for f in fields]]
    for f in factories.factories:
        data = f.model_dump(mode="json")
        row: list[str] = []
        for field in fields:
            v = data.get(field)
            if field == "categories":
                row.append("、".join(CATEGORIES[c][0] for c in f.categories))
            elif field == "processes":
                row.append("、".join(PROCESSES[p][0] for p in f.processes))
            elif field == "price_tiers":
                row.append(";".join(f"{t.min_qty}:{t.factor:g}" for t in f.price_tiers))
            elif field == "load_by_day":
                row.append(";".join(f"{x:g}" for x in f.load_by_day))
            elif isinstance(v, bool):
                row.append("是" if v else "否")
            elif v is None:
                row.append("")
            elif isinstance(v, float):
                row.append(f"{v:g}")
            else:
                row.append(str(v))
        rows.append(row)
    return rows


def write_factories_csv(factories: FactorySet, path: Path) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel opens it as UTF-8
        csv.writer(fh).writerows(factories_to_rows(factories))
    return path
