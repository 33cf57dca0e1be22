"""Student submissions the tests grade, one module per assignment.

Each module names its ``ASSIGNMENT`` and has, as the source text a student would type
into an exercise cell:
- ``LOOP[name]``: a correct implementation written with plain loops (the benchmark times these);
- ``WRONG[name]``: plausible mistakes, ``{what is wrong: source}``, each of which must lose the points;
- ``CHEAT[name]``: a solution that calls the torch op the exercise re-implements.
"""
import pkgutil
from importlib import import_module

MODULES = [import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)]
ASSIGNMENTS = {m.ASSIGNMENT: m for m in MODULES}


def students(assignment: str):
    return ASSIGNMENTS[assignment]
