"""Simulator runs shared by the signal tests (generated once per test process)."""

from __future__ import annotations

import pytest

from .helpers import SimRun, run_sim


@pytest.fixture(scope="session")
def sim_runs(tmp_path_factory: pytest.TempPathFactory) -> list[SimRun]:
    base = tmp_path_factory.mktemp("signals-sim")
    return [run_sim(base / f"s{seed}", seed) for seed in (5, 6, 7)]


@pytest.fixture(scope="session")
def sim_run(sim_runs: list[SimRun]) -> SimRun:
    return sim_runs[0]
