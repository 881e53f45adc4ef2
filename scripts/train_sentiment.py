"""Train the shipped sentiment model (kuaifan/text/model/sentiment.tsv) from labelled reviews.

    .venv/bin/python scripts/train_sentiment.py            # writes the model file, prints figures

Data: ``../shared/data/reviews_train.csv`` (cat, label, review; 1 = positive) for the weights, and
the tuning part of the project's own labelled reviews (tests/text/data/reviews.jsonl, rows whose
``review_split`` is "tune": pos / mixed / neg) for the blend with the lexicon. No other corpus is used.

The split of reviews_train.csv is fixed here, before any tuning: within each category the rows
are shuffled with ``random.Random(SEED)`` and every fifth row goes to the held-out part (20 %),
which is never used for fitting or for choosing settings; another 10 % of each category is the
validation part that chooses the L2 strength and how many n-grams to keep, and, with the model
fitted on the fit part only, the blend with the lexicon (alpha, scale, min_chars: the sum of the
validation sign accuracy and the three-class accuracy on the project's tuning reviews). The final
model is refitted on fit + validation with the chosen settings. Same input → the same file, byte for byte
(full-batch training, no randomness after the split).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path
from random import Random

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kuaifan.text.classifier import TextClassifier, scan_python  # noqa: E402
from kuaifan.text.evaluate import polarity, review_split  # noqa: E402
from kuaifan.text.ngram_model import MODEL_FILE, NgramModel, ngrams  # noqa: E402
from kuaifan.text.sentiment import is_question_end, sentiment_score  # noqa: E402

REVIEWS_CSV = ROOT.parent / "shared" / "data" / "reviews_train.csv"
OWN_REVIEWS = ROOT / "tests" / "text" / "data" / "reviews.jsonl"
MODEL_PATH = ROOT / "src" / "kuaifan" / "text" / "model" / MODEL_FILE
SEED = 14
MIN_DF = 2
EPOCHS = 300
L2_GRID = (3e-6, 1e-5)
KEEP_GRID = (20_000, 40_000)
ALPHA_GRID = (0.5, 0.75, 1.0, 1.5, 2.0)
SCALE_GRID = (3.0, 4.0, 5.0, 6.0)
MIN_CHARS_GRID = (8, 12, 16)
LEX = TextClassifier(sentiment_model=None).compiled


def load_split(path: Path = REVIEWS_CSV) -> dict[str, list[tuple[str, int, str]]]:
    """reviews_train.csv as {"fit", "valid", "heldout"} -> [(category, label, text)] (see module doc)."""
    by_cat: dict[str, list[tuple[str, int, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row["review"] or "").strip()
            if text and row["label"] in ("0", "1"):
                by_cat.setdefault(row["cat"], []).append((row["cat"], int(row["label"]), text))
    parts: dict[str, list[tuple[str, int, str]]] = {"fit": [], "valid": [], "heldout": []}
    rng = Random(SEED)
    for cat in sorted(by_cat):
        rows = by_cat[cat]
        rng.shuffle(rows)
        for i, row in enumerate(rows):
            if i % 5 == 0:
                parts["heldout"].append(row)
            elif i % 10 == 1:  # 10 % of the category: validation
                parts["valid"].append(row)
            else:
                parts["fit"].append(row)
    return parts


def own_tuning_reviews() -> list[tuple[str, str]]:
    """(polarity, text) of the tuning part of the project's labelled reviews."""
    rows = [json.loads(line) for line in OWN_REVIEWS.read_text(encoding="utf-8").splitlines() if line]
    return [(r["polarity"], r["text"]) for r in rows if review_split(r) == "tune"]


def featurise(texts: list[str]) -> list[set[str]]:
    return [ngrams(LEX.norm(t)) for t in texts]


class Scored:
    """What the blend needs of one text: its norm, sentiment words and question ending."""

    def __init__(self, text: str) -> None:
        self.norm = LEX.norm(text)
        self.words = scan_python(self.norm, LEX).senti
        self.question = is_question_end(self.norm)

    def score(self, model: NgramModel) -> float:
        return sentiment_score(self.words, LEX.senti_map, self.question, self.norm, model)


class Design:
    """A binary document × n-gram matrix in CSR form over a fixed vocabulary."""

    def __init__(self, docs: list[set[str]], vocab: dict[str, int]) -> None:
        cols: list[int] = []
        indptr = [0]
        for grams in docs:
            cols.extend(sorted(vocab[g] for g in grams if g in vocab))
            indptr.append(len(cols))
        self.indices = np.asarray(cols, dtype=np.int64)
        self.rows = np.repeat(np.arange(len(docs)), np.diff(np.asarray(indptr)))
        self.n_docs = len(docs)

    def margins(self, w: np.ndarray, b: float) -> np.ndarray:
        return np.bincount(self.rows, weights=w[self.indices], minlength=self.n_docs) + b


