"""The words matching compares: product categories and production processes, with zh / en names.

A sourcing sheet says 针织 where a JSON file says ``knit``; both become the same key here, so a
capability check is an exact set comparison. Unknown words are refused with the list of known
ones (a typo would otherwise silently make a factory incapable of everything).
"""

from __future__ import annotations

from typing import Final

# key -> (中文, English); the keys are what JSON files and results use
CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "womenswear": ("女装", "womenswear"),
    "menswear": ("男装", "menswear"),
    "kidswear": ("童装", "kidswear"),
    "underwear": ("内衣", "underwear"),
    "sportswear": ("运动服", "sportswear"),
    "shoes": ("鞋靴", "shoes"),
    "bags": ("箱包", "bags"),
    "cosmetics": ("美妆", "cosmetics"),
    "toys": ("玩具", "toys"),
    "accessories": ("饰品", "accessories"),
    "home": ("家居日用", "home goods"),
    "small_goods": ("小商品", "small goods"),
}

PROCESSES: Final[dict[str, tuple[str, str]]] = {
    "woven": ("梭织", "woven"),
    "knit": ("针织", "knit"),
    "sweater": ("毛衫横机", "flat-knit sweaters"),
    "denim": ("牛仔", "denim"),
    "wash": ("水洗", "garment wash"),
    "print": ("印花", "print"),
    "embroidery": ("刺绣", "embroidery"),
    "down": ("羽绒充绒", "down filling"),
    "leather": ("皮革", "leather"),
    "shoes": ("制鞋", "shoemaking"),
    "sewing": ("缝制", "sewing"),
    "injection_molding": ("注塑", "injection moulding"),
    "plush": ("毛绒", "plush"),
    "assembly": ("组装", "assembly"),
    "electronics": ("电子", "electronics"),
    "metal": ("五金", "metalwork"),
    "cosmetics_filling": ("化妆品灌装", "cosmetics filling"),
    "packaging": ("包装", "packaging"),
}

# other spellings a sourcing team writes (besides the keys and the zh / en names above)
_ALIASES: Final[dict[str, str]] = {
    "女士": "womenswear",
    "男士": "menswear",
    "婴童": "kidswear",
    "鞋": "shoes",
    "鞋子": "shoes",
    "化妆品": "cosmetics",
    "彩妆": "cosmetics",
    "护肤": "cosmetics",
    "配饰": "accessories",
    "家居": "home",
    "日用": "home",
    "毛衫": "sweater",
    "毛织": "sweater",
    "横机": "sweater",
    "针织毛衫": "sweater",
    "梭织面料": "woven",
    "数码印花": "print",
    "绣花": "embroidery",
    "羽绒": "down",
    "充绒": "down",
    "灌装": "cosmetics_filling",
    "车缝": "sewing",
    "缝纫": "sewing",
    "鞋类": "shoes",
    "塑料": "injection_molding",
}


def _index(table: dict[str, tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, (zh, en) in table.items():
        for name in (key, zh, en):
            out[_fold(name)] = key
    for alias, key in _ALIASES.items():
        if key in table:
            out[_fold(alias)] = key
    return out


def _fold(text: str) -> str:
    return "".join(text.split()).lower().replace("-", "_")


_CATEGORY_INDEX: Final = _index(CATEGORIES)
_PROCESS_INDEX: Final = _index(PROCESSES)


def category_key(text: str) -> str | None:
    """The category key of ``text`` (a key, 中文名 or English name), None if unknown."""
    return _CATEGORY_INDEX.get(_fold(text))


def process_key(text: str) -> str | None:
    return _PROCESS_INDEX.get(_fold(text))


def known_categories() -> str:
    return ", ".join(f"{k} ({zh})" for k, (zh, _) in CATEGORIES.items())


def known_processes() -> str:
    return ", ".join(f"{k} ({zh})" for k, (zh, _) in PROCESSES.items())


def category_name(key: str, lang: str) -> str:
    zh, en = CATEGORIES.get(key, (key, key))
    return zh if lang == "zh" else en


def process_name(key: str, lang: str) -> str:
    zh, en = PROCESSES.get(key, (key, key))
    return zh if lang == "zh" else en


def split_words(text: str) -> list[str]:
    """'针织、印花;print' -> ['针织', '印花', 'print'] (the separators a spreadsheet cell uses)."""
    for sep in ("、", "，", "；", ";", "|", "/", "+"):
        text = text.replace(sep, ",")
    return [w.strip() for w in text.split(",") if w.strip()]
