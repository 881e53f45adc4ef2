"""The compiled hot path: the per-comment rules in C (``kuaifan/text/_hot/*.c``, built by
``make install`` into the extension module ``kuaifan.text._hotpath``).

The C code mirrors normalize.py, extract.py, intents.py and sentiment.py rule by rule over the same
lexicon tables (its own Aho-Corasick automata with pyahocorasick's matching, the typo table, the
cue weights) and gives the same ``Comment`` for every text (tests/text/test_compiled.py). What it
does not cover it hands back to the Python reference path text by text (a character whose NFKC
form depends on its neighbours is folded by Python, digits other than ASCII, texts over 4096
characters), and the learned review model's logit is computed by ``ngram_model`` itself.

``engine(lex)`` is None when the module is not there (installed without a compiler, or an
outdated build): the classifier then uses the pure-Python path and says so once on the
``kuaifan.text`` logger. ``KUAIFAN_TEXT_PURE=1`` turns the compiled path off.
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from kuaifan.i18n import lang_from_env, t
from kuaifan.text.lexicon import INTENTS, CompiledLexicon
from kuaifan.text.normalize import fold_width

if TYPE_CHECKING:
    from kuaifan.text._hotpath import Engine, IntentTable, Model
    from kuaifan.text.intent_model import IntentModel
    from kuaifan.text.ngram_model import NgramModel

HOTPATH_VERSION: Final = 7  # must equal the C module's (module.c): an older build is not used
# the intent order the C decision is written for (intents.py: PRICE, SIZE_FIT, … OTHER)
C_INTENTS: Final = (
    "price",
    "size_fit",
    "variant",
    "stock",
    "link",
    "shipping",
    "quality",
    "purchased",
    "after_sales",
    "praise",
    "other",
)
_NOT_BEFORE_NUMBER: Final = frozenset({"体重", "胖", "瘦"})  # extract.find_hits skips these persons
NOT_BUILT: Final = "not built"
log = logging.getLogger("kuaifan.text")


def _load() -> tuple[Any, str]:
    """The extension module, or None and why not."""
    if os.environ.get("KUAIFAN_TEXT_PURE", "").strip() not in ("", "0"):
        return None, "KUAIFAN_TEXT_PURE"
    try:
        _hotpath = importlib.import_module("kuaifan.text._hotpath")
    except ModuleNotFoundError:
        return None, NOT_BUILT
    except ImportError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    version = getattr(_hotpath, "HOTPATH_VERSION", None)
    if version != HOTPATH_VERSION:
        return None, f"_hotpath {version} != {HOTPATH_VERSION} (make install)"
    return _hotpath, ""


_module, _reason = _load()


def available() -> bool:
    """Whether the compiled module is there and current."""
    return _module is not None


def unavailable_reason() -> str:
    return _reason


@lru_cache(maxsize=1)
def notice_pure_path() -> str:
    """Say once per process that the pure-Python path is used (a one-line log warning)."""
    zh = "未编译，安装时可能没有 C 编译器" if _reason == NOT_BUILT else _reason
    en = "not built: no C compiler when installed?" if _reason == NOT_BUILT else _reason
    msg = t(
        lang_from_env(),
        f"kuaifan.text：编译的热路径不可用（{zh}），改用纯 Python 实现（结果相同，较慢）",
        f"kuaifan.text: compiled hot path unavailable ({en}); "
        "using the pure-Python path (same results, slower)",
    )
    if _reason != "KUAIFAN_TEXT_PURE":
        log.warning(msg)
    return msg


def engine_spec(lex: CompiledLexicon) -> dict[str, list[Any]] | None:
    """The tables of ``lex`` as the C engine reads them, or None when this lexicon has an entry the
    engine does not take (an empty word after folding, an automaton without words)."""
    typos = lex.typos.mapping
    if "" in typos:
        return None
    automata = (lex.intent_ac, lex.color_ac, lex.sentiment_ac, lex.spam_ac, lex.misc_ac)
    if any("\x00" in ac for ac in automata):  # an empty word list (lexicon._automaton's placeholder)
        return None
    cues = list(lex.intent_cues)
    cue_id = {cue: i for i, cue in enumerate(cues)}
    misc: list[tuple[str, int]] = []
    for key, (_, kind) in lex.misc_ac.items():
        code = 0 if kind == "product" else 2 if key in _NOT_BEFORE_NUMBER or kind != "person" else 1
        misc.append((key, code))
    return {
        "typos": list(typos.items()),
        "cues": [(cue, tuple((i, float(w)) for i, w in lex.intent_cues[cue])) for cue in cues],
        "supers": [sorted(cue_id[s] for s in lex.intent_supers.get(cue, ())) for cue in cues],
        "colors": [(key, canon or "") for key, (_, canon) in lex.color_ac.items()],
        "senti": [(key, float(w)) for key, (_, w) in lex.sentiment_ac.items()],
        "spam": [key for key, _ in lex.spam_ac.items()],
        "misc": misc,
    }


def engine(lex: CompiledLexicon, comment_type: type) -> Engine | None:
    """A C engine over ``lex`` that builds ``comment_type`` objects, or None (see module doc)."""
    if _module is None or tuple(INTENTS) != C_INTENTS:
        return None
    spec = engine_spec(lex)
    if spec is None:
        return None
    names = tuple(f.name for f in fields(comment_type))
    built: Engine = _module.Engine(spec, comment_type, names, C_INTENTS, fold_width)
    return built


_MODELS: dict[int, tuple[NgramModel, Model]] = {}  # by id: NgramModel holds a dict, it is not hashable


def model(ngram: NgramModel | None) -> Model | NgramModel | None:
    """What the engine scores long texts with: the n-gram weights as a C table (built once per model),
    or the Python model itself where the table does not apply (n-grams longer than 3)."""
    if ngram is None or _module is None or ngram.max_n != 3:
        return ngram
    hit = _MODELS.get(id(ngram))
    if hit is None or hit[0] is not ngram:
        table: Model = _module.Model(
            dict(ngram.weights), ngram.bias, ngram.alpha, ngram.scale, ngram.min_chars
        )
        hit = _MODELS[id(ngram)] = (ngram, table)
    return hit[1]


_INTENT_MODELS: dict[int, tuple[IntentModel, IntentTable]] = {}


def intent_model(model: IntentModel | None) -> IntentTable | None:
    """The intent model's weights as a C table (built once per model), or None."""
    if model is None or _module is None:
        return None
    if tuple(model.intents) != C_INTENTS:
        raise ValueError("intent model: intents in another order than the classifier's")
    hit = _INTENT_MODELS.get(id(model))
    if hit is None or hit[0] is not model:
        table: IntentTable = _module.IntentTable(dict(model.weights), model.bias)
        hit = _INTENT_MODELS[id(model)] = (model, table)
    return hit[1]
