"""A small learned intent model, asked where the rules are unsure.

The rules of ``intents.py`` decide from cue words and patterns; a comment without any cue (a
phrasing the lexicon has not seen: 主播加点货, 能充几次) falls to ``other``, and a contested one gets
a low confidence. For those — confidence ≤ ``UNSURE`` — this model, a multinomial logistic
regression over the distinct character 1–3-grams of the normalised text, may replace the answer:
``other`` when it is at least ``MIN_OVER_OTHER`` sure of another intent, any other weak decision
when it is at least ``MIN_OVER_RULES`` sure. Trained by ``scripts/train_intents.py`` on the tuning
comments only, shipped as ``kuaifan/text/model/intents.tsv``: a header ``#intents`` and ``#bias``
line, then ``ngram<TAB>w_1 … w_K`` per kept n-gram (one weight per intent).

The logits are the bias plus the exactly rounded sum (``math.fsum``) of the weights of the n-grams
found, so the compiled path (kuaifan/text/_hot) computes the same floats whatever the order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Final

from kuaifan.text.ngram_model import ngrams

MODEL_FILE: Final = "intents.tsv"
UNSURE: Final = 0.5  # the rules' confidence at or below which the model is asked
MIN_OVER_OTHER: Final = 0.5  # how sure it must be to replace "other" (no cue found)
MIN_OVER_RULES: Final = 0.7  # how sure it must be to replace another weak decision
# UNSURE, MIN_OVER_OTHER and MIN_OVER_RULES were chosen on typed_tune.jsonl's batches 4-6 against the
# lexicon as it was before those batches (scripts/train_intents.py documents the data).


@dataclass(frozen=True, slots=True)
class IntentModel:
    intents: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]

    def probabilities(self, norm: str) -> list[float]:
        """Softmax over the intents for a normalised text."""
        rows = [w for g in ngrams(norm) if (w := self.weights.get(g)) is not None]
        z = [self.bias[k] + math.fsum(r[k] for r in rows) for k in range(len(self.intents))]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = 0.0
        for v in e:
            total += v
        return [v / total for v in e]

    def refine(self, intent: str, confidence: float, norm: str) -> tuple[str, float]:
        """The rules' (intent, confidence), or the model's where the rules are unsure and it is sure."""
        if confidence > UNSURE:
            return intent, confidence
        p = self.probabilities(norm)
        best = max(range(len(p)), key=p.__getitem__)
        need = MIN_OVER_OTHER if intent == "other" else MIN_OVER_RULES
        if p[best] >= need and self.intents[best] != intent:
            return self.intents[best], round(p[best], 3)
        return intent, confidence

    def to_lines(self) -> Iterator[str]:
        yield "#intents\t" + "\t".join(self.intents)
        yield "#bias\t" + "\t".join(f"{v:.4g}" for v in self.bias)
        for gram in sorted(self.weights):
            yield gram + "\t" + "\t".join(f"{v:.4g}" for v in self.weights[gram])

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> IntentModel:
        intents: tuple[str, ...] = ()
        bias: tuple[float, ...] = ()
        weights: dict[str, tuple[float, ...]] = {}
        for line in lines:
            if not line:
                continue
            key, *values = line.split("\t")
            if key == "#intents":
                intents = tuple(values)
            elif key == "#bias":
                bias = tuple(float(v) for v in values)
            else:
                weights[key] = tuple(float(v) for v in values)
        if not intents or len(bias) != len(intents) or any(len(w) != len(intents) for w in weights.values()):
            raise ValueError("intent model: malformed file")
        return cls(intents, bias, weights)


@lru_cache(maxsize=1)
def default_intent_model() -> IntentModel:
    """The shipped model (read once per process)."""
    text = resources.files("kuaifan.text").joinpath("model", MODEL_FILE).read_text(encoding="utf-8")
    return IntentModel.from_lines(text.splitlines())
