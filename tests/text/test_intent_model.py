"""The learned intent model (intent_model.py): asked only where the rules are unsure, trained on the
tuning comments only, reproducible from scripts/train_intents.py."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from kuaifan.text import INTENTS, TextClassifier
from kuaifan.text.intent_model import UNSURE, IntentModel, default_intent_model

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "src" / "kuaifan" / "text" / "model" / "intents.tsv"
with_model, rules_alone = TextClassifier(), TextClassifier(intent_model=None)


def test_the_shipped_model() -> None:
    m = default_intent_model()
    assert m.intents == tuple(INTENTS)
    assert 1000 < len(m.weights) < 10_000
    p = m.probabilities("这个会不会起球")
    assert math.isclose(sum(p), 1.0) and all(0.0 < v < 1.0 for v in p)
    assert m.intents[max(range(len(p)), key=p.__getitem__)] == "quality"


def test_sure_rules_are_never_overruled() -> None:
    texts = ["已拍 黑色M", "多少钱", "上链接", "我165 120斤穿什么码", "什么时候发货", "好好看", "黑色还有吗"]
    for text in texts:
        ruled = rules_alone.classify(text)
        assert ruled.confidence > UNSURE
        assert with_model.classify(text) == ruled


def test_an_unsure_decision_goes_to_the_model_when_it_is_sure() -> None:
    # only a weak variant cue (颜色) fires; the model knows 会不会很X as a question about the product
    text = "口红颜色会不会很显老"
    ruled = rules_alone.classify(text)
    assert ruled.intent == "variant" and ruled.confidence <= UNSURE
    refined = with_model.classify(text)
    assert refined.intent == "quality" and refined.confidence >= 0.7
    # everything but intent and confidence is the rules'
    assert (refined.height_cm, refined.size, refined.color, refined.sentiment, refined.spam) == (
        ruled.height_cm,
        ruled.size,
        ruled.color,
        ruled.sentiment,
        ruled.spam,
    )


def test_other_stays_other_when_the_model_is_not_sure() -> None:
    for text in ["刚抢", "家里两个娃 一起穿"]:
        assert with_model.classify(text).intent == rules_alone.classify(text).intent == "other"


def test_refine_thresholds() -> None:
    m = IntentModel(("a", "other"), (0.0, 0.0), {"x": (2.0, 0.0), "y": (0.5, 0.0)})
    p_x = 1 / (1 + math.exp(-2.0))  # 0.88
    p_y = 1 / (1 + math.exp(-0.5))  # 0.62
    assert m.refine("other", 0.5, "x") == ("a", round(p_x, 3))
    assert m.refine("other", 0.5, "y") == ("a", round(p_y, 3))  # over "other" from 0.5 on
    assert m.refine("b", 0.4, "y") == ("b", 0.4)  # over another weak decision only from 0.7 on
    assert m.refine("b", 0.4, "x") == ("a", round(p_x, 3))
    assert m.refine("other", 0.51, "x") == ("other", 0.51)  # the rules are sure enough


def test_the_file_round_trips() -> None:
    m = default_intent_model()
    assert IntentModel.from_lines(m.to_lines()) == m
    with pytest.raises(ValueError):
        IntentModel.from_lines(["#intents\ta\tb", "#bias\t1"])


@pytest.mark.slow
def test_the_training_script_rebuilds_the_file_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "intents.tsv"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "train_intents.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert out.read_bytes() == MODEL.read_bytes()
