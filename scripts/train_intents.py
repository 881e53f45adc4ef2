"""Train the shipped intent model (kuaifan/text/model/intents.tsv) from the project's tuning comments.

    .venv/bin/python scripts/train_intents.py            # writes the model file, prints figures

The classifier decides intents with its rules; this model is asked only where the rules are unsure
(confidence ≤ 0.5: no cue word at all, or a contested decision) and replaces their answer only when
it is confident itself (intent_model.py). It is a multinomial logistic regression over the distinct
character 1–3-grams of the normalised text (the features of the review-sentiment model).

Data: the tuning sets only — tests/text/data/tune.jsonl, typed_tune.jsonl and numbers_tune.jsonl.
Never the dev set (comments_dev.jsonl, the golden test) and never a held-out set (heldout.jsonl,
numbers_heldout.jsonl, typed_heldout.jsonl).

Settings: the validation part is typed_tune.jsonl's batches written after the others (ids from
VALID_FROM on); the L2 strength is the one with the best validation accuracy of the model fitted
on the rest. The final model is refitted on all tuning rows. Same input → the same file, byte for
byte (full-batch training, no randomness).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kuaifan.text.classifier import TextClassifier  # noqa: E402
from kuaifan.text.intent_model import MODEL_FILE, IntentModel  # noqa: E402
from kuaifan.text.lexicon import INTENTS  # noqa: E402
from kuaifan.text.ngram_model import ngrams  # noqa: E402

DATA = ROOT / "tests" / "text" / "data"
TUNING = ("tune.jsonl", "typed_tune.jsonl", "numbers_tune.jsonl")
VALID_FROM = "tt0440"  # typed_tune batches 4-6 validate the L2 strength
MODEL_PATH = ROOT / "src" / "kuaifan" / "text" / "model" / MODEL_FILE
MIN_DF = 2
EPOCHS = 300
L2_GRID = (1e-4, 3e-4, 1e-3)
LEX = TextClassifier(sentiment_model=None, intent_model=None).compiled


def load_rows() -> list[dict[str, object]]:
    rows = []
    for name in TUNING:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def features(rows: list[dict[str, object]]) -> list[set[str]]:
    return [ngrams(LEX.norm(str(r["text"]))) for r in rows]


def design(docs: list[set[str]], vocab: dict[str, int]) -> np.ndarray:
    x = np.zeros((len(docs), len(vocab)))
    for i, grams in enumerate(docs):
        for g in grams:
            j = vocab.get(g)
            if j is not None:
                x[i, j] = 1.0
    return x


def fit_softmax(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch Adam on the mean cross-entropy + l2/2 · |W|² (deterministic)."""
    k = len(INTENTS)
    w = np.zeros((x.shape[1], k))
    b = np.zeros(k)
    target = np.eye(k)[y]
    m_w, v_w, m_b, v_b = np.zeros_like(w), np.zeros_like(w), np.zeros(k), np.zeros(k)
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, EPOCHS + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - target) / len(y)
        g_w = x.T @ g + l2 * w
        g_b = g.sum(axis=0)
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b * g_b
        c1, c2 = 1 - beta1**step, 1 - beta2**step
        w -= lr * (m_w / c1) / (np.sqrt(v_w / c2) + eps)
        b -= lr * (m_b / c1) / (np.sqrt(v_b / c2) + eps)
    return w, b


def build(rows: list[dict[str, object]], l2: float) -> IntentModel:
    docs = features(rows)
    df = Counter(g for grams in docs for g in grams)
    vocab = {g: i for i, g in enumerate(sorted(g for g, n in df.items() if n >= MIN_DF))}
    index = {name: i for i, name in enumerate(INTENTS)}
    y = np.asarray([index[str(r["intent"])] for r in rows])
    w, b = fit_softmax(design(docs, vocab), y, l2)
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {
        names[j]: tuple(float(f"{v:.4g}") for v in w[j])
        for j in range(len(names))
        if np.abs(w[j]).max() >= 1e-3
    }
    return IntentModel(tuple(INTENTS), tuple(float(f"{v:.4g}") for v in b), weights)


def accuracy(model: IntentModel, rows: list[dict[str, object]]) -> float:
    hits = 0
    for r in rows:
        p = model.probabilities(LEX.norm(str(r["text"])))
        hits += model.intents[max(range(len(p)), key=p.__getitem__)] == r["intent"]
    return hits / len(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = load_rows()
    valid = [r for r in rows if str(r["id"]).startswith("tt") and str(r["id"]) >= VALID_FROM]
    fit = [r for r in rows if r not in valid]
    print(f"{len(rows)} tuning comments: fit {len(fit)}, validation {len(valid)}")
    best: tuple[float, float] | None = None
    for l2 in L2_GRID:
        acc = accuracy(build(fit, l2), valid)
        print(f"l2 {l2:g}: validation accuracy of the model alone {acc:.4f}")
        if best is None or acc > best[0] + 1e-9:
            best = (acc, l2)
    assert best is not None
    model = build(rows, best[1])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(model.to_lines()) + "\n", encoding="utf-8")
    size = args.out.stat().st_size
    print(f"chosen l2 {best[1]:g}; {len(model.weights)} n-grams, {size / 1e3:.0f} kB → {args.out}")
    print(f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
