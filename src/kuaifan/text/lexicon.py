"""Lexicons: data files per product category, a tenant's extra entries, and their compiled form.

The built-in lexicons are TOML files in ``kuaifan/text/lexicon/`` (``common.toml`` plus one per
category), read with importlib.resources so they ship in the wheel. Their format is described at
the top of ``common.toml``. A tenant extends them with a mapping of the same shape, e.g. in its
config::

    [tenants.demo.text.lexicon.intents.price]
    "米米" = 3            # a room's own slang for money
    [tenants.demo.text.lexicon.colors]
    bare = ["牛油果绿"]
    [tenants.demo.text.lexicon.typos]
    "链jie" = "链接"

``Lexicon.from_mapping(tenant_lexicon)`` validates it (a bad entry raises ConfigError naming the
key, in Chinese and English) and ``load_lexicon(categories, extra=...)`` merges it over the
built-in one. Later entries override earlier ones key by key; a weight of 0 removes a cue.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kuaifan.errors import ConfigError
from kuaifan.events import COMMENT_INTENTS
from kuaifan.text.normalize import TypoReplacer, convert_numerals, fold_width

INTENTS: Final = COMMENT_INTENTS
CATEGORIES: Final = ("apparel", "shoes", "beauty", "food", "home", "digital", "kids")
INTENT_INDEX: Final = {name: i for i, name in enumerate(INTENTS)}


class _ColorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bare: list[str] = Field(default_factory=list)
    single: list[str] = Field(default_factory=list)
    modifiers: list[str] = Field(default_factory=list)
    block: list[str] = Field(default_factory=list)


class _SentimentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    positive: dict[str, float] = Field(default_factory=dict)
    negative: dict[str, float] = Field(default_factory=dict)
    negators: list[str] = Field(default_factory=list)
    neutral: list[str] = Field(default_factory=list)  # words that hide a sentiment word inside them


class _WordsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    words: list[str] = Field(default_factory=list)


class LexiconSpec(BaseModel):
    """The validated shape of one lexicon file or a tenant's ``text.lexicon`` table."""

    model_config = ConfigDict(extra="forbid")
    typos: dict[str, str] = Field(default_factory=dict)
    intents: dict[str, dict[str, float]] = Field(default_factory=dict)
    colors: _ColorSpec = Field(default_factory=_ColorSpec)
    sentiment: _SentimentSpec = Field(default_factory=_SentimentSpec)
    spam: _WordsSpec = Field(default_factory=_WordsSpec)
    products: _WordsSpec = Field(default_factory=_WordsSpec)
    persons: _WordsSpec = Field(default_factory=_WordsSpec)
    items: _WordsSpec = Field(default_factory=_WordsSpec)

    @field_validator("intents")
    @classmethod
    def _known_intents(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for name, cues in v.items():
            if name not in INTENT_INDEX:
                raise ValueError(f"unknown intent {name!r}; known: {', '.join(INTENTS)}")
            for cue, w in cues.items():
                if not cue.strip():
                    raise ValueError(f"intents.{name}: empty cue")
                if not math.isfinite(w) or abs(w) > 10:
                    raise ValueError(f"intents.{name}.{cue}: weight must be within [-10, 10]")
        return v


@dataclass(frozen=True)
class Lexicon:
    """Plain, immutable lexicon data (before compilation)."""

    typos: Mapping[str, str] = field(default_factory=dict)
    intents: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    colors_bare: frozenset[str] = frozenset()
    colors_single: frozenset[str] = frozenset()
    color_modifiers: frozenset[str] = frozenset()
    color_block: frozenset[str] = frozenset()
    positive: Mapping[str, float] = field(default_factory=dict)
    negative: Mapping[str, float] = field(default_factory=dict)
    negators: frozenset[str] = frozenset()
    neutral: frozenset[str] = frozenset()
    spam_words: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "lexicon") -> Lexicon:
        """Validate a mapping (a parsed TOML file or a tenant's config table)."""
        try:
            spec = LexiconSpec.model_validate(dict(data))
        except ValidationError as err:
            e = err.errors()[0]
            key = ".".join(str(p) for p in e["loc"]) or "(root)"
            raise ConfigError(
                f"{source}: 词库条目有误 {key}: {e['msg']}",
                f"{source}: bad lexicon entry {key}: {e['msg']}",
                key=key,
            ) from None
        return cls(
            typos=dict(spec.typos),
            intents={k: dict(v) for k, v in spec.intents.items()},
            colors_bare=frozenset(spec.colors.bare),
            colors_single=frozenset(spec.colors.single),
            color_modifiers=frozenset(spec.colors.modifiers),
            color_block=frozenset(spec.colors.block),
            positive=dict(spec.sentiment.positive),
            negative=dict(spec.sentiment.negative),
            negators=frozenset(spec.sentiment.negators),
            neutral=frozenset(spec.sentiment.neutral),
            spam_words=frozenset(spec.spam.words),
            products=frozenset(spec.products.words),
            persons=frozenset(spec.persons.words),
            items=frozenset(spec.items.words),
        )

    @classmethod
    def from_toml(cls, path: Path) -> Lexicon:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: 无法读取词库：{exc}", f"{path}: cannot read lexicon: {exc}") from None
        return cls.from_mapping(raw, source=str(path))

    def merge(self, other: Lexicon) -> Lexicon:
        """``other`` extends this lexicon; on the same key its value wins."""
        intents: dict[str, dict[str, float]] = {k: dict(v) for k, v in self.intents.items()}
        for name, cues in other.intents.items():
            intents.setdefault(name, {}).update(cues)
        return Lexicon(
            typos={**self.typos, **other.typos},
            intents=intents,
            colors_bare=self.colors_bare | other.colors_bare,
            colors_single=self.colors_single | other.colors_single,
            color_modifiers=self.color_modifiers | other.color_modifiers,
            color_block=self.color_block | other.color_block,
            positive={**self.positive, **other.positive},
            negative={**self.negative, **other.negative},
            negators=self.negators | other.negators,
            neutral=self.neutral | other.neutral,
            spam_words=self.spam_words | other.spam_words,
            products=self.products | other.products,
            persons=self.persons | other.persons,
            items=self.items | other.items,
        )


