"""kuaifan.backtest — simulated launches: quick response on the production path against one-shot,
the information bound and the oracle.

    from kuaifan.backtest import Scenario, run_backtest
    summary = run_backtest(range(1, 41), Scenario())

CLI: ``kuaifan backtest --seeds 1-20 [--cv X] [--lead-time D] [--moq Q] [--json]``
(``kuaifan.backtest.cli.backtest``). Chart: :func:`kuaifan.backtest.chart.write_sensitivity_chart`.
"""

from kuaifan.backtest.launch import Launch, daily_curve, make_launches, preseason_paths, sigma_of, with_cv
from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import POLICIES, SeedResult, run_backtest, run_seed
from kuaifan.backtest.shop import Books, Ledger, Order, PresaleTerms, play

__all__ = [
    "POLICIES",
    "Books",
    "Launch",
    "Ledger",
    "Order",
    "PresaleTerms",
    "Scenario",
    "SeedResult",
    "daily_curve",
    "make_launches",
    "play",
    "preseason_paths",
    "run_backtest",
    "run_seed",
    "sigma_of",
    "with_cv",
]
