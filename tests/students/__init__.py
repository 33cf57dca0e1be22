"""Student submissions the tests grade, one module per assignment.

Each module names its ``ASSIGNMENT`` and has, as the source text a student would type
into an exercise cell:
- ``LOOP[name]``: a correct implementation written with plain loops (the benchmark times these);
- ``WRONG[name]``: plausible mistakes, ``{what is wrong: source}``, each of which must lose the points;
- ``CHEAT[name]``: a solution that calls the torch op the exercise re-implements; an exercise
  that re-implements no torch op (building and training a model, say) has none, and says why
  in the module's ``NO_OP_TO_BAN``.

A module without ``ASSIGNMENT`` is a class built for one test (``similarity.py``: copies among
independent solutions, for the similarity report) and is not one of these.
"""
import pkgutil
from importlib import import_module


def swap(source: str, old: str, new: str) -> str:
    """``source`` with its one occurrence of ``old`` replaced by ``new``: a correct submission with one mistake."""
    if source.count(old) != 1:
        raise ValueError(f"expected {old!r} once in the source, found it {source.count(old)} times")
    return source.replace(old, new)


MODULES = [m for m in (import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__))
           if hasattr(m, "ASSIGNMENT")]
ASSIGNMENTS = {m.ASSIGNMENT: m for m in MODULES}


def students(assignment: str):
    return ASSIGNMENTS[assignment]


def cheats(assignment: str) -> dict[str, str]:
    return students(assignment).CHEAT


def stand_in_mistake(assignment: str, avoid: set[str]) -> tuple[str, str]:
    """(exercise, source) of a submission that must lose its points: a cheat where there is one."""
    s = students(assignment)
    names = [n for n in s.WRONG if n not in avoid]
    for n in names:
        if n in s.CHEAT:
            return n, s.CHEAT[n]
    n = names[0]
    return n, list(s.WRONG[n].values())[-1]
