"""A seeded synthetic industrial-belt world: factories of several belts and the orders brands place.

The shipped data set (``kuaifan/match/data/belts.json``) is ``synthetic_factories(seed=17, n=72)``;
the benchmarks draw bigger worlds from the same rules. What each range stands for, and which public
figures it leans on, is in ``kuaifan/match/data/README.md``. Every figure here is an assumption of
this project, not a measurement of any real factory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from kuaifan.match.factories import FactorySet
from kuaifan.match.orders import OrderSet

Opt = dict[str, float]


@dataclass(frozen=True, slots=True)
class FactoryType:
    weight: float
    categories: tuple[str, ...]
    core: tuple[str, ...]  # processes every factory of the type runs
    optional: tuple[tuple[str, float], ...]  # (process, probability)
    word: str  # 服饰 / 鞋业 … in the name


@dataclass(frozen=True, slots=True)
class Belt:
    code: str
    name: str
    city: str
    province: str
    weight: float  # share of the factories
    types: tuple[FactoryType, ...]
    moq: tuple[int, int]
    capacity: tuple[int, int]  # standard units a day
    prep: tuple[int, int]
    ship: int  # days to a buyer's warehouse in 杭州 (East China)
    base_factor: tuple[float, float]  # quote at the middle tier vs the reference cost
    small_premium: tuple[float, float]  # extra on orders below the middle tier
    setup: tuple[int, int]
    quick_response: float  # share that takes 小单快反 orders
    export: float  # share with export experience
    quality: tuple[float, float]
    on_time: tuple[float, float]


def _t(
    w: float, cats: tuple[str, ...], core: tuple[str, ...], opt: tuple[tuple[str, float], ...], word: str
) -> FactoryType:
    return FactoryType(w, cats, core, opt, word)


BELTS: tuple[Belt, ...] = (
    Belt(
        "HZ",
        "杭州女装",
        "杭州",
        "浙江",
        0.17,
        (
            _t(
                0.6,
                ("womenswear",),
                ("woven", "sewing"),
                (("print", 0.5), ("embroidery", 0.3), ("knit", 0.3), ("down", 0.2)),
                "服饰",
            ),
            _t(0.4, ("womenswear",), ("knit", "sewing"), (("print", 0.4), ("sweater", 0.2)), "针织"),
        ),
        (100, 300),
        (200, 1200),
        (2, 5),
        1,
        (1.00, 1.12),
        (0.08, 0.18),
        (300, 800),
        0.9,
        0.2,
        (0.82, 0.95),
        (0.85, 0.97),
    ),
    Belt(
        "GZ",
        "广州十三行",
        "广州",
        "广东",
        0.17,
        (
            _t(
                0.7,
                ("womenswear",),
                ("woven", "sewing"),
                (("print", 0.6), ("knit", 0.4), ("denim", 0.3), ("wash", 0.2)),
                "制衣",
            ),
            _t(0.3, ("womenswear", "kidswear"), ("knit", "sewing"), (("print", 0.5),), "服饰"),
        ),
        (50, 200),
        (150, 900),
        (1, 4),
        2,
        (0.95, 1.08),
        (0.10, 0.22),
        (200, 600),
        0.95,
        0.35,
        (0.75, 0.92),
        (0.80, 0.95),
    ),
    Belt(
        "CS",
        "常熟男装",
        "苏州常熟",
        "江苏",
        0.12,
        (
            _t(
                0.6,
                ("menswear",),
                ("woven", "sewing"),
                (("down", 0.4), ("print", 0.3), ("knit", 0.3)),
                "服装",
            ),
            _t(
                0.4,
                ("menswear", "womenswear", "sportswear"),
                ("knit", "woven", "sewing"),
                (("down", 0.5), ("print", 0.4)),
                "制衣",
            ),
        ),
        (300, 1000),
        (600, 3000),
        (4, 8),
        1,
        (0.92, 1.04),
        (0.05, 0.12),
        (500, 1200),
        0.4,
        0.5,
        (0.85, 0.96),
        (0.88, 0.98),
    ),
    Belt(
        "PY",
        "濮院毛衫",
        "嘉兴桐乡",
        "浙江",
        0.08,
        (_t(1.0, ("womenswear", "menswear"), ("sweater", "knit"), (("embroidery", 0.2),), "毛织"),),
        (150, 500),
        (300, 1500),
        (3, 6),
        1,
        (0.95, 1.08),
        (0.06, 0.15),
        (300, 700),
        0.7,
        0.3,
        (0.82, 0.94),
        (0.85, 0.96),
    ),
    Belt(
        "ZL",
        "织里童装",
        "湖州织里",
        "浙江",
        0.10,
        (
            _t(
                1.0,
                ("kidswear",),
                ("knit", "woven", "sewing"),
                (("print", 0.6), ("embroidery", 0.4), ("denim", 0.4), ("down", 0.3)),
                "童装",
            ),
        ),
        (100, 300),
        (300, 1500),
        (2, 5),
        1,
        (0.95, 1.08),
        (0.08, 0.18),
        (200, 600),
        0.85,
        0.3,
        (0.80, 0.94),
        (0.84, 0.96),
    ),
    Belt(
        "JJ",
        "晋江鞋服",
        "泉州晋江",
        "福建",
        0.12,
        (
            _t(0.65, ("shoes",), ("shoes",), (("leather", 0.3), ("print", 0.2)), "鞋业"),
            _t(
                0.35,
                ("sportswear", "menswear"),
                ("knit", "sewing"),
                (("print", 0.6), ("woven", 0.4)),
                "体育用品",
            ),
        ),
        (500, 2000),
        (1000, 6000),
        (7, 12),
        2,
        (0.90, 1.02),
        (0.04, 0.10),
        (1000, 3000),
        0.5,
        0.8,
        (0.86, 0.97),
        (0.88, 0.98),
    ),
    Belt(
        "YW",
        "义乌小商品",
        "金华义乌",
        "浙江",
        0.08,
        (
            _t(
                0.5,
                ("small_goods", "home"),
                ("injection_molding", "assembly"),
                (("packaging", 0.7), ("print", 0.3)),
                "日用品",
            ),
            _t(
                0.5,
                ("accessories", "small_goods"),
                ("metal", "assembly"),
                (("sewing", 0.3), ("packaging", 0.6)),
                "饰品",
            ),
        ),
        (500, 3000),
        (2000, 10000),
        (3, 8),
        1,
        (0.90, 1.05),
        (0.05, 0.12),
        (300, 1500),
        0.5,
        0.85,
        (0.78, 0.92),
        (0.82, 0.95),
    ),
    Belt(
        "ST",
        "汕头玩具",
        "汕头澄海",
        "广东",
        0.10,
        (
            _t(
                0.7,
                ("toys",),
                ("injection_molding", "assembly", "packaging"),
                (("electronics", 0.4),),
                "玩具",
            ),
            _t(0.3, ("toys",), ("plush", "sewing", "packaging"), (), "毛绒玩具"),
        ),
        (500, 3000),
        (1000, 8000),
        (7, 15),
        3,
        (0.90, 1.04),
        (0.05, 0.12),
        (1500, 5000),
        0.3,
        0.9,
        (0.82, 0.95),
        (0.85, 0.97),
    ),
    Belt(
        "BY",
        "广州美妆",
        "广州白云",
        "广东",
        0.06,
        (_t(1.0, ("cosmetics",), ("cosmetics_filling", "packaging"), (), "化妆品"),),
        (1000, 5000),
        (3000, 20000),
        (10, 20),
        2,
        (0.92, 1.05),
        (0.05, 0.12),
        (800, 2500),
        0.3,
        0.4,
        (0.85, 0.97),
        (0.86, 0.97),
    ),
)

_WORDS = "锦华盛鑫嘉瑞丰美雅恒隆佳宏源泰达诚信新利凯欣昌旭晟润航森悦彩织绣衡"


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    category: str
    processes: tuple[str, ...]
    cost: tuple[float, float]  # reference cost 核价 range (元)
    qty: float  # median batch
    colors: tuple[str, ...]
    sizes: tuple[str, ...]


# share of orders placed as 小单快反 (only factories that take them): most womenswear and kidswear
_QUICK_SHARE = {"womenswear": 0.8, "kidswear": 0.7, "menswear": 0.4, "sportswear": 0.3}
_WS = ("S", "M", "L", "XL")
_MS = ("M", "L", "XL", "2XL")
_KS = ("100", "110", "120", "130", "140")
_SH = ("36", "37", "38", "39", "40", "41", "42", "43")
_C = ("黑色", "白色", "杏色", "雾霾蓝色", "灰色", "卡其色")
PRODUCTS: tuple[Product, ...] = (
    Product("法式碎花连衣裙", "womenswear", ("woven", "print"), (45, 110), 500, _C, _WS),
    Product("垂感雪纺衬衫", "womenswear", ("woven",), (30, 70), 600, _C, _WS),
    Product("软糯针织开衫", "womenswear", ("knit",), (40, 90), 500, _C, _WS),
    Product("纯棉短袖T恤", "womenswear", ("knit", "print"), (15, 35), 1200, _C, _WS),
    Product("慵懒风毛衣", "womenswear", ("sweater",), (50, 120), 400, _C, _WS),
    Product("高腰直筒牛仔裤", "womenswear", ("denim",), (45, 85), 600, ("蓝色", "黑色"), _WS),
    Product("白鸭绒短款羽绒服", "womenswear", ("woven", "down"), (120, 260), 400, _C, _WS),
    Product("冰丝商务polo衫", "menswear", ("knit",), (30, 60), 800, _C, _MS),
    Product("弹力休闲裤", "menswear", ("woven",), (40, 80), 800, _C, _MS),
    Product("工装夹克", "menswear", ("woven",), (70, 150), 500, _C, _MS),
    Product("羊毛针织衫", "menswear", ("sweater",), (60, 130), 400, _C, _MS),
    Product("轻薄羽绒服", "menswear", ("woven", "down"), (110, 230), 500, _C, _MS),
    Product("儿童纯棉套装", "kidswear", ("knit", "print"), (25, 55), 800, ("粉色", "蓝色", "黄色"), _KS),
    Product("女童刺绣连衣裙", "kidswear", ("woven", "embroidery"), (30, 65), 500, ("粉色", "白色"), _KS),
    Product("休闲运动套装", "sportswear", ("knit", "print"), (50, 100), 800, _C, _MS),
    Product("轻便跑步鞋", "shoes", ("shoes",), (70, 150), 1500, ("黑色", "白色", "灰色"), _SH),
    Product("百搭小白鞋", "shoes", ("shoes",), (60, 120), 1500, ("白色", "米色"), _SH),
    Product("拼装积木", "toys", ("injection_molding", "packaging"), (20, 60), 2000, ("经典款",), ()),
    Product(
        "遥控越野车",
        "toys",
        ("injection_molding", "electronics", "assembly"),
        (60, 150),
        1000,
        ("红色", "蓝色"),
        (),
    ),
    Product("毛绒公仔", "toys", ("plush",), (15, 40), 2000, ("棕色", "粉色"), ()),
    Product("桌面收纳盒", "home", ("injection_molding",), (6, 15), 3000, ("白色", "灰色"), ()),
    Product("珍珠发夹", "accessories", ("metal", "assembly"), (2, 8), 3000, ("白色", "金色"), ()),
    Product(
        "丝绒雾面口红",
        "cosmetics",
        ("cosmetics_filling", "packaging"),
        (6, 15),
        5000,
        ("豆沙色", "正红色"),
        (),
    ),
    Product("保湿面霜", "cosmetics", ("cosmetics_filling",), (10, 25), 4000, ("50g",), ()),
)


def _uniform(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(lo_hi[0], lo_hi[1]))


def _round_to(x: float, step: int) -> int:
    return max(step, round(x / step) * step)


def synthetic_factories(
    seed: int, n: int, start: date = date(2025, 6, 2), days: int = 30, busy: float = 1.0
) -> FactorySet:
    """``n`` factories over the belts (by their weights), with booked load over ``days`` from ``start``;
    ``busy`` scales every factory's booked share (1.5: a peak season, capped at full)."""
    rng = np.random.default_rng(seed)
    weights = np.array([b.weight for b in BELTS])
    counts = np.floor(weights / weights.sum() * n).astype(int)
    for k in np.argsort(-(weights / weights.sum() * n - counts))[: n - counts.sum()]:
        counts[k] += 1
    out: list[dict[str, Any]] = []
    names: set[str] = set()
    for belt, count in zip(BELTS, counts.tolist(), strict=True):
        for k in range(count):
            out.append(_factory(rng, belt, k + 1, days, names, busy))
    return FactorySet.model_validate(
        {
            "start_date": start.isoformat(),
            "factories": out,
            "meta": {"synthetic": True, "seed": seed, "generator": "kuaifan.match.synth.synthetic_factories"},
        }
    )


