"""Surface forms of what viewers type: numbers, heights, weights, sizes, colours, link numbers.

Each renderer returns the text and the normalised value a labeller would record under the
rules of shared/data/README.md (一米六五 → 165, 一百零八斤 → 54, xxl → 2XL, 黑的 → 黑色, 三号 → 3),
so the comment truth is exact by construction.
"""

from __future__ import annotations

import random

_DIGITS = "零一二三四五六七八九"
_FULL = str.maketrans("0123456789SMLXsmlx", "０１２３４５６７８９ＳＭＬＸｓｍｌｘ")

EMOJI = ("❤️", "👍", "🌹", "😍", "🔥", "🙏", "👏", "🥰", "💯", "😂", "🤩", "✨")
SAD_EMOJI = ("😭", "😡", "🙏", "😤", "😢")
# Common typos and homophones seen in live rooms: (correct, as typed).
TYPOS = (
    ("多少钱", "多钱"),
    ("尺码", "尺吗"),
    ("发货", "发火"),
    ("包邮", "包油"),
    ("链接", "链结"),
    ("什么", "神马"),
    ("怎么", "肿么"),
    ("有没有", "有木有"),
    ("这个", "介个"),
    ("可以", "阔以"),
)


def cn_number(n: int) -> str:
    """0..999 in Chinese numerals as spoken in prices and weights (一百零八, 九十五, 十二)."""
    if n < 0 or n > 999:
        raise ValueError(f"cn_number: {n} out of range")
    if n < 10:
        return _DIGITS[n]
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out = _DIGITS[hundreds] + "百"
        if rest == 0:
            return out
        if tens == 0:
            return out + "零" + _DIGITS[ones]
        out += _DIGITS[tens] + "十"
    elif tens == 1:
        out = "十"
    else:
        out = _DIGITS[tens] + "十"
    return out + (_DIGITS[ones] if ones else "")


def cn_digits(n: int) -> str:
    """Digit by digit: 175 → 一七五."""
    return "".join(_DIGITS[int(d)] for d in str(n))


def full_width(text: str) -> str:
    return text.translate(_FULL)


def stated_height(r: random.Random, height: float) -> int:
    """The height a viewer states: exact cm, or rounded to 5 as people often do."""
    return int(round(height / 5.0) * 5) if r.random() < 0.4 else round(height)


def height_text(r: random.Random, cm: int, child: bool = False) -> str:
    """A height in one of the usual forms (165, 165cm, 1米65, 一米六五, 1.65 …); the label is ``cm``."""
    forms = [f"{cm}", f"{cm}cm", f"身高{cm}", full_width(str(cm))]
    metres, rest = divmod(cm, 100)
    if metres == 1 and rest >= 10:  # 1米05 is not said; 1米6 is 160, 1米65 is 165
        tail = str(rest).rstrip("0") if rest % 10 == 0 else str(rest)
        forms += [f"1米{tail}", f"一米{cn_digits(int(tail))}", f"1.{tail}"]
        if not child:
            forms.append(f"身高{cn_digits(cm)}")
    return r.choice(forms)


def stated_jin(r: random.Random, weight_kg: float) -> int:
    """Weight in 斤 as stated: exact, or rounded to 5 or 10."""
    jin = weight_kg * 2.0
    u = r.random()
    if u < 0.3:
        return int(round(jin / 10.0) * 10)
    if u < 0.6:
        return int(round(jin / 5.0) * 5)
    return round(jin)


def weight_text(r: random.Random, weight_kg: float) -> tuple[str, float]:
    """A weight as typed and its label in kg (斤 = 0.5 kg; 130多斤 → 65; kg kept as is)."""
    u = r.random()
    if u < 0.12:
        kg = round(weight_kg)
        return (f"{kg}kg" if r.random() < 0.6 else f"{kg}公斤"), float(kg)
    jin = stated_jin(r, weight_kg)
    if u < 0.22 and jin % 10 >= 3:
        base = jin // 10 * 10
        return f"{base}多斤", base / 2.0
    if u < 0.42:
        return f"{cn_number(jin)}斤", jin / 2.0
    if u < 0.47:
        return f"{full_width(str(jin))}斤", jin / 2.0
    return f"{jin}斤", jin / 2.0


_LETTER_FORMS = {
    "2XL": ("2XL", "XXL", "xxl", "2xl"),
    "3XL": ("3XL", "XXXL", "3xl", "xxxl"),
}


def size_text(r: random.Random, size: str) -> str:
    """A size as typed: m, Ｍ, M码, xxl, 38码, １１０ … (the label stays ``size``)."""
    if size.isdigit():
        return r.choice((size, f"{size}码", f"{size}码", full_width(size) + "码"))
    forms = _LETTER_FORMS.get(size, (size, size.lower()))
    base = r.choice(forms)
    u = r.random()
    if u < 0.2:
        return base + "码"
    if u < 0.25 and len(base) == 1:
        return full_width(base)
    return base


def color_text(r: random.Random, color: str, de: bool = True) -> str:
    """A colour as typed: 黑色, 黑的, 奶白 … (the label stays ``color``, ending in 色).

    ``de=False`` when the colour is followed by 的 or a size (黑色M, not 黑的M).
    """
    stem = color[:-1] if color.endswith("色") else color
    forms = [color, color]
    if de:
        forms.append(f"{stem}的")
    if len(stem) >= 2:
        forms.append(stem)
    return r.choice(forms)


def link_text(r: random.Random, n: int) -> str:
    """A link number as typed: 3号链接, 三号, 链接3, #3, 第3个链接, ３号."""
    cn = cn_number(n)
    return r.choice(
        (
            f"{n}号链接",
            f"{n}号链接",
            f"{cn}号链接",
            f"{cn}号",
            f"链接{n}",
            f"#{n}",
            f"第{n}个链接",
            f"{full_width(str(n))}号",
            f"{n}号",
        )
    )


def decorate(r: random.Random, text: str, sad: bool = False, typo_p: float = 0.18) -> str:
    """Noise that never changes a label: typos, emoji, particles, now and then full-width digits.

    ``sad``: a complaint or a miss gets 😭 / 😡, not 😍.
    """
    if r.random() < typo_p:
        for right, wrong in TYPOS:
            if right in text and r.random() < 0.6:
                text = text.replace(right, wrong, 1)
                break
    u = r.random()
    if u < 0.14:
        text += r.choice(SAD_EMOJI if sad else EMOJI) * r.choice((1, 1, 2, 3))
    elif u < 0.22:
        text += r.choice(("呀", "啊", "呢", "～", "？？", "!!", "。", "哈"))
    if r.random() < 0.04:
        text = text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return text
