"""Room context: turn a classified comment into demand for a concrete (sku, variant).

Pure functions of what is on screen at the moment the comment was sent: which SKU hangs on
which link number, which product is being explained, and each product's variant values
(colours ["米白色", "黑色"], sizes ["S", "M", "L", "XL"]). Matching is fuzzy in the ways viewers
are fuzzy: 米白 ~ 米白色, 黑的 ~ 黑色, XXL ~ 2XL, 38码 ~ 38, and a unique more specific value
(白 → 米白色 when the product has no plain 白色; never 米白 → 白色).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kuaifan.text.classifier import Comment
from kuaifan.text.extract import canonical_size
from kuaifan.text.normalize import fold_width


@dataclass(frozen=True, slots=True)
class ProductOnScreen:
    """One product in the room's cart (小黄车) at this moment."""

    sku_id: str
    link_no: int | None = None
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # words that name it in comments: 耳机, 四件套, 卫衣 …


@dataclass(frozen=True, slots=True)
class RoomContext:
    """What is on screen: the products on their links and the one being explained (讲解中)."""

    products: tuple[ProductOnScreen, ...] = ()
    explaining: str | None = None

    @classmethod
    def from_links(
        cls,
        links: Mapping[int, str],
        variants: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
        explaining: str | None = None,
        keywords: Mapping[str, Sequence[str]] | None = None,
    ) -> RoomContext:
        """Build from ``{link_no: sku_id}`` and ``{sku_id: {"颜色": [...], "尺码": [...]}}``."""
        variants = variants or {}
        keywords = keywords or {}
        products = []
        for link_no, sku in sorted(links.items()):
            spec = variants.get(sku, {})
            products.append(
                ProductOnScreen(
                    sku_id=sku,
                    link_no=link_no,
                    colors=tuple(spec.get("颜色", spec.get("color", ()))),
                    sizes=tuple(spec.get("尺码", spec.get("size", ()))),
                    keywords=tuple(keywords.get(sku, ())),
                )
            )
        return cls(products=tuple(products), explaining=explaining)

    def by_sku(self, sku_id: str) -> ProductOnScreen | None:
        return next((p for p in self.products if p.sku_id == sku_id), None)


@dataclass(frozen=True, slots=True)
class Resolution:
    """The (sku, variant) a comment is about; values are the product's own spelling."""

    sku_id: str | None
    color: str | None = None
    size: str | None = None
    how: str = "none"  # link_no | keyword | variant | explaining | only_product | none
    variant: Mapping[str, str] = field(default_factory=dict)


def _color_core(value: str) -> str:
    v = fold_width(value).replace(" ", "")
    for suffix in ("的", "色", "款"):
        v = v.removesuffix(suffix)
    return v


def match_color(asked: str | None, values: Sequence[str]) -> str | None:
    """The product's colour value that ``asked`` means, or None when none or several fit."""
    if not asked or not values:
        return None
    core = _color_core(asked)
    if not core:
        return None
    cores = [_color_core(v) for v in values]
    exact = [v for v, c in zip(values, cores, strict=True) if c == core]
    if exact:
        return exact[0]
    # the product's value may be more specific than what was typed (白 → 米白色), not the reverse
    partial = [v for v, c in zip(values, cores, strict=True) if c and core in c]
    return partial[0] if len(partial) == 1 else None


def _size_key(value: str) -> str:
    v = fold_width(value).replace(" ", "")
    if v in {"f", "free", "freesize", "onesize", "均码", "均"}:
        return "均码"
    return canonical_size(v) or v.upper().removesuffix("码")


def match_size(asked: str | None, values: Sequence[str]) -> str | None:
    """The product's size value that ``asked`` means (XXL ~ 2XL, 38码 ~ 38), or None."""
    if not asked or not values:
        return None
    key = _size_key(asked)
    hits = [v for v in values if _size_key(v) == key]
    return hits[0] if hits else None


def _which_product(
    comment: Comment, ctx: RoomContext, text: str | None
) -> tuple[ProductOnScreen | None, str]:
    if comment.link_no is not None:
        for p in ctx.products:
            if p.link_no == comment.link_no:
                return p, "link_no"
        return None, "none"
    if text:
        folded = fold_width(text)
        named = [p for p in ctx.products if any(k and fold_width(k) in folded for k in p.keywords)]
        if len(named) == 1:
            return named[0], "keyword"
    if comment.color or comment.size:
        fits = [
            p
            for p in ctx.products
            if (comment.color is None or match_color(comment.color, p.colors))
            and (comment.size is None or match_size(comment.size, p.sizes))
        ]
        if len(fits) == 1:
            return fits[0], "variant"
    if ctx.explaining is not None:
        shown = ctx.by_sku(ctx.explaining)
        if shown is not None:
            return shown, "explaining"
    if len(ctx.products) == 1:
        return ctx.products[0], "only_product"
    return None, "none"


def resolve(comment: Comment, ctx: RoomContext, text: str | None = None) -> Resolution:
    """Resolve one classified comment against the room context at its time."""
    product, how = _which_product(comment, ctx, text)
    if product is None:
        return Resolution(sku_id=None, how="none")
    color = match_color(comment.color, product.colors)
    size = match_size(comment.size, product.sizes)
    variant: dict[str, str] = {}
    if color:
        variant["颜色"] = color
    if size:
        variant["尺码"] = size
    return Resolution(sku_id=product.sku_id, color=color, size=size, how=how, variant=variant)


def resolve_many(
    comments: Sequence[Comment], ctx: RoomContext, texts: Sequence[str] | None = None
) -> list[Resolution]:
    if texts is not None and len(texts) != len(comments):
        raise ValueError("texts and comments differ in length")
    return [resolve(c, ctx, texts[i] if texts is not None else None) for i, c in enumerate(comments)]
