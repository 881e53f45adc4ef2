"""Order pages saved from the 抖店 / 快手 APIs, and the file-source contract over every file source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_orders_export import order, write_csv

from kuaifan.events import now_ms
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.jsonl import JsonlSource, Normaliser, ParquetSource
from kuaifan.sources.order_pages import OrderPagesSource, page_batch
from kuaifan.sources.orders_export import OrderExportSource
from kuaifan.testing.sources import CONTRACT_SALT, CONTRACT_TENANT, _as_event, check_source

PAY_S = now_ms() // 1000 - 3600


def sku_order(sub: str, **kw: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "order_id": sub, "parent_order_id": "6917000000000000010", "sku_id": 1730000000000000001,
        "product_id": "3600000000000000001", "product_name": "夏季冰丝阔腿裤",
        "spec": [{"name": "颜色", "value": "黑色"}, {"name": "尺码", "value": "M"}],
        "item_num": 2, "pay_amount": 12900, "author_id": 88880001, "room_id": "7370000000000000001",
        "theme_type": 1, "c_biz": 2, "create_time": PAY_S - 60, "pay_time": PAY_S,
        "after_sale_info": {"after_sale_status": 0, "after_sale_type": 0, "refund_status": 0},
    }  # fmt: skip
    return line | kw


def doudian_page(*lines: dict[str, Any], detail: bool = False) -> dict[str, Any]:
    shop_order = {
        "order_id": "6917000000000000010", "shop_id": 1234567, "doudian_open_id": "buyer_open_1",
        "order_status": 2, "pay_time": PAY_S, "create_time": PAY_S - 60, "update_time": PAY_S + 600,
        "sku_order_list": list(lines),
    }  # fmt: skip
    data = {"shop_order_detail": shop_order} if detail else {"shop_order_list": [shop_order], "total": 1}
    return {"code": 10000, "msg": "success", "data": data}


def kuaishou_page(*orders: dict[str, Any]) -> dict[str, Any]:
    return {"result": 1, "error_msg": "", "data": {"cursor": "nomore", "orderList": list(orders)}}


def ks_order(oid: int, **base: Any) -> dict[str, Any]:
    return {
        "orderBaseInfo": {"oid": oid, "status": 30, "buyerOpenId": "ks_buyer_1",
                          "createTime": PAY_S * 1000 - 1, "payTime": PAY_S * 1000, "totalFee": 5990,
                          "expressFee": 0, "cpsType": 1} | base,
        "orderItemInfo": {"itemId": 22001, "skuId": 33001, "skuDesc": "颜色:白色;尺码:L",
                          "itemTitle": "纯棉T恤", "num": 1, "price": 5990},
        "orderRefundList": [],
    }  # fmt: skip


def read(path: Path, own: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], list[Any], dict[str, str]]:
    rows, dead, names = [], [], {}
    for batch in OrderPagesSource(own).read(path, TenantGate(CONTRACT_TENANT, CONTRACT_SALT)):
        rows += batch.good.to_dicts()
        dead += batch.bad
        names |= batch.names
    return rows, dead, names


def test_doudian_search_list_maps_every_field(tmp_path: Path) -> None:
    path = tmp_path / "searchList.json"
    refunded = sku_order("6917000000000000012", after_sale_info={"refund_status": 3}, update_time=PAY_S + 900)
    own = sku_order("6917000000000000013", author_id=111)
    unpaid = sku_order("6917000000000000014", pay_time=0)
    path.write_bytes(orjson.dumps(doudian_page(sku_order("6917000000000000011"), refunded, own, unpaid)))
    rows, dead, names = read(path, own=("111",))
    assert dead == []
    assert [(r["kind"], r["msg_id"], r["channel"]) for r in rows] == [
        ("order_paid", "order_paid:6917000000000000011", "influencer"),
        ("order_paid", "order_paid:6917000000000000012", "influencer"),
        ("order_refund", "order_refund:6917000000000000012", "influencer"),
        ("order_paid", "order_paid:6917000000000000013", "store"),
    ]
    first = rows[0]
    assert first["sku_id"] == "1730000000000000001" and first["item_id"] == "3600000000000000001"
    assert first["spec"] == '{"尺码":"M","颜色":"黑色"}'
    assert (first["qty"], first["amount_fen"], first["ts_ms"]) == (2, 12900, PAY_S * 1000)
    assert first["room_id"] == "7370000000000000001" and first["author_id"] == "88880001"
    assert first["user_key"] and first["user_key"] != "buyer_open_1"
    assert rows[2]["ts_ms"] == (PAY_S + 900) * 1000
    assert names == {"3600000000000000001": "夏季冰丝阔腿裤"}


def test_self_sale_c_biz_is_store(tmp_path: Path) -> None:
    path = tmp_path / "detail.json"
    path.write_bytes(orjson.dumps(doudian_page(sku_order("6917000000000000021", c_biz=8), detail=True)))
    rows, _, _ = read(path)
    assert [r["channel"] for r in rows] == ["store"]


def test_order_pages_dedup_with_the_export(tmp_path: Path) -> None:
    """The same sub-order from an export and from the API has one msg_id, so the store keeps one."""
    export = write_csv(tmp_path / "export.csv", [order("6917000000000000011")])
    page = tmp_path / "page.json"
    page.write_bytes(orjson.dumps(doudian_page(sku_order("6917000000000000011"))))
    from_export = [
        r["msg_id"]
        for b in OrderExportSource().read(export, TenantGate("t", CONTRACT_SALT))
        for r in b.good.to_dicts()
    ]
    assert from_export == [r["msg_id"] for r in read(page)[0]]


def test_bad_lines_are_dead_letters_with_positions(tmp_path: Path) -> None:
    path = tmp_path / "pages.json"
    broken = sku_order("6917000000000000031", sku_id=None)
    negative = sku_order("6917000000000000032", pay_amount=-5)
    pages = [
        doudian_page(sku_order("6917000000000000030")),
        doudian_page(broken),
        doudian_page(negative),
        {"x": 1},
    ]
    path.write_bytes(orjson.dumps(pages))
    rows, dead, _ = read(path)
    assert len(rows) == 1
    reasons = {(d.line, d.reason) for d in dead}
    assert (2, "sku order 6917000000000000031: sku_id missing") in reasons
    assert any(line == 3 and "amount_fen" in reason for line, reason in reasons)
    assert any(line is None and "not a known order page" in reason for line, reason in reasons)


def test_kuaishou_cursor_list(tmp_path: Path) -> None:
    path = tmp_path / "ks.json"
    path.write_bytes(
        orjson.dumps(kuaishou_page(ks_order(1001), ks_order(1002, cpsType=2), ks_order(1003, payTime=0)))
    )
    rows, dead, names = read(path)
    assert dead == []
    assert [(r["msg_id"], r["channel"], r["platform"]) for r in rows] == [
        ("order_paid:1001", "store", "kuaishou"),
        ("order_paid:1002", "influencer", "kuaishou"),
    ]
    assert rows[0]["spec"] == '{"尺码":"L","颜色":"白色"}' and rows[0]["sku_id"] == "33001"
    assert names == {"22001": "纯棉T恤"}


def test_malformed_json_is_one_dead_letter(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"data": {"shop_order_list": [')
    rows, dead, _ = read(path)
    assert rows == [] and len(dead) == 1 and dead[0].reason.startswith("malformed JSON")


# ---- the file-source contract over every file source ----------------------------------------------------


def _events(n: int) -> list[dict[str, Any]]:
    t = now_ms() - 3_600_000
    return [
        {"kind": "comment", "platform": "sim", "room_id": "r1", "stream_id": "s1", "ts_ms": t + i,
         "msg_id": f"c{i}", "user_id": f"raw_user_{i % 3}", "nickname": "昵称", "text": f"黑色L有吗😀 {i}"}
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["jsonl", "parquet", "orders_export", "order_pages"])
def test_file_source_contract(name: str, tmp_path: Path) -> None:
    raw_ids: tuple[str, ...] = ("raw_user_0", "raw_user_1", "raw_user_2")
    bad = tmp_path / "bad"
    if name == "jsonl":
        source: Any = JsonlSource()
        good = tmp_path / "events.jsonl"
        good.write_bytes(b"\n".join(orjson.dumps(e) for e in _events(20)) + b"\n")
        bad = tmp_path / "bad.jsonl"
        bad.write_bytes(b'{"kind": "comment"}\n{oops\n')
        expected = 20
    elif name == "parquet":
        source = ParquetSource()
        good = tmp_path / "events.parquet"
        pq.write_table(pa.Table.from_pylist(_events(20)), good)
        bad = tmp_path / "bad.parquet"
        pq.write_table(
            pa.Table.from_pylist([{"kind": "comment", "platform": "sim", "ts_ms": 1, "msg_id": "x"}]), bad
        )
        expected = 20
    elif name == "orders_export":
        source = OrderExportSource()
        good = write_csv(tmp_path / "export.csv", [order(f"69170000000000000{i:02d}") for i in range(10)])
        bad = write_csv(tmp_path / "bad.csv", [order("6917000000000000099", 商品数量="two")])
        expected, raw_ids = 10, ()
    else:
        source = OrderPagesSource()
        good = tmp_path / "page.json"
        good.write_bytes(
            orjson.dumps(doudian_page(*(sku_order(f"69170000000000000{i:02d}") for i in range(10))))
        )
        bad = tmp_path / "bad.json"
        bad.write_bytes(orjson.dumps(doudian_page(sku_order("1", item_num="x"))))
        expected, raw_ids = 10, ("buyer_open_1",)
    check_source(
        source, good, expected_rows=expected, bad=bad, raw_user_ids=raw_ids, fuzz_dir=tmp_path / "fuzz"
    )


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(sorted(sku_order("1"))), _json)
def test_any_value_in_any_sku_order_field_is_a_row_or_a_dead_letter(key: str, value: Any) -> None:
    ctx = Normaliser(TenantGate(CONTRACT_TENANT, CONTRACT_SALT), "fuzz", now_ms())
    batch = page_batch([doudian_page(sku_order("6917000000000000001", **{key: value}))], ctx, frozenset())
    assert batch.good.height + len(batch.bad) >= 1 or key in ("pay_time", "order_id")
    for row in batch.good.to_dicts():
        _as_event("fuzz", row)


@settings(deadline=None, max_examples=60)
@given(
    st.sampled_from(["orderBaseInfo", "orderItemInfo", "oid", "payTime", "skuId", "num", "totalFee"]), _json
)
def test_any_value_in_a_kuaishou_order_never_crashes(key: str, value: Any) -> None:
    order = ks_order(1001)
    if key in order:
        order[key] = value
    elif key in order["orderBaseInfo"]:
        order["orderBaseInfo"][key] = value
    else:
        order["orderItemInfo"][key] = value
    ctx = Normaliser(TenantGate(CONTRACT_TENANT, CONTRACT_SALT), "fuzz", now_ms())
    for row in page_batch([kuaishou_page(order)], ctx, frozenset()).good.to_dicts():
        _as_event("fuzz", row)
