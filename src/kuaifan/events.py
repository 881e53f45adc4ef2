"""The canonical event: one flat record per thing that happened in a live room or shop.

Amounts are integers in 分 (fen), times are UTC epoch milliseconds, ids are strings.
``user_key`` is HMAC-SHA256(tenant salt, platform user id), truncated to 128 bits;
raw ids, nicknames and avatars are not stored unless the tenant enables it.

Two ways in, one set of rules:

- ``Event`` (pydantic) validates one record at an edge (API, adapters);
- ``validate_frame`` applies the same rules to a whole polars batch at once, which
  is how file ingest reaches hundreds of thousands of events per second.

``KIND_RULES`` is the single table both read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

import orjson
import polars as pl
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A tenant's name: it appears in URLs, file names and every stored row.
TENANT_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One rejected input record: what it was, where it came from and why it was refused."""

    source: str  # file path, "api", "douyin_live" …
    reason: str  # precise, English (stable for grepping); the CLI shows it as is
    raw: str  # the record as received (a line, a JSON text of a row)
    line: int | None = None  # 1-based line (or spreadsheet row) number in the source file
    tenant: str | None = None


class EventKind(StrEnum):
    COMMENT = "comment"
    LIKE = "like"
    GIFT = "gift"
    ENTER = "enter"
    ONLINE_COUNT = "online_count"
    FOLLOW = "follow"
    SHARE = "share"
    PRODUCT_SHOW = "product_show"
    PRODUCT_CLICK = "product_click"
    CART_ADD = "cart_add"
    ORDER_PAID = "order_paid"
    ORDER_REFUND = "order_refund"
    STOCK_LEVEL = "stock_level"
    PRICE_CHANGE = "price_change"
    STREAM_START = "stream_start"
    STREAM_END = "stream_end"
    # A buyer's written product review (抖店 商品评价导出): sku_id = 商品ID, spec = the bought variant,
    # qty = the star rating 1–5, text = 评价内容 (with any 追评 appended), ts_ms = 评价时间.
    REVIEW = "review"


class Platform(StrEnum):
    DOUYIN = "douyin"
    DOUDIAN = "doudian"
    KUAISHOU = "kuaishou"
    BILIBILI = "bilibili"
    TIKTOK = "tiktok"
    TAOBAO = "taobao"
    FILE = "file"
    SIM = "sim"


class Channel(StrEnum):
    STORE = "store"  # 店播: the brand's own account
    INFLUENCER = "influencer"  # 达播
    SHELF = "shelf"  # 货架: search and store-page orders outside live rooms


# Kinds whose events name a product (sku_id / item_id): the link's product in the live metrics.
PRODUCT_KINDS: Final = frozenset(
    {"product_show", "product_click", "cart_add", "order_paid", "order_refund", "stock_level", "price_change"}
)

# What a comment asks or says (kuaifan.text.Comment.intent): the shared label set of the comment
# classifier, the simulator's ground truth and the stored comment tags.
COMMENT_INTENTS: Final = (
    "price",
    "size_fit",
    "variant",
    "stock",
    "link",
    "shipping",
    "quality",
    "purchased",
    "after_sales",
    "praise",
    "other",
)

# Events older than this are certainly bad input (no live commerce before 2015).
MIN_TS_MS: Final = 1_420_070_400_000  # 2015-01-01T00:00:00Z
# Clock skew we tolerate; anything later is "far in the future" and rejected.
MAX_FUTURE_MS: Final = 24 * 3600 * 1000
MAX_ID_LEN: Final = 128
MAX_TEXT_LEN: Final = 2000