def fit_logistic(x: Design, y: np.ndarray, n_features: int, l2: float) -> tuple[np.ndarray, float]:
    """Full-batch Adam on the mean log-loss + l2/2 · |w|² (deterministic)."""
    w = np.zeros(n_features)
    b = 0.0
    m_w, v_w = np.zeros(n_features), np.zeros(n_features)
    m_b = v_b = 0.0
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, EPOCHS + 1):
        p = 1.0 / (1.0 + np.exp(-x.margins(w, b)))
        err = (p - y) / x.n_docs
        g_w = np.bincount(x.indices, weights=err[x.rows], minlength=n_features) + l2 * w
        g_b = float(err.sum())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b * g_b
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        w -= lr * (m_w / c1) / (np.sqrt(v_w / c2) + eps)
        b -= lr * (m_b / c1) / (np.sqrt(v_b / c2) + eps)
    return w, b


def build_model(docs: list[set[str]], labels: list[int], l2: float, keep: int) -> NgramModel:
    df = Counter(g for grams in docs for g in grams)
    vocab = {g: i for i, g in enumerate(sorted(g for g, n in df.items() if n >= MIN_DF))}
    x = Design(docs, vocab)
    w, b = fit_logistic(x, np.asarray(labels, dtype=np.float64), len(vocab), l2)
    names = sorted(vocab, key=vocab.__getitem__)
    order = np.argsort(-np.abs(w), kind="stable")[:keep]
    return NgramModel(round(b, 4), {names[i]: round(float(w[i]), 3) for i in order if abs(w[i]) >= 1e-3})


def accuracy(model: NgramModel, texts: list[str], labels: list[int]) -> float:
    hits = sum((model.logit(LEX.norm(t)) > 0) == (y == 1) for t, y in zip(texts, labels, strict=True))
    return hits / len(texts)


def choose_blend(
    model: NgramModel, valid: list[tuple[Scored, int]], own: list[tuple[str, Scored]]
) -> tuple[float, float, int]:
    best: tuple[float, float, float, int] | None = None
    for alpha in ALPHA_GRID:
        for scale in SCALE_GRID:
            for min_chars in MIN_CHARS_GRID:
                blend = NgramModel(model.bias, model.weights, alpha=alpha, scale=scale, min_chars=min_chars)
                sign = sum((s.score(blend) > 0) == (y == 1) for s, y in valid) / len(valid)
                three = sum(polarity(s.score(blend)) == g for g, s in own) / len(own)
                if best is None or sign + three > best[0] + 1e-9:
                    best = (sign + three, alpha, scale, min_chars)
                    print(f"blend alpha {alpha} scale {scale} min_chars {min_chars}: "
                          f"validation sign {sign:.4f}, own tuning reviews 3-class {three:.3f}")  # fmt: skip
    assert best is not None
    return best[1], best[2], best[3]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    t0 = time.perf_counter()
    parts = load_split()
    fit = parts["fit"]
    valid = parts["valid"]
    print({k: len(v) for k, v in parts.items()})
    fit_docs = featurise([t for _, _, t in fit])
    fit_y = [y for _, y, _ in fit]
    valid_x, valid_y = [t for _, _, t in valid], [y for _, y, _ in valid]
    best: tuple[float, float, int] | None = None
    for l2 in L2_GRID:
        for keep in KEEP_GRID:
            model = build_model(fit_docs, fit_y, l2, keep)
            acc = accuracy(model, valid_x, valid_y)
            print(f"l2 {l2:g} keep {keep:>6}: validation sign accuracy {acc:.4f}")
            if best is None or acc > best[0] + 1e-9:
                best = (acc, l2, keep)
    assert best is not None
    _, l2, keep = best
    fitted = build_model(fit_docs, fit_y, l2, keep)
    own = [(g, Scored(t)) for g, t in own_tuning_reviews()]
    scored_valid = [(Scored(t), y) for t, y in zip(valid_x, valid_y, strict=True)]
    alpha, scale, min_chars = choose_blend(fitted, scored_valid, own)
    final_rows = fit + valid
    model = build_model(featurise([t for _, _, t in final_rows]), [y for _, y, _ in final_rows], l2, keep)
    model = NgramModel(model.bias, model.weights, alpha=alpha, scale=scale, min_chars=min_chars)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(model.to_lines()) + "\n", encoding="utf-8")
    held = parts["heldout"]
    acc = accuracy(model, [t for _, _, t in held], [y for _, y, _ in held])
    size = args.out.stat().st_size
    print(f"chosen l2 {l2:g}, keep {keep}, alpha {alpha}, scale {scale}, min_chars {min_chars}; "
          f"{len(model.weights)} n-grams, {size / 1e6:.2f} MB → {args.out}")
    blended = sum((Scored(t).score(model) > 0) == (y == 1) for _, y, t in held) / len(held)
    print(f"held-out ({len(held)} reviews) sign accuracy: model alone {acc:.4f}, blended {blended:.4f}")
    print(f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
