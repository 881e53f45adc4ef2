"""Use case: backtest quick response on the production path against one-shot, the information
bound and the oracle (``kuaifan backtest``). The result's JSON is what ``--json`` prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kuaifan.backtest.run import SeedResult
from kuaifan.errors import InputError

__all__ = ["BacktestRequest", "BacktestResult", "SeedResult", "backtest", "parse_seeds"]


class BacktestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seeds: list[int] = Field(min_length=1, max_length=10_000)
    cv: float = Field(default=0.75, ge=0.05, le=3.0, description="pre-launch CV of a style's total demand")
    lead_time: int = Field(default=7, ge=0, le=28, description="the base factory's lead time (days)")
    moq: int = Field(default=100, ge=0, description="the base factory's MOQ per style and order")
    presale: bool = True
    polls: bool = True
    two_factories: bool = True
    clearance: bool = True
    daily_reviews: bool = False
    past_launches: bool = True


class PolicySummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    profit: float = Field(description="per seed (yuan)")
    leftover_rate: float
    fill_rate: float
    units_bought: float
    units_left: float


class SeedFailure(BaseModel):
    model_config = ConfigDict(frozen=True)

    seed: int
    error: str
    where: list[str]


class BacktestResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    seeds: int
    seed_list: list[int]
    scenario: dict[str, Any]
    policies: dict[str, PolicySummary]
    ratios: dict[str, float | None]
    forecast: dict[str, Any]
    per_seed: list[dict[str, Any]]
    failures: list[SeedFailure]
    goals: dict[str, bool | None]


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
    request: BacktestRequest,
    *,
    on_seed: Callable[[SeedResult], None] | None = None,
    on_failure: Callable[[int, str], None] | None = None,
) -> BacktestResult:
    """Run the seeds (a failing seed is reported in ``failures``, the others go on)."""
    from kuaifan.backtest.policies import Scenario
    from kuaifan.backtest.run import run_backtest

    if any(s < 0 for s in request.seeds):
        raise InputError("种子不能为负数", "seeds must not be negative", field="seeds")
    scenario = Scenario(**request.model_dump(exclude={"seeds"}))
    return BacktestResult.model_validate(run_backtest(request.seeds, scenario, on_seed, on_failure))
