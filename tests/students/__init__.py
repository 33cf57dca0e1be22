"""Student submissions the tests grade, one module per assignment.

Each module has, as the source text a student would type into an exercise cell:
- ``LOOP[name]``: a correct implementation written with plain loops (the benchmark times these);
- ``WRONG[name]``: plausible mistakes, ``{what is wrong: source}``, each of which must lose the points;
- ``CHEAT[name]``: a solution that calls the torch op the exercise re-implements.
"""
from importlib import import_module

ASSIGNMENTS = {"01_sampling": "sampling"}


def students(assignment: str):
    return import_module(f"{__name__}.{ASSIGNMENTS[assignment]}")
