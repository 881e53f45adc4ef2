"""Matching benchmark (issue 17): orders of the belts to factories, on one core.

Run: python benchmarks/bench_match.py [--seed S] [--quick] [--goal-limit 15] [--large-limit 52]

1. Goal size: 200 orders × 100 factories over 30 days, solved within 15 s with a gap below 1 %; once
   as drawn, once in a peak season (every factory's booked load × 1.5), where capacity binds.
2. Large: 2,000 orders × 500 factories, a feasible plan within 60 s (instance built + solved) and its gap.

Worlds come from kuaifan.match.synth (the rules of the shipped belt data set, other seeds). The
baseline, run in the same process on the same instance, is the greedy cheapest-feasible plan (each
order, earliest due first, whole to the factory where it costs least with the capacity left; split
only when no factory can take it whole): the ratio says how much cheaper the MIP plan is. Costs
are the model's (quotes, setups, risk, lateness, unmet units at their penalty); both plans are
checked for MOQ, tiers, capacity and split limits. The process is pinned to one CPU.
"""

from __future__ import annotations

import argparse
import os
import time

from kuaifan.match import MatchSettings
from kuaifan.match.greedy import greedy_plan
from kuaifan.match.instance import build_instance
from kuaifan.match.plan import check_plan, plan_cost
from kuaifan.match.solve import solve
from kuaifan.match.synth import synthetic_factories, synthetic_orders


def run(
    n_orders: int, n_factories: int, seed: int, limit: float, goal: str, busy: float = 1.0
) -> tuple[float, float]:
    t0 = time.perf_counter()
    factories = synthetic_factories(seed, n_factories, days=30, busy=busy)
    orders = synthetic_orders(seed + 1, n_orders, days=30, lines=False)
    inst = build_instance(orders, factories, MatchSettings(time_limit_s=limit))
    built = time.perf_counter() - t0
    g0 = time.perf_counter()
    greedy = greedy_plan(inst)
    greedy_s = time.perf_counter() - g0
    plan, report = solve(inst)
    total = time.perf_counter() - t0
    assert check_plan(inst, plan) == [] and check_plan(inst, greedy) == []
    mip_cost, greedy_cost = plan_cost(inst, plan).total, plan_cost(inst, greedy).total
    unmet = int(plan.unmet.sum())
    no_factory = sum(1 for i in range(len(inst.orders)) if not any(p.order == i for p in inst.pairs))
    season = "" if busy == 1.0 else f", peak season: booked load × {busy:g}"
    print(f"== {n_orders} orders × {n_factories} factories × 30 days (seed {seed}{season}); goal: {goal}")
    print(
        f"   {len(inst.pairs):,} order-factory pairs, {report.parts} parts, {report.n_binary:,} binaries; "
        f"{no_factory} orders no factory can make at all, {unmet:,} units unmet"
    )
    print(
        f"   instance {built:.1f} s + solve {report.time_s:.1f} s = {total:.1f} s; status {report.status}; "
        f"gap {report.gap:.2%} (cost {report.objective:,.0f} vs bound {report.bound:,.0f})"
    )
    saving = 100 * (report.greedy_cost - report.objective) / report.greedy_cost
    print(
        f"   MIP plan {report.objective:,.0f} vs greedy {report.greedy_cost:,.0f} "
        f"(greedy took {greedy_s:.1f} s): ratio {report.objective / report.greedy_cost:.4f}, "
        f"{saving:.2f} % cheaper (orders no factory can make left out; "
        f"with them at their penalty: {mip_cost:,.0f} vs {greedy_cost:,.0f})"
    )
    return total, report.gap


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--quick", action="store_true", help="only the goal-size instance")
    ap.add_argument("--goal-limit", type=float, default=15.0)
    ap.add_argument(
        "--large-limit", type=float, default=52.0, help="solver limit; the instance build adds ~3-5 s"
    )
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    total, gap = run(200, 100, args.seed, args.goal_limit, "≤ 15 s, gap < 1 %")
    print(f"   goal met: {total <= 15.0 and gap < 0.01}")
    total, gap = run(200, 100, args.seed, args.goal_limit, "≤ 15 s, gap < 1 %", busy=1.5)
    print(f"   goal met: {total <= 15.0 and gap < 0.01}")
    if not args.quick:
        total, gap = run(2000, 500, args.seed, args.large_limit, "feasible within 60 s, report the gap")
        print(f"   within 60 s: {total <= 60.0}")


if __name__ == "__main__":
    main()
