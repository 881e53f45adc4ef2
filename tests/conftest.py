"""Settings for the whole suite.

Property tests (hypothesis) run derandomized by default: the same examples on every run, so CI
passes or fails on the code, not on the draw. ``KUAIFAN_HYPOTHESIS=explore make test`` draws new
examples on every run (what a developer does to look for new failures); a failure found that way
becomes a plain test with its example.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("KUAIFAN_HYPOTHESIS", "ci"))
