"""The simulated tenant: brands, their products and variants (SKUs), prices in fen.

The catalogue is tenant-level and depends only on the seed, so one product keeps its
item_id / sku_ids in every room that sells it (store rooms of its brand, influencer rooms).
Each variant is a point on two axes: colour × size for apparel, shoes and kids' clothing,
shade, flavour × pack or colour × version for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from kuaifan.events import spec_text

# Axis names used in specs (the keys of Event.spec).
COLOR = "颜色"
SIZE = "尺码"
SHADE = "色号"
FLAVOR = "口味"
PACK = "规格"
VERSION = "版本"

CATEGORIES = ("apparel", "shoes", "beauty", "food", "home", "kids", "digital")
SIZED_CATEGORIES = frozenset({"apparel", "shoes", "kids"})

WOMEN_SIZES = ("S", "M", "L", "XL", "2XL")
MEN_SIZES = ("M", "L", "XL", "2XL", "3XL")
WOMEN_SHOES = ("35", "36", "37", "38", "39", "40")
MEN_SHOES = ("39", "40", "41", "42", "43", "44")
KIDS_SIZES = ("90", "100", "110", "120", "130", "140", "150")

APPAREL_COLORS = (
    "黑色",
    "白色",
    "米白色",
    "奶白色",
    "杏色",
    "卡其色",
    "灰色",
    "藏青色",
    "粉色",
    "蓝色",
    "雾霾蓝色",
    "绿色",
    "酒红色",
    "燕麦色",
    "咖啡色",
    "焦糖色",
)
SHOE_COLORS = ("黑色", "白色", "米色", "灰色", "棕色", "粉色", "卡其色")
KIDS_COLORS = ("粉色", "蓝色", "黄色", "白色", "灰色", "绿色", "红色")
HOME_COLORS = ("灰色", "白色", "米色", "蓝色", "粉色", "绿色")
DIGITAL_COLORS = ("黑色", "白色", "蓝色", "粉色", "银色")
LIPSTICK_SHADES = ("豆沙色", "正红色", "枫叶红色", "奶茶色", "番茄红色", "砖红色")


@dataclass(frozen=True, slots=True)
class ProductTemplate:
    """A kind of product a brand sells: its name, what viewers call it, price range, axes."""

    name: str
    noun: str  # what a viewer types: 裙子, 鞋, 牛肉干 …
    price_yuan: tuple[int, int]
    axis1: tuple[str, tuple[str, ...]]  # (spec key, values): colours, shades, flavours
    axis2: tuple[str, tuple[str, ...]] | None  # sizes, packs, versions, or none
    line: str = ""  # women / men / kids for sized goods (whose body the size follows)


def _t(
    name: str,
    noun: str,
    price: tuple[int, int],
    axis1: tuple[str, tuple[str, ...]],
    axis2: tuple[str, tuple[str, ...]] | None = None,
    line: str = "",
) -> ProductTemplate:
    return ProductTemplate(name, noun, price, axis1, axis2, line)


_W = (COLOR, APPAREL_COLORS)
_WSH = (SIZE, WOMEN_SHOES)
_MSH = (SIZE, MEN_SHOES)
_KS = (SIZE, KIDS_SIZES)
_WS = (SIZE, WOMEN_SIZES)
_MS = (SIZE, MEN_SIZES)
TEMPLATES: dict[str, tuple[ProductTemplate, ...]] = {
    "apparel_women": (
        _t("法式碎花连衣裙", "裙子", (129, 259), _W, _WS, "women"),
        _t("冰丝阔腿裤", "裤子", (69, 139), _W, _WS, "women"),
        _t("高腰直筒牛仔裤", "牛仔裤", (99, 199), (COLOR, ("蓝色", "黑色", "灰色", "白色")), _WS, "women"),
        _t("软糯针织开衫", "开衫", (99, 229), _W, _WS, "women"),
        _t("纯棉短袖T恤", "T恤", (39, 89), _W, _WS, "women"),
        _t("冰丝防晒衣", "防晒衣", (59, 129), _W, _WS, "women"),
        _t("双面羊毛大衣", "大衣", (399, 899), _W, _WS, "women"),
        _t("白鸭绒短款羽绒服", "羽绒服", (299, 699), _W, _WS, "women"),
        _t("加绒连帽卫衣", "卫衣", (89, 169), _W, _WS, "women"),
        _t("垂感雪纺衬衫", "衬衫", (79, 159), _W, _WS, "women"),
        _t("高腰A字半身裙", "半身裙", (79, 169), _W, _WS, "women"),
        _t("小香风西装外套", "西装", (199, 399), _W, _WS, "women"),
        _t("德绒打底衫", "打底衫", (49, 99), _W, _WS, "women"),
        _t("慵懒风毛衣", "毛衣", (119, 259), _W, _WS, "women"),
        _t("休闲运动套装", "套装", (139, 299), _W, _WS, "women"),
        _t("中长款风衣", "风衣", (259, 499), _W, _WS, "women"),
    ),
    "apparel_men": (
        _t("冰丝商务polo衫", "polo衫", (99, 199), _W, _MS, "men"),
        _t("弹力休闲裤", "裤子", (109, 199), _W, _MS, "men"),
        _t("工装夹克", "夹克", (199, 399), _W, _MS, "men"),
        _t("重磅纯棉卫衣", "卫衣", (129, 229), _W, _MS, "men"),
        _t("免烫长袖衬衫", "衬衫", (119, 219), _W, _MS, "men"),
        _t("轻薄羽绒服", "羽绒服", (299, 599), _W, _MS, "men"),
        _t("宽松圆领T恤", "T恤", (49, 99), _W, _MS, "men"),
        _t("运动短裤", "短裤", (49, 109), _W, _MS, "men"),
        _t("立领棉服", "棉服", (199, 399), _W, _MS, "men"),
        _t("羊毛针织衫", "针织衫", (159, 299), _W, _MS, "men"),
        _t("直筒牛仔裤", "牛仔裤", (129, 239), (COLOR, ("蓝色", "黑色", "灰色")), _MS, "men"),
        _t("户外冲锋衣", "冲锋衣", (259, 599), _W, _MS, "men"),
    ),
    "shoes": (
        _t(
            "百搭小白鞋",
            "小白鞋",
            (129, 259),
            (COLOR, ("白色", "米色", "粉色")),
            _WSH,
            "women",
        ),
        _t("增高老爹鞋", "老爹鞋", (159, 299), (COLOR, SHOE_COLORS), _WSH, "women"),
        _t(
            "软皮乐福鞋",
            "乐福鞋",
            (169, 329),
            (COLOR, ("黑色", "棕色", "米色")),
            _WSH,
            "women",
        ),
        _t("英伦马丁靴", "马丁靴", (199, 399), (COLOR, ("黑色", "棕色")), _WSH, "women"),
        _t("帆布鞋", "帆布鞋", (69, 139), (COLOR, SHOE_COLORS), _WSH, "women"),
        _t("缓震跑步鞋", "跑鞋", (199, 459), (COLOR, SHOE_COLORS), _MSH, "men"),
        _t("一字带凉鞋", "凉鞋", (89, 179), (COLOR, ("黑色", "米色", "卡其色")), _WSH, "women"),
        _t("尖头单鞋", "单鞋", (129, 239), (COLOR, ("黑色", "米色", "粉色")), _WSH, "women"),
        _t("切尔西靴", "靴子", (259, 459), (COLOR, ("黑色", "棕色", "卡其色")), _MSH, "men"),
        _t("休闲板鞋", "板鞋", (119, 229), (COLOR, SHOE_COLORS), _MSH, "men"),
    ),
    "kids": (
        _t("儿童加绒卫衣", "卫衣", (69, 129), (COLOR, KIDS_COLORS), _KS, "kids"),
        _t("儿童运动套装", "套装", (99, 189), (COLOR, KIDS_COLORS), _KS, "kids"),
        _t("女童公主连衣裙", "裙子", (89, 169), (COLOR, ("粉色", "白色", "黄色")), _KS, "kids"),
        _t("男童工装裤", "裤子", (59, 119), (COLOR, ("灰色", "黑色", "绿色")), _KS, "kids"),
        _t("儿童轻薄羽绒服", "羽绒服", (159, 299), (COLOR, KIDS_COLORS), _KS, "kids"),
        _t("纯棉儿童睡衣", "睡衣", (49, 99), (COLOR, KIDS_COLORS), _KS, "kids"),
        _t("儿童防晒衣", "防晒衣", (49, 89), (COLOR, KIDS_COLORS), _KS, "kids"),
        _t("儿童牛仔外套", "外套", (99, 179), (COLOR, ("蓝色", "黑色")), _KS, "kids"),
    ),
    "beauty": (
        _t("丝绒哑光口红", "口红", (89, 199), (SHADE, LIPSTICK_SHADES)),
        _t("持妆粉底液", "粉底液", (139, 299), (SHADE, ("01亮白", "02自然", "03小麦"))),
        _t("保湿修护面霜", "面霜", (129, 329), (PACK, ("30g", "50g"))),
        _t("烟酰胺精华液", "精华", (159, 359), (PACK, ("30ml", "50ml"))),
        _t("清爽防晒霜", "防晒霜", (69, 159), (PACK, ("40ml", "60ml"))),
        _t("温和卸妆油", "卸妆油", (59, 139), (PACK, ("150ml", "200ml"))),
        _t("补水面膜", "面膜", (49, 119), (PACK, ("5片装", "10片装", "20片装"))),
        _t("氨基酸洗面奶", "洗面奶", (39, 99), (PACK, ("100g", "120g"))),
    ),
    "food": (
        _t(
            "风干牛肉干",
            "牛肉干",
            (39, 99),
            (FLAVOR, ("原味", "香辣味", "五香味", "孜然味")),
            (PACK, ("250g", "500g")),
        ),
        _t("每日坚果", "坚果", (59, 139), (FLAVOR, ("原味", "混合装")), (PACK, ("15包", "30包"))),
        _t(
            "柳州螺蛳粉",
            "螺蛳粉",
            (29, 69),
            (FLAVOR, ("原味", "加辣", "超辣")),
            (PACK, ("3袋", "5袋", "10袋")),
        ),
        _t("土蜂蜜", "蜂蜜", (49, 119), (FLAVOR, ("百花蜜", "槐花蜜", "枣花蜜")), (PACK, ("500g", "1kg"))),
        _t(
            "低脂鸡胸肉",
            "鸡胸肉",
            (39, 89),
            (FLAVOR, ("原味", "黑椒味", "奥尔良味")),
            (PACK, ("10袋", "20袋")),
        ),
        _t("手工辣条", "辣条", (19, 49), (FLAVOR, ("微辣", "中辣", "特辣")), (PACK, ("10包", "20包"))),
        _t("高山绿茶", "茶叶", (69, 199), (FLAVOR, ("明前", "雨前")), (PACK, ("100g", "250g"))),
        _t("零食大礼包", "大礼包", (49, 129), (FLAVOR, ("经典款", "辣味款")), (PACK, ("20包", "40包"))),
    ),
    "home": (
        _t("大容量收纳盒", "收纳盒", (29, 69), (COLOR, HOME_COLORS), (PACK, ("小号", "中号", "大号"))),
        _t("纯棉四件套", "四件套", (159, 399), (COLOR, HOME_COLORS), (PACK, ("1.5m床", "1.8m床"))),
        _t("冰丝凉席", "凉席", (99, 229), (COLOR, HOME_COLORS), (PACK, ("1.5m床", "1.8m床"))),
        _t("免手洗拖把", "拖把", (49, 119), (COLOR, ("灰色", "蓝色", "白色")), (PACK, ("标准款", "加长款"))),
        _t("316保温杯", "保温杯", (59, 139), (COLOR, HOME_COLORS), (PACK, ("350ml", "500ml"))),
        _t("长绒棉毛巾", "毛巾", (29, 69), (COLOR, HOME_COLORS), (PACK, ("3条装", "5条装"))),
        _t("乳胶枕", "枕头", (99, 259), (COLOR, ("白色", "灰色")), (PACK, ("单只", "一对"))),
    ),
    "digital": (
        _t("降噪蓝牙耳机", "耳机", (129, 399), (COLOR, ("黑色", "白色")), (VERSION, ("标准版", "降噪版"))),
        _t("快充充电宝", "充电宝", (69, 179), (COLOR, DIGITAL_COLORS), (PACK, ("10000mAh", "20000mAh"))),
        _t("磁吸手机壳", "手机壳", (29, 79), (COLOR, DIGITAL_COLORS), (PACK, ("iPhone15", "iPhone16"))),
        _t("智能手表", "手表", (299, 799), (COLOR, ("黑色", "银色", "粉色")), (VERSION, ("标准版", "NFC版"))),
        _t("便携蓝牙音箱", "音箱", (99, 259), (COLOR, DIGITAL_COLORS), (VERSION, ("标准版", "Pro版"))),
        _t("编织快充数据线", "数据线", (19, 49), (COLOR, DIGITAL_COLORS), (PACK, ("1米", "2米"))),
    ),
}
TEMPLATE_CATEGORY = {
    "apparel_women": "apparel",
    "apparel_men": "apparel",
    "shoes": "shoes",
    "kids": "kids",
    "beauty": "beauty",
    "food": "food",
    "home": "home",
    "digital": "digital",
}

# (brand id, brand name, template groups). Invented names.
BRANDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("b1", "云织", ("apparel_women",)),
    ("b2", "北野", ("apparel_men",)),
    ("b3", "步青", ("shoes",)),
    ("b4", "青禾", ("beauty",)),
    ("b5", "山野食记", ("food",)),
    ("b6", "小象童装", ("kids",)),
    ("b7", "栖家", ("home", "digital")),
)
INFLUENCERS = ("kol-01", "kol-02", "kol-03", "kol-04", "kol-05")
_PLAIN_ID = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass(frozen=True, slots=True)
class Variant:
    sku_id: str
    spec: dict[str, str]
    spec_json: str
    axis1: str  # the value on axis 1 (colour, shade, flavour)
    axis2: str | None  # the value on axis 2 (size, pack, version)
    price_fen: int


@dataclass(frozen=True, slots=True)
class Product:
    item_id: str
    brand_id: str
    brand_name: str
    name: str
    noun: str
    category: str
    line: str
    axis1_key: str
    axis1: tuple[str, ...]
    axis2_key: str | None
    axis2: tuple[str, ...]
    axis1_weights: tuple[float, ...]  # demand mix over axis 1 (ground truth)
    axis2_weights: tuple[float, ...]  # demand mix over axis 2 when it is not a body size
    variants: tuple[Variant, ...]  # index = i1 * max(1, len(axis2)) + i2
    base_price_fen: int
    appeal: float  # relative pull of the product (clicks, buys); top ones are the room's hot items

    @property
    def sized(self) -> bool:
        return self.axis2_key == SIZE

    @property
    def colors(self) -> tuple[str, ...]:
        """Colour words viewers may name (colours, lipstick shades)."""
        if self.axis1_key == COLOR or (self.axis1_key == SHADE and self.axis1[0].endswith("色")):
            return self.axis1
        return ()

    def variant_index(self, i1: int, i2: int) -> int:
        return i1 * max(1, len(self.axis2)) + i2


@dataclass(frozen=True, slots=True)
class Brand:
    brand_id: str
    name: str
    products: tuple[Product, ...]


@dataclass(frozen=True, slots=True)
class World:
    tenant: str
    brands: tuple[Brand, ...]
    influencers: tuple[str, ...]


def round_price(yuan: float) -> int:
    """A live-room price: whole yuan ending in 9 (59, 129, 399), returned in fen."""
    whole = max(9, round(yuan / 10.0) * 10 - 1)
    return whole * 100


def _mix(rng: np.random.Generator, n: int, concentration: float) -> tuple[float, ...]:
    """A demand mix over n values with a dominant first few (black sells, 3XL less so)."""
    alpha = concentration * (0.55 ** np.arange(n) + 0.25)
    w = rng.dirichlet(alpha)
    return tuple(float(x) for x in w)


def _product(
    rng: np.random.Generator, brand_id: str, brand_name: str, idx: int, category: str, t: ProductTemplate
) -> Product:
    key1, values1 = t.axis1
    n1 = len(values1) if key1 != COLOR else min(len(values1), int(rng.integers(2, 5)))
    order = rng.permutation(len(values1)) if key1 == COLOR else np.arange(len(values1))
    axis1 = tuple(values1[i] for i in sorted(order[:n1].tolist()))
    if key1 == COLOR and "黑色" in values1 and "黑色" not in axis1 and rng.random() < 0.6:
        axis1 = ("黑色", *axis1[1:])  # black is almost always offered
    key2, axis2 = (t.axis2[0], t.axis2[1]) if t.axis2 else (None, ())
    base = round_price(float(rng.uniform(*t.price_yuan)))
    item_id = f"{brand_id}-p{idx + 1:03d}"
    variants: list[Variant] = []
    for _i1, v1 in enumerate(axis1):
        for i2, v2 in enumerate(axis2 or (None,)):
            spec = {key1: v1} if v2 is None or key2 is None else {key1: v1, key2: v2}
            step = 1.0 if key2 in (None, SIZE) else 1.0 + 0.6 * i2  # bigger pack, higher price
            variants.append(
                Variant(
                    sku_id=f"{item_id}-{len(variants) + 1:02d}",
                    spec=spec,
                    spec_json=spec_text(spec) or "{}",
                    axis1=v1,
                    axis2=v2,
                    price_fen=round_price(base / 100 * step),
                )
            )
    return Product(
        item_id=item_id,
        brand_id=brand_id,
        brand_name=brand_name,
        name=t.name,
        noun=t.noun,
        category=category,
        line=t.line,
        axis1_key=key1,
        axis1=axis1,
        axis2_key=key2,
        axis2=tuple(axis2),
        axis1_weights=_mix(rng, len(axis1), 4.0),
        axis2_weights=_mix(rng, len(axis2), 6.0) if axis2 and key2 != SIZE else (),
        variants=tuple(variants),
        base_price_fen=base,
        appeal=float(rng.lognormal(0.0, 0.45)),
    )


def build_world(seed_seq: np.random.SeedSequence, tenant: str) -> World:
    """The tenant's brands and catalogue; depends only on the seed (not on the number of rooms)."""
    rng = np.random.default_rng(seed_seq)
    brands: list[Brand] = []
    for brand_id, name, groups in BRANDS:
        templates = [(TEMPLATE_CATEGORY[g], t) for g in groups for t in TEMPLATES[g]]
        products = tuple(_product(rng, brand_id, name, i, c, t) for i, (c, t) in enumerate(templates))
        brands.append(Brand(brand_id, name, products))
    for p in (p for b in brands for p in b.products):
        # The JSONL writer splices ids in without escaping: keep them plain.
        if not all(_PLAIN_ID.match(i) for i in (p.item_id, *(v.sku_id for v in p.variants))):
            raise ValueError(f"catalogue id of {p.name!r} is not plain ASCII")
    return World(tenant=tenant, brands=tuple(brands), influencers=INFLUENCERS)