# Per kind: fields that must be present, and numeric fields that must be >= 1.
# (Every numeric field must be >= 0 for every kind.)
KIND_RULES: Final[dict[EventKind, tuple[frozenset[str], frozenset[str]]]] = {
    EventKind.COMMENT: (frozenset({"room_id", "stream_id", "text"}), frozenset()),
    EventKind.LIKE: (frozenset({"room_id", "stream_id"}), frozenset()),
    EventKind.GIFT: (frozenset({"room_id", "stream_id"}), frozenset()),
    EventKind.ENTER: (frozenset({"room_id", "stream_id", "user_key"}), frozenset()),
    EventKind.ONLINE_COUNT: (frozenset({"room_id", "stream_id", "qty"}), frozenset()),
    EventKind.FOLLOW: (frozenset({"room_id", "stream_id"}), frozenset()),
    EventKind.SHARE: (frozenset({"room_id", "stream_id"}), frozenset()),
    EventKind.PRODUCT_SHOW: (frozenset({"room_id", "stream_id", "sku_id"}), frozenset()),
    EventKind.PRODUCT_CLICK: (frozenset({"room_id", "stream_id", "sku_id"}), frozenset()),
    EventKind.CART_ADD: (frozenset({"sku_id"}), frozenset({"qty"})),
    EventKind.ORDER_PAID: (frozenset({"sku_id", "order_id", "qty", "amount_fen"}), frozenset({"qty"})),
    EventKind.ORDER_REFUND: (frozenset({"order_id", "amount_fen"}), frozenset()),
    EventKind.STOCK_LEVEL: (frozenset({"sku_id", "stock"}), frozenset()),
    EventKind.PRICE_CHANGE: (frozenset({"sku_id", "amount_fen"}), frozenset()),
    EventKind.STREAM_START: (frozenset({"room_id", "stream_id"}), frozenset()),
    EventKind.STREAM_END: (frozenset({"room_id", "stream_id"}), frozenset()),
    EventKind.REVIEW: (frozenset({"sku_id", "qty"}), frozenset({"qty"})),
}

STRING_FIELDS: Final = (
    "kind",
    "tenant",
    "platform",
    "room_id",
    "stream_id",
    "channel",
    "author_id",
    "msg_id",
    "user_key",
    "nickname",
    "sku_id",
    "item_id",
    "spec",
    "order_id",
    "text",
)
INT_FIELDS: Final = ("ts_ms", "link_no", "qty", "amount_fen", "stock")

# The Arrow schema of the event log (column order is the log's order).
EVENT_SCHEMA: Final = pa.schema(
    [
        pa.field("kind", pa.string(), nullable=False),
        pa.field("tenant", pa.string(), nullable=False),
        pa.field("platform", pa.string(), nullable=False),
        pa.field("room_id", pa.string()),
        pa.field("stream_id", pa.string()),
        pa.field("channel", pa.string()),
        pa.field("author_id", pa.string()),
        pa.field("ts_ms", pa.int64(), nullable=False),
        pa.field("msg_id", pa.string(), nullable=False),
        pa.field("user_key", pa.string()),
        pa.field("nickname", pa.string()),
        pa.field("sku_id", pa.string()),
        pa.field("item_id", pa.string()),
        pa.field("link_no", pa.int64()),
        pa.field("spec", pa.string()),  # JSON object text, keys sorted: {"尺码":"M","颜色":"黑色"}
        pa.field("order_id", pa.string()),
        pa.field("qty", pa.int64()),
        pa.field("amount_fen", pa.int64()),
        pa.field("stock", pa.int64()),
        pa.field("text", pa.string()),
    ]
)
EVENT_COLUMNS: Final = tuple(EVENT_SCHEMA.names)
POLARS_SCHEMA: Final[dict[str, pl.DataType]] = {
    name: (pl.Int64() if name in INT_FIELDS else pl.String()) for name in EVENT_COLUMNS
}


def pseudonymise(salt: str, platform_user_id: str) -> str:
    """HMAC-SHA256(salt, id) as 32 hex chars (128 bits): stable per tenant, not reversible."""
    mac = _keyed(salt).copy()  # the keyed state once per salt: a push hashes every message's user
    mac.update(platform_user_id.encode())
    return mac.hexdigest()[:32]


