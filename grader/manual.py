"""Manual grades survive grading again: what ``make autograde`` and ``make regrade`` both do around a run.

nbgrader keeps ``manual_score``, ``extra_credit`` and manual comments when it autogrades again, but marks
every cell that has a manual score, and every written answer, "needs manual grade" again. Before a run,
:func:`durable_snapshot` records every submission's grades on disk; as each result is stored,
:func:`keep_one` puts the mark back where the work a manual grade judged is unchanged, and writes back
anything nbgrader lost. The snapshot leaves the disk once written back, so an interrupted run loses none.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .course import Course
from .jobs import Result
from .runtime.cells import is_test_cell
from .trusted import results as records

EPS = 1e-9


@dataclass(frozen=True)
class Cell:
    """One grade cell of one submission as the gradebook has it; scores in points."""
    notebook: str
    auto: float | None
    manual: float | None
    extra: float | None
    needs_manual: bool
    max: float
    kind: str  # "code": an autograded test cell; "markdown": a written answer

    @property
    def score(self) -> float | None:
        """What counts: the manual score where there is one, else the automatic one, plus extra credit."""
        base = self.manual if self.manual is not None else self.auto
        return None if base is None else base + (self.extra or 0.0)


@dataclass
class Graded:
    """One submission's grades at one moment."""
    cells: dict[str, Cell] = field(default_factory=dict)  # grade_id -> cell
    comments: dict[str, tuple[str, str]] = field(default_factory=dict)  # cell name -> (notebook, manual comment)
    penalty: float = 0.0  # late penalty in points
    seconds_late: float = 0.0
    record: dict | None = None  # the trusted result record; None: not graded
    status: str = ""  # grades.csv's status: "graded", "not graded: <why>", "" when not there
    sources: dict[str, str] = field(default_factory=dict)  # grade_id -> source, as graded (autograded/); read
    work: str = ""  # hash of the student's cells as graded (all but the test cells); both only when graded_by_hand

    @property
    def graded_by_hand(self) -> bool:
        """Whether a grader gave a manual score, extra credit or a comment (what :func:`keep_manual` keeps)."""
        return bool(self.comments) or any(c.manual is not None or c.extra is not None for c in self.cells.values())


@dataclass
class Kept:
    """A manual grade (score, extra credit or comment) that the regrade kept."""
    student: str
    assignment: str
    cell: str
    manual: float | None
    extra: float | None
    comment: str = ""
    review: str = ""  # why formgrader shows it as "needs manual grade" after the regrade ("" when it does not)
    restored: list[str] = field(default_factory=list)  # what nbgrader had lost and the regrade wrote back
    dropped: str = ""  # why it could not be kept

    @property
    def state(self) -> str:
        if self.dropped:
            return f"LOST: {self.dropped}"
        text = "kept" + (f" (written back: {', '.join(self.restored)})" if self.restored else "")
        return text + (f"; review it: {self.review}" if self.review else "")


# -- the snapshot -------------------------------------------------------------------------------------


def _graded_cells(folder: Path) -> tuple[dict[str, str], str]:
    """The autograded notebooks in ``folder``: grade_id -> source of every nbgrader cell, and a hash of
    every cell the student wrote or could change (all but the test cells, which the grader restores)."""
    sources, h = {}, hashlib.sha256()
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            source = "".join(cell.get("source", ""))
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id:
                sources[grade_id] = source
            if not is_test_cell(cell):
                h.update(source.encode() + b"\0")
    return sources, h.hexdigest() if sources else ""


def _from_gradebook(course: Course, names: list[str], into: dict) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    if not course.has_gradebook():
        return
    with Gradebook(course.db_url) as gb:
        for name in names:
            try:
                assignment = gb.find_assignment(name)
            except MissingEntry:
                continue
            for sub in assignment.submissions:
                g = into.setdefault((name, sub.student.id), Graded())
                g.seconds_late = float(sub.total_seconds_late or 0.0)
                for nb in sub.notebooks:
                    g.penalty += nb.late_submission_penalty or 0.0
                    for grade in nb.grades:
                        g.cells[grade.name] = Cell(nb.name, grade.auto_score, grade.manual_score, grade.extra_credit,
                                                   bool(grade.needs_manual_grade), float(grade.max_score or 0.0),
                                                   grade.cell_type)
                    for comment in nb.comments:
                        if comment.manual_comment:
                            g.comments[comment.name] = (nb.name, comment.manual_comment)


def snapshot(course: Course, names: list[str]) -> dict[tuple[str, str], Graded]:
    """(assignment, student) -> :class:`Graded`, for every submission of ``names`` graded (or tried) before."""
    found: dict[tuple[str, str], Graded] = {}
    folder = records.results_dir(course.root)
    for name in names:
        for path in sorted((folder / name).glob("*.json")):
            found.setdefault((name, path.stem), Graded()).record = records.read(folder, name, path.stem)
    for row in course.grades():
        if row.get("assignment") in names:
            found.setdefault((row["assignment"], row["student_id"]), Graded()).status = row.get("status", "")
    _from_gradebook(course, names, found)
    for (name, student), g in found.items():
        if g.graded_by_hand:  # the work a manual grade judged, to tell after grading whether it changed
            g.sources, g.work = _graded_cells(course.autograded / student / name)
    return found


# -- the snapshot on disk: manual grades survive an interrupted run ------------------------------------

PENDING = "manual_grades_pending.json"  # in .nbgrader/: manual grades a grading run has not yet written back


