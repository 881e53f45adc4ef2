"""The live path: one comment in, one ``Comment`` out, no tokenizer.

``TextClassifier`` holds a compiled lexicon (Aho-Corasick automata, a typo table, compiled
regexes) and is immutable after construction, so one instance can be shared by many rooms and
threads. ``classify_python`` is the reference implementation (normalize.py, extract.py,
intents.py). ``classify`` and ``classify_many`` run the same rules compiled (``compiled.py``, the C
extension built by ``make install``) and fall back to Python where the extension is missing.
``classify_many`` classifies each distinct text once (live rooms repeat themselves: 已拍, 上链接,
扣1); without the extension, large batches take the batch path (``batch.py``: polars string
kernels, the number rules of ``numbers.py``, one decision per distinct feature tuple). Every path
gives the same comments (tests/text/test_compiled.py, tests/text/test_batch.py);
``benchmarks/bench_text.py`` measures them against jieba.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import ValidationError

from kuaifan.config import TextSettings
from kuaifan.errors import ConfigError, first_problem
from kuaifan.text import compiled
from kuaifan.text.extract import Attributes, extract, find_colors
from kuaifan.text.intent_model import UNSURE, IntentModel, default_intent_model
from kuaifan.text.intents import ONLY_SYMBOLS, decide, score_cues
from kuaifan.text.lexicon import (
    CompiledLexicon,
    Lexicon,
    compile_lexicon,
    default_compiled,
    load_lexicon,
)
from kuaifan.text.ngram_model import NgramModel, default_model
from kuaifan.text.sentiment import has_ad_pattern, is_flood, is_question_end, sentiment_score

if TYPE_CHECKING:
    from kuaifan.text._hotpath import Engine, IntentTable

# auto: compiled when the extension is there, else polars for big batches, else python
Method = Literal["auto", "python", "polars", "compiled"]
# From this many distinct texts on, "auto" uses the batch path: it has a fixed cost per call (the
# kernels build their Aho-Corasick automata, ~10 ms on one core) and wins from about 600 texts.
POLARS_MIN_BATCH = 600
_NEEDS_EXTRACT = re.compile(r"[0-9smlx]|均码")
# A text without these needs no extraction and none of the structural rules of ``decide``: its
# Comment depends only on the words the scans found (see ``decide_many``).
_NOT_SIMPLE = re.compile(r"[0-9a-z]|均码|有|收到|发的|还是|¥|￥")


@dataclass(frozen=True, slots=True)
class Comment:
    """What one comment says. ``intent`` is one of ``kuaifan.text.INTENTS``."""

    intent: str
    height_cm: int | None = None
    weight_kg: float | None = None
    size: str | None = None
    color: str | None = None
    link_no: int | None = None
    confidence: float = 0.0
    sentiment: float = 0.0
    spam: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_SETTERS = tuple(getattr(Comment, f.name).__set__ for f in fields(Comment))
_object_new = object.__new__


def _new_comment(*values: Any) -> Comment:
    """A Comment without the frozen dataclass __init__ (which is ~2x slower on the hot path).

    Same object as ``Comment(*values)``: the slots are written through their descriptors, which is
    what the generated __init__ does via object.__setattr__; the instance is just as frozen.
    """
    obj: Comment = _object_new(Comment)
    for setter, value in zip(_SETTERS, values, strict=True):
        setter(obj, value)
    return obj


class Scan(NamedTuple):
    """What the dictionary scans found in one normalised text (from either path)."""

    cues: list[str]  # intent cue words, all occurrences
    colors: list[str]  # colour words, leftmost-longest over " " + text + " "
    senti: list[str]  # sentiment words, leftmost-longest
    spam_word: bool


def decide_comment(
    norm: str,
    scan: Scan,
    lex: CompiledLexicon,
    model: NgramModel | None = None,
    intent_model: IntentModel | None = None,
) -> Comment:
    """The shared second half of both paths: attributes, intent, sentiment, spam."""
    if scan.colors or _NEEDS_EXTRACT.search(norm):
        colors = find_colors(norm, lex) if scan.colors else []
        attrs = extract(norm, lex, colors)
    else:
        attrs = _NO_ATTRIBUTES
    total, strongest = score_cues(scan.cues, lex)
    ad = scan.spam_word or has_ad_pattern(norm)
    intent, confidence = decide(norm, total, strongest, attrs, ad)
    if intent_model is not None and confidence <= UNSURE:
        intent, confidence = intent_model.refine(intent, confidence, norm)
    if scan.senti or (model is not None and len(norm) >= model.min_chars):
        senti = sentiment_score(scan.senti, lex.senti_map, is_question_end(norm), norm, model)
    else:
        senti = 0.0
    return _new_comment(
        intent,
        attrs.height_cm,
        attrs.weight_kg,
        attrs.size,
        attrs.color,
        attrs.link_no,
        confidence,
        senti,
        ad or is_flood(norm),
    )


_NO_ATTRIBUTES = Attributes()


def scan_python(norm: str, lex: CompiledLexicon) -> Scan:
    cues = [key for _, (key, _) in lex.intent_ac.iter(norm)]
    colors = [key for _, (key, canon) in lex.color_ac.iter_long(" " + norm + " ") if canon]
    senti = [key for _, (key, w) in lex.sentiment_ac.iter_long(norm) if w is not None]
    spam = any(True for _ in lex.spam_ac.iter(norm))
    return Scan(cues, colors, senti, spam)


def refined(comment: Comment, norm: str, intent_model: IntentModel | None) -> Comment:
    """A comment decided for another text with the same features, with this text's model answer
    where the rules are unsure (the model reads the text itself)."""
    if intent_model is None or comment.confidence > UNSURE:
        return comment
    intent, confidence = intent_model.refine(comment.intent, comment.confidence, norm)
    if intent == comment.intent and confidence == comment.confidence:
        return comment
    values = [getattr(comment, f.name) for f in fields(Comment)]
    values[0], values[6] = intent, confidence
    return _new_comment(*values)


def decide_many(
    norms: Sequence[str],
    scans: Sequence[Scan],
    lex: CompiledLexicon,
    model: NgramModel | None = None,
    intent_model: IntentModel | None = None,
) -> list[Comment]:
    """``decide_comment`` for a batch: simple texts with the same words share one decision."""
    cache: dict[tuple[object, ...], Comment] = {}
    out: list[Comment] = []
    not_simple = _NOT_SIMPLE.search
    long_from = model.min_chars if model is not None else 1 << 30
    for norm, scan in zip(norms, scans, strict=True):
        if scan.colors or len(norm) >= long_from or not_simple(norm):
            out.append(decide_comment(norm, scan, lex, model, intent_model))
            continue
        key = (
            tuple(scan.cues),
            tuple(scan.senti),
            scan.spam_word,
            bool(scan.senti) and is_question_end(norm),
            len(norm) >= 10 and is_flood(norm),
            not scan.cues and (not norm or bool(ONLY_SYMBOLS.fullmatch(norm))),
        )
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = decide_comment(norm, scan, lex, model)
        out.append(refined(hit, norm, intent_model))
    return out


class TextClassifier:
    """Classifier over one lexicon (built-in categories plus a tenant's extra entries)."""

    __slots__ = (
        "_engine",
        "_engine_intents",
        "_engine_model",
        "_intents",
        "_lex",
        "_model",
        "use_polars_from",
    )

    def __init__(
        self,
        lexicon: Lexicon | CompiledLexicon | None = None,
        *,
        categories: Sequence[str] | None = None,
        extra_lexicon: Lexicon | Mapping[str, Any] | None = None,
        use_polars_from: int = POLARS_MIN_BATCH,
        sentiment_model: NgramModel | Literal["default"] | None = "default",
        intent_model: IntentModel | Literal["default"] | None = "default",
    ) -> None:
        if isinstance(lexicon, CompiledLexicon):
            self._lex = lexicon
        elif lexicon is None and categories is None and extra_lexicon is None:
            self._lex = default_compiled()
        else:
            base = lexicon if lexicon is not None else load_lexicon(categories)
            if extra_lexicon is not None:
                extra = (
                    extra_lexicon
                    if isinstance(extra_lexicon, Lexicon)
                    else Lexicon.from_mapping(extra_lexicon, source="extra_lexicon")
                )
                base = base.merge(extra)
            self._lex = compile_lexicon(base)
        self.use_polars_from = use_polars_from
        # the learned review-sentiment model (ngram_model); None: the lexicon alone
        self._model = default_model() if sentiment_model == "default" else sentiment_model
        # the learned intent model, asked where the rules are unsure (intent_model); None: rules alone
        self._intents = default_intent_model() if intent_model == "default" else intent_model
        self._engine: Engine | Literal[False] | None = False  # False: not built yet
        self._engine_model: object = None  # the sentiment model as the engine reads it
        self._engine_intents: IntentTable | None = None  # the intent model as the engine reads it

    def _compiled(self) -> Engine | None:
        """The C engine over this lexicon (built on first use), or None: the pure-Python path."""
        eng = self._engine
        if eng is False:
            eng = compiled.engine(self._lex, Comment)
            if not compiled.available():
                compiled.notice_pure_path()
            self._engine_model = compiled.model(self._model)
            self._engine_intents = compiled.intent_model(self._intents)
            self._engine = eng
        return eng

    @property
    def uses_compiled(self) -> bool:
        """Whether classify / classify_many run compiled (see kuaifan.text.compiled)."""
        return self._compiled() is not None

    @property
    def compiled(self) -> CompiledLexicon:
        return self._lex

    @property
    def sentiment_model(self) -> NgramModel | None:
        return self._model

    @property
    def intent_model(self) -> IntentModel | None:
        return self._intents

    def normalize(self, text: str) -> str:
        return self._lex.norm(text)

    def classify(self, text: str) -> Comment:
        eng = self._compiled()
        if eng is not None:
            comment: Comment = eng.classify(
                text, self.classify_python, self._engine_model, self._engine_intents
            )
            return comment
        return self.classify_python(text)

    def classify_python(self, text: str) -> Comment:
        """The reference implementation, in Python (what every other path is tested against)."""
        norm = self._lex.norm(text)
        return decide_comment(norm, scan_python(norm, self._lex), self._lex, self._model, self._intents)

    def classify_many(self, texts: Sequence[str], *, method: Method = "auto") -> list[Comment]:
        """Classify a batch, in order; each distinct text is classified once."""
        if method in ("auto", "compiled"):
            eng = self._compiled()
            if eng is not None:
                comments: list[Comment] = eng.classify_many(
                    texts, self.classify_python, self._engine_model, self._engine_intents
                )
                return comments
            method = "auto"
        unique = list(dict.fromkeys(texts))
        lex = self._lex
        results: list[Comment] | None = None
        if method == "polars" or (method == "auto" and len(unique) >= self.use_polars_from):
            from kuaifan.text.batch import classify_batch

            results = classify_batch(
                unique, lex, _new_comment, self.classify_python, self._model, self._intents
            )
        if results is None:
            normed = [lex.norm(t) for t in unique]
            results = decide_many(
                normed, [scan_python(n, lex) for n in normed], lex, self._model, self._intents
            )
        if len(unique) == len(texts):
            return results
        by_text = dict(zip(unique, results, strict=True))
        return [by_text[t] for t in texts]


def text_settings(text_config: TextSettings | Mapping[str, Any] | None) -> TextSettings:
    """A tenant's ``text`` settings as the typed model (a plain mapping is validated: ConfigError)."""
    if text_config is None:
        return TextSettings()
    if isinstance(text_config, TextSettings):
        return text_config
    try:
        return TextSettings.model_validate(dict(text_config))
    except ValidationError as err:
        key, msg = first_problem(err)
        raise ConfigError(f"text.{key}: {msg}", f"text.{key}: {msg}", key=f"text.{key}") from None


def classifier_from_config(text_config: TextSettings | Mapping[str, Any] | None) -> TextClassifier:
    """A classifier from a tenant's ``text`` settings: ``categories`` (built-in lexicons, default
    all) and ``lexicon`` (entries in the format of ``common.toml``). Empty: the shared default
    classifier. A bad category or lexicon entry is a ConfigError naming it."""
    settings = text_settings(text_config)
    if settings.categories is None and not settings.lexicon:
        return default_classifier()
    lexicon = settings.lexicon
    return TextClassifier(
        categories=list(settings.categories) if settings.categories is not None else None,
        extra_lexicon=Lexicon.from_mapping(lexicon, source="text.lexicon") if lexicon else None,
    )


@lru_cache(maxsize=1)
def default_classifier() -> TextClassifier:
    """The shared classifier over the built-in lexicon of all categories."""
    return TextClassifier()


def classify(text: str, *, classifier: TextClassifier | None = None) -> Comment:
    """Intent and attributes of one comment."""
    return (classifier or default_classifier()).classify(text)


def classify_many(
    texts: Sequence[str], *, classifier: TextClassifier | None = None, method: Method = "auto"
) -> list[Comment]:
    """Intent and attributes of many comments, in order."""
    return (classifier or default_classifier()).classify_many(texts, method=method)
