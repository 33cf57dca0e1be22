"""A course on disk, as every instructor command reads it: :class:`Course` (its folders, its gradebook, its
assignments and submissions, its grades table) and its errors.

The bottom of the instructor tools: :mod:`grader.manual`, :mod:`grader.report`, :mod:`grader.pipeline` and the
commands above them import it; it imports none of them. Nothing below the command line reads the environment:
``python -m grader`` builds the one :class:`Course` a command works on (``--root``, ``--gradebook`` or
$GRADEBOOK_URL) and hands it down.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path


class CourseError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""


@dataclass(frozen=True)
class Course:
    """The course at ``root``: ``solutions/`` (the source notebooks), ``notebooks/`` and ``notebooks-zh/`` (the
    releases), ``submitted/``, ``autograded/``, ``feedback/``, ``reports/``, ``withdrawn/``, and its gradebook.

    ``gradebook_url``: a shared gradebook (PostgreSQL, when graders span machines: docs/scaling.md); ``None``
    (the default) is SQLite in ``.nbgrader/gradebook.db`` under ``root``.
    """
    root: Path
    gradebook_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def notebooks(self) -> Path:
        """The release: what learners get (``notebooks-zh/`` holds the Chinese edition)."""
        return self.root / "notebooks"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def gradebook_path(self) -> Path:
        """The SQLite gradebook's file (used when no ``gradebook_url`` is given)."""
        return self.root / ".nbgrader" / "gradebook.db"

    @property
    def db_url(self) -> str:
        """The gradebook, as nbgrader opens it."""
        # Parallel graders share one SQLite gradebook: wait for a lock rather than fail.
        return self.gradebook_url or f"sqlite:///{self.gradebook_path}?timeout=120"

    @property
    def shared_gradebook(self) -> bool:
        """Whether the gradebook is a server every grading machine can reach (not SQLite under ``root``)."""
        return not self.db_url.startswith("sqlite")

    def has_gradebook(self) -> bool:
        """Whether the course has a gradebook yet (a shared one is taken to exist)."""
        return self.shared_gradebook or self.gradebook_path.is_file()

    def assignments(self) -> list[str]:
        """Assignment names: the folders of ``solutions/`` that hold a notebook."""
        src = self.solutions
        return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if src.is_dir() else []

    def pick(self, names=()) -> list[str]:
        """``names`` checked against ``solutions/`` (all assignments when empty); CourseError on an unknown one."""
        known = self.assignments()
        for n in names:
            if n not in known:
                raise CourseError(f"unknown assignment {n!r}: the assignments are {', '.join(known) or 'none'} "
                                  f"(folders of {self.solutions})")
        return list(names) or known

    def submissions(self, name: str) -> dict[str, list[Path]]:
        """Student id -> that student's notebooks for assignment ``name`` (``submitted/<student>/<name>/``)."""
        found = {}
        if not self.submitted.is_dir():
            return found
        for student in sorted(p for p in self.submitted.iterdir() if p.is_dir()):
            nbs = sorted((student / name).glob("*.ipynb"))
            if nbs:
                found[student.name] = nbs
        return found

    def grades(self) -> list[dict]:
        """Rows of ``reports/grades.csv``: assignment, student_id, status, score, max_score."""
        path = self.reports / "grades.csv"
        if not path.exists():
            return []
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))


def read_notebook(path: Path) -> dict:
    """The notebook's JSON (an nbformat 3 notebook upgraded to 4, as Jupyter opens it); CourseError naming the
    file when it is not a notebook."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CourseError(f"{path} is not a valid notebook (not JSON: {e}); "
                          f"restore it from git or from the student's original upload") from None
    if isinstance(nb, dict) and "cells" not in nb and nb.get("nbformat") in (2, 3) and "worksheets" in nb:
        return upgrade(nb, path)
    if not isinstance(nb, dict) or "cells" not in nb:
        raise CourseError(f"{path} is JSON but not a Jupyter notebook (no 'cells')")
    return nb


def upgrade(nb: dict, path: Path) -> dict:
    """An nbformat 2 or 3 notebook (``worksheets``) as nbformat 4, converted by nbformat as Jupyter does; the
    cells get ids from their position, so that grading it again gives the same notebook."""
    import nbformat
    try:
        new = nbformat.reads(json.dumps(nb), as_version=4)
    except Exception as e:  # nbformat's reader raises several kinds for a damaged old notebook
        raise CourseError(f"{path} is an nbformat {nb.get('nbformat')} notebook that nbformat cannot upgrade ({e}); "
                          f"open it in Jupyter, save it, and hand it in again") from None
    for i, cell in enumerate(new.cells):
        cell["id"] = f"cell-{i}"
    return json.loads(nbformat.writes(new))