def _pending_path(course: Course) -> Path:
    return course.root / ".nbgrader" / PENDING


def _dump(g: Graded) -> dict:
    return {"cells": {n: asdict(c) for n, c in g.cells.items()}, "comments": {n: list(c) for n, c in g.comments.items()},
            "sources": g.sources, "work": g.work}


def _load(d: dict) -> Graded:
    return Graded(cells={n: Cell(**c) for n, c in d["cells"].items()},
                  comments={n: tuple(c) for n, c in d["comments"].items()}, sources=d["sources"], work=d["work"])


def _read_pending(course: Course) -> dict[tuple[str, str], Graded]:
    try:
        data = json.loads(_pending_path(course).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {(a, s): _load(d) for a, s, d in data}


def _write_pending(course: Course, pending: dict[tuple[str, str], Graded]) -> None:
    path = _pending_path(course)
    if not pending:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps([[a, s, _dump(g)] for (a, s), g in sorted(pending.items())]), encoding="utf-8")
    os.replace(tmp, path)  # whole or not at all, even when the run is killed here


def durable_snapshot(course: Course, names: list[str]) -> dict[tuple[str, str], Graded]:
    """:func:`snapshot`, with its manual grades written to disk before grading starts.

    A run that was interrupted (Ctrl+C, SIGKILL) left its manual grades on disk; they predate that
    run, which may already have put them back in formgrader's queue, so they win over what the
    gradebook says now. Each submission's entry goes when :func:`keep_one` has written it back."""
    before = snapshot(course, names)
    pending = _read_pending(course)
    for key, g in pending.items():  # the interrupted run's snapshot: the grades as a grader left them
        fresh = before.setdefault(key, Graded())
        fresh.cells.update(g.cells)
        fresh.comments.update(g.comments)
        fresh.sources, fresh.work = g.sources, g.work
    _write_pending(course, {**{k: g for k, g in before.items() if g.graded_by_hand}, **pending})
    return before


def keep_one(course: Course, before: dict[tuple[str, str], Graded], result: Result) -> list[Kept]:
    """:func:`keep_manual` for one submission just stored, then its entry leaves the snapshot on disk."""
    key = (result.assignment, result.student)
    kept = keep_manual(course, {key: before[key]}, [result]) if key in before else []
    pending = _read_pending(course)
    if pending.pop(key, None) is not None:
        _write_pending(course, pending)
    return kept


# -- keeping manual grades ------------------------------------------------------------------------------


def same_points(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= EPS)


def fmt_points(x: float | None) -> str:
    return "none" if x is None else f"{x:g}"


def _judged_work_changed(name: str, old: Cell, new_auto: float | None, before: Graded, sources: dict, work: str) -> str:
    """Why a manual grade's "needs manual grade" mark must stay after the regrade ("" when nothing it judged changed)."""
    if not same_points(old.auto, new_auto):
        return f"the automatic score under it changed from {fmt_points(old.auto)} to {fmt_points(new_auto)}"
    if not before.sources:
        return "the notebook it was given for (autograded/) was not there to compare with"
    if old.kind == "markdown":
        if before.sources.get(name) != sources.get(name):
            return "the answer's text changed since it was graded (a new hand-in)"
    elif before.work != work:
        return "the student's code changed since it was graded (a new hand-in)"
    return ""


def keep_manual(course: Course, before: dict[tuple[str, str], Graded], results: list[Result]) -> list[Kept]:
    """After autograding again: write back any manual score, extra credit or manual comment nbgrader lost,
    and clear the "needs manual grade" mark that nbgrader set again where the judged work is unchanged."""
    from nbgrader.api import Gradebook, MissingEntry

    graded = {(r.assignment, r.student) for r in results if r.graded}
    kept: list[Kept] = []
    with Gradebook(course.db_url) as gb:
        for (assignment, student), old in sorted(before.items()):
            if not old.graded_by_hand:
                continue
            manual = {n for n, c in old.cells.items() if c.manual is not None or c.extra is not None}
            sources, work = _graded_cells(course.autograded / student / assignment)
            for name in sorted(manual | set(old.comments)):
                cell = old.cells.get(name)
                notebook, comment = old.comments.get(name, (cell.notebook if cell else "", ""))
                k = Kept(student, assignment, name, cell.manual if cell else None, cell.extra if cell else None, comment)
                kept.append(k)
                if name in manual:
                    try:
                        grade = gb.find_grade(name, cell.notebook, assignment, student)
                    except MissingEntry:
                        k.dropped = "the cell is no longer in the assignment"
                        continue
                    if not same_points(grade.manual_score, cell.manual):
                        grade.manual_score = cell.manual
                        k.restored.append("manual score")
                    if not same_points(grade.extra_credit, cell.extra):
                        grade.extra_credit = cell.extra
                        k.restored.append("extra credit")
                    if cell.needs_manual:
                        k.review = "still marked 'needs manual grade', as it was before this regrade"
                    elif grade.needs_manual_grade and (assignment, student) in graded:
                        k.review = _judged_work_changed(name, cell, grade.auto_score, old, sources, work)
                        grade.needs_manual_grade = bool(k.review)
                if comment:
                    try:
                        saved = gb.find_comment(name, notebook, assignment, student)
                    except MissingEntry:
                        k.dropped = k.dropped or "the cell is no longer in the assignment"
                        continue
                    if saved.manual_comment != comment:
                        saved.manual_comment = comment
                        k.restored.append("comment")
        gb.db.commit()
    return kept


# -- the comparison -----------------------------------------------------------------------------------
