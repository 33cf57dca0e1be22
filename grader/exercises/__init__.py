"""Every exercise of the course as a spec (:class:`grader.runtime.spec.Exercise`), one module per assignment.

``grader/exercises/a01_sampling.py`` holds ``ASSIGNMENT = "01_sampling"`` and ``EXERCISES``.
The trusted grader reads these; the grading sandbox cannot (it is not mounted there). A
learner's visible check reads the worked examples and visible cases of the same spec.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from ..runtime.spec import Exercise


@lru_cache(maxsize=None)
def assignments() -> dict[str, dict[str, Exercise]]:
    """Assignment -> {exercise name: spec}, in notebook order."""
    out = {}
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{m.name}")
        out[module.ASSIGNMENT] = {e.name: e for e in module.EXERCISES}
    return out


def spec(assignment: str, name: str) -> Exercise:
    try:
        return assignments()[assignment][name]
    except KeyError:
        raise KeyError(f"no exercise {name!r} in assignment {assignment!r} (grader/exercises)") from None


def find(name: str) -> Exercise:
    """The spec of exercise ``name`` (exercise names are unique across the course)."""
    for exercises in assignments().values():
        if name in exercises:
            return exercises[name]
    raise KeyError(f"no exercise named {name!r} in grader/exercises")
