"""Reading matching inputs: text in UTF-8 or GBK, JSON, and pydantic validation whose errors name the
file, the field and, for a table, the line, in Chinese and English (``InputError``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kuaifan.errors import PYDANTIC_ZH, InputError, NotFoundError, field_path, zh_problem

M = TypeVar("M", bound=BaseModel)

# pydantic's types in Chinese, and the checks of the matching models (their ``PydanticCustomError``).
_ZH_BY_TYPE = {
    **PYDANTIC_ZH,
    "string_too_short": "不能为空",
    "string_too_long": "太长",
    "string_pattern_mismatch": "不能含空白或斜杠",
    "bool_parsing": "应为 是/否（true/false）",
    "bool_type": "应为 是/否（true/false）",
    "literal_error": "取值不在允许范围内",
    "unknown_category": "未知品类",
    "unknown_process": "未知工艺",
    "tier_start": "第一档阶梯报价必须从 0 件开始",
    "tier_order": "阶梯报价的起订件数必须严格递增",
    "duplicate_id": "编号重复",
    "qty_lines": "数量与各行之和不一致",
    "qty_missing": "缺少数量（qty 或 lines）",
    "due_missing": "交货日期 due_date 与 due_day 必须且只能给一个",
    "due_past": "交货日期早于起始日期",
}


def validation_error(where: str, err: ValidationError, line_of: dict[int, int] | None = None) -> InputError:
    """The first problem of ``err`` as one zh + en line naming ``where`` and the field (and the line)."""
    e = err.errors()[0]
    loc = tuple(e["loc"])
    path = field_path(loc)
    ctx = e.get("ctx") or {}
    zh = zh_problem(e, _ZH_BY_TYPE)
    if "value" in ctx and e["type"] in ("unknown_category", "unknown_process", "duplicate_id"):
        known = f"；可选：{ctx['known']}" if "known" in ctx else ""
        zh = f"{_ZH_BY_TYPE[e['type']]} {ctx['value']!r}{known}"
    line = ""
    if line_of is not None and len(loc) >= 2 and isinstance(loc[1], int) and loc[1] in line_of:
        line = str(line_of[loc[1]])
    at_zh = f"第 {line} 行 " if line else ""
    at_en = f"line {line}: " if line else ""
    return InputError(
        f"{where}：{at_zh}{path}：{zh}",
        f"{where}: {at_en}{path}: {e['msg']}",
        field=path,
        **({"line": int(line)} if line else {}),
    )


def validate(model: type[M], data: Any, where: str, line_of: dict[int, int] | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise validation_error(where, err, line_of) from None


def read_json(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} 不是合法 JSON：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}",
            f"{path} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}",
            path=str(path),
            line=exc.lineno,
        ) from None


def read_text(path: Path) -> str:
    if not path.is_file():
        raise NotFoundError(f"文件不存在：{path}", f"no such file: {path}", path=str(path))
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(
        f"{path}：无法识别的编码（应为 UTF-8 或 GBK）", f"{path}: unknown encoding (UTF-8 or GBK)"
    )
