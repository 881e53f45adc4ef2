"""Throughput of kuaifan.text.classify_many on one core, against jieba.lcut in the same run.

    python benchmarks/bench_text.py [--repeat 20]

Comments: every labelled comment we have (dev set + tuning + held-out splits). Two workloads:

- unique: each text made distinct (a different short tail of punctuation/emoji appended, which
  changes no label), so no work is shared between comments: the honest per-comment figure;
- stream: the texts as a live room repeats them (each labelled text 20 times, shuffled), where
  classify_many classifies each distinct text once.

Both paths of classify_many are timed: per-text normalisation ("python") and the polars batch
normalisation ("polars"). POLARS_MAX_THREADS=1 keeps polars on one core; jieba is single-threaded.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import jieba

from kuaifan.text import TextClassifier
from kuaifan.text.evaluate import load_jsonl

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    ROOT.parent / "shared" / "data" / "comments_dev.jsonl",
    ROOT / "tests" / "text" / "data" / "tune.jsonl",
    ROOT / "tests" / "text" / "data" / "heldout.jsonl",
]


def best_rate(fn: Callable[[], object], n: int, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


_TAIL_CHARS = ("", "~", "!", "…", "～", "😊", "🙏", "👀", "🌟", "✨")


def _tail(i: int) -> str:
    """A distinct, label-neutral tail for each repetition (two digits in base 10 of tail chars)."""
    return _TAIL_CHARS[i % 10] + _TAIL_CHARS[(i // 10) % 10] + ("~" * (i // 100))


def jieba_all(texts: Sequence[str]) -> None:
    for t in texts:
        jieba.lcut(t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    base = [r["text"] for f in FILES if f.exists() for r in load_jsonl(f)]
    unique = [t + _tail(i) for i in range(args.repeat) for t in base]
    stream = [t for t in base for _ in range(args.repeat)]
    random.Random(1).shuffle(stream)
    jieba.setLogLevel(60)
    jieba.initialize()
    clf = TextClassifier()
    clf.classify_many(base[:50])  # warm up
    print(
        f"comments: {len(base)} labelled texts; unique workload {len(unique)}, stream workload {len(stream)}"
    )
    print("workload   method   comments/s   jieba.lcut/s   ratio")
    for name, texts in (("unique", unique), ("stream", stream)):
        j = best_rate(lambda texts=texts: jieba_all(texts), len(texts))
        for method in ("python", "polars"):
            r = best_rate(lambda texts=texts, m=method: clf.classify_many(texts, method=m), len(texts))  # type: ignore[misc]
            print(f"{name:<10} {method:<8} {r:>11,.0f}   {j:>12,.0f}   {r / j:5.1f}x")
    single = best_rate(lambda: [clf.classify(t) for t in unique], len(unique))
    j = best_rate(lambda: jieba_all(unique), len(unique))
    label = f"{'unique':<10} {'classify':<8}"
    print(f"{label} {single:>11,.0f}   {j:>12,.0f}   {single / j:5.1f}x  (one call per comment)")


if __name__ == "__main__":
    main()
