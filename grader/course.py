"""A course on disk, as every instructor command reads it: its errors, its gradebook, its grades table.

The bottom of the instructor tools: :mod:`grader.manual`, :mod:`grader.report`, :mod:`grader.pipeline` and the
commands above them import it; it imports none of them.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

from . import ROOT


class CourseError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""


def gradebook_path(root: Path) -> Path:
    return root / ".nbgrader" / "gradebook.db"


def has_gradebook(root: Path) -> bool:
    """Whether the course at ``root`` has a gradebook yet (one at $GRADEBOOK_URL is taken to exist)."""
    return not db_url(root).startswith("sqlite") or gradebook_path(root).is_file()


def db_url(root: Path) -> str:
    """The gradebook: $GRADEBOOK_URL (PostgreSQL when graders span machines), else SQLite under ``root``."""
    # Parallel graders share one SQLite gradebook: wait for a lock rather than fail.
    return os.environ.get("GRADEBOOK_URL") or f"sqlite:///{gradebook_path(root)}?timeout=120"


def grades(root: Path = ROOT) -> list[dict]:
    """Rows of ``reports/grades.csv``: assignment, student_id, status, score, max_score."""
    path = root / "reports" / "grades.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def assignments(root: Path = ROOT) -> list[str]:
    """Assignment names: the folders of ``solutions/`` that hold a notebook."""
    src = root / "solutions"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if src.is_dir() else []


def pick(names: list[str], root: Path = ROOT) -> list[str]:
    """``names`` checked against ``solutions/`` (all assignments when empty)."""
    known = assignments(root)
    for n in names:
        if n not in known:
            raise CourseError(f"unknown assignment {n!r}: the assignments are {', '.join(known) or 'none'} "
                              f"(folders of {root / 'solutions'})")
    return list(names) or known
