"""Quick-response planner: first batch and re-orders from a stochastic MIP over demand scenarios.

Public API::

    parse_plan_input(data) -> PlanInput           # validate; InputError names the bad field
    plan(inp, time_limit_s=None) -> PlanResult    # solve with HiGHS, describe the decisions
    simulate(inp, result, demand=None) -> Expected  # play orders + re-order rules on demand paths
    write_purchase_orders(result, out_dir) -> list[Path]  # 采购单 per factory, xlsx + csv
"""

from kuaifan.plan.milp import PlanInfeasible, SolverFailed
from kuaifan.plan.model import Expected, PlanInput, PlanResult, parse_plan_input, parse_plan_json
from kuaifan.plan.policy import plan, simulate
from kuaifan.plan.purchase_orders import write_purchase_orders

__all__ = [
    "Expected",
    "PlanInfeasible",
    "PlanInput",
    "PlanResult",
    "SolverFailed",
    "parse_plan_input",
    "parse_plan_json",
    "plan",
    "simulate",
    "write_purchase_orders",
]
