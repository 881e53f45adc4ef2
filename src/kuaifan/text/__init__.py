"""kuaifan.text — intents and attributes from Chinese live-room comments, at live speed.

>>> from kuaifan.text import classify
>>> c = classify("已拍L 我165 120斤会不会大")
>>> (c.intent, c.height_cm, c.weight_kg, c.size)
('size_fit', 165, 60.0, 'L')
"""

from kuaifan.text.classifier import Comment, TextClassifier, classify, classify_many, default_classifier
from kuaifan.text.context import ProductOnScreen, Resolution, RoomContext, resolve, resolve_many
from kuaifan.text.lexicon import CATEGORIES, INTENTS, Lexicon, load_lexicon
from kuaifan.text.normalize import normalize
from kuaifan.text.summary import summarise

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "Comment",
    "Lexicon",
    "ProductOnScreen",
    "Resolution",
    "RoomContext",
    "TextClassifier",
    "classify",
    "classify_many",
    "default_classifier",
    "load_lexicon",
    "normalize",
    "resolve",
    "resolve_many",
    "summarise",
]
