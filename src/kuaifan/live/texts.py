"""``CommentTexts``: each distinct comment text classified once per tenant, for the live path.

Live rooms repeat themselves (已拍, 扣1, 有M码吗, 没抢到): most comments are a text seen a moment
ago. A bounded cache (the least recently used text leaves first) stands in front of each tenant's
classifier, and a batch's new texts are classified in one ``classify_many`` call. The server's
write path and the live hub share one cache: the texts the write path classifies are the ones whose
tags it stores with the events (``tagged`` remembers which), and the hub finds them classified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any, Final

MAX_TEXTS: Final = 50_000  # per tenant: ~10-20 MB of classifications

ClassifyMany = Callable[[Sequence[str]], list[Any]]


class _Entry:
    __slots__ = ("tagged", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.tagged = False


class CommentTexts:
    """Classifications of comment texts per tenant (``classifier_for(tenant)`` classifies a batch)."""

    def __init__(self, classifier_for: Callable[[str], ClassifyMany], max_texts: int = MAX_TEXTS) -> None:
        self._classifier_for = classifier_for
        self._max = max_texts
        self._tenants: dict[str, dict[str, _Entry]] = {}
        self._classifiers: dict[str, ClassifyMany] = {}
        self.classified = 0  # texts classified so far (cache misses)

    def _cache(self, tenant: str) -> dict[str, _Entry]:
        cache = self._tenants.get(tenant)
        if cache is None:
            cache = self._tenants[tenant] = {}
            self._classifiers[tenant] = self._classifier_for(tenant)
        return cache

    def classify(self, tenant: str, texts: Sequence[str]) -> list[Any]:
        """The classification of each text (in order), classifying the ones not cached in one call."""
        cache = self._cache(tenant)
        missing = list(dict.fromkeys(t for t in texts if t not in cache))
        if missing:
            for text, value in zip(missing, self._classifiers[tenant](missing), strict=True):
                cache[text] = _Entry(value)
            self.classified += len(missing)
        out = []
        for text in texts:
            entry = cache.pop(text)  # re-inserted: dicts keep insertion order, the end is the newest
            cache[text] = entry
            out.append(entry.value)
        if len(cache) > self._max:  # the oldest tenth goes at once: eviction stays rare
            for old in list(islice(cache, len(cache) - self._max * 9 // 10)):
                del cache[old]
        return out

    def get(self, tenant: str, text: str) -> Any:
        entry = self._cache(tenant).get(text)
        return entry.value if entry is not None else self.classify(tenant, [text])[0]

    def untagged(self, tenant: str, texts: Iterable[str]) -> list[str]:
        """The cached texts among ``texts`` whose tags have not been stored (by this process)."""
        cache = self._cache(tenant)
        return [t for t in texts if (e := cache.get(t)) is not None and not e.tagged]

    def mark_tagged(self, tenant: str, texts: Iterable[str]) -> None:
        cache = self._cache(tenant)
        for t in texts:
            entry = cache.get(t)
            if entry is not None:
                entry.tagged = True
