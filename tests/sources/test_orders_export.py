"""Merchant order exports (抖店 订单导出) as CSV / Excel -> canonical order events.

Fixtures are written by the tests themselves (csv module / openpyxl) into tmp_path, in the
layouts and encodings real exports come in.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from kuaifan.errors import ConfigError, InputError
from kuaifan.events import EVENT_COLUMNS, POLARS_SCHEMA, DeadLetter, Event, pseudonymise
from kuaifan.sources.export_cells import CellError, parse_money_fen
from kuaifan.sources.export_spec import parse_spec
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.mapping import load_mapping, parse_mapping
from kuaifan.sources.orders_export import ExportSummary, OrderBatch, OrderExportSource

SALT = "0123456789abcdef0123"
TENANT = "brand-a"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

HEADER = [
    "主订单编号",
    "子订单编号",
    "选购商品",
    "商品规格",
    "商品数量",
    "商品ID",
    "商家编码",
    "商品单价",
    "订单应付金额",
    "收件人",  # encrypted PII columns: must be ignored
    "收件人手机号",
    "订单提交时间",
    "支付完成时间",
    "订单状态",
    "售后状态",
    "流量来源",
    "达人ID",
    "达人昵称",
    "直播间ID",
    "APP渠道",
]


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> int:
    """UTC wall time -> epoch ms, computed independently of the code under test."""
    return int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp() * 1000)


def order(sub: str = "6917000000000000011", **cells: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "主订单编号": "\t6917000000000000010",
        "子订单编号": "\t" + sub,
        "选购商品": "夏季冰丝阔腿裤",
        "商品规格": "颜色:黑色;尺码:M",
        "商品数量": "2",
        "商品ID": "\t3600000000000000001",
        "商家编码": "KZ-001",
        "商品单价": "64.50",
        "订单应付金额": "129.00",
        "收件人": "##4a2b9c0d11##",
        "收件人手机号": "$$8f7e6d5c4b$$",
        "订单提交时间": "2025-06-18 20:14:03",
        "支付完成时间": "2025-06-18 20:15:00",
        "订单状态": "已发货",
        "售后状态": "-",
        "流量来源": "精选联盟",
        "达人ID": "\t88880001",
        "达人昵称": "小美穿搭",
        "直播间ID": "\t7370000000000000001",
        "APP渠道": "抖音",
    }
    row.update(cells)
    return row


def write_csv(
    path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER, encoding: str = "utf-8-sig"
) -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], header: list[str] = HEADER) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header])
    book.save(path)
    return path


def table(header: list[str], *values: list[str]) -> list[dict[str, Any]]:
    return [dict(zip(header, v, strict=True)) for v in values]


def read_all(
    path: Path, source: OrderExportSource | None = None, **kw: Any
) -> tuple[pl.DataFrame, list[DeadLetter], ExportSummary, list[OrderBatch]]:
    source = source or OrderExportSource()
    batches = list(source.read(path, TenantGate(TENANT, SALT, **kw)))
    summary = ExportSummary(str(path))
    for b in batches:
        summary.add(b)
    good = pl.concat([b.good for b in batches]) if batches else pl.DataFrame(schema=POLARS_SCHEMA)
    bad = [d for b in batches for d in b.bad]
    return good, bad, summary, batches


# --- the mapping of one row -------------------------------------------------------------------


def test_utf8_bom_csv_maps_every_field(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "orders.csv", [order()])
    good, bad, summary, batches = read_all(path)
    assert bad == []
    assert batches[0].encoding == "utf-8-sig"
    assert tuple(good.columns) == EVENT_COLUMNS
    assert dict(good.schema) == POLARS_SCHEMA
    (row,) = good.to_dicts()
    assert row == {
        "kind": "order_paid",
        "tenant": TENANT,
        "platform": "doudian",
        "room_id": "7370000000000000001",
        "stream_id": None,
        "channel": "influencer",
        "author_id": "88880001",
        "ts_ms": ms(2025, 6, 18, 12, 15, 0),  # 20:15 in Shanghai is 12:15 UTC
        "msg_id": "order_paid:6917000000000000011",
        "user_key": None,
        "nickname": None,
        "sku_id": "3600000000000000001",
        "item_id": None,
        "link_no": None,
        "spec": '{"尺码":"M","颜色":"黑色"}',
        "order_id": "6917000000000000011",
        "qty": 2,
        "amount_fen": 12900,
        "stock": None,
        "text": None,
    }
    Event.model_validate(row)  # the per-record model accepts what the batch path produced
    assert summary.rows == 1 and summary.events == 1 and sum(summary.skipped.values()) == 0


def test_gbk_csv_without_bom_reads_like_utf8(tmp_path: Path) -> None:
    rows = [order(), order("6917000000000000012", 商品规格="颜色：白色，尺码：L")]
    gbk = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk")
    assert not gbk.read_bytes().startswith(b"\xef\xbb\xbf")
    utf8 = write_csv(tmp_path / "utf8.csv", rows, encoding="utf-8")
    good_gbk, bad, _, batches = read_all(gbk)
    good_utf8, _, _, batches_utf8 = read_all(utf8)
    assert bad == []
    assert batches[0].encoding == "gb18030"
    assert batches_utf8[0].encoding == "utf-8"
    assert good_gbk.equals(good_utf8)
    assert good_gbk["spec"].to_list() == ['{"尺码":"M","颜色":"黑色"}', '{"尺码":"L","颜色":"白色"}']


def test_gb18030_characters_outside_gbk(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gb18030.csv", [order(商品规格="颜色:𠮷祥红;尺码:XL")], encoding="gb18030")
    good, bad, _, batches = read_all(path)
    assert bad == [] and batches[0].encoding == "gb18030"
    assert orjson.loads(good["spec"][0]) == {"颜色": "𠮷祥红", "尺码": "XL"}


def test_undecodable_csv_is_a_clear_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes("子订单编号,商品ID\n".encode() + b"\x80\x80\xff\n")
    with pytest.raises(InputError) as err:
        list(OrderExportSource().read(path, TenantGate(TENANT, SALT)))
    assert "GB18030" in err.value.zh and "GB18030" in err.value.en


def test_tab_apostrophe_and_formula_wrapped_ids_and_thousands(tmp_path: Path) -> None:
    rows = [
        order("6917000000000000021", 商品ID="'3600000000000000002", 订单应付金额="¥1,299.00", 直播间ID="-"),
        order('="6917000000000000022"', 达人ID="0", 直播间ID="0", 订单应付金额="12,345.6"),
    ]
    rows[1]["子订单编号"] = '="6917000000000000022"'
    good, bad, _, _ = read_all(write_csv(tmp_path / "ids.csv", rows))
    assert bad == []
    assert good["order_id"].to_list() == ["6917000000000000021", "6917000000000000022"]
    assert good["sku_id"].to_list() == ["3600000000000000002", "3600000000000000001"]
    assert good["amount_fen"].to_list() == [129900, 1234560]
    assert good["room_id"].to_list() == [None, None]  # '-' and 0: not a live order
    assert good["author_id"].to_list() == ["88880001", None]
    assert good["channel"].to_list() == ["influencer", "store"]


def test_quoted_fields_with_commas_and_newlines_keep_line_numbers(tmp_path: Path) -> None:
    rows = [
        order("1001", 选购商品='冰丝裤, "加长"款\n第二行\n第三行', 商品规格="颜色:黑色,尺码:M"),
        order("1002", 商品数量="两件"),  # starts on physical line 5
        order("1003"),
    ]
    path = write_csv(tmp_path / "quoted.csv", rows)
    good, bad, _, _ = read_all(path)
    assert good["order_id"].to_list() == ["1001", "1003"]
    assert good["spec"][0] == '{"尺码":"M","颜色":"黑色"}'
    (dead,) = bad
    assert dead.line == 5
    assert dead.reason == "商品数量 is not a whole number: '两件'"
    assert dead.source == str(path) and dead.tenant == TENANT
    assert json.loads(dead.raw)["子订单编号"] == "\t1002"


# --- bad rows, empty files, missing columns -------------------------------------------------------


def test_excel_with_broken_rows_lands_the_rest(tmp_path: Path) -> None:
    rows = [
        order("2001", 商品数量=3, 订单应付金额=12.9, 支付完成时间=datetime(2025, 6, 18, 21, 0, 0)),
        order("2002", 商品数量="abc"),
        order("2003", 支付完成时间="2025-13-45 10:00:00"),
        order("2004", 订单应付金额=-5.5),
        order("2005", 支付完成时间="2025/6/18 21:30"),
    ]
    path = write_xlsx(tmp_path / "orders.xlsx", rows)
    good, bad, summary, batches = read_all(path)
    assert batches[0].encoding is None
    assert good["order_id"].to_list() == ["2001", "2005"]
    assert good["qty"].to_list() == [3, 2]
    assert good["amount_fen"].to_list() == [1290, 12900]
    assert good["ts_ms"].to_list() == [ms(2025, 6, 18, 13, 0, 0), ms(2025, 6, 18, 13, 30, 0)]
    assert [(d.line, d.reason) for d in bad] == [
        (3, "商品数量 is not a whole number: 'abc'"),
        (4, "支付完成时间 '2025-13-45 10:00:00' is not a valid date-time (month must be in 1..12)"),
        (5, "订单应付金额 is negative: -5.5"),
    ]
    assert summary.rows == 5 and summary.dead_letters == 3 and summary.events == 2


def test_title_rows_above_the_header_are_passed_over(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["订单导出 2025-06-18"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append([order("2101").get(h) for h in HEADER])
    sheet.append([order("2102", 商品数量="-1").get(h) for h in HEADER])
    path = tmp_path / "titled.xlsx"
    book.save(path)
    assert OrderExportSource().sniff(path)
    good, bad, _, _ = read_all(path)
    assert good["order_id"].to_list() == ["2101"]
    assert [(d.line, d.reason) for d in bad] == [(5, "商品数量 is negative: -1")]


def test_utf16_tab_separated_export(tmp_path: Path) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter="\t", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerow([order("2201").get(h, "") for h in HEADER])
    path = tmp_path / "unicode.tsv"
    path.write_bytes(buf.getvalue().encode("utf-16"))
    good, bad, _, batches = read_all(path)
    assert bad == [] and batches[0].encoding == "utf-16"
    assert good.select("order_id", "amount_fen").rows() == [("2201", 12900)]


def test_unsplittable_csv_line_is_dead_lettered_and_reading_goes_on(tmp_path: Path) -> None:
    rows = [order("2301"), order("2302", 选购商品="x" * 200_000), order("2303")]
    good, bad, _, _ = read_all(write_csv(tmp_path / "huge.csv", rows))
    assert good["order_id"].to_list() == ["2301", "2303"]
    assert len(bad) == 1 and bad[0].line == 3 and bad[0].reason.startswith("cannot split the line as CSV")


def test_excel_numeric_id_that_lost_digits_is_dead_lettered(tmp_path: Path) -> None:
    rows = [order("3001"), order("3002")]
    rows[1]["子订单编号"] = 6.917000000000000e18  # what Excel does to an id typed as a number
    rows[0]["商品ID"] = 36000001  # small numeric ids are exact and fine
    good, bad, _, _ = read_all(write_xlsx(tmp_path / "num.xlsx", rows))
    assert good["sku_id"].to_list() == ["36000001"]
    assert len(bad) == 1 and bad[0].line == 3 and "lost digits" in bad[0].reason


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_empty_file_is_an_input_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    if suffix == ".csv":
        path.write_bytes(b"")
    else:
        Workbook().save(path)
    with pytest.raises(InputError) as err:
        list(OrderExportSource().read(path, TenantGate(TENANT, SALT)))
    assert "文件为空" in err.value.zh and "empty" in err.value.en


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_header_only_file_gives_one_empty_batch(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"header{suffix}"
    write_csv(path, []) if suffix == ".csv" else write_xlsx(path, [])
    good, bad, summary, batches = read_all(path)
    assert len(batches) == 1 and good.height == 0 and bad == []
    assert dict(good.schema) == POLARS_SCHEMA
    assert summary.rows == 0


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "商品数量"]
    path = write_csv(tmp_path / "noqty.csv", [order()], header=header)
    with pytest.raises(InputError) as err:
        list(OrderExportSource().read(path, TenantGate(TENANT, SALT)))
    assert "缺少必需的列：商品数量" in err.value.zh
    assert "missing required column(s): 商品数量" in err.value.en
    assert err.value.details["missing"] == ["商品数量 (购买数量)"]


def test_row_with_wrong_field_count_is_dead_lettered(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "short.csv", [order("4001"), order("4003")])
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines.insert(2, "6917,4002,only three fields")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    good, bad, _, _ = read_all(path)
    assert good["order_id"].to_list() == ["4001", "4003"]
    assert [(d.line, d.reason) for d in bad] == [(3, f"row has 3 fields, the header has {len(HEADER)}")]


def test_rows_refused_by_validate_frame_become_dead_letters(tmp_path: Path) -> None:
    rows = [order("5001", 商品数量="0"), order("5002", 支付完成时间="2013-01-01 00:00:00"), order("5003")]
    good, bad, _, _ = read_all(write_csv(tmp_path / "rules.csv", rows))
    assert good["order_id"].to_list() == ["5003"]
    assert [(d.line, d.reason) for d in bad] == [
        (2, "qty must be >= 1 for kind order_paid"),
        (3, "ts_ms is before 2015-01-01 (seconds instead of milliseconds?)"),
    ]


def test_more_than_two_decimals_is_refused_with_reason(tmp_path: Path) -> None:
    good, bad, _, _ = read_all(write_csv(tmp_path / "m.csv", [order(订单应付金额="12.345")]))
    assert good.height == 0
    assert bad[0].reason == "订单应付金额 12.345 has more than 2 decimal places"


# --- statuses, refunds, channels ------------------------------------------------------------------


def test_unpaid_and_cancelled_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = [
        order("6001", 订单状态="待支付", 支付完成时间="-"),
        order("6002", 订单状态="已取消"),
        order("6003", 订单状态="已取消"),
        order("6004"),
        order("6005", 订单状态="某个新状态", 支付完成时间=""),  # unknown status, never paid
        order("6006", 订单状态="风控中"),  # unknown status with a payment time: paid
    ]
    good, bad, summary, batches = read_all(write_csv(tmp_path / "s.csv", rows))
    assert bad == []
    assert good["order_id"].to_list() == ["6004", "6006"]
    assert batches[0].skipped == Counter({"status 已取消": 2, "status 待支付": 1, "no payment time": 1})
    assert summary.rows == 6
    assert "跳过 4 行" in summary.message("zh") and "4 rows skipped" in summary.message("en")


def test_paid_status_without_payment_time_uses_submit_time(tmp_path: Path) -> None:
    rows = [
        order("6101", 订单状态="已完成", 支付完成时间="-"),
        order("6102", 订单状态="已完成", 支付完成时间="-"),
    ]
    rows[1]["订单提交时间"] = "-"
    good, bad, _, _ = read_all(write_csv(tmp_path / "cod.csv", rows))
    assert good["ts_ms"].to_list() == [ms(2025, 6, 18, 12, 14, 3)]
    assert [(d.line, d.reason) for d in bad] == [(3, "支付完成时间 is empty for a paid order")]


def test_refunded_rows_give_paid_and_refund_events(tmp_path: Path) -> None:
    header = [*HEADER, "退款金额", "退款时间"]
    rows = [
        order("7001", 售后状态="退款成功"),
        order("7002", 订单状态="已退款", 退款金额="50.00", 退款时间="2025-06-20 09:00:00"),
        order("7003", 售后状态="退款中"),  # not (yet) refunded
    ]
    good, bad, _, _ = read_all(write_csv(tmp_path / "r.csv", rows, header=header))
    assert bad == []
    got = good.select("kind", "msg_id", "amount_fen", "qty", "ts_ms").rows()
    t = ms(2025, 6, 18, 12, 15, 0)
    assert got == [
        ("order_paid", "order_paid:7001", 12900, 2, t),
        ("order_refund", "order_refund:7001", 12900, 2, t),
        ("order_paid", "order_paid:7002", 12900, 2, t),
        ("order_refund", "order_refund:7002", 5000, None, ms(2025, 6, 20, 1)),  # partial: qty unknown
        ("order_paid", "order_paid:7003", 12900, 2, t),
    ]
    refund = good.filter(pl.col("kind") == "order_refund").row(0, named=True)
    assert refund["sku_id"] == "3600000000000000001" and refund["spec"] == '{"尺码":"M","颜色":"黑色"}'


def test_channel_rule_and_nicknames(tmp_path: Path) -> None:
    rows = [
        order("8001"),  # 达人ID of someone else -> influencer
        order("8002", 达人ID="\t99990001"),  # the shop's own account -> store
        order("8003", 达人ID="77770001", 流量来源="小店自卖"),  # self-sale -> store
        order("8004", 达人ID="-", 达人昵称="-"),  # no 达人 -> store
    ]
    path = write_csv(tmp_path / "c.csv", rows)
    source = OrderExportSource(own_author_ids=["99990001"])
    good, _, _, _ = read_all(path, source)
    assert good.select("channel", "author_id").rows() == [
        ("influencer", "88880001"),
        ("store", "99990001"),
        ("store", "77770001"),
        ("store", None),
    ]
    assert good["nickname"].null_count() == 4
    with_names, _, _, _ = read_all(path, source, store_nicknames=True)
    assert with_names["nickname"].to_list() == ["小美穿搭", "小美穿搭", "小美穿搭", None]


# --- dedup keys, batching, sniffing ---------------------------------------------------------------


def test_reimport_gives_the_same_dedup_keys(tmp_path: Path) -> None:
    rows = [order(str(9000 + i), 售后状态="退款成功" if i % 3 == 0 else "-") for i in range(7)]
    csv_path = write_csv(tmp_path / "a.csv", rows)
    first, _, _, _ = read_all(csv_path)
    again, _, _, _ = read_all(csv_path)
    assert first.equals(again)
    # The same export as Excel, rows in another order and with columns moved: same keys.
    shuffled = list(reversed(rows))
    xlsx_good, _, _, _ = read_all(write_xlsx(tmp_path / "a.xlsx", shuffled, header=list(reversed(HEADER))))
    assert sorted(xlsx_good["msg_id"].to_list()) == sorted(first["msg_id"].to_list())
    keys = first.select("tenant", "platform", "msg_id")
    assert keys.n_unique() == first.height == 7 + 3  # paid and refund ids never collide
    assert set(first.filter(pl.col("kind") == "order_refund")["msg_id"]) == {
        "order_refund:9000",
        "order_refund:9003",
        "order_refund:9006",
    }


def test_batches_are_bounded(tmp_path: Path) -> None:
    rows = [order(str(10_000 + i)) for i in range(5)]
    path = write_csv(tmp_path / "b.csv", rows)
    batches = list(OrderExportSource(batch_rows=2).read(path, TenantGate(TENANT, SALT)))
    assert [b.good.height for b in batches] == [2, 2, 1]
    assert [b.rows for b in batches] == [2, 2, 1]


def test_sniff_by_extension_and_header(tmp_path: Path) -> None:
    source = OrderExportSource()
    assert source.sniff(write_csv(tmp_path / "d.csv", [order()], encoding="gbk"))
    assert source.sniff(write_xlsx(tmp_path / "d.xlsx", [order()]))
    assert not source.sniff(write_csv(tmp_path / "other.csv", [], header=["user", "comment"]))
    assert not source.sniff(write_csv(tmp_path / "d.jsonl", [order()]))
    assert not source.sniff(tmp_path / "missing.csv")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    assert not source.sniff(broken)


def test_bad_tenant_and_unsupported_file_are_input_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [order()])
    with pytest.raises(ConfigError):  # the gate refuses a tenant name before anything is read
        list(OrderExportSource().read(path, TenantGate("bad tenant!", SALT)))
    other = tmp_path / "t.xls"
    other.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError) as err:
        list(OrderExportSource().read(other, TenantGate(TENANT, SALT)))
    assert ".xlsx" in err.value.en and ".xlsx" in err.value.zh


# --- mapping files --------------------------------------------------------------------------------

YOUZAN_HEADER = ["订单号", "订单商品ID", "商品ID", "商品规格", "商品数量", "商品实际成交金额(元)", "付款时间"]
YOUZAN_EXTRA = ["订单状态", "售后状态", "买家ID", "分销员ID"]


def test_example_youzan_mapping_reads_its_layout(tmp_path: Path) -> None:
    source = OrderExportSource(mapping=EXAMPLES / "mapping_youzan.toml")
    header = YOUZAN_HEADER + YOUZAN_EXTRA
    rows = table(
        header,
        ["E1", "L1", "P1", "黑色;XL", "1", "99.90", "2025-06-18 20:15:00", "已发货", "", "u1", ""],
        ["E2", "L2", "P1", "白色;M", "1", "99.90", "", "待付款", "", "u2", "d9"],
        ["E3", "L3", "P2", "M", "2", "10", "2025/06/18 20:20", "已完成", "退款成功", "u1", "d9"],
    )
    path = write_csv(tmp_path / "youzan.csv", rows, header=header)
    assert source.sniff(path)
    good, bad, summary, _ = read_all(path, source)
    assert bad == []
    assert summary.skipped == Counter({"status 待付款": 1})
    assert good.select("kind", "platform", "order_id", "amount_fen", "channel", "author_id").rows() == [
        ("order_paid", "file", "L1", 9990, "store", None),
        ("order_paid", "file", "L3", 1000, "influencer", "d9"),
        ("order_refund", "file", "L3", 1000, "influencer", "d9"),
    ]
    # 买家ID is pseudonymised with the tenant salt (the row of u2 was skipped as unpaid)
    assert good["user_key"].to_list() == [pseudonymise(SALT, "u1")] * 3
    assert pseudonymise(SALT, "u1") != pseudonymise("another-tenant-salt", "u1")


def test_json_mapping_with_fen_and_custom_time_format(tmp_path: Path) -> None:
    mapping = {
        "name": "factory",
        "platform": "kuaishou",
        "money_unit": "fen",
        "timezone": "Europe/London",
        "time_formats": ["%d.%m.%Y %H:%M"],
        "columns": {"order_id": "line", "sku_id": "sku", "qty": "n", "amount": "paid", "paid_time": "at"},
    }
    (tmp_path / "m.json").write_text(json.dumps(mapping), encoding="utf-8")
    source = OrderExportSource(mapping=tmp_path / "m.json")
    header = ["line", "sku", "n", "paid", "at"]
    rows = table(
        header,
        ["x1", "s", "1", "1,299", "18.06.2025 20:15"],
        ["x2", "s", "1", "12.5", "18.06.2025 20:15"],
        ["x3", "s", "1", "100", "2025-06-18 20:15"],
    )
    good, bad, _, _ = read_all(write_csv(tmp_path / "f.csv", rows, header=header), source)
    assert good.select("platform", "amount_fen", "ts_ms").rows() == [
        ("kuaishou", 1299, ms(2025, 6, 18, 19, 15))
    ]
    assert [d.reason for d in bad] == [
        "paid 12.5 has more than a whole number of fen",
        "at '2025-06-18 20:15' matches none of the formats ['%d.%m.%Y %H:%M']",
    ]


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"columns": {"order_id": "a", "sku_id": "b", "amount": "d", "paid_time": "e"}}, "columns.qty"),
        ({"colums": {}}, "colums"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"money_unit": "jiao"}, "money_unit"),
        ({"status": {"unpaid": ["x"], "maybe": ["y"]}}, "status.maybe"),
        ({"columns": {"order_id": "a", "sku_id": "b", "qty": "c", "paid_time": "e"}}, "columns"),
    ],
)
def test_bad_mapping_names_the_key(tmp_path: Path, patch: dict[str, Any], key: str) -> None:
    raw: dict[str, Any] = {
        "columns": {"order_id": "a", "sku_id": "b", "qty": "c", "amount": "d", "paid_time": "e"},
    }
    raw.update(patch)
    with pytest.raises(ConfigError) as err:
        parse_mapping(raw, "m.toml")
    assert err.value.details["key"] == key
    assert err.value.en.startswith(f"m.toml: {key}: ")


def test_mapping_file_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[columns\norder_id = 1", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_mapping(path)
    assert err.value.en.startswith(f"{path}: mapping file syntax error")
    assert err.value.zh.startswith(f"{path}: 映射文件语法错误")


# --- parsers: money and spec ----------------------------------------------------------------------

MONEY = st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2, allow_nan=False)


@given(MONEY, st.booleans())
def test_money_round_trips_any_two_place_decimal(value: Decimal, grouped: bool) -> None:
    text = f"{value:,.2f}" if grouped else f"{value:.2f}"
    fen = parse_money_fen(text)
    assert fen == value * 100
    assert Decimal(fen) / 100 == value


@given(st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=6))
def test_money_rejects_more_than_two_places(value: Decimal) -> None:
    text = f"{value:f}"
    if (value * 100) == (value * 100).to_integral_value():
        assert parse_money_fen(text) == int(value * 100)  # trailing zeros are exact
    else:
        with pytest.raises(CellError, match="more than 2 decimal places"):
            parse_money_fen(text)


@given(MONEY.filter(lambda d: d > 0))
def test_money_rejects_negatives(value: Decimal) -> None:
    with pytest.raises(CellError, match="negative"):
        parse_money_fen(f"-{value:.2f}")


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("颜色:黑色;尺码:M", {"颜色": "黑色", "尺码": "M"}),
        ("颜色：黑色，尺码：M", {"颜色": "黑色", "尺码": "M"}),
        ("颜色分类=黑色|尺码=XXL", {"颜色": "黑色", "尺码": "XXL"}),
        ("黑色;M", {"颜色": "黑色", "尺码": "M"}),
        ("M;雾霾蓝", {"颜色": "雾霾蓝", "尺码": "M"}),
        ("黑色/M", {"颜色": "黑色", "尺码": "M"}),
        ("170/88A", {"尺码": "170/88A"}),
        ("XL（建议120-140斤）;藏青", {"尺码": "XL（建议120-140斤）", "颜色": "藏青"}),
        ("加绒;套装", {"规格1": "加绒", "规格2": "套装"}),
        ("M;L", {"尺码": "M", "规格2": "L"}),
        ("尺码:L;M", {"尺码": "L", "规格2": "M"}),
        ("颜色:黑色;颜色:白色", {"颜色": "黑色", "颜色2": "白色"}),
        ("颜色:-;尺码:S", {"尺码": "S"}),
        ("", {}),
    ],
)
def test_spec_forms(text: str, spec: dict[str, str]) -> None:
    assert parse_spec(text) == spec


@settings(max_examples=300)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
    | st.from_regex(r"[颜色尺码黑M:：;；,，/ ]{0,30}")
)
def test_spec_parsing_never_crashes(text: str) -> None:
    spec = parse_spec(text)
    assert all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in spec.items())
    Event.model_validate(  # the canonical model accepts whatever came out
        {
            "kind": "order_paid",
            "tenant": TENANT,
            "platform": "doudian",
            "ts_ms": ms(2025, 6, 18, 12, 0, 0),
            "msg_id": "m",
            "sku_id": "s",
            "order_id": "o",
            "qty": 1,
            "amount_fen": 1,
            "spec": spec or None,
        }
    )
