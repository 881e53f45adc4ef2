"""Column mapping of an order export: which header holds which canonical field.

``DOUDIAN_MAPPING`` describes the 抖店 merchant-backend export (订单导出, 商品维度: one row per
子订单). Other layouts (有赞, 快手小店, a factory's own spreadsheet …) are described by a TOML or
JSON file with the same shape, see ``examples/mapping_youzan.toml``::

    name = "youzan"                 # free text, shown in reports
    platform = "file"               # events.Platform value of the events produced
    money_unit = "yuan"             # "yuan" (元, ≤ 2 decimals) or "fen" (分, whole numbers)
    timezone = "Asia/Shanghai"      # IANA zone of the local times in the file
    time_formats = []               # strptime formats; empty = built-in "YYYY-MM-DD HH:MM[:SS]" family
    delimiter = ""                  # CSV delimiter; empty = guess "," or tab from the header line
    sheet = ""                      # Excel sheet name; empty = the first sheet
    own_author_ids = []             # 达人ID values that are the shop's own accounts (店播)
    own_traffic_sources = ["小店自卖"] # 流量来源 values that mean the shop sold it itself

    [columns]                       # canonical field = header, or a list of accepted headers
    order_id = "订单号"              # required: one line of one order (the dedup key)
    sku_id = "商品ID"                # required
    qty = "商品数量"                 # required
    amount = "实付金额"              # required unless item_amount or unit_price is given
    paid_time = "支付时间"           # required
    ...                             # optional: see ColumnMap

    [status]                        # values of the status columns (exact match after trimming)
    unpaid = ["待付款", "已关闭"]    # not paid: skipped and counted, never events
    refunded = ["退款成功"]          # paid, then refunded: order_paid + order_refund
    paid = ["已发货"]                # certainly paid: with no payment time, created_time is used
                                    # (cash on delivery). Any other status counts as paid when the
                                    # row has a payment time, and is skipped otherwise

A file that does not fit fails with one ConfigError line naming the key, e.g.
``mapping.toml: columns.qty: Field required``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kuaifan.errors import ConfigError
from kuaifan.events import Platform

Headers = list[str]


def _as_list(value: Any) -> Any:
    if isinstance(value, str):
        return [value]
    return value


class ColumnMap(BaseModel):
    """Canonical field -> accepted header names (the first one found in the file is used)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    order_id: Headers = Field(min_length=1)  # the line of the order: 子订单编号
    sku_id: Headers = Field(min_length=1)  # product: 商品ID
    qty: Headers = Field(min_length=1)
    paid_time: Headers = Field(min_length=1)
    amount: Headers = Field(default_factory=list)  # what the buyer paid for the line
    item_amount: Headers = Field(default_factory=list)  # fallback when amount is absent/empty
    unit_price: Headers = Field(default_factory=list)  # last fallback: unit_price × qty
    refund_amount: Headers = Field(default_factory=list)  # default: the paid amount
    parent_order_id: Headers = Field(default_factory=list)
    item_id: Headers = Field(default_factory=list)
    product_name: Headers = Field(default_factory=list)  # kept beside the log: signals show it
    spec: Headers = Field(default_factory=list)
    created_time: Headers = Field(default_factory=list)  # fallback time (cash on delivery)
    refund_time: Headers = Field(default_factory=list)  # default: the paid time
    author_id: Headers = Field(default_factory=list)
    author_name: Headers = Field(default_factory=list)
    room_id: Headers = Field(default_factory=list)
    order_status: Headers = Field(default_factory=list)
    aftersale_status: Headers = Field(default_factory=list)
    traffic_source: Headers = Field(default_factory=list)
    user_id: Headers = Field(default_factory=list)  # pseudonymised with the tenant salt

    @field_validator("*", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return _as_list(v)

    @field_validator("*")
    @classmethod
    def _non_blank(cls, v: Headers) -> Headers:
        cleaned = [h.strip() for h in v]
        if any(not h for h in cleaned):
            raise ValueError("header names must not be empty")
        return cleaned

    @model_validator(mode="after")
    def _some_amount(self) -> ColumnMap:
        if not (self.amount or self.item_amount or self.unit_price):
            raise ValueError("one of amount, item_amount, unit_price is required")
        return self


class StatusMap(BaseModel):
    """Status values (订单状态 or 售后状态) by meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unpaid: list[str] = Field(default_factory=list)
    refunded: list[str] = Field(default_factory=list)
    paid: list[str] = Field(default_factory=list)

    @field_validator("*", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return _as_list(v)

    @field_validator("*")
    @classmethod
    def _strip(cls, v: list[str]) -> list[str]:
        return [s.strip() for s in v]


class ExportMapping(BaseModel):
    """How to read one export layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "custom"
    platform: Platform = Platform.FILE
    money_unit: Literal["yuan", "fen"] = "yuan"
    timezone: str = "Asia/Shanghai"
    time_formats: tuple[str, ...] = ()
    delimiter: str = ""
    sheet: str = ""
    own_author_ids: frozenset[str] = frozenset()
    own_traffic_sources: frozenset[str] = frozenset()
    columns: ColumnMap
    status: StatusMap = Field(default_factory=StatusMap)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai)") from None
        return v

    @field_validator("time_formats")
    @classmethod
    def _formats(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for fmt in v:
            if "%" not in fmt:
                raise ValueError(f"time format {fmt!r} has no % directive")
        return v

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, v: str) -> str:
        if v not in ("", ",", "\t", ";", "|"):
            raise ValueError('delimiter must be "", ",", "\\t", ";" or "|"')
        return v

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DOUDIAN_MAPPING = ExportMapping(
    name="doudian",
    platform=Platform.DOUDIAN,
    own_traffic_sources=frozenset({"小店自卖", "自卖", "自主经营"}),
    columns=ColumnMap(
        order_id=["子订单编号", "子订单号", "商品单号"],
        parent_order_id=["主订单编号", "订单号", "订单编号"],
        sku_id=["商品ID", "商品id"],
        product_name=["商品名称", "选购商品"],
        spec=["商品规格", "规格"],
        qty=["商品数量", "购买数量"],
        amount=["订单应付金额", "应付金额", "子订单应付金额"],
        item_amount=["商品金额"],
        unit_price=["商品单价"],
        refund_amount=["退款金额", "售后退款金额"],
        paid_time=["支付完成时间", "支付时间"],
        created_time=["订单提交时间", "下单时间"],
        refund_time=["退款完成时间", "退款时间"],
        author_id=["达人ID", "达人id", "作者ID"],
        author_name=["达人昵称"],
        room_id=["直播间ID", "直播间id", "直播ID"],
        order_status=["订单状态"],
        aftersale_status=["售后状态"],
        traffic_source=["流量来源"],
    ),
    status=StatusMap(
        unpaid=["待支付", "待付款", "待确认", "已取消", "订单取消", "未支付", "交易关闭(未支付)"],
        refunded=[
            "退款成功",
            "已退款",
            "退款完成",
            "退货退款成功",
            "仅退款成功",
            "全额退款",
            "售后完成(退款)",
        ],
        paid=["已支付", "备货中", "待发货", "部分发货", "已发货", "已完成", "交易成功", "已签收"],
    ),
)


def _error_line(where: str, err: ValidationError) -> ConfigError:
    e = err.errors()[0]
    key = ".".join(str(p) for p in e["loc"]) or "(root)"
    return ConfigError(f"{where}: {key}: {e['msg']}", f"{where}: {key}: {e['msg']}", key=key, path=where)


def parse_mapping(raw: dict[str, Any], where: str = "mapping") -> ExportMapping:
    """A mapping from already-parsed TOML/JSON data; ConfigError naming the bad key."""
    try:
        return ExportMapping.model_validate(raw)
    except ValidationError as err:
        raise _error_line(where, err) from None


def load_mapping(path: Path) -> ExportMapping:
    """Read a ``.toml`` or ``.json`` mapping file (see the module docstring)."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{where}: 无法读取映射文件：{exc}", f"{where}: cannot read the mapping file: {exc}", path=where
        ) from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{where}: 映射文件语法错误：{exc}", f"{where}: mapping file syntax error: {exc}", path=where
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where}: 映射文件应是一个对象（表）",
            f"{where}: the mapping must be an object (table)",
            path=where,
        )
    return parse_mapping(raw, where)
