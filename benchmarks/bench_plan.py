"""Planner benchmark: a stochastic MIP with ~5,000 binaries (goal: < 15 s, gap < 1%).

Run: python benchmarks/bench_plan.py [--styles N] [--scenarios K] [--buckets B] [--seed S]
     [--plain-highs SECONDS] [--shop]

The last instance (``--shop`` alone) is a shop's plan at real size: 50 styles, 500 SKUs, 20
scenarios, weekly reviews, two factories, pre-sale (goal: a plan within 30 s, gap < 1 %).

A synthetic launch: many styles, a few factories of the belt with different lead times, MOQs and
fixed order costs, review every few days, demand scenarios with a launch spike and a style-level
scale drawn with CV ≈ 0.6. The baseline, run in the same process on the same model, is the LP
relaxation (all binaries and quantities continuous): the ratio says what the integer decisions cost.
``--plain-highs`` adds a reference run of HiGHS alone on the same model (no start, no guided
search, no decomposition bound) for that many seconds.

The goal-size instance reviews every 2 days, so the planner takes its guided path (solver.py):
a decomposition bound by styles and a search over the order nodes the relaxation uses.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from kuaifan.plan import parse_plan_input
from kuaifan.plan.solver import solve


def make_instance(
    styles: int,
    variants_per_style: int,
    factories: int,
    horizon: int,
    review_every: int,
    scenarios: int,
    buckets: int,
    seed: int,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    profile = 0.3 + np.exp(-np.arange(horizon) / 5.0)
    profile /= profile.sum()
    variants = []
    for s in range(styles):
        price = float(rng.choice([59, 89, 129, 199, 259]))
        cost = round(price * rng.uniform(0.28, 0.4), 2)
        mean_total = rng.uniform(150, 600)
        scale = rng.lognormal(np.log(mean_total) - 0.18, 0.6, size=scenarios)
        mix = rng.dirichlet(np.full(variants_per_style, 4.0))
        for v in range(variants_per_style):
            lam = scale[:, None] * mix[v] * profile[None, :]
            variants.append(
                {
                    "id": f"S{s:03d}-V{v}",
                    "style": f"S{s:03d}",
                    "price": price,
                    "unit_cost": cost,
                    "salvage_value": round(cost * 0.35, 2),
                    "demand_scenarios": rng.poisson(lam).tolist(),
                }
            )
    leads = [2, 3, 5, 7, 4, 6][:factories]
    facs = [
        {
            "id": f"F{f + 1}",
            "lead_time_days": leads[f],
            "capacity_per_day": float(rng.integers(200, 500)),
            "moq_per_style": float(rng.choice([30, 50, 100])),
            "fixed_cost_per_order": float(rng.choice([100, 200, 300])),
            "unit_cost_factor": round(1.0 + 0.04 * (7 - leads[f]), 2),
        }
        for f in range(factories)
    ]
    return {
        "horizon_days": horizon,
        "review_days": list(range(0, horizon, review_every)),
        "variants": variants,
        "factories": facs,
        "policy_buckets": buckets,
        "time_limit_s": 60,
        "mip_rel_gap": 0.01,
    }


def make_shop(styles: int, per_style: int, scenarios: int, seed: int, horizon: int = 28) -> dict[str, Any]:
    """A shop's plan at real size, as kuaifan forecast writes it: launch-shaped demand per style
    (a launch day, then half of it falling by e^(-1/tau) a day), a level drawn with CV ≈ 0.45 per
    scenario, a colour × size mix per style; weekly reviews, a base factory and a quick one (with
    room for the whole shop: the goal-size instance above is the one where capacity binds),
    pre-sale with cancellations rising with the wait, a clearance value."""
    rng = np.random.default_rng(seed)
    t = np.arange(horizon)
    variants = []
    for s in range(styles):
        price = float(rng.choice([79, 129, 169, 229, 299]))
        level, tau = rng.uniform(20, 120), rng.uniform(4, 12)
        curve = np.where(t == 0, 1.0, 0.5 * np.exp(-(t - 1) / tau))
        scale = rng.lognormal(-0.1, 0.45, size=scenarios)
        mix = rng.dirichlet(np.full(per_style, 3.0))
        for v in range(per_style):
            lam = level * scale[:, None] * curve[None, :] * mix[v]
            row = {"id": f"S{s:02d}-{v}", "style": f"S{s:02d}", "price": price}
            row |= {"unit_cost": round(0.35 * price, 2), "salvage_value": round(0.2 * price, 2)}
            variants.append(row | {"demand_scenarios": rng.poisson(lam).tolist()})
    return {
        "horizon_days": horizon,
        "review_days": [0, 7, 14, 21],
        "variants": variants,
        "factories": [
            {
                "id": "base",
                "lead_time_days": 7,
                "capacity_per_day": 20000,
                "moq_per_style": 100,
                "fixed_cost_per_order": 300,
            },
            {
                "id": "quick",
                "lead_time_days": 3,
                "capacity_per_day": 5000,
                "moq_per_style": 30,
                "fixed_cost_per_order": 200,
                "unit_cost_factor": 1.12,
            },
        ],
        "presale": {"max_wait_days": 7, "cancel_share": 0.1, "cancel_per_day": 0.03},
        "time_limit_s": 30,
        "mip_rel_gap": 0.01,
    }


def shop_size(seed: int, time_limit: float) -> None:
    """The issue's shop at real size: 50 styles, 500 SKUs, 20 scenarios (goal: a plan within 30 s,
    gap < 1 %). Baseline, same process: HiGHS alone on the whole model's LP relaxation, same limit."""
    from kuaifan.plan.milp import build_model, build_problem
    from kuaifan.plan.solver import new_highs

    data = make_shop(50, 10, 20, seed)
    data["time_limit_s"] = time_limit
    inp = parse_plan_input(data)
    t0 = time.perf_counter()
    sol = solve(inp)
    took = time.perf_counter() - t0
    print(f"== shop size: 50 styles × 10 variants, 20 scenarios, 28 days, weekly reviews, two factories, "
          f"pre-sale, time limit {time_limit:g} s")  # fmt: skip
    print(f"variables {sol.n_vars:,} (binary {sol.n_binary:,}), rows {sol.n_rows:,}")
    notes = ", ".join(w.code for w in sol.warnings) or "none"
    print(f"plan: {took:.2f} s, status {sol.status}, gap {sol.mip_gap:.3%}, profit {sol.objective:,.0f}, "
          f"bound {sol.bound:,.0f}; warnings: {notes}")  # fmt: skip
    built = build_model(build_problem(inp), inp)
    built.lp.integrality_ = []
    h = new_highs()
    h.setOptionValue("time_limit", time_limit)
    h.passModel(built.lp)
    t0 = time.perf_counter()
    h.run()
    lp_s = time.perf_counter() - t0
    status = h.modelStatusToString(h.getModelStatus())
    print(f"baseline, HiGHS alone on the whole LP relaxation: {lp_s:.2f} s, {status}")
    print(f"ratio plan time / whole-LP time: {took / lp_s:.2f}x")
    met = took < 30.0 and sol.mip_gap < 0.01
    print(f"goal (a plan within 30 s, gap < 1%): {'met' if met else 'NOT met'}")