def _factory(
    rng: np.random.Generator, belt: Belt, number: int, days: int, names: set[str], busy: float = 1.0
) -> dict[str, Any]:
    w = np.array([t.weight for t in belt.types])
    ftype = belt.types[int(rng.choice(len(belt.types), p=w / w.sum()))]
    processes = list(ftype.core) + [p for p, prob in ftype.optional if rng.random() < prob]
    moq = _round_to(float(np.exp(rng.uniform(np.log(belt.moq[0]), np.log(belt.moq[1])))), 50)
    capacity = _round_to(float(np.exp(rng.uniform(np.log(belt.capacity[0]), np.log(belt.capacity[1])))), 50)
    export = bool(rng.random() < belt.export)
    quick = bool(rng.random() < belt.quick_response)
    # export factories turning to the home market (外贸转内销) have more spare capacity
    booked = float(rng.uniform(0.05, 0.5) if export and rng.random() < 0.5 else rng.uniform(0.35, 0.95))
    booked = min(1.0, booked * busy)
    book_days = int(rng.integers(8, days + 6))
    t = np.arange(days)
    load = capacity * booked * np.clip(1.0 - t / book_days, 0.0, 1.0) * rng.uniform(0.85, 1.15, days)
    base = _uniform(rng, belt.base_factor)
    small = _uniform(rng, belt.small_premium) if quick else 0.04
    mid = _round_to(moq * float(rng.uniform(2.5, 4.0)), 50)
    high = _round_to(mid * float(rng.uniform(3.0, 5.0)), 100)
    while True:
        name = f"{belt.city[-2:]}{''.join(rng.choice(list(_WORDS), 2))}{ftype.word}有限公司"
        if name not in names:
            names.add(name)
            break
    return {
        "id": f"{belt.code}-{number:03d}",
        "name": name,
        "belt": belt.name,
        "city": belt.city,
        "province": belt.province,
        "categories": list(ftype.categories),
        "processes": processes,
        "moq_per_style": moq,
        "capacity_per_day": capacity,
        "load_by_day": [round(float(x)) for x in np.minimum(load, capacity)],
        "prep_days": int(rng.integers(belt.prep[0], belt.prep[1] + 1)),
        "ship_days": belt.ship,
        "price_tiers": [
            {"min_qty": 0, "factor": round(base * (1 + small), 3)},
            {"min_qty": mid, "factor": round(base, 3)},
            {"min_qty": high, "factor": round(base * float(rng.uniform(0.93, 0.97)), 3)},
        ],
        "setup_cost": _round_to(_uniform(rng, belt.setup), 50),
        "cost_factor": round(base * float(rng.uniform(0.80, 0.90)), 3),
        "quality_score": round(_uniform(rng, belt.quality), 3),
        "on_time_rate": round(_uniform(rng, belt.on_time), 3),
        "export_experience": export,
        "takes_quick_response": quick,
    }


