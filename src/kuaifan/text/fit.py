"""Fit feedback from a written review or a comment: size (偏小 / 偏大 / 正好), fabric (薄 / 厚), 色差,
and the complaints it names.

Pure functions of one text. The text is folded (NFKC, lower-case) and cut into clauses at
punctuation and at turns such as 但是 / 就是 / 不过, and each clause is read on its own:

- a question (…吗, …么, …?, 会不会…, 是不是…) is no feedback: "会不会偏小" asks, it does not report;
- a negated phrase is dropped (不偏小, 没有色差 is the absence of a complaint, 一点都不薄), except the
  phrases that state the good case outright (不大不小 → 正好, 没有色差 → color_diff False);
- size: runs small (偏小, 小了, 有点紧, 穿不下, 挤脚, 建议拍大一码 …), runs large (偏大, 大了, 太肥,
  建议拍小一码 …), true to size (正好, 合身, 尺码标准, 不大不小 …); small and large in one text: None;
- fabric: thin (偏薄, 透光, 有点透 …) or thick (偏厚, 太厚, 厚实 …); 厚薄适中 → "ok";
- 色差: True where the colour differs from the pictures, False where the text says it does not;
- complaints: canonical labels (偏小, 偏大, 面料薄, 色差, 起球, 掉色, 线头, 开线, 异味, 缩水, 掉毛, 勾丝,
  起皱, 扎人, 不透气, 质量差, 做工差, 发错货, 破损, 物流慢), each at most once per text.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from kuaifan.text.normalize import fold_width

SMALL: Final = "small"
LARGE: Final = "large"
TRUE: Final = "true"
THIN: Final = "thin"
THICK: Final = "thick"
FABRIC_OK: Final = "ok"


class FitFeedback(NamedTuple):
    size: str | None = None  # "small" | "large" | "true"
    fabric: str | None = None  # "thin" | "thick" | "ok"
    color_diff: bool | None = None
    complaints: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.size is None and self.fabric is None and self.color_diff is None and not self.complaints


NO_FEEDBACK: Final = FitFeedback()

_CLAUSE_SPLIT: Final = re.compile(r"[,，。.!！?？;；~～\n、…]+|但是|可是|不过|就是|只是|然而")
_QUESTION: Final = re.compile(r"(?:吗|么|嘛|呢|\?)\s*$|会不会|是不是|有没有|能不能|怎么样|咋样")
_NEGATION: Final = re.compile(r"(?:不|没|没有|并不|一点也不|一点都不|都不|也不|无)$")

# "建议拍大一码" advises to size up: the item runs small. Written before the plain 大/小 patterns so
# that a clause with advice is read as advice.
_SIZE_UP: Final = re.compile(r"(?:拍|买|选|要|建议|可以|得|最好|推荐)(?:大|大一码|大1码|大一号|大一个码)")
_SIZE_DOWN: Final = re.compile(r"(?:拍|买|选|要|建议|可以|得|最好|推荐)(?:小|小一码|小1码|小一号|小一个码)")
_RUNS_SMALL: Final = re.compile(
    r"偏小|小了|有点小|有些小|太小|略小|稍小|小了一码|偏小一码|小半码|码小|尺码小|码数小|紧了|有点紧|太紧|偏紧|很紧|勒"
    r"|穿不下|穿不上|扣不上|挤脚|夹脚|顶脚|短了一截|偏瘦"
)
_RUNS_LARGE: Final = re.compile(
    r"偏大|(?<!长)大了|有点大|有些大|太大|略大|稍大|大了一码|偏大一码|大半码|码大|尺码大|码数大|太肥|有点肥|偏肥|肥大"
    r"|太宽松|松垮|空荡|掉跟|偏胖"
)
_TRUE_SIZE: Final = re.compile(
    r"(?:码|尺码|码数|大小|穿着|穿上|上身|上脚|号)[^,，。]{0,2}(?:正好|刚好|刚刚好|合适)|合身|合脚|尺码标准|尺码准"
    r"|码数准|码数标准|尺码正|码数正|不大不小|标准码|正常码|正常尺码|按平时[^,，。]{0,4}(?:码|拍|买)"
)
_GOOD_SIZE_NEGATED: Final = re.compile(r"不大不小|不松不紧")
_THIN: Final = re.compile(r"偏薄|太薄|有点薄|有些薄|很薄|薄了|比较薄|透光|透肉|有点透|太透|很透|偏透")
_THICK: Final = re.compile(r"偏厚|太厚|有点厚|很厚|厚实|厚重|比较厚")
_FABRIC_OK: Final = re.compile(r"厚薄适中|薄厚适中|厚度适中|厚度刚好|厚度正好|不厚不薄")
_COLOR_DIFF: Final = re.compile(
    r"色差|颜色(?:和|跟|与)(?:图片|图|照片|描述|视频|直播间?)(?:上的?)?(?:不一样|不符|差别|差距|有出入|差很多)"
    r"|(?:和|跟|与)(?:图片|图|照片)(?:的)?颜色不一样|颜色不一样|颜色发[黄灰暗]"
)
_NO_COLOR_DIFF: Final = re.compile(
    r"(?:没有|没|无|几乎没有|没什么|基本没有?)色差|色差不大|色差很小|颜色(?:和|跟|与)?(?:图片|图|照片)?(?:上的?)?一样"
    r"|颜色很正|颜色正|颜色和图片一致|与图片一致|跟图片一致"
)
_COMPLAINTS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("起球", re.compile(r"起球|起毛球")),
    ("掉色", re.compile(r"掉色|褪色|染色|串色")),
    ("线头", re.compile(r"线头")),
    ("开线", re.compile(r"开线|脱线|开胶|开裂")),
    ("异味", re.compile(r"异味|味道(?:很|太|好|特别)?(?:大|重|难闻|刺鼻)|臭味|甲醛味|一股味|有股味|刺鼻")),
    ("缩水", re.compile(r"缩水|洗完变小|洗了变小")),
    ("掉毛", re.compile(r"掉毛|掉絮|掉渣")),
    ("勾丝", re.compile(r"勾丝|抽丝")),
    ("起皱", re.compile(r"起皱|皱巴巴|容易皱")),
    ("扎人", re.compile(r"扎人|扎皮肤|扎脖子|刺挠|扎得慌|有点扎|很扎")),
    ("不透气", re.compile(r"不透气|闷热|捂汗")),
    ("质量差", re.compile(r"质量(?:很|太|好|真|非常)?(?:差|一般|不好|不行|垃圾)|劣质")),
    ("做工差", re.compile(r"做工(?:很|太|好|真|非常)?(?:差|粗糙|一般|不好)|走线歪|粗糙")),
    ("发错货", re.compile(r"发错|错发|少发|漏发|不是我拍的")),
    ("破损", re.compile(r"破洞|破损|有洞|拉链坏|扣子掉|污渍|脏了|有污")),
    ("物流慢", re.compile(r"(?:物流|发货|快递)(?:很|太|好|真|非常)?慢")),
)


def _clauses(folded: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(folded) if c.strip()]


def _affirmed(pattern: re.Pattern[str], clause: str) -> bool:
    """A match of ``pattern`` in ``clause`` that no negation stands right before."""
    return any(
        not _NEGATION.search(clause[max(0, m.start() - 4) : m.start()]) for m in pattern.finditer(clause)
    )


def _is_question(clause: str) -> bool:
    return _QUESTION.search(clause) is not None


def fit_feedback(text: str) -> FitFeedback:
    """The fit feedback one review or comment gives (NO_FEEDBACK for none)."""
    if not text:
        return NO_FEEDBACK
    small = large = true = thin = thick = fabric_ok = diff = no_diff = False
    complaints: dict[str, None] = {}
    for clause in _clauses(fold_width(text)):
        if _is_question(clause):
            continue
        if _GOOD_SIZE_NEGATED.search(clause):
            true = True
        elif _SIZE_UP.search(clause) and not _SIZE_DOWN.search(clause):
            small = True
        elif _SIZE_DOWN.search(clause) and not _SIZE_UP.search(clause):
            large = True
        else:
            small |= _affirmed(_RUNS_SMALL, clause)
            large |= _affirmed(_RUNS_LARGE, clause)
            if not (small or large):
                true |= _affirmed(_TRUE_SIZE, clause)
        if _FABRIC_OK.search(clause):
            fabric_ok = True
        else:
            thin |= _affirmed(_THIN, clause)
            thick |= _affirmed(_THICK, clause)
        if _NO_COLOR_DIFF.search(clause):
            no_diff = True
        elif _affirmed(_COLOR_DIFF, clause):
            diff = True
        for label, pattern in _COMPLAINTS:
            if label not in complaints and _affirmed(pattern, clause):
                complaints[label] = None
    size = SMALL if small and not large else LARGE if large and not small else None
    if size is None and true and not (small or large):
        size = TRUE
    fabric = THIN if thin and not thick else THICK if thick and not thin else None
    if fabric is None and fabric_ok and not (thin or thick):
        fabric = FABRIC_OK
    color_diff = True if diff and not no_diff else False if no_diff and not diff else None
    found = list(complaints)
    if size == SMALL:
        found.insert(0, "偏小")
    elif size == LARGE:
        found.insert(0, "偏大")
    if fabric == THIN:
        found.append("面料薄")
    if color_diff:
        found.append("色差")
    return FitFeedback(size, fabric, color_diff, tuple(dict.fromkeys(found)))


def fit_feedback_many(texts: list[str]) -> list[FitFeedback]:
    """``fit_feedback`` of each text; a repeated text is read once."""
    memo: dict[str, FitFeedback] = {}
    out = []
    for text in texts:
        got = memo.get(text)
        if got is None:
            got = memo[text] = fit_feedback(text)
        out.append(got)
    return out
