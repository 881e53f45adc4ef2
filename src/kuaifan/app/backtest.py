"""``kuaifan backtest``: quick response vs one big order vs perfect information, over simulated
launches (the decision value of the loop, measured where the truth is known)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import SeedResult, run_backtest
from kuaifan.errors import InputError

__all__ = ["SeedResult", "backtest", "parse_seeds"]


def parse_seeds(text: str) -> list[int]:
    """'1-20' → 1..20, '3' → [3], '1,4,9' → [1, 4, 9]; InputError (zh + en) on anything else."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, sep, hi = part.strip().partition("-")
            a = int(lo)
            b = int(hi) if sep else a
            if a < 0 or b < a:
                raise ValueError
            seeds.extend(range(a, b + 1))
    except ValueError:
        raise InputError(
            f"种子范围 {text!r} 无效：应如 1-20 或 1,4,9",
            f"bad seed range {text!r}: expected e.g. 1-20 or 1,4,9",
            field="seeds",
        ) from None
    if not seeds:
        raise InputError("种子范围为空", "the seed range is empty", field="seeds")
    return seeds


def backtest(
    seeds: str, *, cv: float, lead_time: int, moq: int, on_seed: Callable[[SeedResult], None] | None = None
) -> dict[str, Any]:
    """The backtest over the seeds (``--seeds`` text); its JSON summary."""
    return run_backtest(parse_seeds(seeds), Scenario(cv=cv, lead_time=lead_time, moq=moq), on_seed)
