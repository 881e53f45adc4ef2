"""Written-review sentiment: kuaifan against SnowNLP on the held-out split, same run, one core.

    python benchmarks/bench_sentiment.py [--limit N]

The held-out split is the 20 % of ``../shared/data/reviews_train.csv`` that
``scripts/train_sentiment.py`` sets aside (seeded, per category) and never fits or tunes on.
Sign accuracy: a review is read as positive when kuaifan's ``sentiment`` > 0 and when SnowNLP's
``sentiments`` > 0.5. Speed: reviews per second of ``classify_many`` (the whole comment: intent,
attributes, sentiment; each distinct text once), of the sentiment model alone, and of SnowNLP,
all on one core (CPU time).
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_sentiment import load_split  # noqa: E402

from kuaifan.text import TextClassifier  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0, help="only the first N held-out reviews (0: all)")
    args = ap.parse_args()
    held = load_split()["heldout"]
    if args.limit:
        held = held[: args.limit]
    texts = [t for _, _, t in held]
    clf = TextClassifier()
    model = clf.sentiment_model
    assert model is not None
    lex = clf.compiled
    clf.classify_many(texts[:200])  # warm-up

    t0 = time.process_time()
    ours = [c.sentiment for c in clf.classify_many(texts)]
    ours_s = time.process_time() - t0
    norms = [lex.norm(t) for t in texts]
    t0 = time.process_time()
    for n in norms:
        model.logit(n)
    model_s = time.process_time() - t0

    from snownlp import SnowNLP

    SnowNLP("热身").sentiments  # noqa: B018 (loads its model)
    t0 = time.process_time()
    snow = [SnowNLP(t).sentiments for t in texts]
    snow_all_s = time.process_time() - t0
    snow_s = snow_all_s

    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    ok_ours = ok_snow = 0
    for (cat, y, _), s, p in zip(held, ours, snow, strict=True):
        a, b = (s > 0) == (y == 1), (p > 0.5) == (y == 1)
        ok_ours += a
        ok_snow += b
        per_cat[cat][0] += a
        per_cat[cat][1] += b
        per_cat[cat][2] += 1
    n = len(held)
    print(f"held-out split of reviews_train.csv: {n} reviews (seed of scripts/train_sentiment.py)")
    print(f"{'category':<8}{'n':>6}{'kuaifan':>9}{'SnowNLP':>9}")
    for cat, (a, b, m) in sorted(per_cat.items()):
        print(f"{cat:<8}{m:>6}{a / m:>9.3f}{b / m:>9.3f}")
    acc_ours, acc_snow = ok_ours / n, ok_snow / n
    print(f"sign accuracy: kuaifan {acc_ours:.4f}, SnowNLP {acc_snow:.4f} (baseline), "
          f"difference {acc_ours - acc_snow:+.4f}")  # fmt: skip
    print(f"speed (reviews/s, one core): classify_many {n / ours_s:,.0f} ({snow_s / ours_s:.0f}x SnowNLP), "
          f"sentiment model alone {n / model_s:,.0f} ({snow_s / model_s:.0f}x), "
          f"SnowNLP {n / snow_s:,.0f} (baseline)")  # fmt: skip


if __name__ == "__main__":
    main()