def _builtin(name: str) -> Lexicon:
    text = resources.files("kuaifan.text").joinpath("lexicon", f"{name}.toml").read_text(encoding="utf-8")
    return Lexicon.from_mapping(tomllib.loads(text), source=f"kuaifan/text/lexicon/{name}.toml")


@lru_cache(maxsize=16)
def _builtin_merged(categories: tuple[str, ...]) -> Lexicon:
    lex = _builtin("common")
    for cat in categories:
        lex = lex.merge(_builtin(cat))
    return lex


def load_lexicon(
    categories: Iterable[str] | None = None, extra: Lexicon | Mapping[str, Any] | None = None
) -> Lexicon:
    """The built-in lexicon for ``categories`` (default: all) with ``extra`` merged over it."""
    cats = tuple(CATEGORIES) if categories is None else tuple(dict.fromkeys(categories))
    for cat in cats:
        if cat not in CATEGORIES:
            raise ConfigError(
                f"未知品类 {cat!r}（可选：{', '.join(CATEGORIES)}）",
                f"unknown category {cat!r} (one of: {', '.join(CATEGORIES)})",
            )
    lex = _builtin_merged(cats)
    if extra is None:
        return lex
    extra_lex = extra if isinstance(extra, Lexicon) else Lexicon.from_mapping(extra, source="extra_lexicon")
    return lex.merge(extra_lex)


# ---------------------------------------------------------------------------------------------
# Compiled form
#
# Every lookup is a plain word list so that the per-text path (pyahocorasick) and the batch path
# (polars extract_many) find exactly the same matches:
# - intent cues: all occurrences (overlapping); a cue inside another matched cue is dropped later;
# - colours and sentiment: leftmost-longest (polars: leftmost=True, patterns longest first).
# Context rules are spelled out as words: a one-character colour root counts only in colour
# position (黑的, 黑款, 黑那件, 件黑, 黑M, 黑37 …), and a negated sentiment word (不喜欢, 没有色差)
# is its own entry with the opposite sign.

COLOR_BLOCK: Final = ""  # canonical value of a block entry (显白, 蓝牙 …)
SINGLE_NEXT: Final = ("的", "款", "那", "这")
SINGLE_PREV: Final = tuple("一件个要拍试换看蹲求拿买选穿款双条只")
SINGLE_EDGE: Final = (" ", ",", "，", "。", "!", "！", "?", "？", "~")
SIZE_LETTERS: Final = ("s", "m", "l", "x")


@dataclass(frozen=True, eq=False)
class CompiledLexicon:
    """Automata, word lists and lookup tables built once from a Lexicon; read-only afterwards."""

    lexicon: Lexicon
    typos: TypoReplacer
    intent_cues: Mapping[str, tuple[tuple[int, float], ...]]
    intent_ac: Any  # all occurrences
    intent_supers: Mapping[str, frozenset[str]]  # cue -> the longer cues that contain it
    color_map: Mapping[str, str]  # word -> canonical colour, or COLOR_BLOCK
    color_ac: Any  # leftmost-longest over " " + text + " "
    senti_map: Mapping[str, float]
    sentiment_ac: Any  # leftmost-longest
    spam_words: tuple[str, ...]
    spam_ac: Any
    misc_ac: Any  # word -> "product" | "person" (positions, for the extraction rules)
    items: tuple[str, ...]

    def norm(self, text: str) -> str:
        return convert_numerals(self.typos(fold_width(text)))

    def longest_first(self, words: Iterable[str]) -> list[str]:
        return sorted(words, key=lambda w: (-len(w), w))


