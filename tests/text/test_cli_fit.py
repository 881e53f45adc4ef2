"""``kuaifan fit`` on review exports, its use case and the demo's fit step."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from clirun import run_cli
from kuaifan.app.text import fit_from_files
from kuaifan.errors import InputError

HEADER = ["商品ID", "商品名称", "规格", "评分", "评价内容", "评价时间"]


def export(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


ROWS = [
    ["3601", "冰丝阔腿裤", "黑色;M", "2", "偏小，建议拍大一码", "2026-10-09 21:00"],
    ["3601", "冰丝阔腿裤", "黑色;L", "3", "有点紧，起球", "2026-10-09 21:05"],
    ["3601", "冰丝阔腿裤", "白色;M", "4", "穿不上 起球了", "2026-10-09 21:06"],
    ["3601", "冰丝阔腿裤", "白色;S", "5", "尺码正好", "2026-10-09 21:07"],
    ["3602", "针织开衫", "杏色;S", "5", "很好看", "2026-10-09 21:08"],
    ["3602", "针织开衫", "杏色;S", "x", "评分坏了", "2026-10-09 21:09"],
]


def test_use_case(tmp_path: Path) -> None:
    report = fit_from_files([export(tmp_path / "评价.csv", ROWS)])
    assert (report.files, report.reviews, report.rejected) == (1, 5, 1)
    first = report.products[0]
    assert first.item == "3601" and first.name == "冰丝阔腿裤"
    assert first.advice == "size_up" and first.small_share == pytest.approx(0.75)
    assert first.complaints[0].complaint == "偏小" and first.complaints[1].complaint == "起球"


def test_not_a_review_export_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError):
        fit_from_files([path])


def test_cli_json_and_table(tmp_path: Path) -> None:
    path = export(tmp_path / "评价.csv", ROWS)
    out = run_cli(tmp_path, "fit", str(path), "--json")
    data = json.loads(out.stdout)
    assert data["products"][0]["advice_zh"].endswith("建议拍大一码")
    table = run_cli(tmp_path, "fit", str(path), lang="en")
    assert "runs small: take one size up" in table.stdout and "3601" in table.stdout
    bad = run_cli(tmp_path, "fit", str(tmp_path / "missing.csv"), code=None)
    assert bad.returncode == 65 and "Traceback" not in bad.stderr
