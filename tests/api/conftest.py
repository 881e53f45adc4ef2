"""A real server on a random loopback port with a real DuckDB store in tmp_path, per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from apihelpers import Api, running_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path / "home", alert_interval_s=0.2) as a:
        yield a
