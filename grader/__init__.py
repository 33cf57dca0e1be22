"""The course's one reusable mechanism, in layers with one-way imports.

- :mod:`grader.runtime`, the learner runtime: visible checks, op guard, progress table,
  and the student's side of grading. Runs in learners' kernels and in the grading sandbox.
- :mod:`grader.public`, the public part of every exercise spec (reference, worked examples,
  visible cases, hints): what the visible checks read. With the runtime, it is the learner kit.
- :mod:`grader.trusted`, trusted grading: drives the sandboxed student process, runs the
  references and hidden cases of :mod:`grader.exercises` (the public specs plus their hidden
  part), compares, scans for tampering.
  Imports the runtime; never runs in a student's process.
- Instructor tools: :mod:`grader.pipeline` (release, autograde), :mod:`grader.intake`,
  :mod:`grader.report`, :mod:`grader.cli`. Import both layers above.

:mod:`grader.data` (CIFAR10, real or the offline sample) and :mod:`grader.explore` (the explorers:
sliders over states torch computed) serve the notebooks; the explorers take their words from the runtime's
messages (:mod:`grader.runtime.messages`), and neither imports any other layer.
Importing ``grader`` itself loads nothing (no torch): the names below load on first use.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the course: solutions/, notebooks/, data/ (in a clone)

_EXPORTS = {"check": "visible", "assert_same": "compare", "grid": "cases", "rand": "cases",
            "OpGuard": "guard", "BannedOpError": "guard", "ops_dispatched": "guard"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib
        return getattr(importlib.import_module(f"grader.runtime.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
