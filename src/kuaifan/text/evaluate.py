"""Quality metrics for labelled comment sets (the dev set's JSONL schema).

Used by ``benchmarks/eval_text.py`` and by the golden test, so both report the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kuaifan.text.classifier import Comment, TextClassifier, default_classifier
from kuaifan.text.lexicon import INTENTS

ATTRIBUTES = ("height_cm", "weight_kg", "size", "color", "link_no")


@dataclass(frozen=True)
class Report:
    n: int
    per_intent: dict[str, tuple[float, float, float, int]]  # precision, recall, f1, support
    macro_f1: float
    accuracy: float
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    attr_exact: dict[str, tuple[int, int]]  # field -> (correct, gold present)
    attr_exact_all: float
    wrong_where_empty: int  # comments with a field predicted where the gold is null
    wrong_where_empty_rate: float
    errors: list[dict[str, Any]]


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _same(field: str, gold: Any, pred: Any) -> bool:
    if gold is None or pred is None:
        return gold is None and pred is None
    if field == "weight_kg":
        return abs(float(gold) - float(pred)) < 1e-6
    return bool(gold == pred)


def per_class_scores(
    confusion: dict[str, dict[str, int]], classes: Sequence[str]
) -> tuple[dict[str, tuple[float, float, float, int]], float]:
    """(precision, recall, F1, support) per class of a gold -> predicted confusion, and the macro-F1
    over the classes that occur in the gold."""
    out: dict[str, tuple[float, float, float, int]] = {}
    for name in classes:
        tp = confusion[name][name]
        support = sum(confusion[name].values())
        predicted = sum(confusion[g][name] for g in classes)
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        out[name] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, support)
    present = [name for name in classes if out[name][3] > 0]
    return out, sum(out[n][2] for n in present) / len(present) if present else 0.0


def evaluate(rows: Sequence[dict[str, Any]], classifier: TextClassifier | None = None) -> Report:
    clf = classifier or default_classifier()
    preds: list[Comment] = clf.classify_many([r["text"] for r in rows])
    confusion = {g: dict.fromkeys(INTENTS, 0) for g in INTENTS}
    attr = {f: [0, 0] for f in ATTRIBUTES}
    wrong_empty = 0
    errors: list[dict[str, Any]] = []
    for row, pred in zip(rows, preds, strict=True):
        confusion[row["intent"]][pred.intent] += 1
        bad_fields = []
        spurious = False
        for f in ATTRIBUTES:
            gold, got = row.get(f), getattr(pred, f)
            if gold is not None:
                attr[f][1] += 1
                if _same(f, gold, got):
                    attr[f][0] += 1
                else:
                    bad_fields.append(f)
            elif got is not None:
                spurious = True
                bad_fields.append(f)
        wrong_empty += spurious
        if bad_fields or row["intent"] != pred.intent:
            errors.append(
                {
                    "id": row.get("id"),
                    "text": row["text"],
                    "gold": row["intent"],
                    "pred": pred.intent,
                    "fields": {f: (row.get(f), getattr(pred, f)) for f in bad_fields},
                }
            )
    per_intent, macro = per_class_scores(confusion, INTENTS)
    n = len(rows)
    correct = sum(confusion[g][g] for g in INTENTS)
    total_gold = sum(v[1] for v in attr.values())
    return Report(
        n=n,
        per_intent=per_intent,
        macro_f1=macro,
        accuracy=correct / n if n else 0.0,
        confusion=confusion,
        attr_exact={f: (v[0], v[1]) for f, v in attr.items()},
        attr_exact_all=sum(v[0] for v in attr.values()) / total_gold if total_gold else 1.0,
        wrong_where_empty=wrong_empty,
        wrong_where_empty_rate=wrong_empty / n if n else 0.0,
        errors=errors,
    )


def format_report(name: str, rep: Report) -> str:
    short = {i: i[:5] for i in INTENTS}
    short.update({"after_sales": "after", "purchased": "purch", "shipping": "ship", "size_fit": "size"})
    lines = [f"== {name}: {rep.n} comments =="]
    lines.append(f"{'intent':<12}{'prec':>7}{'recall':>8}{'f1':>7}{'n':>5}")
    for i in INTENTS:
        p, r, f, s = rep.per_intent[i]
        lines.append(f"{i:<12}{p:7.3f}{r:8.3f}{f:7.3f}{s:5d}")
    lines.append(f"macro-F1 {rep.macro_f1:.3f}   accuracy {rep.accuracy:.3f}")
    lines.append("confusion (rows gold, columns predicted):")
    lines.append(" " * 7 + "".join(f"{short[i]:>6}" for i in INTENTS))
    for g in INTENTS:
        lines.append(f"{short[g]:<7}" + "".join(f"{rep.confusion[g][p]:6d}" for p in INTENTS))
    attrs = "  ".join(f"{f} {c}/{t}" for f, (c, t) in rep.attr_exact.items())
    lines.append(f"attribute exact match where gold present: {rep.attr_exact_all:.3f}  ({attrs})")
    rate = f"{rep.wrong_where_empty}/{rep.n} = {rep.wrong_where_empty_rate:.3%}"
    lines.append(f"wrong attribute where gold empty: {rate}")
    return "\n".join(lines)


# -- sentiment on written product reviews --------------------------------------------------------

POLARITIES = ("pos", "mixed", "neg")
SENTIMENT_THRESHOLD = 0.2  # |sentiment| below this reads as mixed / neutral


def review_split(row: dict[str, Any]) -> str:
    """The review set's split, fixed by id before any tuning: every third review is held out."""
    return "heldout" if int(str(row["id"]).lstrip("r")) % 3 == 0 else "tune"


