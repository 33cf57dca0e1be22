"""Helpers the tests and the benchmark share: notebooks, exercise cells, submissions."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import nbformat
import torch
import torch.nn.functional as F

from grader.exercises import spec
from grader.runtime import engine
from grader.runtime.cells import is_test_cell, is_written_answer

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
    """Exercise name -> points of its autograded test cell, in notebook order."""
    return {c.metadata.nbgrader.grade_id.removeprefix("test_"): c.metadata.nbgrader.points
            for c in notebook(assignment).cells if is_test_cell(c)}


def written(assignment: str) -> dict[str, float]:
    """grade_id -> points of every written answer (a manually graded markdown cell), in notebook order."""
    return {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
            for c in notebook(assignment).cells if is_written_answer(c)}


def run_exercise(assignment: str, name: str, source: str, hidden_only: bool = False) -> engine.Verdict:
    """Define ``source`` as a student would, then grade the exercise on every case in this process.

    Raises AssertionError with the first failure unless every check passes (the op guard's
    message when a banned operator was called), NotImplementedError for the release's stub.
    ``hidden_only`` runs the hidden cases alone, to show that they catch a mistake on their own.
    """
    namespace: dict = {"__name__": "__main__"}
    exec(compile(PRELUDE + source, f"<{name} submission>", "exec"), namespace)
    kinds = ("hidden",) if hidden_only else ("examples", "visible", "hidden")
    verdict = engine.run(spec(assignment, name), engine.local_transport(namespace.__getitem__), kinds)
    if verdict.status == "not attempted":
        raise NotImplementedError(verdict.message)
    if verdict.status != "pass":
        raise AssertionError(verdict.message)
    return verdict


def opens(paths) -> str:
    """Student code that tries to open each of ``paths`` and prints the ones it could: ``SEEN []`` when none."""
    return f'''import os
SEEN = []
for p in {list(paths)!r}:
    try:
        with open(p, "rb") as f:
            f.read(1)
        SEEN.append(p)
    except OSError:
        pass
print("SEEN", SEEN)
'''


def spec_lines(assignment: str) -> list[str]:
    """Lines of the assignment's exercise spec (its hidden tests) long enough to be recognised, less those
    that the notebook shows anyway (imports, the worked examples' tensors)."""
    (path,) = (ROOT / "grader" / "exercises").glob(f"a{assignment}.py")
    public = {line.strip() for kind in ("notebooks", "solutions") for c in notebook(assignment, kind).cells
              for line in c.source.splitlines()}
    return [line.strip() for line in path.read_text().splitlines() if len(line.strip()) >= 30 and line.strip() not in public]


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


NOT_RELEASED = {"runs", ".ipynb_checkpoints", "__pycache__"}  # what running a notebook leaves beside it


def tree_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not NOT_RELEASED & set(p.relative_to(folder).parts)}


def covered(size, kernel, stride, padding=0, dilation=1, ceil_mode=False) -> torch.Tensor:
    """(out_h*out_w, H*W) booleans: which input cells torch's max pooling puts in each window (the explorers'
    windows are checked against it, in Python and in Chromium).

    Input cell n alone is 1 (the rest 0, the padding -inf): the windows whose maximum is 1 hold it."""
    h, w = size
    onehot = torch.eye(h * w).reshape(h * w, 1, h, w)
    y = F.max_pool2d(onehot, kernel, stride, padding, dilation, ceil_mode)
    return (y.reshape(h * w, -1) == 1).T
