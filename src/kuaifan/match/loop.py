"""Matching in the loop: the planner's orders to factories, their purchase orders, re-order rounds.

- ``orders_from_plan``: the orders to place now of ``kuaifan plan --json`` as one match order per
  style (its variants the colour × size lines), due on the plan's delivery date;
- ``reorders_from_plan``: its re-order rules as forecast demand (a factory's view of what may come);
- ``purchase_orders``: one 采购单 per matched factory with its name, the delivery date and each
  line's product name, colour and size;
- ``book_result`` / ``rematch``: a later round sees the factories' load with what earlier rounds
  booked on them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from kuaifan.errors import InputError
from kuaifan.match.book import FactoryBook, Job
from kuaifan.match.engine import match
from kuaifan.match.factories import FactorySet
from kuaifan.match.instance import free_capacity
from kuaifan.match.orders import MatchOrder, MatchSettings, OrderSet, SkuLine
from kuaifan.match.result import MatchResult
from kuaifan.match.vocab import category_key, process_key
from kuaifan.plan.model import OrderLine, PlanResult
from kuaifan.plan.purchase_orders import PoLine, PurchaseOrder, write_pos

# product-name words -> category (first match wins) and processes (every match adds)
_CATEGORY_WORDS = (
    (("鞋", "靴"), "shoes"),
    (("童", "儿童", "宝宝", "婴"), "kidswear"),
    (("口红", "面霜", "精华", "粉底", "眼影", "唇", "乳液", "面膜"), "cosmetics"),
    (("玩具", "积木", "公仔", "遥控", "毛绒"), "toys"),
    (("发夹", "耳环", "项链", "手链", "饰"), "accessories"),
    (("收纳", "杯", "餐具", "毛巾"), "home"),
    (("运动套装", "运动服"), "sportswear"),
    (("男", "商务", "工装"), "menswear"),
    (
        (
            "裙",
            "衣",
            "裤",
            "衫",
            "T恤",
            "外套",
            "羽绒服",
            "棉服",
            "大衣",
            "西装",
            "风衣",
            "套装",
            "打底",
            "夹克",
        ),
        "womenswear",
    ),
)
_PROCESS_WORDS = (
    (("针织", "开衫", "T恤", "卫衣", "打底", "polo"), "knit"),
    (("毛衣", "毛衫", "羊毛针织"), "sweater"),
    (("牛仔",), "denim"),
    (("羽绒",), "down"),
    (("碎花", "印花"), "print"),
    (("刺绣", "绣花"), "embroidery"),
    (
        (
            "衬衫",
            "连衣裙",
            "裤",
            "西装",
            "外套",
            "风衣",
            "夹克",
            "大衣",
            "雪纺",
            "半身裙",
            "羽绒服",
            "棉服",
            "冲锋衣",
        ),
        "woven",
    ),
)


def guess_category(name: str | None) -> tuple[str | None, list[str]]:
    """(category, processes) read from a product name, e.g. 法式碎花连衣裙 -> womenswear, [print, woven]."""
    if not name:
        return None, []
    category = next((cat for words, cat in _CATEGORY_WORDS if any(w in name for w in words)), None)
    processes = [p for words, p in _PROCESS_WORDS if any(w.lower() in name.lower() for w in words)]
    if category not in ("womenswear", "menswear", "kidswear", "sportswear"):
        processes = []
    if "sweater" in processes and "knit" in processes:
        processes.remove("knit")
    if "denim" in processes and "woven" in processes:  # denim is its own line
        processes.remove("woven")
    return category, processes


def orders_from_plan(
    plan: PlanResult,
    *,
    tenant: str | None = None,
    category: str | None = None,
    processes: list[str] | None = None,
    max_late_days: int = 7,
    start_date: date | None = None,
) -> OrderSet:
    """The plan's orders to place now, one match order per style, due on the plan's delivery date.

    The category and processes come from ``category`` / ``processes`` if given, else from the product
    name (``guess_category``); a style with neither is an InputError naming it."""
    start = plan.start_date or start_date or date.today()
    by_style: dict[str, list[OrderLine]] = defaultdict(list)
    for line in plan.orders:
        by_style[line.style].append(line)
    if not by_style:
        raise InputError("计划里没有现在要下的订单", "the plan has no orders to place now")
    orders: list[MatchOrder] = []
    for style, lines in sorted(by_style.items()):
        name = next((ln.product_name for ln in lines if ln.product_name), None)
        guessed, guessed_processes = guess_category(name)
        cat = category_key(category) if category else guessed
        if cat is None:
            raise InputError(
                f"款式 {style} 的品类无法从商品名称判断（{name or '无名称'}）：请用 --category 指定",
                f"cannot tell the category of style {style} from its product name ({name or 'no name'}): "
                "give --category",
                style=style,
            )
        procs = [process_key(p) or p for p in processes] if processes is not None else guessed_processes
        qty = sum(ln.qty for ln in lines)
        amount = sum(ln.unit_price * ln.qty for ln in lines)
        due = min(ln.delivery_date or start + timedelta(days=ln.delivery_day) for ln in lines)
        merged: dict[str, OrderLine] = {}
        for ln in lines:  # one line per variant (the planner may order it at two factories)
            merged[ln.variant] = (
                ln.model_copy(update={"qty": merged[ln.variant].qty + ln.qty}) if ln.variant in merged else ln
            )
        orders.append(
            MatchOrder(
                id=f"{style}-{start:%Y%m%d}",
                style=style,
                product_name=name,
                category=cat,
                processes=procs,
                lines=[
                    SkuLine(sku=v.variant, color=v.color, size=v.size, qty=v.qty) for v in merged.values()
                ],
                unit_cost=round(amount / qty, 4),
                due_date=max(due, start),
                max_late_days=max_late_days,
                tenant=tenant,
            )
        )
    return OrderSet(start_date=start, tenant=tenant, orders=orders, meta={"from": "kuaifan plan"})


def reorders_from_plan(
    plan: PlanResult,
    *,
    tenant: str | None = None,
    category: str | None = None,
    processes: list[str] | None = None,
    unit_cost: dict[str, float] | None = None,
) -> list[MatchOrder]:
    """The plan's re-order rules as forecast demand: one per rule with orders, with its probability,
    placed on the rule's day, due on its delivery day (days of the plan)."""
    start = plan.start_date or date.today()
    price = {ln.style: ln.unit_price for ln in plan.orders}
    names = {ln.style: ln.product_name for ln in plan.orders if ln.product_name}
    out: list[MatchOrder] = []
    for k, rule in enumerate(plan.reorder_policy):
        qty = sum(o.qty for o in rule.orders)
        if qty <= 0:
            continue
        guessed, guessed_processes = guess_category(names.get(rule.style))
        cat = category_key(category) if category else guessed
        cost = (unit_cost or {}).get(rule.style, price.get(rule.style))
        if cat is None or cost is None:
            continue  # nothing to tell a factory: no category or no price known
        out.append(
            MatchOrder(
                id=f"{rule.style}-R{rule.day}-{k}",
                style=rule.style,
                product_name=names.get(rule.style),
                category=cat,
                processes=[process_key(p) or p for p in processes]
                if processes is not None
                else guessed_processes,
                qty=qty,
                unit_cost=cost,
                due_date=start + timedelta(days=max(o.delivery_day for o in rule.orders)),
                release_day=rule.day,
                kind="forecast_reorder",
                probability=max(rule.probability, 1e-6),
                tenant=tenant,
            )
        )
    return out


