"""`kuaifan backtest --seeds 731 --json` as a new user runs it (it died with a polars panic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirun import run_cli
from kuaifan.app.backtest import BacktestRequest, BacktestResult, backtest
from kuaifan.errors import InputError


@pytest.mark.slow
def test_backtest_seed_731_runs_the_production_path(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "backtest", "--seeds", "731", "--json")
    out = BacktestResult.model_validate(json.loads(proc.stdout))
    assert out.seeds == 1 and out.seed_list == [731] and out.failures == []
    assert set(out.policies) == {"quick_response", "one_shot", "information_bound", "oracle"}
    assert out.forecast["models"] and out.forecast["cells"] > 0
    assert out.policies["oracle"].profit >= out.policies["quick_response"].profit * 0.98
    assert set(out.goals) >= {"qr_profit_ge_95pct_information_bound", "coverage_75_85pct"}


def test_the_use_case_refuses_negative_seeds() -> None:
    with pytest.raises(InputError, match="negative"):
        backtest(BacktestRequest(seeds=[-1]))
