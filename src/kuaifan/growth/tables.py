"""Reading the user's analysis files (experiments, time series, commission, ad spend, costs).

CSV (UTF-8 with or without BOM, GBK / GB18030), Excel-exported CSV, Parquet and JSON lines are
read as text columns first, so that a cell that is not a number is reported with its line number
(the header is line 1) instead of silently becoming empty.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from kuaifan.errors import InputError, NotFoundError
from kuaifan.sources.encodings import detect_encoding

MAX_LINES_LISTED = 5
# Full-width digits and signs (typed with a Chinese input method) read as their ASCII forms.
FULL_WIDTH = list("０１２３４５６７８９．－＋，")
ASCII = list("0123456789.-+,")


def read_table(path: Path) -> pl.DataFrame:
    """The file as a frame of text columns (Parquet keeps its types). NotFoundError / InputError."""
    if not path.is_file():
        raise NotFoundError(f"找不到文件：{path}", f"file not found: {path}", path=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pl.read_parquet(path)
        if suffix in (".jsonl", ".ndjson"):
            return pl.read_ndjson(path, infer_schema_length=None)
        encoding = detect_encoding(path)
        text = path.read_bytes().decode(encoding)
        return pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"无法读取 {path}：{first}", f"cannot read {path}: {first}", path=str(path)
        ) from None


def require_columns(df: pl.DataFrame, columns: Sequence[str], path: Path | str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        known = ", ".join(df.columns) or "-"
        raise InputError(
            f"{path}：没有列 {', '.join(missing)}（文件中的列：{known}）",
            f"{path}: no column {', '.join(missing)} (columns in the file: {known})",
            path=str(path),
            missing=missing,
        )


def _lines(rows: pl.Series) -> str:
    shown = [str(int(i) + 2) for i in rows.head(MAX_LINES_LISTED).to_list()]
    more = rows.len() - len(shown)
    return ", ".join(shown) + (f" (+{more})" if more > 0 else "")


def numeric_column(
    df: pl.DataFrame, column: str, path: Path | str, *, allow_empty: bool = False
) -> pl.Series:
    """``column`` as Float64; a cell that is not a number (or empty, unless allowed) is an InputError
    naming the file's line numbers."""
    col = df[column]
    if col.dtype.is_numeric():
        values = col.cast(pl.Float64)
        bad = pl.Series([], dtype=pl.UInt32) if allow_empty else values.is_null().arg_true()
    else:
        text = (
            col.cast(pl.String).str.replace_many(FULL_WIDTH, ASCII).str.strip_chars().str.replace_all(",", "")
        )
        text = text.str.strip_prefix("¥").str.strip_prefix("￥")
        values = text.cast(pl.Float64, strict=False)
        empty = text.is_null() | (text == "")
        wrong = values.is_null() & ~empty
        bad = (wrong if allow_empty else wrong | empty).arg_true()
        values = pl.Series(column, values)
    finite_bad = (values.is_nan() | values.is_infinite()).fill_null(False).arg_true()
    if finite_bad.len():
        bad = pl.concat([bad, finite_bad]).unique().sort()
    if bad.len():
        sample = df[column].gather(bad.head(1)).to_list()[0]
        raise InputError(
            f"{path}：列 {column} 第 {_lines(bad)} 行不是数字（例如 {sample!r}）",
            f"{path}: column {column} is not a number on line {_lines(bad)} (e.g. {sample!r})",
            path=str(path),
            column=column,
            lines=[int(i) + 2 for i in bad.head(MAX_LINES_LISTED).to_list()],
        )
    return values.alias(column)


def text_column(df: pl.DataFrame, column: str, path: Path | str) -> pl.Series:
    """``column`` as text; an empty cell is an InputError naming the line numbers."""
    col = df[column].cast(pl.String).str.strip_chars()
    bad = (col.is_null() | (col == "")).arg_true()
    if bad.len():
        raise InputError(
            f"{path}：列 {column} 第 {_lines(bad)} 行为空",
            f"{path}: column {column} is empty on line {_lines(bad)}",
            path=str(path),
            column=column,
            lines=[int(i) + 2 for i in bad.head(MAX_LINES_LISTED).to_list()],
        )
    return col.alias(column)
