"""Public contract suites, one per kind of part (river's ``check_estimator`` idea): run one over a new
implementation and it checks everything the rest of kuaifan relies on.

- ``check_store(make)``: an event store backend (``kuaifan.store``);
- ``check_forecaster(make)``: a demand forecaster (``kuaifan.forecast``);
- ``check_source(...)`` / ``check_push_source(...)``: a file format or a platform push adapter
  (``kuaifan.sources``).

Each raises ``AssertionError`` naming the broken rule; they need no test framework.
"""

from kuaifan.testing.forecast import check_forecaster
from kuaifan.testing.sources import check_push_source, check_source
from kuaifan.testing.store import check_store

__all__ = ["check_forecaster", "check_push_source", "check_source", "check_store"]
