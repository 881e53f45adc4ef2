"""Order JSON saved from the platform APIs (抖店 orderDetail / searchList, 快手 open.order.cursor.list)
as a file source of ``kuaifan ingest``.

A ``.json`` file holds one API response, or a JSON array of responses (pages appended by a script).
Which platform is recognised from the shape. Each order becomes raw items (``doudian_orders``,
``kuaishou_orders``) that go through the file ingest's normalisation (``jsonl.normalise``: tenant,
user id pseudonymisation, nickname policy, ``Event`` rules); a refused order is a dead letter whose
``line`` is the order's 1-based position in the file. Product names go beside the log, as with the
order export. Message ids are the push's and the export's, so the three deduplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import orjson
import polars as pl

from kuaifan.errors import InputError
from kuaifan.events import INT_FIELDS, now_ms, spec_text
from kuaifan.sources import doudian_orders, kuaishou_orders
from kuaifan.sources.base import Batch, DeadLetter
from kuaifan.sources.gate import TenantGate
from kuaifan.sources.jsonl import Normaliser, normalise
from kuaifan.sources.push import raw_text

NAME: Final = "order_pages"
MAX_FILE_BYTES: Final = 256 << 20
_MARKERS: Final = (b'"shop_order_list"', b'"shop_order_detail"', b'"orderList"')
_HEAD: Final = 64 << 10
_LINE: Final = "_line"  # the column jsonl.normalise carries the position in


def _pages(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class OrderPagesSource:
    """FileSource for order pages saved from the 抖店 and 快手 open APIs."""

    name = NAME

    def __init__(self, own_author_ids: Iterable[str] = ()) -> None:
        # None: the tenant's own accounts from kuaifan.toml ([tenants.NAME.platforms.doudian]).
        self.own_author_ids = frozenset(own_author_ids)  # the shop's own accounts: their rooms are 店播

    def sniff(self, path: Path) -> bool:
        if path.suffix.lower() != ".json":
            return False
        try:
            with path.open("rb") as f:
                head = f.read(_HEAD)
        except OSError:
            return False
        return any(m in head for m in _MARKERS)

    def read(self, path: Path, gate: TenantGate) -> Iterator[Batch]:
        source, tenant = str(path), gate.tenant
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InputError(
                    f"{path}：订单 JSON 超过 {MAX_FILE_BYTES >> 20} MB，请按页保存",
                    f"{path}: order JSON over {MAX_FILE_BYTES >> 20} MB; save it page by page",
                )
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(
                f"无法读取 {path}：{exc.strerror}", f"cannot read {path}: {exc.strerror}"
            ) from None
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            yield Batch(
                _empty(), [DeadLetter(source, f"malformed JSON: {exc}", raw_text(data[:4096]), None, tenant)]
            )
            return
        ctx = Normaliser(gate, source, now_ms())
        yield page_batch(_pages(value), ctx, self.own_author_ids)


def page_batch(pages: list[Any], ctx: Normaliser, own_author_ids: frozenset[str]) -> Batch:
    """Normalised rows, dead letters and product names of some order pages."""
    rows: list[dict[str, Any]] = []
    bad: list[DeadLetter] = []
    names: dict[str, str] = {}
    raws: dict[int, Any] = {}
    position = 0
    for page_no, page in enumerate(pages, 1):
        kind = _kind(page)
        if kind is None:
            reason = f"page {page_no}: not a known order page"
            bad.append(DeadLetter(ctx.source, reason, raw_text(page), None, ctx.tenant))
            continue
        orders = doudian_orders.shop_orders(page) if kind == "doudian" else kuaishou_orders.orders(page)
        for order in orders:
            position += 1
            raws[position] = order
            names.update(_doudian_names(order) if kind == "doudian" else _kuaishou_names(order))
            items = (
                doudian_orders.order_items(order, own_author_ids)
                if kind == "doudian"
                else kuaishou_orders.order_items(order)
            )
            for item in items:
                if isinstance(item, str):
                    bad.append(DeadLetter(ctx.source, item, raw_text(order), position, ctx.tenant))
                else:
                    spec = item.get("spec")
                    rows.append(item | {"spec": spec_text(spec) if spec else None, _LINE: position})
    if not rows:
        return Batch(_empty(), bad, names)
    columns = dict.fromkeys(k for row in rows for k in row)
    # Typed up front: a column that is null in every row (no spec anywhere) must still be a String.
    schema = {c: pl.Int64() if c in INT_FIELDS or c == _LINE else pl.String() for c in columns}
    good, refused = normalise(pl.DataFrame(rows, schema=schema), ctx)
    for line, reason in refused.select(_LINE, "reason").iter_rows():
        bad.append(DeadLetter(ctx.source, reason, raw_text(raws.get(line)), line, ctx.tenant))
    return Batch(good, bad, names)


def _kind(page: Any) -> str | None:
    if doudian_orders.is_doudian_page(page):
        return "doudian"
    return "kuaishou" if kuaishou_orders.is_kuaishou_page(page) else None


def _doudian_names(order: Any) -> dict[str, str]:
    lines = order.get("sku_order_list") if isinstance(order, dict) else None
    found = (doudian_orders.product_name(line) for line in lines) if isinstance(lines, list) else ()
    return dict(pair for pair in found if pair is not None)


def _kuaishou_names(order: Any) -> dict[str, str]:
    pair = kuaishou_orders.product_name(order)
    return dict([pair]) if pair is not None else {}


def _empty() -> pl.DataFrame:
    from kuaifan.events import POLARS_SCHEMA

    return pl.DataFrame(schema=POLARS_SCHEMA)
