"""A small learned sentiment model: a logistic regression over character n-grams (1–3).

Trained by ``scripts/train_sentiment.py`` on labelled written product reviews only (the project's
``reviews_train.csv`` and the project's own labelled reviews) and shipped as
``kuaifan/text/model/sentiment.tsv``: header lines ``#name<TAB>value`` (bias, and the blend with the
lexicon: alpha, scale, min_chars), then one ``ngram<TAB>weight`` line per kept n-gram. The features
of a text are the distinct n-grams of its normalised form (``CompiledLexicon.norm``, the form the
classifier already has), so the model sees 不好 and 不太好 as n-grams of their own: negation is
learned where the data has it.

``logit(text)`` is the model's log-odds that the text is positive. Scoring is one dict lookup per
n-gram: a 60-character review costs ~20 µs in Python.

The blend (``sentiment.sentiment_score``): texts of at least ``min_chars`` characters get
``tanh((lexicon + alpha · logit) / scale)``; shorter ones (most live comments) keep the lexicon
score alone, which is what the short-comment tests were tuned on and costs nothing extra.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final

MODEL_FILE: Final = "sentiment.tsv"
MAX_N: Final = 3


def ngrams(text: str, max_n: int = MAX_N) -> set[str]:
    """Distinct character n-grams (1..max_n) of an already folded text, spaces excluded."""
    chars = text.replace(" ", "")
    size = len(chars)
    out: set[str] = set(chars)
    for n in range(2, max_n + 1):
        out.update(chars[i : i + n] for i in range(size - n + 1))
    return out


@dataclass(frozen=True, slots=True)
class NgramModel:
    """Weights of a binary-feature logistic regression (positive class = positive sentiment)."""

    bias: float
    weights: Mapping[str, float]
    alpha: float = 1.0  # weight of the logit against the lexicon's raw score
    scale: float = 3.0  # tanh scale of the blended score
    min_chars: int = 0  # shorter texts keep the lexicon score alone
    max_n: int = MAX_N

    def logit(self, norm: str) -> float:
        """Log-odds of positive for a normalised text."""
        if not norm:
            return 0.0
        get = self.weights.get
        # fsum: exactly rounded, so the same float whatever order the set yields the n-grams in
        # (and the compiled path, kuaifan/text/_hot/ngram.c, gives this float too)
        return self.bias + math.fsum(get(g, 0.0) for g in ngrams(norm, self.max_n))

    def probability(self, norm: str) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit(norm)))

    def to_lines(self) -> Iterator[str]:
        yield f"#bias\t{self.bias:.6g}"
        yield f"#alpha\t{self.alpha:.6g}"
        yield f"#scale\t{self.scale:.6g}"
        yield f"#min_chars\t{self.min_chars}"
        for gram, w in sorted(self.weights.items(), key=lambda kv: (-abs(kv[1]), kv[0])):
            yield f"{gram}\t{w:.4g}"

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> NgramModel:
        head: dict[str, float] = {}
        weights: dict[str, float] = {}
        for line in lines:
            if not line:
                continue
            gram, _, value = line.rpartition("\t")
            if gram.startswith("#"):
                head[gram[1:]] = float(value)
            elif gram:
                weights[gram] = float(value)
        return cls(
            head.get("bias", 0.0),
            weights,
            alpha=head.get("alpha", 1.0),
            scale=head.get("scale", 3.0),
            min_chars=int(head.get("min_chars", 0)),
        )


@lru_cache(maxsize=1)
def default_model() -> NgramModel:
    """The shipped model (read once per process)."""
    text = resources.files("kuaifan.text").joinpath("model", MODEL_FILE).read_text(encoding="utf-8")
    return NgramModel.from_lines(text.splitlines())
