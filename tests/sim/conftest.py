"""Shared runs of the simulator (session-scoped: generated once per test process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kuaifan.sim import SimConfig, SimSummary, simulate

SMALL = SimConfig(seed=11, rooms=3, minutes=20, viewers=2000)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimConfig, Path, SimSummary]:
    out = tmp_path_factory.mktemp("sim-small") / "out"
    return SMALL, out, simulate(SMALL, out)
