"""抖店 商品评价导出 (CSV / Excel, UTF-8 / GBK) -> review events; bad rows dead-lettered with lines."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from kuaifan.errors import InputError
from kuaifan.events import Event
from kuaifan.sources.export_cells import CellError
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.orders_export import OrderExportSource
from kuaifan.sources.reviews_export import ReviewExportSource, parse_rating

TENANT = "brand-a"
SALT = "0123456789abcdef0123"
HEADER = ["评价ID", "订单号", "商品ID", "商品名称", "规格", "评分", "评价内容", "追评内容", "评价时间",
          "用户昵称"]  # fmt: skip
ROWS = [
    ["\t7301", "\t6900001", "\t3601", "冰丝阔腿裤", "颜色:黑色;尺码:M", "5", "很舒服，尺码正好", "-",
     "2026-10-09 21:15:00", "张三"],
    ["\t7302", "\t6900002", "\t3601", "冰丝阔腿裤", "黑色/L", "2星", "偏小，建议拍大一码", "洗了一次就起球",
     "2026/10/10 08:00", "李四"],
    ["", "", "\t3602", "针织开衫", "杏色;S", "★★★★", "颜色很正，面料有点薄", "", "2026-10-10 09:30:00", ""],
]  # fmt: skip


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", header: list[str] = HEADER
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def read_all(path: Path) -> tuple[list[dict[str, object]], list[object], dict[str, str]]:
    events: list[dict[str, object]] = []
    bad: list[object] = []
    names: dict[str, str] = {}
    for batch in ReviewExportSource(batch_rows=2).read(path, TenantGate(TENANT, SALT)):
        events.extend(batch.good.to_dicts())
        bad.extend(batch.bad)
        names.update(batch.names)
    return events, bad, names


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_csv_rows_become_review_events(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "评价导出.csv", ROWS, encoding)
    assert ReviewExportSource().sniff(path)
    assert not OrderExportSource().sniff(path)  # an order export it is not
    events, bad, names = read_all(path)
    assert bad == []
    assert [e["kind"] for e in events] == ["review"] * 3
    first, second, third = events
    assert first["msg_id"] == "review:7301" and first["sku_id"] == "3601" and first["order_id"] == "6900001"
    assert first["qty"] == 5 and first["spec"] == '{"尺码":"M","颜色":"黑色"}'
    assert first["text"] == "很舒服，尺码正好"
    assert first["nickname"] is None and first["user_key"] is None  # buyers are not read
    assert second["qty"] == 2 and second["text"] == "偏小，建议拍大一码\n追评：洗了一次就起球"
    assert second["spec"] == '{"尺码":"L","颜色":"黑色"}'
    assert third["qty"] == 4 and str(third["msg_id"]).startswith("review:") and len(str(third["msg_id"])) > 20
    assert datetime.fromtimestamp(int(first["ts_ms"]) / 1000).year == 2026  # type: ignore[arg-type]
    assert names == {"3601": "冰丝阔腿裤", "3602": "针织开衫"}
    for e in events:  # every row passes the canonical model too
        Event.model_validate(e)


def test_same_export_twice_gives_the_same_ids(tmp_path: Path) -> None:
    a, _, _ = read_all(write_csv(tmp_path / "a.csv", ROWS))
    b, _, _ = read_all(write_csv(tmp_path / "b.csv", ROWS))
    assert [e["msg_id"] for e in a] == [e["msg_id"] for e in b]


def test_bad_rows_are_dead_lettered_with_their_line(tmp_path: Path) -> None:
    rows = [
        ROWS[0],
        ["\t7303", "", "", "x", "", "5", "没有商品ID", "", "2026-10-10 10:00:00", ""],
        ["\t7304", "", "\t3601", "x", "", "6", "评分超出", "", "2026-10-10 10:00:00", ""],
        ["\t7305", "", "\t3601", "x", "", "4", "时间不对", "", "昨天", ""],
        ["\t7306", "", "\t3601", "x", "", "4", "短行"],
        ROWS[1],
    ]
    events, bad, _ = read_all(write_csv(tmp_path / "r.csv", rows))
    assert [e["msg_id"] for e in events] == ["review:7301", "review:7302"]
    reasons = {d.line: d.reason for d in bad}  # type: ignore[attr-defined]
    assert set(reasons) == {3, 4, 5, 6}
    assert "商品ID" in reasons[3] and "评分" in reasons[4]
    assert "评价时间" in reasons[5] and "fields" in reasons[6]


def test_excel_export(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["商品评价导出 2026-10-10"])  # a title line above the table
    sheet.append(HEADER)
    sheet.append(["7301", "6900001", "3601", "冰丝阔腿裤", "黑色;M", 5, "舒服", None,
                  datetime(2026, 10, 9, 21, 15), None])  # fmt: skip
    path = tmp_path / "评价.xlsx"
    book.save(path)
    assert ReviewExportSource().sniff(path)
    events, bad, _ = read_all(path)
    assert bad == [] and len(events) == 1 and events[0]["qty"] == 5


def test_missing_columns_is_a_clear_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["1", "2"]], header=["商品ID", "评价内容"])
    assert not ReviewExportSource().sniff(path)
    with pytest.raises(InputError) as err:
        list(ReviewExportSource().read(path, TenantGate(TENANT, SALT)))
    assert "评分" in err.value.zh and "评分" in err.value.en


@given(st.integers(1, 5), st.sampled_from(["{}", "{}星", "{}分", "{}.0", " {} "]))
def test_rating_forms_round_trip(stars: int, form: str) -> None:
    assert parse_rating(form.format(stars)) == stars
    assert parse_rating("★" * stars + "☆" * (5 - stars)) == stars
    assert parse_rating(stars) == stars


@pytest.mark.parametrize("bad", ["0", "6", "", "好评", "4.5", None, True])
def test_bad_ratings(bad: object) -> None:
    with pytest.raises(CellError):
        parse_rating(bad)  # type: ignore[arg-type]