def synthetic_orders(
    seed: int,
    n: int,
    start: date = date(2025, 6, 2),
    days: int = 30,
    tenant: str = "demo",
    lines: bool = True,
    products: tuple[Product, ...] = PRODUCTS,
) -> OrderSet:
    """``n`` orders due within ``days``: products drawn evenly, batches log-normal around the product's
    usual size, quick response for most apparel."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for k in range(n):
        p = products[int(rng.integers(len(products)))]
        qty = int(np.clip(round(p.qty * float(rng.lognormal(0.0, 0.5)) / 10) * 10, 50, 50 * p.qty))
        order: dict[str, Any] = {
            "id": f"PO{start:%m%d}-{k + 1:04d}",
            "style": f"S{k + 1:04d}",
            "product_name": p.name,
            "category": p.category,
            "processes": list(p.processes),
            "unit_cost": round(_uniform(rng, p.cost), 1),
            "due_date": (start + timedelta(days=int(rng.integers(min(8, days), days + 1)))).isoformat(),
            "quick_response": bool(rng.random() < _QUICK_SHARE.get(p.category, 0.0)),
        }
        if lines:
            order["lines"] = _lines(rng, p, f"S{k + 1:04d}", qty)
        else:
            order["qty"] = qty
        out.append(order)
    return OrderSet.model_validate({"start_date": start.isoformat(), "tenant": tenant, "orders": out})


def _lines(rng: np.random.Generator, p: Product, style: str, qty: int) -> list[dict[str, Any]]:
    colors = list(rng.choice(p.colors, size=min(len(p.colors), int(rng.integers(1, 4))), replace=False))
    sizes: list[str | None] = list(p.sizes) or [None]
    weights = np.outer(rng.dirichlet(np.ones(len(colors)) * 3), _size_curve(len(sizes))).ravel()
    units = np.floor(weights * qty).astype(int)
    units[np.argsort(-(weights * qty - units))[: qty - units.sum()]] += 1
    cells = [(c, s) for c in colors for s in sizes]
    return [
        {"sku": f"{style}-{c}" + (f"-{s}" if s else ""), "color": str(c), "size": s, "qty": int(q)}
        for (c, s), q in zip(cells, units.tolist(), strict=True)
        if q > 0
    ]


def _size_curve(n: int) -> np.ndarray:
    x = np.arange(n) - (n - 1) / 2
    w = np.exp(-0.5 * (x / max(1.0, n / 3)) ** 2)
    out: np.ndarray = w / w.sum()
    return out


def belts_json(seed: int, n: int) -> str:
    """The shipped ``belts.json``: ``synthetic_factories(seed, n)`` with loads counted from the day the
    orders are placed (no start_date), one array of numbers per line."""
    import json
    import re

    fs = synthetic_factories(seed, n)
    data = fs.model_dump(mode="json")
    data["start_date"] = None
    data["meta"]["note"] = (
        "synthetic; every figure is an assumption (see README.md); "
        "load_by_day counts from the day the orders are placed"
    )
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return (
        re.sub(
            r"\[\s*([-\d.,\s]+?)\s*\]",
            lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]",
            text,
        )
        + "\n"
    )
