"""kuaifan.text — intents and attributes from Chinese live-room comments, at live speed.

>>> from kuaifan.text import classify
>>> c = classify("已拍L 我165 120斤会不会大")
>>> (c.intent, c.height_cm, c.weight_kg, c.size)
('size_fit', 165, 60.0, 'L')
"""

from typing import Any

from kuaifan.text.classifier import (
    Comment,
    TextClassifier,
    classifier_from_config,
    classify,
    classify_many,
    default_classifier,
)
from kuaifan.text.lexicon import CATEGORIES, INTENTS, Lexicon, load_lexicon
from kuaifan.text.normalize import normalize


def __getattr__(name: str) -> Any:
    # summarise needs polars; import it on first use so `kuaifan --help` stays fast
    if name == "summarise":
        from kuaifan.text.summary import summarise

        return summarise
    raise AttributeError(f"module 'kuaifan.text' has no attribute {name!r}")


__all__ = [
    "CATEGORIES",
    "INTENTS",
    "Comment",
    "Lexicon",
    "TextClassifier",
    "classifier_from_config",
    "classify",
    "classify_many",
    "default_classifier",
    "load_lexicon",
    "normalize",
    "summarise",
]