def purchase_orders(result: MatchResult) -> list[PurchaseOrder]:
    """One purchase order per matched factory: its lines with names, colours, sizes, delivery dates."""
    by_factory: dict[str, list[PoLine]] = defaultdict(list)
    header: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    for a in result.assignments:
        header[a.factory_id] = (
            a.factory_name,
            [("工厂编号 Factory id", a.factory_id), ("产业带 Belt", f"{a.belt} {a.city}")],
        )
        price = a.unit_price
        lines = a.lines or []
        if not lines:
            by_factory[a.factory_id].append(
                PoLine(a.style, a.style, a.qty, price, a.qty * price, a.delivery_date, a.product_name)
            )
        for ln in lines:
            by_factory[a.factory_id].append(
                PoLine(
                    a.style,
                    ln.sku,
                    ln.qty,
                    price,
                    ln.qty * price,
                    a.delivery_date,
                    a.product_name,
                    ln.color,
                    ln.size,
                )
            )
    return [
        PurchaseOrder(
            factory_id=fid,
            factory=header[fid][0],
            order_date=result.start_date,
            lines=sorted(lines, key=lambda ln: (ln.style, ln.variant)),
            header=header[fid][1],
        )
        for fid, lines in sorted(by_factory.items())
    ]


def write_purchase_orders(result: MatchResult, out_dir: Path) -> list[Path]:
    return write_pos(purchase_orders(result), out_dir)


def book_result(factories: FactorySet, result: MatchResult) -> FactorySet:
    """The factories with what ``result`` booked on them added to their load, day by day (each
    factory's production scheduled earliest due first within its free capacity)."""
    by_id = factories.by_id()
    horizon = max(((a.delivery_date - result.start_date).days + 1 for a in result.assignments), default=1)
    jobs: dict[str, list[Job]] = defaultdict(list)
    for a in result.assignments:
        f = by_id.get(a.factory_id)
        if f is None:
            continue
        start = (a.production_start - result.start_date).days
        for d in a.deliveries:
            end = (d.date - result.start_date).days - f.ship_days
            jobs[a.factory_id].append(Job(a.order_id, start, end, d.qty * a.work_factor))
    updated = []
    for f in factories.factories:
        if f.id not in jobs:
            updated.append(f)
            continue
        free = free_capacity(f, result.start_date, factories.start_date, horizon)
        book = FactoryBook(free, jobs[f.id])
        made = book.schedule().sum(axis=0)
        load_start = f.load_start or factories.start_date or result.start_date
        offset = (result.start_date - load_start).days
        load = list(f.load_by_day)
        for t, units in enumerate(made.tolist()):
            k = t + offset
            if units <= 0 or k < 0:
                continue
            load += [0.0] * (k + 1 - len(load))
            load[k] = min(f.capacity_per_day, load[k] + units)
        updated.append(f.model_copy(update={"load_by_day": load[:366], "load_start": load_start}))
    return factories.model_copy(update={"factories": updated})


def rematch(
    previous: list[MatchResult],
    factories: FactorySet,
    orders: OrderSet,
    settings: MatchSettings | None = None,
) -> tuple[MatchResult, FactorySet]:
    """A re-order round: match ``orders`` against the factories' load plus what ``previous`` rounds
    booked; also returns that booked factory set (for the next round)."""
    booked = factories
    for result in previous:
        booked = book_result(booked, result)
    return match(orders, booked, settings), booked
