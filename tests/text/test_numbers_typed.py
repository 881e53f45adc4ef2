"""Heights, weights and sizes written the ways people type them: generated from random values, read
back by the classifier (round trip), and the labelled sets of such comments."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.text import classify
from kuaifan.text.evaluate import evaluate, load_jsonl
from kuaifan.text.normalize import chinese_number

DATA = Path(__file__).parent / "data"
DIGITS = "零一二三四五六七八九"


def cn(n: int) -> str:
    """Chinese numeral as people say it: 175 → 一百七十五, 105 → 一百零五, 37 → 三十七."""
    if n >= 100:
        h, rest = divmod(n, 100)
        tens, ones = divmod(rest, 10)
        head = DIGITS[h] + "百"
        if rest == 0:
            return head
        if tens == 0:
            return head + "零" + DIGITS[ones]
        return head + DIGITS[tens] + "十" + (DIGITS[ones] if ones else "")
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "") if tens else DIGITS[n]


def height_forms(cm: int) -> list[str]:
    m, rest = divmod(cm, 100)
    meters = (
        f"{DIGITS[m]}米{''.join(DIGITS[int(d)] for d in f'{rest:02d}')}"
        if rest % 10
        else (f"{DIGITS[m]}米{DIGITS[rest // 10]}")
    )
    return [meters, f"{m}米{rest:02d}" if rest % 10 else f"{m}米{rest // 10}", f"{cm}cm", f"身高{cm}",
            f"{cm / 100:.2f}".rstrip("0")]  # fmt: skip


@given(st.integers(1, 299))
def test_chinese_numbers_round_trip(n: int) -> None:
    assert chinese_number(cn(n)) == n


@settings(deadline=None)
@given(st.integers(145, 195), st.integers(80, 200), st.data())
def test_height_and_weight_round_trip(cm: int, jin: int, data: st.DataObject) -> None:
    height = data.draw(st.sampled_from(height_forms(cm)))
    weight = data.draw(st.sampled_from([f"{jin}斤", f"{cn(jin)}斤", f"{jin / 2:g}kg", f"{jin / 2:g}公斤"]))
    sep = data.draw(st.sampled_from([" ", "，", " "]))
    c = classify(f"{height}{sep}{weight} 穿什么码")
    assert (c.height_cm, c.weight_kg) == (cm, jin / 2)


@settings(deadline=None)
@given(st.integers(150, 190), st.integers(80, 200), st.sampled_from(["/", " ", "，"]))
def test_height_weight_pairs_without_units(cm: int, jin: int, sep: str) -> None:
    # 165/110: the second number is a weight, in 斤 from 80 on
    c = classify(f"{cm}{sep}{jin} 穿什么码")
    assert (c.height_cm, c.weight_kg) == (cm, jin / 2)


@settings(deadline=None)
@given(st.integers(80, 129))
def test_bare_weight_after_me(jin: int) -> None:
    if jin >= 100:  # 一百二 is a weight as said; 八十 alone could be anything (an age)
        assert classify(f"我{cn(jin)} 穿什么码").weight_kg == jin / 2
    assert classify(f"我{jin} 穿什么码").weight_kg == jin / 2


@settings(deadline=None)
@given(st.integers(33, 46), st.booleans(), st.sampled_from(["", "老公", "我妈"]))
def test_shoe_sizes_in_words_and_halves(size: int, half: bool, who: str) -> None:
    assert classify(f"{who}{cn(size)}的脚穿多大").size == str(size)
    value = f"{size}.5" if half and size < 46 else str(size)
    assert classify(f"平时穿{value}").size == value
    assert classify(f"{who}{value}的脚 拿几码").size == value


# Comments written fresh for this issue: numbers_heldout.jsonl was labelled before the classifier
# was run on it and is frozen; numbers_tune.jsonl is the tuning part. Measured (benchmarks/eval_text.py):
# held-out intent accuracy 0.875, attributes 0.954, a wrong attribute where empty 3/40 (7.5 %).
NUMBERS_HELDOUT_SHA256 = "9db6c4a0341786b8f387ea8178730ad2283878e5f59cf44c4a1ba68d6588348b"


def test_numbers_heldout_is_frozen() -> None:
    digest = hashlib.sha256((DATA / "numbers_heldout.jsonl").read_bytes()).hexdigest()
    assert digest == NUMBERS_HELDOUT_SHA256


def test_numbers_sets_stay_above_their_measured_floor() -> None:
    tune = evaluate(load_jsonl(DATA / "numbers_tune.jsonl"))
    assert tune.attr_exact_all == 1.0 and tune.accuracy >= 0.95
    held = evaluate(load_jsonl(DATA / "numbers_heldout.jsonl"))
    assert held.attr_exact_all >= 0.95 and held.accuracy >= 0.85
