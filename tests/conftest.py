"""Settings for the whole suite.

Property tests (hypothesis) run derandomized by default: the same examples on every run, so CI
passes or fails on the code, not on the draw. ``KUAIFAN_HYPOTHESIS=explore make test`` draws new
examples on every run (what a developer does to look for new failures); a failure found that way
becomes a plain test with its example.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from kuaifan.testing.pgcluster import PgCluster

# No per-example deadline: speed is measured in benchmarks/, and a loaded CI machine (or a first call
# that imports scipy) made examples of correct code fail on time alone.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("KUAIFAN_HYPOTHESIS", "ci"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throw-away PostgreSQL server (Debian's binaries, a temp dir, a free port) for this session
    (one per test worker); stopped and removed at the end. ``make test`` installs the package
    (``scripts/setup-postgres.sh``); without it the tests that need the server fail, naming the script."""
    cluster = PgCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
