"""Seeded live-commerce simulator: rooms, viewers, comments, orders and the ground truth behind them.

from kuaifan.sim import SimConfig, simulate
summary = simulate(SimConfig(seed=7, rooms=4, minutes=30), Path("out/sim"))
"""

from kuaifan.sim.config import DEFAULT_START, AudienceConfig, SimConfig, SimSummary, summary_lines
from kuaifan.sim.run import simulate

__all__ = ["DEFAULT_START", "AudienceConfig", "SimConfig", "SimSummary", "simulate", "summary_lines"]
