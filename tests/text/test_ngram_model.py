"""The shipped review-sentiment model: its file, its figures on the held-out split, its blend."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import pytest

from kuaifan.text import TextClassifier, classify
from kuaifan.text.ngram_model import MODEL_FILE, NgramModel, default_model, ngrams

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT.parent / "shared" / "data" / "reviews_train.csv"


def test_ngrams_are_distinct_and_skip_spaces() -> None:
    assert ngrams("不好 不好") == {"不", "好", "不好", "好不", "不好不", "好不好"}
    assert ngrams("") == set()


def test_the_shipped_file_is_small_and_round_trips() -> None:
    path = resources.files("kuaifan.text").joinpath("model", MODEL_FILE)
    text = path.read_text(encoding="utf-8")
    assert len(text.encode()) < 1_000_000
    model = default_model()
    assert 10_000 <= len(model.weights) <= 50_000
    again = NgramModel.from_lines("\n".join(model.to_lines()).splitlines())
    assert again == model
    assert model.min_chars > 0 and model.alpha > 0 and model.scale > 0


def test_learned_negation_and_praise() -> None:
    m = default_model()
    assert m.logit("质量很好，穿着舒服，会回购的") > 0
    assert m.logit("质量不好，穿了一次就起球了，退货") < 0
    assert m.logit("不太满意，和图片差别很大") < 0


def test_short_live_comments_keep_the_lexicon_score() -> None:
    with_model, without = TextClassifier(), TextClassifier(sentiment_model=None)
    for text in ["主播好美啊😍", "质量好吗", "不喜欢 质量太差", "已拍 黑色M"]:
        assert with_model.classify(text) == without.classify(text)


def test_long_reviews_use_the_model() -> None:
    text = "收到了，面料摸着挺厚实的，做工也可以，就是物流慢了点，整体还算满意吧"
    assert classify(text).sentiment > 0.2
    bad = "衣服收到就有一股很重的味道，洗了两次都没散，线头一大堆，客服也不理人"
    assert classify(bad).sentiment < -0.2


@pytest.mark.skipif(not CSV.exists(), reason="shared reviews not present")
def test_heldout_sign_accuracy_meets_the_goal() -> None:
    # the 20 % of reviews_train.csv that scripts/train_sentiment.py never fits or tunes on
    sys.path.insert(0, str(ROOT / "scripts"))
    from train_sentiment import load_split

    held = load_split(CSV)["heldout"]
    assert len(held) > 6000
    scores = [c.sentiment for c in TextClassifier().classify_many([t for _, _, t in held])]
    accuracy = sum((s > 0) == (y == 1) for (_, y, _), s in zip(held, scores, strict=True)) / len(held)
    assert accuracy >= 0.90  # measured 0.924 (benchmarks/bench_sentiment.py); the goal is 0.88
