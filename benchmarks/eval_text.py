"""Quality of kuaifan.text on the dev set, the tuning split and the held-out split; sentiment on
written product reviews (tests/text/data/reviews.jsonl, every third review held out by id).

    python benchmarks/eval_text.py                 # all three
    python benchmarks/eval_text.py --split tune --errors   # one split, with its mistakes

The held-out split (tests/text/data/heldout.jsonl) was written and frozen before the rules were
tuned and is only evaluated, never used for tuning; its sha256 is checked by the tests.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kuaifan.text.evaluate import (
    evaluate,
    evaluate_sentiment,
    format_report,
    format_sentiment,
    load_jsonl,
    review_split,
)

ROOT = Path(__file__).resolve().parents[1]
SPLITS = {
    "dev": ROOT.parent / "shared" / "data" / "comments_dev.jsonl",
    "tune": ROOT / "tests" / "text" / "data" / "tune.jsonl",
    "heldout": ROOT / "tests" / "text" / "data" / "heldout.jsonl",
    # numbers as people type them (issue 14): tuning part, and a held-out part labelled before any run
    "numbers-tune": ROOT / "tests" / "text" / "data" / "numbers_tune.jsonl",
    "numbers-heldout": ROOT / "tests" / "text" / "data" / "numbers_heldout.jsonl",
}
REVIEWS = ROOT / "tests" / "text" / "data" / "reviews.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--split", default="dev,tune,heldout,numbers-tune,numbers-heldout,reviews-tune,reviews-heldout"
    )
    ap.add_argument("--errors", action="store_true", help="print the misclassified comments")
    args = ap.parse_args()
    for name in args.split.split(","):
        if name.startswith("reviews-"):  # sentiment on written product reviews, by split
            part = name.removeprefix("reviews-")
            rows = [r for r in load_jsonl(REVIEWS) if review_split(r) == part]
            srep = evaluate_sentiment(rows)
            print(format_sentiment(f"{name} ({REVIEWS.name})", srep))
            if args.errors:
                for e in srep.errors:
                    print(json.dumps(e, ensure_ascii=False))
            print()
            continue
        path = SPLITS[name]
        if not path.exists():
            print(f"== {name}: {path} not found, skipped ==")
            continue
        rep = evaluate(load_jsonl(path))
        print(format_report(f"{name} ({path.name})", rep))
        if args.errors:
            for e in rep.errors:
                print(json.dumps(e, ensure_ascii=False))
        print()


if __name__ == "__main__":
    main()
