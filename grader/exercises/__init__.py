"""Every exercise of the course as a full spec (:class:`grader.runtime.spec.Exercise`), hidden part included.

Each spec is split in two. The public part, :mod:`grader.public` (``grader/public/a01_sampling.py``:
reference, worked examples, visible cases, hints), is all a learner's check reads, and it ships in the
learner kit. The hidden part is here: ``grader/exercises/a01_sampling.py`` imports the public
``EXERCISES`` and adds each exercise's hidden cases and ``named`` (:func:`with_hidden`). Only trusted
grading and the instructor's tools import this package; the grading sandbox cannot read it (it is not
mounted there), and neither the learner runtime nor the public specs import it (tests/instructor/test_kit.py).
"""
from __future__ import annotations

import dataclasses
from functools import cache

from ..public import collect, find_in, spec_in
from ..runtime.spec import Exercise


def with_hidden(public: list[Exercise], parts: dict[str, dict]) -> list[Exercise]:
    """The public specs, in their order, with each named exercise's hidden fields (``hidden``, ``named``) added."""
    names = [e.name for e in public]
    unknown = set(parts) - set(names)
    if unknown:
        raise KeyError(f"hidden parts for exercises the public spec does not have: {sorted(unknown)}")
    for name, fields in parts.items():
        extra = set(fields) - {"hidden", "named"}
        if extra:
            raise TypeError(f"{name}: only hidden and named belong in the hidden part, not {sorted(extra)}")
    return [dataclasses.replace(e, **parts.get(e.name, {})) for e in public]


@cache
def assignments() -> dict[str, dict[str, Exercise]]:
    """Assignment -> {exercise name: spec}, in notebook order."""
    return collect(__name__, __path__)


def spec(assignment: str, name: str) -> Exercise:
    return spec_in(assignments(), assignment, name, "grader/exercises")


def find(name: str) -> Exercise:
    """The full spec of exercise ``name``."""
    return find_in(assignments(), name, "grader/exercises")