def plain_highs(inp_data: dict[str, Any], seconds: float) -> None:
    """HiGHS alone on the planner's model, for reference: what the solver pipeline adds."""
    from kuaifan.plan.milp import build_model, build_problem
    from kuaifan.plan.solver import new_highs

    inp = parse_plan_input(inp_data)
    built = build_model(build_problem(inp), inp)
    h = new_highs()
    h.setOptionValue("time_limit", seconds)
    h.setOptionValue("mip_rel_gap", inp.mip_rel_gap)
    h.passModel(built.lp)
    t0 = time.perf_counter()
    h.run()
    took = time.perf_counter() - t0
    info = h.getInfo()
    found = info.primal_solution_status == 2
    profit = f"{info.objective_function_value:,.0f}" if found else "none"
    gap = (info.mip_dual_bound - info.objective_function_value) / max(1.0, abs(info.objective_function_value))
    status = h.modelStatusToString(h.getModelStatus())
    print(
        f"reference, HiGHS alone on the same model: {took:.2f} s, {status}, "
        f"profit {profit}, bound {info.mip_dual_bound:,.0f}" + (f", gap {gap:.3%}" if found else "")
    )


def run(inp_data: dict[str, Any], label: str, goal_s: float = 15.0) -> bool:
    inp = parse_plan_input(inp_data)
    t0 = time.perf_counter()
    lp = solve(inp, relax=True)
    lp_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    mip = solve(inp)
    mip_s = time.perf_counter() - t0
    print(f"== {label}")
    print(
        f"variables {mip.n_vars:,} (binary {mip.n_binary:,}, integer quantities "
        f"{mip.n_integer - mip.n_binary:,}), rows {mip.n_rows:,}, nonzeros {mip.n_nonzeros:,}"
    )
    print(
        f"MIP: {mip_s:.2f} s, status {mip.status}, gap {mip.mip_gap:.3%}, "
        f"profit {mip.objective:,.0f}, bound {mip.bound:,.0f} (gap is capped at 100%)"
    )
    print(f"baseline LP relaxation (same model, same process): {lp_s:.2f} s, bound {lp.objective:,.0f}")
    print(
        f"ratio MIP time / LP time: {mip_s / lp_s:.1f}x; the plan is "
        f"{(lp.objective - mip.objective) / lp.objective:.2%} below the LP bound"
    )
    goal = mip_s < goal_s and mip.mip_gap < 0.01
    print(f"goal (< {goal_s:g} s, gap < 1%): {'met' if goal else 'NOT met'}")
    return goal


