"""Quality of kuaifan.text on the dev set, the tuning split and the held-out split; sentiment on
written product reviews (tests/text/data/reviews.jsonl, every third review held out by id).

    python benchmarks/eval_text.py                 # all three
    python benchmarks/eval_text.py --split tune --errors   # one split, with its mistakes

The held-out splits (tests/text/data/heldout.jsonl, numbers_heldout.jsonl, typed_heldout.jsonl) were
written and frozen before the rules were tuned and are only evaluated, never used for tuning; their
sha256 are checked by the tests. ``sim`` scores the simulator's comments against the labels it wrote
them from (development data, like the dev set).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

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
    # comments as viewers type them (issue 14, second part): 651 tuning comments, and 240 held-out ones
    # written and committed (sha256 in tests/text/test_golden.py) before any rule change of that part
    "typed-tune": ROOT / "tests" / "text" / "data" / "typed_tune.jsonl",
    "typed-heldout": ROOT / "tests" / "text" / "data" / "typed_heldout.jsonl",
}
REVIEWS = ROOT / "tests" / "text" / "data" / "reviews.jsonl"


def sim_rows() -> list[dict[str, Any]]:
    """The distinct comment texts of a simulated run with their labels (truth/comments)."""
    import tempfile

    import polars as pl

    from kuaifan.sim import SimConfig, simulate

    with tempfile.TemporaryDirectory() as tmp:
        simulate(SimConfig(seed=7, rooms=2, minutes=60), Path(tmp))
        files = sorted(Path(tmp, "truth", "comments").glob("*.parquet"))
        truth = pl.concat(pl.read_parquet(p) for p in files)
    rows = truth.unique(subset=["text"], keep="first", maintain_order=True).to_dicts()
    return [{**r, "id": f"s{i:05d}"} for i, r in enumerate(rows)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--split",
        default="dev,tune,heldout,numbers-tune,numbers-heldout,typed-tune,typed-heldout,sim,"
        "reviews-tune,reviews-heldout",
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
        if name == "sim":  # the simulator's comments with the labels it wrote them from
            rep = evaluate(sim_rows())
            print(format_report("sim (simulator seed 7, 2 rooms x 60 min, distinct texts)", rep))
            if args.errors:
                for e in rep.errors:
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
