"""forecast_plan_input: the forecast step as a pure function of signals and costs (no files)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kuaifan.errors import InputError, NotFoundError
from kuaifan.plan import plan
from kuaifan.plan.costs import load_costs
from kuaifan.plan.model import check_plan_input
from kuaifan.plan.pipeline import forecast_plan_input
from kuaifan.signals import DemandSignals, demand_signals
from kuaifan.sim import SimConfig, simulate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def signals(tmp_path_factory: pytest.TempPathFactory) -> DemandSignals:
    out = tmp_path_factory.mktemp("pipeline-sim")
    simulate(SimConfig(seed=4, rooms=2, minutes=15, viewers=1500, format="parquet"), out)
    events = pl.concat([pl.read_parquet(p) for p in sorted((out / "events").glob("*.parquet"))])
    return demand_signals(events)


def test_the_forecast_step_gives_a_plan_input_the_planner_solves(signals: DemandSignals) -> None:
    costs = load_costs(ROOT / "examples" / "costs.toml")
    res = forecast_plan_input(signals, costs, tenant="demo", top=2, scenarios=5, seed=3)
    s = res.summary
    assert s.tenant == "demo" and s.scenarios == 5 and len(s.styles) == 2
    assert s.styles[0].demand_units >= s.styles[1].demand_units  # ranked by demand so far
    check_plan_input(res.plan_input)  # the planner's own cross-field rules hold
    assert {v.style for v in res.plan_input.variants} == {x.item for x in s.styles}
    assert s.variants == len(res.plan_input.variants) == sum(x.variants for x in s.styles)
    for x in s.styles:
        assert 0 <= x.forecast_p10 <= x.forecast_p50 <= x.forecast_p90
    # the tables carry every chosen style's horizon, with dates from the plan's start date
    style_tab = res.tables["style_forecast"]
    assert style_tab.height == 2 * costs.horizon_days
    assert str(style_tab["date"].min()) == s.start_date
    # same inputs, same result: seeded all the way
    again = forecast_plan_input(signals, costs, tenant="demo", top=2, scenarios=5, seed=3)
    assert again.plan_input == res.plan_input and again.summary == s
    solved = plan(res.plan_input, time_limit_s=20)
    assert solved.expected.profit >= 0


def test_the_forecast_step_refuses_what_it_cannot_plan(signals: DemandSignals) -> None:
    costs = load_costs(ROOT / "examples" / "costs.toml")
    with pytest.raises(NotFoundError, match="no-such-style"):
        forecast_plan_input(signals, costs, tenant="demo", items=["no-such-style"])
    with pytest.raises(InputError, match="expected one of"):
        forecast_plan_input(signals, costs, tenant="demo", model="prophet")
