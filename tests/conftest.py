"""Settings for the whole suite.

Property tests (hypothesis) run derandomized by default: the same examples on every run, so CI
passes or fails on the code, not on the draw. ``KUAIFAN_HYPOTHESIS=explore make test`` draws new
examples on every run (what a developer does to look for new failures); a failure found that way
becomes a plain test with its example.
"""

from __future__ import annotations

import os

from hypothesis import settings

# No per-example deadline: speed is measured in benchmarks/, and a loaded CI machine (or a first call
# that imports scipy) made examples of correct code fail on time alone.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("KUAIFAN_HYPOTHESIS", "ci"))
