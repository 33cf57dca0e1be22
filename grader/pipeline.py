"""``make release`` and ``make autograde``: nbgrader, driven with the course's config.

Every nbgrader call goes through :func:`nbgrader`, which puts this environment's
``bin`` on PATH (nbgrader runs ``alembic`` by name when it creates a gradebook)
and passes the course root and gradebook explicitly, so the same code serves the
real course and the throw-away copies the tests make. Nothing here writes under
``solutions/`` or ``submitted/``.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "nbgrader_config"


class CourseError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""


def gradebook_path(root: Path) -> Path:
    return root / ".nbgrader" / "gradebook.db"


def nbgrader(args: list[str], root: Path = ROOT, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` for the course at ``root``; raise CourseError when it fails."""
    gradebook_path(root).parent.mkdir(exist_ok=True)
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--NbGrader.config_file={CONFIG}",
           f"--CourseDirectory.root={root}", f"--CourseDirectory.db_url=sqlite:///{gradebook_path(root)}"]
    if quiet:
        cmd.append("--log-level=WARN")
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise CourseError(f"`nbgrader {' '.join(args)}` failed:\n{tail}")
    return proc


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


def read_notebook(path: Path) -> dict:
    """The notebook's JSON; CourseError naming the file when it is not a notebook."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CourseError(f"{path} is not a valid notebook (not JSON: {e}); "
                          f"restore it from git or from the student's original upload") from None
    if not isinstance(nb, dict) or "cells" not in nb:
        raise CourseError(f"{path} is JSON but not a Jupyter notebook (no 'cells')")
    return nb


def release(names: list[str] = (), root: Path = ROOT) -> list[str]:
    """Regenerate ``notebooks/<name>/`` from ``solutions/<name>/``; return the assignments done."""
    done = pick(list(names), root)
    for name in done:
        for nb in sorted((root / "solutions" / name).glob("*.ipynb")):
            read_notebook(nb)
        nbgrader(["generate_assignment", name, "--force"], root)
    return done


def _register(name: str, root: Path) -> None:
    """Store the assignment's cells (hidden tests included) in the gradebook without touching notebooks/."""
    nbgrader(["generate_assignment", name, "--force", "--CourseDirectory.release_directory=.nbgrader/release"], root)


def submissions(name: str, root: Path) -> dict[str, list[Path]]:
    """Student id -> that student's notebooks for assignment ``name``."""
    found = {}
    for student in sorted(p for p in (root / "submitted").iterdir() if p.is_dir()):
        nbs = sorted((student / name).glob("*.ipynb"))
        if nbs:
            found[student.name] = nbs
    return found


def autograde(names: list[str] = (), root: Path = ROOT, out=print) -> list[str]:
    """Grade ``submitted/*/<name>/``, write feedback/ and grades.csv; return problems found."""
    if not (root / "submitted").is_dir():
        raise CourseError(f"no submitted/ folder in {root}: put each student's notebooks under "
                          f"submitted/<student>/<assignment>/, e.g. submitted/alice/01_sampling/01_sampling.ipynb")
    problems = []
    for name in pick(list(names), root):
        students = submissions(name, root)
        if not students:
            continue
        bad = []
        for student, nbs in students.items():
            for nb in nbs:
                try:
                    read_notebook(nb)
                except CourseError as e:
                    bad.append(student)
                    problems.append(f"{student}/{name}: not graded: {e}")
        good = [s for s in students if s not in bad]
        if not good:
            continue
        _register(name, root)
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(bad)}"] if bad else []
        nbgrader(["autograde", name, "--force", *exclude], root)
        nbgrader(["generate_feedback", name, "--force", *exclude], root)
    if (gradebook_path(root)).exists():
        nbgrader(["export", f"--to={root / 'grades.csv'}"], root)
        summarize(root, out)
    for p in problems:
        out(p)
    return problems


def grades(root: Path = ROOT) -> list[dict]:
    """Rows of ``grades.csv``: assignment, student_id, score, max_score and the rest."""
    path = root / "grades.csv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summarize(root: Path, out=print) -> None:
    rows = [r for r in grades(root) if (root / "autograded" / r["student_id"] / r["assignment"]).is_dir()]
    if not rows:
        return
    width = max(len("student"), *(len(r["student_id"]) for r in rows))
    out(f"{'student'.ljust(width)}  assignment                 score")
    for r in sorted(rows, key=lambda r: (r["assignment"], r["student_id"])):
        out(f"{r['student_id'].ljust(width)}  {r['assignment']:<25}  {float(r['score']):g} / {float(r['max_score']):g}")
    out(f"grades: {root / 'grades.csv'}   feedback: {root / 'feedback'}/<student>/<assignment>/")

