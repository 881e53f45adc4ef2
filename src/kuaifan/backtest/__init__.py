"""kuaifan.backtest — simulated launches scored for quick_response, one_shot and oracle.

    from kuaifan.backtest import Scenario, run_backtest
    summary = run_backtest(range(1, 21), Scenario(cv=0.75, lead_time=7, moq=100))

CLI: ``kuaifan backtest --seeds 1-20 [--cv X] [--lead-time D] [--moq Q] [--json]``
(``kuaifan.backtest.cli.backtest``).
"""

from kuaifan.backtest.launch import Launch, daily_curve, make_launches, preseason_paths, sigma_of
from kuaifan.backtest.run import POLICIES, Ledger, Scenario, play, run_backtest, run_seed

__all__ = [
    "POLICIES",
    "Launch",
    "Ledger",
    "Scenario",
    "daily_curve",
    "make_launches",
    "play",
    "preseason_paths",
    "run_backtest",
    "run_seed",
    "sigma_of",
]
