"""The course's one reusable mechanism: checking exercises and running nbgrader.

- :mod:`grader.checker`: compare a student's function with torch's on deterministic cases.
- :mod:`grader.guard`: fail when the student dispatches the op they re-implement.
- :mod:`grader.progress`: ``make check``, the learner's table of exercises.
- :mod:`grader.pipeline`: ``make release`` and ``make autograde`` around nbgrader, with
  :mod:`grader.intake` (hand-ins), :mod:`grader.sandbox` (bubblewrap, limits) and
  :mod:`grader.report` (grades with a status, the class report).
- :mod:`grader.data`: CIFAR10 for every notebook, real or the offline sample.
"""
from .checker import assert_same, check, grid, rand
from .guard import BannedOpError, OpGuard, ops_dispatched

__all__ = ["assert_same", "check", "grid", "rand", "BannedOpError", "OpGuard", "ops_dispatched"]