def polarity(sentiment: float, threshold: float = SENTIMENT_THRESHOLD) -> str:
    if sentiment >= threshold:
        return "pos"
    if sentiment <= -threshold:
        return "neg"
    return "mixed"


@dataclass(frozen=True)
class SentimentReport:
    n: int
    accuracy: float  # three classes
    macro_f1: float
    per_class: dict[str, tuple[float, float, float, int]]  # precision, recall, f1, support
    confusion: dict[str, dict[str, int]]  # gold -> predicted -> count
    sign_accuracy: float  # pos / neg reviews only: does the sign of the score agree?
    errors: list[dict[str, Any]]


def evaluate_sentiment(
    rows: Sequence[dict[str, Any]], classifier: TextClassifier | None = None
) -> SentimentReport:
    """Three-class polarity (pos / mixed / neg) of ``sentiment`` against the reviews' labels."""
    clf = classifier or default_classifier()
    scores = [c.sentiment for c in clf.classify_many([r["text"] for r in rows])]
    confusion = {g: dict.fromkeys(POLARITIES, 0) for g in POLARITIES}
    signed = agree = 0
    errors: list[dict[str, Any]] = []
    for row, score in zip(rows, scores, strict=True):
        gold, pred = row["polarity"], polarity(score)
        confusion[gold][pred] += 1
        if gold != "mixed":
            signed += 1
            agree += (score > 0) if gold == "pos" else (score < 0)
        if gold != pred:
            errors.append({"id": row.get("id"), "text": row["text"], "gold": gold, "sentiment": score})
    per_class, macro = per_class_scores(confusion, POLARITIES)
    n = len(rows)
    return SentimentReport(
        n=n,
        accuracy=sum(confusion[g][g] for g in POLARITIES) / n if n else 0.0,
        macro_f1=macro,
        per_class=per_class,
        confusion=confusion,
        sign_accuracy=agree / signed if signed else 0.0,
        errors=errors,
    )


def format_sentiment(name: str, rep: SentimentReport) -> str:
    lines = [f"== {name}: {rep.n} reviews, polarity from sentiment (|s| < {SENTIMENT_THRESHOLD}: mixed) =="]
    lines.append(f"{'polarity':<10}{'prec':>7}{'recall':>8}{'f1':>7}{'n':>5}")
    for c in POLARITIES:
        p, r, f, s = rep.per_class[c]
        lines.append(f"{c:<10}{p:7.3f}{r:8.3f}{f:7.3f}{s:5d}")
    lines.append(f"macro-F1 {rep.macro_f1:.3f}   accuracy {rep.accuracy:.3f}   sign agreement (pos/neg) "
                 f"{rep.sign_accuracy:.3f}")  # fmt: skip
    lines.append("confusion (rows gold, columns predicted):")
    lines.append(" " * 8 + "".join(f"{c:>7}" for c in POLARITIES))
    for g in POLARITIES:
        lines.append(f"{g:<8}" + "".join(f"{rep.confusion[g][p]:7d}" for p in POLARITIES))
    return "\n".join(lines)