CONFIGS = {
    # the figure: ~5,000 binaries (order / no-order per factory × style × review day × bucket)
    "goal size": {"styles": 48, "review_every": 2, "scenarios": 6, "buckets": 3},
    # weekly reviews like the example input, fewer styles
    "weekly, 16 styles": {"styles": 16, "review_every": 7, "scenarios": 12, "buckets": 6},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--styles", type=int, default=None, help="run one instance of this size instead")
    ap.add_argument("--variants", type=int, default=1)
    ap.add_argument("--factories", type=int, default=4)
    ap.add_argument("--horizon", type=int, default=21)
    ap.add_argument("--review-every", type=int, default=2)
    ap.add_argument("--scenarios", type=int, default=6)
    ap.add_argument("--buckets", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=15.0)
    ap.add_argument("--plain-highs", type=float, default=0.0, help="seconds of HiGHS alone, for reference")
    ap.add_argument("--shop", action="store_true", help="only the 50-style / 500-SKU / 20-scenario shop")
    a = ap.parse_args()
    if a.shop:
        shop_size(a.seed, 30.0)
        return
    configs = CONFIGS
    if a.styles is not None:
        configs = {
            "custom": {
                "styles": a.styles,
                "review_every": a.review_every,
                "scenarios": a.scenarios,
                "buckets": a.buckets,
            }
        }
    for name, c in configs.items():
        data = make_instance(
            c["styles"],
            a.variants,
            a.factories,
            a.horizon,
            c["review_every"],
            c["scenarios"],
            c["buckets"],
            a.seed,
        )
        data["time_limit_s"] = a.time_limit
        run(
            data,
            f"{name}: {c['styles']} styles × {a.variants} variants, {a.factories} factories, "
            f"{a.horizon} days, review every {c['review_every']} days, {c['scenarios']} scenarios, "
            f"{c['buckets']} buckets, time limit {a.time_limit:g} s",
        )
        if a.plain_highs > 0:
            plain_highs(data, a.plain_highs)
    presale_model_size(a.seed)
    shop_size(a.seed, 30.0)


def presale_model_size(seed: int) -> None:
    """Pre-sale (预售) as the backtest plans it: 20 variants, 12 scenarios, 35 days, weekly reviews,
    buyers wait up to 7 days. Pre-sale variables only for service on arrival days (what the planner
    builds) against one for every (day, delay) (the baseline, same process): same LP optimum."""
    from kuaifan.plan.milp import build_model, build_problem
    from kuaifan.plan.solver import new_highs

    data = make_instance(1, 20, 1, 35, 7, 12, 2, seed)
    data["presale"] = {"max_wait_days": 7, "cancel_share": 0.3}
    inp = parse_plan_input(data)
    pb = build_problem(inp)
    out = {}
    for every_day in (False, True):
        built = build_model(pb, inp, every_day_presale=every_day)
        built.lp.integrality_ = []
        h = new_highs()
        h.passModel(built.lp)
        t0 = time.perf_counter()
        h.run()
        out[every_day] = (time.perf_counter() - t0, built.lp.num_col_, h.getInfo().objective_function_value)
    (fast, n_fast, obj_fast), (slow, n_slow, obj_slow) = out[False], out[True]
    print("== pre-sale model: 20 variants × 12 scenarios × 35 days, weekly reviews, wait 7 days")
    print(f"arrival-day pairs: {n_fast:,} variables, LP {fast:.2f} s, optimum {obj_fast:,.2f}")
    print(f"baseline, every (day, delay): {n_slow:,} variables, LP {slow:.2f} s, optimum {obj_slow:,.2f}")
    print(f"ratio baseline / arrival-day: {slow / fast:.1f}x time, {n_slow / n_fast:.1f}x variables")


if __name__ == "__main__":
    main()
