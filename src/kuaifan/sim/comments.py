"""Live-room comments in Chinese with exact labels (intent + height, weight, size, colour, link).

The room decides who comments, when, with which intent and about which variant (the
commenter's body, the colour they want, whether it has sold out); this module turns that
into text. Labels follow shared/data/README.md: fields describe the wearer and are null
unless the comment states them; two sizes or colours without a choice give null.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kuaifan.events import COMMENT_INTENTS as INTENTS
from kuaifan.sim.surface import (
    color_text,
    decorate,
    height_text,
    link_text,
    size_text,
    stated_height,
    weight_text,
)

INTENT_CODE = {name: i for i, name in enumerate(INTENTS)}

# How a comment came about (decides the template family).
FORM_BACKGROUND = 0
FORM_BOUGHT = 1  # right after the viewer's order was paid
FORM_MISSED = 2  # right after the viewer failed to buy a sold-out variant
FORM_KOU1 = 3  # the host asked the room to type 1

WEARER_SELF = 0
WEARER_PARTNER = 1
WEARER_CHILD = 2

CITIES = ("广州", "北京", "上海", "成都", "杭州", "武汉", "西安", "沈阳", "昆明", "哈尔滨", "长沙", "郑州")
REMOTE = ("新疆", "西藏", "内蒙古", "青海", "海南", "甘肃", "宁夏")
EXTRA_COLORS = ("紫色", "黄色", "红色", "墨绿色", "香芋紫色", "牛仔蓝色", "驼色", "银色")

Labels = tuple[str, int | None, float | None, str | None, str | None, int | None]


def _lab(
    intent: str,
    h: int | None = None,
    w: float | None = None,
    size: str | None = None,
    color: str | None = None,
    link: int | None = None,
) -> Labels:
    """(intent, height_cm, weight_kg, size, color, link_no)."""
    return intent, h, w, size, color, link


@dataclass(slots=True)
class Ctx:
    """What the commenter knows and wants at that moment."""

    category: str
    noun: str
    line: str
    link_no: int
    max_link: int
    colors: tuple[str, ...]  # colour words of the product on screen ('' if none)
    color: str | None  # colour of the variant they want
    size: str | None  # size they fit / want
    alt_size: str | None  # the neighbouring size they hesitate over
    option: str | None  # flavour / pack / version they want
    height: float
    weight: float
    wearer: int


_SELF = ("", "", "我", "本人", "我")
_PARTNER_MEN = ("男朋友", "老公", "我老公", "我对象")
_PARTNER_WOMEN = ("老婆", "女朋友", "我老婆")
_CHILD = ("宝宝", "孩子", "我家宝宝", "儿子", "女儿", "娃")


def _ph(text: str) -> tuple[str, ...]:
    """Phrases separated by | (keeps long phrase lists compact)."""
    return tuple(text.split("|"))


_QUALITY = {
    "apparel": _ph(
        "什么面料|会起球吗|能机洗吗|透不透|会掉色吗|起皱吗|厚不厚|显白吗|含棉量多少|冬天穿冷不冷|面料有弹力吗"
    ),
    "shoes": _ph("磨脚吗|鞋底软不软|防滑吗|是真皮吗|走路累不累|鞋面会不会折痕"),
    "kids": _ph("面料舒服吗 宝宝皮肤敏感|是纯棉的吗|会不会起球|洗了会缩水吗|扎不扎"),
    "beauty": _ph("敏感肌能用吗|孕妇能用吗|保质期多久|持妆久吗|会不会拔干|油皮适合吗|是正品吗|学生党能用吗"),
    "food": _ph("配料表干净吗|辣不辣|保质期多久|甜不甜|有没有添加剂|孕妇能吃吗|硬不硬|是真空包装吗"),
    "home": _ph("什么材质|有味道吗|能机洗吗|会不会掉毛|结实吗|承重多少"),
    "digital": _ph("续航多久|支持快充吗|音质怎么样|安卓能用吗|防水吗|保修多久"),
}
_VARIANT_EXTRA = {
    "apparel": _ph("有没有加绒的|有长款吗|有大码吗|有没有短款"),
    "shoes": _ph("有没有加绒的|有高帮的吗|有没有增高款"),
    "kids": _ph("有没有加厚的|有男童款吗|有没有套装"),
    "beauty": _ph("有没有小样|有旅行装吗|还有别的色号吗"),
    "food": _ph("还有别的口味吗|有没有小包装的|有不辣的吗"),
    "home": _ph("有没有大号的|有别的颜色吗|有没有套装"),
    "digital": _ph("有没有别的颜色|有Pro版吗|有没有带充电仓的"),
}
_DEFECT = {
    "apparel": _ph("开线了|起球了|掉色了"),
    "shoes": _ph("开胶了|鞋底断了"),
    "kids": _ph("开线了|洗了一次就变形了"),
    "beauty": _ph("用了过敏了 能退吗|瓶子漏了"),
    "food": _ph("袋子漏气了|收到压碎了"),
    "home": _ph("有异味|坏了"),
    "digital": _ph("用了两天就坏了|有划痕"),
}
_AFTER_SALES = _ph(
    "怎么还没发货 都一周了|退款什么时候到账|申请退货了没人处理|收到有色差|快递显示签收了 我没收到"
    "|少发了一件|客服一直不回"
)
_PRAISE = _ph(
    "好看|好好看|主播好美|yyds|颜色好正|姐姐讲得好细致|性价比绝了|爱了爱了|质量没得说|主播声音好好听|讲得真清楚"
    "|冲着主播来的 人好实在"
)
_OTHER = _ph(
    "来了来了|主播晚上好|666|主播几点下播|哈哈哈哈|🌹🌹🌹|刚来|关注了|今天好冷|福袋什么时候开|点赞点赞|主播喝口水吧"
    "|有人吗|晚上好呀|第一次来|刷到了|👏👏"
)
_KOU1 = _ph("1|1|11|111|1111|扣1|扣1扣1|111111")
_PRICE = _ph(
    "多少钱|这个多少钱|到手价多少|有优惠券吗|两件有优惠吗|能便宜点吗|满减吗|比上次贵了|今天什么价|拍两件多少钱"
    "|领券在哪里领|买二送一吗|有赠品吗|直播间价格是多少|还能再便宜吗"
)
_SHIPPING = _ph(
    "什么时候发货|今天拍明天能发吗|包邮吗|{p}包邮吗|几天能到{city}|发什么快递|能发顺丰吗|偏远地区发吗"
    "|48小时内发货吗|送货上门吗|{city}几天到"
)
_PURCHASED = _ph("已拍|拍了拍了 ❤️|下单了|付款了|抢到了！|已拍两件|冲了冲了|已下单 等发货")
_MISSED = _ph(
    "没抢到|没抢到😭|没抢到 求补货|求返场|求返场！！|显示无货|付款的时候说没货了|还会加库存吗|手慢了 没了"
)
_MISSED_X = _ph(
    "{x}没了？|{x}没了？？刚刚还有|求补货 {x}|{x}什么时候补货|蹲{x}补货|求加库存 {x}|{x}还会有吗|{x}没抢到"
)
_STOCK = _ph("还有货吗|库存还多吗|还有多少件|会不会抢不到|还剩多少")
_LINK_N = _ph("{l}上一下|主播 上一下{l}|求{l}|{l}呢 没找到|{l}是什么|{l}|{l}还能拍吗")
_LINK = _ph("上链接|上链接！|链接呢|几号链接|{n}是几号链接|{n}是哪个链接|挂车了吗|小黄车里没看到|快上链接")
_VARIANT_COLOR = _ph(
    "有没有{c}|有{c}吗|有{c}的吗|试一下{c}|看看{c}|能不能出个{c}|有木有{c}？|{c}的有吗 想看看"
)
_FIT_BODY = _ph(
    "{who}{h} {w}穿什么码|{who}{h} {w}拍什么码|{who}{h} {w} 选哪个码|{who}{h} {w}穿多大"
    "|{who}{h} {w}尺码怎么选"
)
_FIT_ALT = _ph("{who}{h} {w} {a}还是{b}|{who}{h} {w}穿{a}还是{b}|{h} {w} {a}还是{b}啊")
_FIT_CHECK = _ph("{who}{h} {w}穿{s}可以吗|{who}{w}穿{s}会不会小|{who}{h} {w} {s}合适吗")
_FIT_HEIGHT = _ph("{who}{h}穿几码|{who}身高{hn} 拍多大|{who}{h}穿多大码")
_FIT_USUAL = _ph("平时穿{s} 这个偏大还是偏小|{who}平时穿{s} 这款要拍大一码吗|平时{s}的拍什么码")
_FIT_SHOE = _ph("平时穿{s} 这个要拍大一码吗|平时穿{s} 偏大还是偏小|{who}平时{s} 这款正码吗")
_FIT_TWO = _ph("{a}和{b}差多少|{a}还是{b}|{a}码和{b}码哪个合适")
_FIT_PLAIN = _ph("尺码标准吗|偏大还是偏小|尺码怎么选|这个尺码正吗|微胖能穿吗")
_BOUGHT_X = _ph("已拍{x}|已拍 {x}|拍了{x}|抢到了 {x}|下单了{x}")


class CommentWriter:
    """Renders one comment at a time from a seeded ``random.Random`` (fast scalar draws)."""

    def __init__(self, r: random.Random) -> None:
        self.r = r

    def write(self, intent: int, form: int, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        if form == FORM_KOU1:
            return r.choice(_KOU1), _lab("other")
        if form == FORM_MISSED:
            text, labels = self.stock_missed(c)
        elif form == FORM_BOUGHT:
            text, labels = self.after_order(c)
        else:
            text, labels = getattr(self, INTENTS[intent])(c)
        if form == FORM_BACKGROUND and r.random() < 0.1:
            text = r.choice(("主播 ", "姐姐 ", "宝子", "姐妹们 ", "主播")) + text
        return decorate(r, text, sad=labels[0] in ("stock", "after_sales")), labels

    # -- helpers ---------------------------------------------------------------------------

    def _who(self, c: Ctx) -> str:
        if c.wearer == WEARER_CHILD:
            return self.r.choice(_CHILD)
        if c.wearer == WEARER_PARTNER:
            return self.r.choice(_PARTNER_MEN if c.line == "men" else _PARTNER_WOMEN)
        return self.r.choice(_SELF)

    def _body(self, c: Ctx) -> tuple[str, int, str, float]:
        h = stated_height(self.r, c.height)
        w_txt, w = weight_text(self.r, c.weight)
        return height_text(self.r, h, child=c.wearer == WEARER_CHILD), h, w_txt, w

    def _variant_words(self, color: str | None, size: str | None) -> str:
        """黑色L, 黑的, XL … (no 的 before a size)."""
        words = color_text(self.r, color, de=size is None) if color else ""
        return words + (size_text(self.r, size) if size else "")

    # -- intents ---------------------------------------------------------------------------

    def size_fit(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        if c.size is None:  # not a sized product: fit questions without a body
            return r.choice(("大小合适吗", "尺寸多大", "多大尺寸")), _lab("size_fit")
        who = self._who(c)
        h_txt, h, w_txt, w = self._body(c)
        s, alt = c.size, c.alt_size
        u = r.random()
        if c.category == "shoes" and u < 0.35:
            if r.random() < 0.5:
                t = r.choice(_FIT_SHOE)
                return t.format(s=size_text(r, s), who=who), _lab("size_fit", size=s)
            foot = int(round(c.height * 1.46 / 5.0) * 5)
            return f"脚长{foot}穿多少码", _lab("size_fit")
        if u < 0.3:
            t = r.choice(_FIT_BODY)
            return t.format(who=who, h=h_txt, w=w_txt), _lab("size_fit", h=h, w=w)
        if u < 0.5 and alt is not None:
            a, b = (s, alt) if r.random() < 0.5 else (alt, s)
            t = r.choice(_FIT_ALT)
            text = t.format(who=who, h=h_txt, w=w_txt, a=size_text(r, a), b=size_text(r, b))
            return text, _lab("size_fit", h=h, w=w)
        if u < 0.65:
            t = r.choice(_FIT_CHECK)
            text = t.format(who=who, h=h_txt, w=w_txt, s=size_text(r, s))
            return text, _lab("size_fit", h=None if "{h}" not in t else h, w=w, size=s)
        if u < 0.75:
            if c.wearer == WEARER_CHILD or r.random() < 0.5:
                t = r.choice(_FIT_HEIGHT)
                text = t.format(who=who, h=h_txt, hn=h)
                return text, _lab("size_fit", h=h)
            return f"{who}{w_txt}穿什么码", _lab("size_fit", w=w)
        if u < 0.85:
            t = r.choice(_FIT_USUAL)
            return t.format(s=size_text(r, s), who=who), _lab("size_fit", size=s)
        if u < 0.92 and alt is not None:
            a, b = (s, alt) if r.random() < 0.5 else (alt, s)
            text = r.choice(_FIT_TWO).format(a=a, b=b)
            return text, _lab("size_fit")
        return r.choice(_FIT_PLAIN), _lab("size_fit")

    def price(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        u = r.random()
        if u < 0.15:
            n = c.link_no if r.random() < 0.8 else r.randint(1, c.max_link)
            return f"{link_text(r, n)}多少钱", _lab("price", link=n)
        if u < 0.25:
            return f"{c.noun}多少钱", _lab("price")
        if u < 0.3 and c.category == "food":
            return f"{c.noun}{r.choice(('2斤', '两斤', '1斤', '三斤'))}多少钱", _lab("price")
        return r.choice(_PRICE), _lab("price")

    def variant(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        if c.colors and r.random() < 0.8:
            color = c.color if c.color and r.random() < 0.75 else r.choice(EXTRA_COLORS)
            t = r.choice(_VARIANT_COLOR + (("{c}的上身看看",) if c.category == "apparel" else ()))
            return t.format(c=color_text(r, color, de="{c}的" not in t)), _lab("variant", color=color)
        if c.option and r.random() < 0.5:
            t = r.choice(("有{o}吗", "有没有{o}的", "{o}的给看看"))
            return t.format(o=c.option), _lab("variant")
        return r.choice(_VARIANT_EXTRA[c.category]), _lab("variant")

    def stock(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        u = r.random()
        if c.size is not None and u < 0.35:
            return f"还有{size_text(r, c.size)}吗", _lab("stock", size=c.size)
        if c.color and u < 0.6:
            if c.size is not None and r.random() < 0.5:
                text = f"{color_text(r, c.color, de=False)}{size_text(r, c.size)}还有吗"
                return text, _lab("stock", size=c.size, color=c.color)
            return f"{color_text(r, c.color)}还有吗", _lab("stock", color=c.color)
        if u < 0.7:
            return f"{link_text(r, c.link_no)}还有货吗", _lab("stock", link=c.link_no)
        return r.choice(_STOCK), _lab("stock")

    def stock_missed(self, c: Ctx) -> tuple[str, Labels]:
        """Wanted a variant that had just sold out: 没抢到, 求补货, 还有M吗, 求返场."""
        r = self.r
        u = r.random()
        if u < 0.3:
            return r.choice(_MISSED), _lab("stock")
        color = c.color if c.color and r.random() < 0.7 else None
        size = c.size if c.size is not None and r.random() < 0.85 else None
        if color is None and size is None:
            return f"{link_text(r, c.link_no)}没库存了", _lab("stock", link=c.link_no)
        what = self._variant_words(color, size)
        return r.choice(_MISSED_X).format(x=what), _lab("stock", size=size, color=color)

    def link(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        n = c.link_no if r.random() < 0.7 else r.randint(1, c.max_link)
        u = r.random()
        if u < 0.6:
            return r.choice(_LINK_N).format(l=link_text(r, n)), _lab("link", link=n)
        return r.choice(_LINK).format(n=c.noun), _lab("link")

    def shipping(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        text = r.choice(_SHIPPING).format(p=r.choice(REMOTE), city=r.choice(CITIES))
        return text, _lab("shipping")

    def quality(self, c: Ctx) -> tuple[str, Labels]:
        return self.r.choice(_QUALITY[c.category]), _lab("quality")

    def purchased(self, c: Ctx) -> tuple[str, Labels]:
        return self.r.choice(_PURCHASED), _lab("purchased")

    def after_order(self, c: Ctx) -> tuple[str, Labels]:
        """Right after a paid order: mostly 已拍 (with the variant), sometimes a question that wins."""
        r = self.r
        u = r.random()
        if c.size is not None and u < 0.12:
            h_txt, h, w_txt, w = self._body(c)
            text = f"已拍{size_text(r, c.size)} {self._who(c) or '我'}{h_txt} {w_txt}会不会大"
            return text, _lab("size_fit", h=h, w=w, size=c.size)
        if u < 0.25:
            return f"已拍 几天能到{r.choice(CITIES)}", _lab("shipping")
        if u < 0.55 and (c.color or c.size):
            color = c.color if c.color and r.random() < 0.8 else None
            size = c.size if c.size is not None and (color is None or r.random() < 0.7) else None
            what = self._variant_words(color, size)
            if what:
                return r.choice(_BOUGHT_X).format(x=what), _lab("purchased", size=size, color=color)
        if u < 0.65:
            return f"已拍 {link_text(r, c.link_no)}", _lab("purchased", link=c.link_no)
        if c.category == "food" and u < 0.75:
            return r.choice(("囤了两箱", "囤了", "又囤了一波")), _lab("purchased")
        return self.purchased(c)

    def after_sales(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        u = r.random()
        if c.size is not None and u < 0.2:
            text = f"收到的{size_text(r, c.size)}偏小 能换大一码吗"
            return text, _lab("after_sales", size=c.size)
        if c.color and u < 0.35:
            return f"发错货了 我要的是{c.color}", _lab("after_sales", color=c.color)
        if u < 0.6:
            when = r.choice(("上次买的", "收到的", "刚收到的", "买的"))
            return f"{when}{c.noun}{r.choice(_DEFECT[c.category])}", _lab("after_sales")
        return r.choice(_AFTER_SALES), _lab("after_sales")

    def praise(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        if r.random() < 0.25:
            text = r.choice(("上次买的{n}质量真好", "这个{n}绝了", "{n}回购好几次了 真的好"))
            return text.format(n=c.noun), _lab("praise")
        return r.choice(_PRAISE), _lab("praise")

    def other(self, c: Ctx) -> tuple[str, Labels]:
        r = self.r
        if r.random() < 0.2:
            return r.choice(_KOU1), _lab("other")
        if r.random() < 0.05:
            return f"从{r.choice(CITIES)}来的", _lab("other")
        return r.choice(_OTHER), _lab("other")
