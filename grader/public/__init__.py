"""The public part of every exercise spec: all that a learner's check reads, and nothing more.

``grader/public/a01_sampling.py`` holds ``ASSIGNMENT = "01_sampling"`` and ``EXERCISES``: each
:class:`grader.runtime.spec.Exercise` with its reference, worked examples, visible cases, hints, banned
operators and point groups, but no hidden cases (``hidden`` is empty) and no ``named``. The hidden part
lives in :mod:`grader.exercises`, which imports these modules and adds it; only trusted grading (and
the instructor's tools) import that. This package and the learner runtime import nothing of it, so a
class's learner kit (``make kit``) ships this package without the hidden cases.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..runtime.spec import Exercise


def collect(package: str, path) -> dict[str, dict[str, Exercise]]:
    """Assignment -> {exercise name: spec} of every spec module in ``package`` (folder ``path``), in notebook order."""
    out = {}
    for m in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if m.name.startswith("probes_"):  # the probes some specs bring (grader.runtime.probes)
            continue
        module = importlib.import_module(f"{package}.{m.name}")
        out[module.ASSIGNMENT] = {e.name: e for e in module.EXERCISES}
    return out


@cache
def assignments() -> dict[str, dict[str, Exercise]]:
    """Assignment -> {exercise name: public spec}, in notebook order."""
    return collect(__name__, __path__)


def spec_in(table: dict[str, dict[str, Exercise]], assignment: str, name: str, where: str) -> Exercise:
    """``table[assignment][name]``, or a KeyError that names the exercise and the folder ``where`` it was sought."""
    try:
        return table[assignment][name]
    except KeyError:
        raise KeyError(f"no exercise {name!r} in assignment {assignment!r} ({where})") from None


def find_in(table: dict[str, dict[str, Exercise]], name: str, where: str) -> Exercise:
    """The spec of exercise ``name`` in any assignment of ``table`` (exercise names are unique across the course)."""
    for exercises in table.values():
        if name in exercises:
            return exercises[name]
    raise KeyError(f"no exercise named {name!r} in {where}")


def spec(assignment: str, name: str) -> Exercise:
    return spec_in(assignments(), assignment, name, "grader/public")


def find(name: str) -> Exercise:
    """The public spec of exercise ``name``."""
    return find_in(assignments(), name, "grader/public")