def _automaton(words: Iterable[str], values: Mapping[str, object] | None = None) -> Any:
    ac = ahocorasick.Automaton()
    for key in words:
        if key:
            ac.add_word(key, (key, None if values is None else values[key]))
    if len(ac) == 0:
        ac.add_word("\x00", ("\x00", None))  # an automaton needs one word; NUL never occurs in text
    ac.make_automaton()
    return ac


def canonical_color(name: str) -> str:
    return name if name.endswith("色") else name + "色"


def _color_words(lex: Lexicon, norm: Callable[[str], str]) -> dict[str, str]:
    colors: dict[str, str] = {}
    roots = sorted(lex.colors_single)
    items = sorted({norm(w) for w in lex.items if w})
    for root in roots:
        canon = canonical_color(root)
        colors[norm(root + "色")] = canon
        contexts = [root + nxt for nxt in SINGLE_NEXT] + [prev + root for prev in SINGLE_PREV]
        contexts += [root + d for d in "0123456789"] + [root + letter for letter in SIZE_LETTERS]
        contexts += [root + item for item in items]
        contexts += [a + root + b for a in SINGLE_EDGE for b in SINGLE_EDGE]
        for word in contexts:
            colors.setdefault(norm(word) if word.strip() == word else word, canon)
        for mod in lex.color_modifiers:
            if mod != root:
                colors[norm(mod + root)] = canonical_color(mod + root)
                colors[norm(mod + root + "色")] = canonical_color(mod + root)
    for name in lex.colors_bare:
        colors[norm(name)] = canonical_color(name)
        colors[norm(canonical_color(name))] = canonical_color(name)
    for word in lex.color_block:
        colors[norm(word)] = COLOR_BLOCK
    colors.pop("", None)
    return colors


def _sentiment_words(lex: Lexicon, norm: Callable[[str], str]) -> dict[str, float]:
    base: dict[str, float] = {}
    for word, w in lex.positive.items():
        base[norm(word)] = abs(w)
    for word, w in lex.negative.items():
        base[norm(word)] = -abs(w)
    senti: dict[str, float] = {}
    for neg in sorted(lex.negators):
        for word, w in base.items():
            senti[norm(neg) + word] = -w
    senti.update(base)  # an explicit entry (不好, 不错) wins over a generated negation
    # A neutral word is matched (leftmost-longest) and weighs nothing: 差不多 is not 差, 特别 not 别.
    senti.update(dict.fromkeys((norm(w) for w in lex.neutral), 0.0))
    senti.pop("", None)
    return senti


def _supers(cues: Iterable[str]) -> dict[str, frozenset[str]]:
    keys = sorted(cues, key=len)
    out: dict[str, set[str]] = {}
    for i, short in enumerate(keys):
        for long in keys[i + 1 :]:
            if len(long) > len(short) and short in long:
                out.setdefault(short, set()).add(long)
    return {k: frozenset(v) for k, v in out.items()}


def compile_lexicon(lex: Lexicon) -> CompiledLexicon:
    typos = TypoReplacer(lex.typos)

    def norm(s: str) -> str:
        return convert_numerals(typos(fold_width(s)))

    cues: dict[str, dict[int, float]] = {}
    for intent, table in lex.intents.items():
        idx = INTENT_INDEX[intent]
        for cue, weight in table.items():
            key = norm(cue)
            if key:
                cues.setdefault(key, {})[idx] = weight
    intent_cues = {
        k: tuple((i, w) for i, w in sorted(v.items()) if w != 0.0) for k, v in cues.items() if any(v.values())
    }
    colors = _color_words(lex, norm)
    senti = _sentiment_words(lex, norm)
    spam = sorted({norm(w) for w in lex.spam_words if norm(w)})
    misc: dict[str, str] = {}
    for word in lex.products:
        misc[norm(word)] = "product"
    for word in lex.persons:
        misc[norm(word)] = "person"
    misc.pop("", None)
    return CompiledLexicon(
        lexicon=lex,
        typos=typos,
        intent_cues=intent_cues,
        intent_ac=_automaton(intent_cues, intent_cues),
        intent_supers=_supers(intent_cues),
        color_map=colors,
        color_ac=_automaton(colors, colors),
        senti_map=senti,
        sentiment_ac=_automaton(senti, senti),
        spam_words=tuple(spam),
        spam_ac=_automaton(spam),
        misc_ac=_automaton(misc, misc),
        items=tuple(sorted({norm(w) for w in lex.items if w}, key=len, reverse=True)),
    )


@lru_cache(maxsize=1)
def default_compiled() -> CompiledLexicon:
    """The compiled built-in lexicon of all categories (built once per process)."""
    return compile_lexicon(load_lexicon())
