"""Throughput of kuaifan.text.classify_many on one core, against jieba.lcut in the same run.

    python benchmarks/bench_text.py [--repeat 10] [--dup 0.5] [--rounds 5] [--sim]

One core: POLARS_MAX_THREADS=1 is set before polars is imported (polars reads it once); jieba and
the per-text path are single-threaded. Streams:

- unique: every labelled comment we have (dev set + tuning + held-out splits), ``--repeat`` copies,
  each copy with a different short tail of punctuation / emoji, so every comment is distinct and no
  work is shared: the worst case;
- live: the same number of comments where a share ``--dup`` repeats an earlier one (已拍, 上链接,
  扣1 … repeat in real rooms); classify_many classifies each distinct text once, jieba segments
  every comment; live80: the same with 80 % repeats;
- sim (``--sim``): the comment stream of the project's simulator (kuaifan.sim), two rooms.

For each stream the table gives its make-up (distinct texts, texts with a digit, which need the
number rules), then comments/s of classify_many (auto: the compiled hot path when it is built,
kuaifan.text.compiled), of the pure-Python paths a machine without the compiled module uses (the
polars batch path, method="polars", and the per-text path, method="python") and of jieba.lcut,
timed alternately (best of ``--rounds``), and the ratio to jieba by wall clock and by CPU time
(the machine may be shared: CPU time is what one core spends, wall clock includes waiting for it).
The goal (issue 14) is classify_many ≥ 15x jieba.lcut on the live stream.
"""

from __future__ import annotations

import os

os.environ["POLARS_MAX_THREADS"] = "1"  # before anything imports polars

import argparse
import json
import random
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import jieba

from kuaifan.text import TextClassifier, compiled
from kuaifan.text.evaluate import load_jsonl

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    ROOT.parent / "shared" / "data" / "comments_dev.jsonl",
    ROOT / "tests" / "text" / "data" / "tune.jsonl",
    ROOT / "tests" / "text" / "data" / "heldout.jsonl",
]
_TAIL_CHARS = ("", "~", "!", "…", "～", "😊", "🙏", "👀", "🌟", "✨")


def _tail(i: int) -> str:
    """A distinct, label-neutral tail for each copy of the labelled set."""
    return _TAIL_CHARS[i % 10] + _TAIL_CHARS[(i // 10) % 10] + ("~" * (i // 100))


def workloads(base: list[str], repeat: int, dup: float) -> tuple[list[str], list[str]]:
    unique = [t + _tail(i) for i in range(repeat) for t in base]
    rng = random.Random(1)
    n_distinct = max(1, round(len(unique) * (1 - dup)))
    pool = unique[:n_distinct]
    live = pool + [rng.choice(pool) for _ in range(len(unique) - n_distinct)]
    rng.shuffle(live)
    return unique, live


def sim_stream() -> list[str]:
    from kuaifan.sim import SimConfig, simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(SimConfig(seed=11, rooms=2, minutes=120), Path(tmp))
        texts = []
        for path in sorted(Path(tmp, "events").glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                event = json.loads(line)
                if event.get("kind") == "comment" and event.get("text"):
                    texts.append(event["text"])
    return texts


def best_times(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, tuple[float, float]]:
    """Best (wall, cpu) seconds of each function, run in turn so that load hits all alike."""
    best = {name: (float("inf"), float("inf")) for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            w1, c1 = time.perf_counter(), time.process_time()
            best[name] = (min(best[name][0], w1 - w0), min(best[name][1], c1 - c0))
    return best


def jieba_all(texts: Sequence[str]) -> None:
    for t in texts:
        jieba.lcut(t)


def describe(name: str, texts: list[str]) -> str:
    distinct = set(texts)
    digits = sum(1 for t in distinct if re.search(r"[0-9０-９]", t))
    repeats = 1 - len(distinct) / len(texts)
    return (
        f"{name}: {len(texts):,} comments, {len(distinct):,} distinct ({repeats:.0%} repeats), "
        f"{digits / len(distinct):.0%} of the distinct texts have a digit"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10, help="copies of the labelled set in a stream")
    ap.add_argument("--dup", type=float, default=0.5, help="share of repeated comments in the live stream")
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds; the best one counts")
    ap.add_argument("--sim", action="store_true", help="also the simulator's comment stream")
    args = ap.parse_args()
    base = [r["text"] for f in FILES if f.exists() for r in load_jsonl(f)]
    unique, live = workloads(base, args.repeat, args.dup)
    _, live80 = workloads(base, args.repeat, 0.8)
    streams = {"unique": unique, "live": live, "live80": live80}
    jieba.setLogLevel(60)
    jieba.initialize()
    clf = TextClassifier()
    clf.classify_many(unique[:2000])  # warm up: lexicon tables, the engine's character table
    clf.classify_many(unique[:2000], method="polars")  # polars' compiled regexes

    print(f"one core (POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}), best of {args.rounds} rounds")
    if clf.uses_compiled:
        print("classify_many runs the compiled hot path (kuaifan.text._hotpath)")
    else:
        print(f"compiled hot path NOT in use ({compiled.unavailable_reason()}): classify_many is pure Python")
    for name, texts in streams.items():
        print(describe(name, texts))
    print()
    if args.sim:
        # built after the other streams are timed: the simulator's run (numpy, polars) right before
        # the timed loops was seen to make their timings unstable
        streams["sim"] = []
    print(f"{'stream':<8} {'method':<22} {'comments/s':>11} {'x jieba (wall)':>15} {'x jieba (cpu)':>14}")
    labels = {
        "auto": "classify_many",
        "polars": "python: polars batch",
        "per-text": "python: per text",
        "jieba": "jieba.lcut (baseline)",
    }
    for name, texts in streams.items():
        if name == "sim":
            texts = sim_stream()
            print(describe(name, texts))
        best = best_times(
            {
                "auto": lambda texts=texts: clf.classify_many(texts),  # type: ignore[misc]
                "polars": lambda texts=texts: clf.classify_many(texts, method="polars"),  # type: ignore[misc]
                "per-text": lambda texts=texts: clf.classify_many(texts, method="python"),  # type: ignore[misc]
                "jieba": lambda texts=texts: jieba_all(texts),  # type: ignore[misc]
            },
            args.rounds,
        )
        jw, jc = best["jieba"]
        for method, (wall, cpu) in best.items():
            rate = len(texts) / wall
            print(f"{name:<8} {labels[method]:<22} {rate:>11,.0f} {jw / wall:>14.1f}x {jc / cpu:>13.1f}x")


if __name__ == "__main__":
    main()
