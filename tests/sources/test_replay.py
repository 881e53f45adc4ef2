"""The replay guard: send-time window and remembered (nonce, msg_id) pairs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kuaifan.sources.replay import ReplayGuard, stale_reason

W = 300_000


def test_window_is_symmetric_and_inclusive() -> None:
    now = 1_800_000_000_000
    assert stale_reason(now - W, now, W) is None and stale_reason(now + W, now, W) is None
    assert stale_reason(now - W - 1, now, W) == "stale timestamp: sent 300 s ago, the window is ±300 s"
    assert stale_reason(now + W + 1000, now, W) == "timestamp 301 s in the future, the window is ±300 s"


def test_pairs_count_only_once_acknowledged_and_per_scope() -> None:
    guard = ReplayGuard(W)
    assert guard.repeated("acme/douyin_live", "n1", ["a", "b"], 0) is None
    guard.remember("acme/douyin_live", "n1", ["a", "b"], 0)
    assert guard.repeated("acme/douyin_live", "n1", ["x", "b"], 10) == "b"
    assert guard.repeated("acme/douyin_live", "n2", ["a"], 10) is None  # the platform pushing again
    assert guard.repeated("beta/douyin_live", "n1", ["a"], 10) is None  # another tenant


def test_pairs_expire_after_the_window_and_memory_is_bounded() -> None:
    guard = ReplayGuard(W, max_pairs=3)
    guard.remember("s", "n1", ["a"], 0)
    assert guard.repeated("s", "n1", ["a"], W) == "a"
    assert guard.repeated("s", "n1", ["a"], W + 1) is None
    assert len(guard) == 0
    guard.remember("s", "n", ["1", "2", "3", "4"], W + 2)
    assert len(guard) == 3 and guard.repeated("s", "n", ["1"], W + 3) is None


@settings(deadline=None, max_examples=60)
@given(st.integers(0, 10**12), st.integers(0, 2 * W))
def test_a_remembered_pair_is_refused_exactly_within_the_window(t0: int, later: int) -> None:
    guard = ReplayGuard(W)
    guard.remember("s", "nonce", ["m"], t0)
    refused = guard.repeated("s", "nonce", ["m"], t0 + later) is not None
    assert refused == (later <= W)
