"""Replay protection for signed pushes: a send-time window and repeated (nonce, msg_id) pairs.

A platform that signs its send time (Douyin's ``x-timestamp``) lets us refuse a captured request
played back later: outside ``window_ms`` of our clock (either side; clocks drift) it is stale. Inside
the window, the same request played back twice carries the same nonce and message ids; the guard
remembers the pairs it acknowledged for one window, after which the time check alone refuses them.

The pairs are remembered only once a request was acknowledged (``remember``), so a platform retry of
a request we failed to store is not refused. Memory is bounded: pairs older than the window are
dropped, and at most ``max_pairs`` are kept (the oldest go first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

DEFAULT_WINDOW_MS: Final = 5 * 60 * 1000
MAX_PAIRS: Final = 1_000_000


def stale_reason(sent_ms: int, now_ms: int, window_ms: int) -> str | None:
    """Why a send time is outside the window, or None when it is inside."""
    skew = now_ms - sent_ms
    if skew > window_ms:
        return f"stale timestamp: sent {skew // 1000} s ago, the window is ±{window_ms // 1000} s"
    if -skew > window_ms:
        return f"timestamp {-skew // 1000} s in the future, the window is ±{window_ms // 1000} s"
    return None


@dataclass(slots=True)
class ReplayGuard:
    """Remembers acknowledged (nonce, msg_id) pairs for one window; thread-safe."""

    window_ms: int = DEFAULT_WINDOW_MS
    max_pairs: int = MAX_PAIRS
    _pairs: OrderedDict[tuple[str, str, str], int] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check_time(self, sent_ms: int, now_ms: int) -> str | None:
        return stale_reason(sent_ms, now_ms, self.window_ms)

    def repeated(self, scope: str, nonce: str, msg_ids: Iterable[str], now_ms: int) -> str | None:
        """The first message id already acknowledged with this nonce (in ``scope``), else None."""
        with self._lock:
            self._expire(now_ms)
            for msg_id in msg_ids:
                if (scope, nonce, msg_id) in self._pairs:
                    return msg_id
        return None

    def remember(self, scope: str, nonce: str, msg_ids: Iterable[str], now_ms: int) -> None:
        with self._lock:
            for msg_id in msg_ids:
                key = (scope, nonce, msg_id)
                self._pairs[key] = now_ms
                self._pairs.move_to_end(key)
            while len(self._pairs) > self.max_pairs:
                self._pairs.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pairs)

    def _expire(self, now_ms: int) -> None:
        # Insertion order is acknowledgement order, so the oldest pairs are at the front.
        limit = now_ms - self.window_ms
        while self._pairs:
            seen = next(iter(self._pairs.values()))
            if seen >= limit:
                break
            self._pairs.popitem(last=False)
