"""Golden tests over the labelled sets: these fail if quality regresses below the goals.

Goals (issue 5): intent macro-F1 ≥ 0.85, attribute exact match ≥ 0.95 where the gold has a value,
a wrong attribute where the gold is empty in ≤ 3 % of comments.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kuaifan.text.evaluate import Report, evaluate, evaluate_sentiment, load_jsonl, review_split

DATA = Path(__file__).parent / "data"
DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "comments_dev.jsonl"
HELDOUT_SHA256 = "bdac47aeaf91f8f06a6f8600156814f986db37bc7441216b1bedc7dabf8305b2"
KEYS = ["id", "category", "text", "intent", "height_cm", "weight_kg", "size", "color", "link_no"]


def _assert_goals(rep: Report) -> None:
    assert rep.macro_f1 >= 0.85, rep.per_intent
    assert rep.attr_exact_all >= 0.95, rep.attr_exact
    assert rep.wrong_where_empty_rate <= 0.03, rep.wrong_where_empty


@pytest.mark.skipif(not DEV.exists(), reason="shared dev set not present")
def test_dev_set_meets_the_goals() -> None:
    _assert_goals(evaluate(load_jsonl(DEV)))


def test_tuning_split_meets_the_goals() -> None:
    _assert_goals(evaluate(load_jsonl(DATA / "tune.jsonl")))


def test_heldout_split_meets_the_goals() -> None:
    _assert_goals(evaluate(load_jsonl(DATA / "heldout.jsonl")))


def test_heldout_split_is_frozen() -> None:
    # written before the rules were tuned and never edited since; a change here must be deliberate
    assert hashlib.sha256((DATA / "heldout.jsonl").read_bytes()).hexdigest() == HELDOUT_SHA256


@pytest.mark.parametrize("name", ["tune.jsonl", "heldout.jsonl"])
def test_labelled_sets_follow_the_dev_schema(name: str) -> None:
    rows = load_jsonl(DATA / name)
    assert len(rows) >= 300
    for row in rows:
        assert list(row) == KEYS
        assert row["color"] is None or row["color"].endswith("色")
    tune = {r["text"] for r in load_jsonl(DATA / "tune.jsonl")}
    held = {r["text"] for r in load_jsonl(DATA / "heldout.jsonl")}
    assert not tune & held


# -- comments as viewers type them (issue 14): typed_tune.jsonl (651, for tuning) and typed_heldout.jsonl
# (240, written and committed before any rule change of that work, then evaluated once: intent
# macro-F1 0.976, attributes 0.992, a wrong attribute where the gold is empty 1/240). The issue's
# goals: macro-F1 >= 0.92, attributes >= 0.97, wrong where empty <= 3 %.
TYPED_HELDOUT_SHA256 = "ab250521e0ee67481914bb57168fe16b4c1ca68c7ebdb0066cbac0beb233a031"


def test_typed_heldout_is_frozen() -> None:
    assert hashlib.sha256((DATA / "typed_heldout.jsonl").read_bytes()).hexdigest() == TYPED_HELDOUT_SHA256


@pytest.mark.parametrize("name", ["typed_tune.jsonl", "typed_heldout.jsonl"])
def test_typed_sets_meet_the_goals_of_issue_14(name: str) -> None:
    rep = evaluate(load_jsonl(DATA / name))
    assert rep.macro_f1 >= 0.92, rep.per_intent
    assert rep.attr_exact_all >= 0.97, rep.attr_exact
    assert rep.wrong_where_empty_rate <= 0.03, rep.wrong_where_empty


def test_typed_sets_follow_the_dev_schema_and_do_not_overlap() -> None:
    # Short live comments recur (已拍, 扣1, yyds): 16 held-out texts are also in tune.jsonl, written
    # by another hand; without them the held-out figures are 0.973 / 0.992 / 0.4 % (224 comments).
    tune, held = load_jsonl(DATA / "typed_tune.jsonl"), load_jsonl(DATA / "typed_heldout.jsonl")
    assert len(tune) >= 600 and len(held) >= 150
    for row in tune + held:
        assert list(row) == KEYS
        assert row["color"] is None or row["color"].endswith("色")
    assert not {r["text"] for r in tune} & {r["text"] for r in held}


# -- sentiment on written product reviews (tests/text/data/reviews.jsonl) ---------------------------
# Written by a separate hand from the rules, frozen before any tuning; every third review (by id) is
# held out and never looked at while tuning. Floors sit a little under the measured values (tune
# 0.825 / 0.911, held-out 0.650 / 0.793 three-class accuracy / sign agreement) to catch regressions.
REVIEWS_SHA256 = "c91db14d0e530fb974229809ef2c0b11efe0375bb6dd26542b2f516886ab40e7"


def _reviews(split: str) -> list[dict[str, object]]:
    return [r for r in load_jsonl(DATA / "reviews.jsonl") if review_split(r) == split]


def test_review_set_is_frozen_and_well_formed() -> None:
    assert hashlib.sha256((DATA / "reviews.jsonl").read_bytes()).hexdigest() == REVIEWS_SHA256
    rows = load_jsonl(DATA / "reviews.jsonl")
    assert len(rows) == 300 and len({r["id"] for r in rows}) == 300  # 好评 / 差评 may repeat, as in life
    assert {r["polarity"] for r in rows} == {"pos", "neg", "mixed"}
    assert len(_reviews("heldout")) == 100


@pytest.mark.parametrize(("split", "accuracy", "sign"), [("tune", 0.80, 0.88), ("heldout", 0.62, 0.76)])
def test_review_sentiment_stays_above_its_measured_floor(split: str, accuracy: float, sign: float) -> None:
    rep = evaluate_sentiment(_reviews(split))
    assert rep.accuracy >= accuracy, rep.confusion
    assert rep.sign_accuracy >= sign, rep.confusion
