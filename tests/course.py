"""Helpers the tests and the benchmark share: notebooks, exercise cells, submissions."""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from unittest import mock

import nbformat

import grader
import grader.checker

ROOT = Path(__file__).resolve().parent.parent
# What the notebooks' setup cell gives every exercise cell.
PRELUDE = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def assignments() -> list[str]:
    """Every assignment in solutions/, or those in $ASSIGNMENTS (comma-separated) while developing one."""
    found = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    only = [a for a in os.environ.get("ASSIGNMENTS", "").split(",") if a]
    return [a for a in found if a in only] if only else found


def notebook(assignment: str, kind: str = "solutions", root: Path = ROOT):
    """The single notebook of ``assignment`` under ``solutions/`` or ``notebooks/``."""
    (path,) = sorted((root / kind / assignment).glob("*.ipynb"))
    return nbformat.read(path, as_version=4)


def graded(nb, grade_id: str):
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    return cell


def exercises(assignment: str) -> dict[str, float]:
    """Exercise name -> points, in notebook order."""
    return {c.metadata.nbgrader.grade_id.removeprefix("test_"): c.metadata.nbgrader.points
            for c in notebook(assignment).cells if c.metadata.get("nbgrader", {}).get("grade")}


def run_exercise(assignment: str, name: str, source: str, hidden_only: bool = False) -> None:
    """Define ``source`` as a student would, then run the exercise's full test cell (hidden tests too).

    ``hidden_only`` turns the visible checks (``assert_same`` and ``check(..., label="visible")``)
    into no-ops, to show that the hidden tests catch a mistake on their own.
    """
    namespace: dict = {"__name__": "__main__"}
    exec(compile(PRELUDE + source, f"<{name} submission>", "exec"), namespace)
    test = graded(notebook(assignment), f"test_{name}").source
    with contextlib.ExitStack() as stack:
        if hidden_only:
            stack.enter_context(mock.patch.object(grader, "assert_same", lambda *a, **k: None))
            stack.enter_context(mock.patch.object(grader, "check", _hidden_check))
        exec(compile(test, f"<test_{name}>", "exec"), namespace)


def _hidden_check(*args, label="hidden", **kwargs):
    if label != "visible":
        return grader.checker.check(*args, label=label, **kwargs)


def submission(assignment: str, answers: dict[str, str]):
    """The release notebook with the exercise cells of ``answers`` filled in."""
    nb = notebook(assignment, "notebooks")
    for name, source in answers.items():
        graded(nb, name).source = source.strip("\n")
    return nb


def scratch_course(dest: Path) -> Path:
    """A copy of the course sources in ``dest``, for runs that write gradebooks and outputs."""
    for part in ("solutions", "notebooks"):
        shutil.copytree(ROOT / part, dest / part)
    return dest


def hand_in(root: Path, student: str, assignment: str, nb) -> Path:
    """Put ``nb`` where nbgrader looks for ``student``'s submission."""
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    if isinstance(nb, str):
        path.write_text(nb)
    else:
        nbformat.write(nb, path)
    return path
