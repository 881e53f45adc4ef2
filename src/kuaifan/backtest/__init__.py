"""kuaifan.backtest — simulated launches scored for quick_response, one_shot and oracle.

    from kuaifan.backtest import Scenario, run_backtest
    summary = run_backtest(range(1, 21), Scenario(cv=0.75, lead_time=7, moq=100))

CLI: ``kuaifan backtest --seeds 1-20 [--cv X] [--lead-time D] [--moq Q] [--json]``
(``kuaifan.backtest.cli.backtest``). Chart: :func:`kuaifan.backtest.chart.write_sensitivity_chart`.
"""

from kuaifan.backtest.chart import write_sensitivity_chart
from kuaifan.backtest.launch import Launch, daily_curve, make_launches, preseason_paths, sigma_of, with_cv
from kuaifan.backtest.policies import Scenario
from kuaifan.backtest.run import POLICIES, play_seed, prepare_seed, run_backtest, run_seed
from kuaifan.backtest.shop import Ledger, play, run_shop

__all__ = [
    "POLICIES",
    "Launch",
    "Ledger",
    "Scenario",
    "daily_curve",
    "make_launches",
    "play",
    "play_seed",
    "prepare_seed",
    "preseason_paths",
    "run_backtest",
    "run_seed",
    "run_shop",
    "sigma_of",
    "with_cv",
    "write_sensitivity_chart",
]