@lru_cache(maxsize=64)
def _keyed(salt: str) -> hmac.HMAC:
    return hmac.new(salt.encode(), digestmod=hashlib.sha256)


def spec_text(spec: dict[str, str] | None) -> str | None:
    """Canonical text of a variant spec: JSON, keys sorted, no ASCII escaping."""
    if not spec:
        return None
    return orjson.dumps(dict(sorted(spec.items()))).decode()


def now_ms() -> int:
    return int(time.time() * 1000)


class Event(BaseModel):
    """One canonical event, validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)

    kind: EventKind
    tenant: str = Field(min_length=1, max_length=64)
    platform: Platform
    room_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LEN)
    stream_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LEN)
    channel: Channel | None = None
    author_id: str | None = Field(default=None, max_length=MAX_ID_LEN)
    ts_ms: int
    msg_id: str = Field(min_length=1, max_length=MAX_ID_LEN)
    user_key: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LEN)
    nickname: str | None = Field(default=None, max_length=200)
    sku_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LEN)
    item_id: str | None = Field(default=None, max_length=MAX_ID_LEN)
    link_no: int | None = Field(default=None, ge=0)
    spec: dict[str, str] | None = None
    order_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LEN)
    qty: int | None = Field(default=None, ge=0)
    amount_fen: int | None = Field(default=None, ge=0)
    stock: int | None = Field(default=None, ge=0)
    text: str | None = Field(default=None, max_length=MAX_TEXT_LEN)

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, v: str) -> str:
        if not TENANT_NAME.match(v):
            raise ValueError("tenant: letters, digits, _ . - only")
        return v

    @field_validator("spec", mode="before")
    @classmethod
    def _spec(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip()
            return orjson.loads(v) if v else None
        return v

    @model_validator(mode="after")
    def _kind_rules(self) -> Event:
        check_ts(self.ts_ms)
        required, positive = _SORTED_RULES[self.kind]
        for name in required:
            value = getattr(self, name)
            if value is None or value == "":
                raise ValueError(f"{name} is required for kind {self.kind}")
        for name in positive:
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 for kind {self.kind}")
        return self

    def to_row(self) -> dict[str, Any]:
        """A plain dict in EVENT_SCHEMA order (spec as canonical JSON text)."""
        fields = self.__dict__  # plain values (use_enum_values), no nested models to dump
        row = {name: fields[name] for name in EVENT_COLUMNS}
        row["spec"] = spec_text(self.spec)
        return row


# KIND_RULES by kind value, names sorted (the first missing field named is stable): read per event.
_SORTED_RULES: Final = {
    str(kind.value): (tuple(sorted(required)), tuple(sorted(positive)))
    for kind, (required, positive) in KIND_RULES.items()
}


def check_ts(ts_ms: int, now: int | None = None) -> None:
    if ts_ms < MIN_TS_MS:
        raise ValueError(f"ts_ms {ts_ms} is before 2015-01-01 (is it in seconds, not milliseconds?)")
    limit = (now_ms() if now is None else now) + MAX_FUTURE_MS
    if ts_ms > limit:
        raise ValueError(f"ts_ms {ts_ms} is more than 24 h in the future")


def rows_to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Plain rows (EVENT_SCHEMA keys) to an Arrow table of the log's schema."""
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def validate_frame(df: pl.DataFrame, now: int | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply the Event rules to a whole batch.

    ``df`` has the log's columns (String / Int64). Returns ``(good, bad)`` where ``bad``
    keeps every column plus ``reason`` (the first rule the row broke). Same rules as
    ``Event``, so a row passes here exactly when it would pass there.
    """
    kind_code, broken, reason = _frame_rules((now_ms() if now is None else now) + MAX_FUTURE_MS)
    coded = df.with_columns(kind_code)
    # Cheap booleans first; the reasons (one string per rule) are built only when a row broke one.
    if not coded.select(broken).to_series().any():  # the common case: no copy
        return df, df.clear().with_columns(pl.lit(None, dtype=pl.String).alias("reason"))
    tagged = coded.with_columns(reason.alias("reason")).drop(_KIND_CODE)
    good = tagged.filter(pl.col("reason").is_null()).drop("reason")
    bad = tagged.filter(pl.col("reason").is_not_null())
    return good, bad


_KIND_CODE: Final = "_kind_code"


@lru_cache(maxsize=8)
def _frame_rules(limit: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(kind code column, any rule broken, first-broken-rule reason) for ``validate_frame``, built
    once per time limit.

    Kinds are compared as small integer codes: one hash lookup per row instead of a string
    comparison per rule. "Any rule broken" checks each field once for all the kinds that need it
    (about half the expressions of one check per kind and field); it is true exactly where the
    reason is not null.
    """
    codes = {k.value: i for i, k in enumerate(EventKind)}
    kind_code = pl.col("kind").replace_strict(codes, default=None, return_dtype=pl.Int8).alias(_KIND_CODE)
    platforms = [p.value for p in Platform]
    channels = [c.value for c in Channel]
    generic: list[tuple[pl.Expr, str]] = [
        (pl.col(_KIND_CODE).is_null(), "unknown kind"),
        (pl.col("tenant").is_null() | ~pl.col("tenant").str.contains(TENANT_NAME.pattern), "bad tenant"),
        (pl.col("platform").is_null() | ~pl.col("platform").is_in(platforms), "unknown platform"),
        (pl.col("msg_id").is_null() | (pl.col("msg_id").str.len_bytes() == 0), "msg_id is required"),
        (pl.col("msg_id").str.len_chars() > MAX_ID_LEN, f"msg_id longer than {MAX_ID_LEN}"),
        (pl.col("ts_ms").is_null(), "ts_ms is required"),
        (pl.col("ts_ms") < MIN_TS_MS, "ts_ms is before 2015-01-01 (seconds instead of milliseconds?)"),
        (pl.col("ts_ms") > limit, "ts_ms is more than 24 h in the future"),
        (pl.col("channel").is_not_null() & ~pl.col("channel").is_in(channels), "unknown channel"),
        (pl.col("text").str.len_chars() > MAX_TEXT_LEN, f"text longer than {MAX_TEXT_LEN}"),
    ]
    for name in ("link_no", "qty", "amount_fen", "stock"):
        generic.append((pl.col(name) < 0, f"{name} must be >= 0"))
    checks = list(generic)
    needs: dict[str, list[int]] = {}
    at_least_one: dict[str, list[int]] = {}
    for kind, (required, positive) in KIND_RULES.items():
        is_kind = pl.col(_KIND_CODE) == codes[kind.value]
        for name in sorted(required):
            checks.append((is_kind & _missing(name), f"{name} is required for kind {kind.value}"))
            needs.setdefault(name, []).append(codes[kind.value])
        for name in sorted(positive):
            checks.append((is_kind & (pl.col(name) < 1), f"{name} must be >= 1 for kind {kind.value}"))
            at_least_one.setdefault(name, []).append(codes[kind.value])
    code = pl.col(_KIND_CODE)
    compact = [cond for cond, _ in generic]
    compact += [_missing(name) & code.is_in(kinds) for name, kinds in needs.items()]
    compact += [(pl.col(name) < 1) & code.is_in(kinds) for name, kinds in at_least_one.items()]
    broken = pl.any_horizontal([cond.fill_null(False) for cond in compact]).alias("broken")
    # The first rule broken wins; one flat coalesce plans much faster than nested when/then.
    reason = pl.coalesce([pl.when(cond.fill_null(False)).then(pl.lit(text)) for cond, text in checks])
    return kind_code, broken, reason


def _missing(name: str) -> pl.Expr:
    """A required field is missing when null, or empty for a string field."""
    missing = pl.col(name).is_null()
    return missing | (pl.col(name) == "") if name in STRING_FIELDS else missing
