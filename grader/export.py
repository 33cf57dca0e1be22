"""Grades out to an LMS, and feedback pages out to students.

``python -m grader export --lms canvas|moodle|csv`` (``make export LMS=...``) writes the file that
Canvas's gradebook import, Moodle's "Import grades from CSV", or a spreadsheet reads, under
``reports/``. Each is an nbgrader export plugin, so ``nbgrader export
--exporter=grader.export.CanvasExportPlugin --NbGrader.config_file=grader/nbgrader_config`` works too.

Scores are nbgrader's: per student and assignment, the gradebook's score (manual grades included)
less the late penalty. A submission is *graded* when the gradebook has it, the trusted grader wrote
its result record (``.nbgrader/results/``, see :mod:`grader.trusted.results`) and no cell waits for
a manual grade; anything else has no score in every export (empty, or ``-`` for Moodle), never a 0.

Students are named as the LMS knows them through ``lms_students.csv`` at the course root
(:data:`MAPPING_COLUMNS`; ``docs/grades-and-feedback.md``). A student the LMS file cannot name is
listed, never dropped silently: Canvas and Moodle reject or mis-file a row without their id, so
those exports leave the student out, name them, and fail (exit status 1) unless ``allow_unmapped``
is set; the plain CSV keeps them under their course id.

:func:`feedback_zips` packs ``feedback/<student>/<assignment>/*.html`` into one zip per student.
"""
from __future__ import annotations

import csv
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.plugins import ExportPlugin
from traitlets import Bool, Enum, Unicode

from . import ROOT, pipeline
from .course import Course, CourseError
from .trusted import results as records

MAPPING_FILE = "lms_students.csv"
MAPPING_COLUMNS = ("student_id", "lms_id", "login", "email", "name", "section")

GRADED = "graded"
MANUAL = "needs manual grading"
NOT_GRADED = "not graded"
NOT_SUBMITTED = "not submitted"


class ExportError(CourseError):
    """A problem with the mapping file or the gradebook that the instructor can fix."""


def read_mapping(path: Path) -> dict[str, dict[str, str]]:
    """``student_id`` -> that student's row of ``lms_students.csv`` (every column of :data:`MAPPING_COLUMNS`,
    ``""`` where blank); ``{}`` when the file does not exist. UTF-8, a byte-order mark (Excel) allowed."""
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        if "student_id" not in header:
            raise ExportError(f"{path} has no 'student_id' column (its header is {', '.join(header) or 'empty'}); "
                              f"the columns are {','.join(MAPPING_COLUMNS)} (docs/lms_students.example.csv)")
        reader.fieldnames = header
        found: dict[str, dict[str, str]] = {}
        for line, row in enumerate(reader, start=2):
            sid = (row.get("student_id") or "").strip()
            if not sid:
                continue
            if sid in found:
                raise ExportError(f"{path}, line {line}: student_id {sid!r} appears twice; keep one row per student")
            found[sid] = {c: (row.get(c) or "").strip() for c in MAPPING_COLUMNS}
    return found


def number(x: float) -> str:
    """Points as the LMSs read them: a dot, no exponent, at most 4 decimals (``7.5``, ``10``)."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


@dataclass
class Submission:
    """One student's assignment as the gradebook and the result record have it. Points are nbgrader's."""
    assignment: str
    student: str
    status: str  # GRADED, MANUAL, NOT_GRADED or NOT_SUBMITTED
    max_score: float
    score: float | None = None  # after the late penalty; None unless GRADED
    penalty: float = 0.0  # late-submission penalty, points
    cells: dict[str, float | None] = field(default_factory=dict)  # grade_id -> the cell's score (None: not graded yet)
    record: dict | None = None  # the trusted result record


def collect(gradebook, root: Path, assignments=(), students=(), more_students=()) -> list[Submission]:
    """Every (assignment, student) of the gradebook, in due-date and then id order; ``students`` of the
    gradebook plus ``more_students`` (the mapping's), both filtered by ``assignments``/``students`` when given."""
    from nbgrader.api import Grade, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy.orm import selectinload

    # Every submission with its notebooks, grades and cells in four queries, not several per submission
    # (300 students x 2 assignments: 1 s instead of 6).
    loaded = gradebook.db.query(SubmittedAssignment).options(
        selectinload(SubmittedAssignment.notebooks).selectinload(SubmittedNotebook.grades).joinedload(Grade.cell)).all()
    all_assignments = gradebook.assignments
    name_of = {a.id: a.name for a in all_assignments}
    found = {(name_of[sub.assignment_id], sub.student_id): sub for sub in loaded}
    names = sorted({s.id for s in gradebook.students} | set(more_students))
    out = []
    for a in all_assignments:
        if assignments and a.name not in assignments:
            continue
        for sid in names:
            if students and sid not in students:
                continue
            sub = found.get((a.name, sid))
            if sub is None:
                out.append(Submission(a.name, sid, NOT_SUBMITTED, a.max_score))
                continue
            grades = [g for nb in sub.notebooks for g in nb.grades]
            cells = {g.name: (g.score if g.auto_score is not None or g.manual_score is not None else None) for g in grades}
            rec = records.read(records.results_dir(root), a.name, sid)
            if rec is None:
                status = NOT_GRADED  # could not be graded, or never graded by the trusted grader
            elif any(g.needs_manual_grade for g in grades):
                status = MANUAL
            else:
                status = GRADED
            # nbgrader's SubmittedAssignment.score and .late_submission_penalty, from the rows loaded above
            penalty = sum(nb.late_submission_penalty or 0.0 for nb in sub.notebooks)
            score = max(0.0, sum(g.score for g in grades) - penalty) if status == GRADED else None
            out.append(Submission(a.name, sid, status, a.max_score, score, penalty,
                                  cells if status != NOT_GRADED else {}, rec))
    return out


def cell_order(root: Path, assignment: str) -> dict[str, int]:
    """grade_id -> position in the release notebooks of ``assignment`` (``notebooks/<assignment>/``)."""
    order: dict[str, int] = {}
    for path in sorted((Path(root) / "notebooks" / assignment).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for c in cells:
            gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid and gid not in order:
                order[gid] = len(order)
    return order


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@dataclass
class Summary:
    """What one export wrote, and whom it could not name or score."""
    lms: str  # "Canvas", "Moodle", "CSV"
    path: Path
    students: int  # students written
    assignments: int
    unnamed: list[str]  # students the mapping does not name for this LMS
    need: str  # what the mapping must give for this LMS
    left_out: bool  # whether ``unnamed`` are missing from the file (else kept under their course id)
    no_score: list[Submission]  # not graded, or waiting for a manual grade
    strict: bool  # whether ``unnamed`` makes the export fail
    allow_flag: str = "--allow-unmapped"  # how to say that leaving them out is intended

    @property
    def failed(self) -> bool:
        return bool(self.unnamed) and self.strict

    def lines(self) -> list[str]:
        """The summary line, then one line per kind of problem, each naming the students."""
        waiting = [s for s in self.no_score if s.status == MANUAL]
        ungraded = [s for s in self.no_score if s.status == NOT_GRADED]
        head = f"wrote {self.path}: {plural(self.students, 'student')} x {plural(self.assignments, 'assignment')}"
        no_score = ([f"{len(ungraded)} not graded"] * bool(ungraded)
                    + [f"{len(waiting)} waiting for a manual grade"] * bool(waiting))
        if no_score:
            head += f"; no score (left empty) for {' and '.join(no_score)}"
        out = [head]
        if self.unnamed:
            out[0] += (f"; {plural(len(self.unnamed), 'student')} "
                       + ("LEFT OUT" if self.left_out else "kept under their course id"))
            if self.left_out:
                fix = f"add them to {MAPPING_FILE}" + (f", or pass {self.allow_flag} if leaving them out is intended"
                                                      if self.strict else "")
                out.append(f"left out (no {self.need} in {MAPPING_FILE}): {', '.join(self.unnamed)}. {fix[0].upper()}{fix[1:]}.")
            else:
                out.append(f"not in {MAPPING_FILE}, exported under their course id: {', '.join(self.unnamed)}")
        if waiting:
            out.append("waiting for a manual grade in formgrader (`make lab-instructor`, Manual Grading): "
                       + ", ".join(f"{s.student}/{s.assignment}" for s in waiting))
        if ungraded:
            out.append("submitted but not graded (reports/class_report.md says why; grade again with `make autograde`): "
                       + ", ".join(f"{s.student}/{s.assignment}" for s in ungraded))
        return out


class CourseExportPlugin(ExportPlugin):
    """What the course's exports share: the course root, the mapping file, the rows, the summary."""

    lms = "CSV"
    default_name = "grades.csv"
    need = "row"  # what a student's mapping row must give (see :meth:`names`)
    left_out = True  # students the LMS cannot name are left out of the file (and fail the export)

    root = Unicode("", help="course root (default: nbgrader's CourseDirectory.root, else this checkout)").tag(config=True)
    mapping = Unicode("", help=f"student id mapping file (default: <root>/{MAPPING_FILE})").tag(config=True)
    allow_unmapped = Bool(False, help="export even when students have no LMS id (they are still listed)").tag(config=True)

    summary: Summary | None = None

    def course_root(self) -> Path:
        coursedir = getattr(self.parent, "coursedir", None)
        return Path(self.root or (coursedir.root if coursedir is not None else ROOT))

    def names(self, who: dict[str, str] | None) -> bool:
        """Whether this LMS can identify a student from their mapping row (None: no row)."""
        return who is not None

    def stop(self, message: str) -> None:
        """Give up: nbgrader's way (its log, exit status 1) under ``nbgrader export``, else :class:`ExportError`."""
        if hasattr(self.parent, "fail"):
            self.parent.fail(message)
        raise ExportError(message)

    def export(self, gradebook) -> None:
        root = self.course_root()
        path = Path(self.mapping) if self.mapping else root / MAPPING_FILE
        if self.left_out and not path.is_file():
            self.stop(f"{self.lms} needs {path}, which names each student as {self.lms} knows them (columns "
                      f"{','.join(MAPPING_COLUMNS)}; see docs/lms_students.example.csv and docs/grades-and-feedback.md)")
        mapping = read_mapping(path)
        known = [a.name for a in gradebook.assignments]
        unknown = [str(a) for a in self.assignment if str(a) not in known]
        if unknown:
            self.stop(f"no assignment {', '.join(map(repr, unknown))} in the gradebook; it has {', '.join(known) or 'none'} "
                      f"(with `nbgrader export`, name each with its own --assignment=NAME)")
        subs = collect(gradebook, root, [str(a) for a in self.assignment], [str(s) for s in self.student], mapping)
        students = sorted({s.student for s in subs})
        unnamed = [sid for sid in students if not self.names(mapping.get(sid))] if mapping or self.left_out else []
        dest = Path(self.to) if self.to else root / "reports" / self.default_name
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "w", newline="", encoding="utf-8") as f:
            written = self.write(csv.writer(f), subs, mapping, set(unnamed) if self.left_out else set())
        self.summary = Summary(self.lms, dest, written, len({s.assignment for s in subs}), unnamed, self.need,
                               self.left_out, [s for s in subs if s.status in (MANUAL, NOT_GRADED)],
                               self.left_out and not self.allow_unmapped)
        if self.parent is not None:  # nbgrader export: say it through nbgrader's log and exit status
            self.summary.allow_flag = f"--{type(self).__name__}.allow_unmapped=True"
            head, *rest = self.summary.lines()
            self.log.info(head)
            for line in rest:
                self.log.warning(line)
            if self.summary.failed:
                self.stop(f"{plural(len(unnamed), 'student')} left out of {dest}: {', '.join(unnamed)}")

    def write(self, w, subs: list[Submission], mapping: dict, skip: set[str]) -> int:
        """Write the header and the rows, leaving out the students in ``skip``; return the students written."""
        raise NotImplementedError


def by_student(subs: list[Submission]) -> tuple[list[str], dict[str, dict[str, Submission]], dict[str, float]]:
    """Assignments in gradebook order, student -> assignment -> submission, assignment -> max score."""
    assignments = list(dict.fromkeys(s.assignment for s in subs))
    table: dict[str, dict[str, Submission]] = {}
    for s in subs:
        table.setdefault(s.student, {})[s.assignment] = s
    return assignments, table, {s.assignment: s.max_score for s in subs}


class CanvasExportPlugin(CourseExportPlugin):
    """Canvas's gradebook import (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID, Section``,
    then one column per assignment (matched by title; a new title makes a new assignment), a
    ``Points Possible`` row, one row per student. A student is found by ``ID`` (``lms_id``: the Canvas
    user id of Canvas's own export), else ``SIS Login ID`` (``login``). No score: empty (Canvas keeps what it has)."""

    lms = "Canvas"
    default_name = "canvas_grades.csv"
    need = "lms_id or login"
    points_possible = Bool(True, help="write the 'Points Possible' row (sets the points of new assignments)").tag(config=True)

    def names(self, who):
        return bool(who and (who["lms_id"] or who["login"]))

    def write(self, w, subs, mapping, skip):
        assignments, table, maxima = by_student(subs)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *assignments])
        if self.points_possible:
            w.writerow(["Points Possible", "", "", "", "", *(number(maxima[a]) for a in assignments)])
        rows = 0
        for sid, theirs in table.items():
            if sid in skip:
                continue
            who = mapping[sid]
            scores = [number(theirs[a].score) if theirs[a].score is not None else "" for a in assignments]
            w.writerow([who["name"] or sid, who["lms_id"], "", who["login"], who["section"], *scores])
            rows += 1
        return rows


class MoodleExportPlugin(CourseExportPlugin):
    """Moodle's "Import grades from CSV": an identifier column (``Email address``, ``Username`` or ``ID number``,
    chosen by ``identifier``) and one column per assignment, numbers with a dot. No score: ``-``, which
    Moodle reads as "no grade" (an empty cell would make a new grade item's grade 0)."""

    lms = "Moodle"
    default_name = "moodle_grades.csv"
    identifier = Enum(["email", "login", "lms_id"], "email",
                      help="mapping column that names the student in Moodle: email (map to 'Email address'), "
                           "login ('Username') or lms_id ('ID number')").tag(config=True)
    HEADERS = {"email": "Email address", "login": "Username", "lms_id": "ID number"}

    @property
    def need(self) -> str:
        return self.identifier

    def names(self, who):
        return bool(who and who[self.identifier])

    def write(self, w, subs, mapping, skip):
        assignments, table, _ = by_student(subs)
        w.writerow([self.HEADERS[self.identifier], *assignments])
        rows = 0
        for sid, theirs in table.items():
            if sid in skip:
                continue
            w.writerow([mapping[sid][self.identifier],
                        *(number(theirs[a].score) if theirs[a].score is not None else "-" for a in assignments)])
            rows += 1
        return rows


class ExercisesExportPlugin(CourseExportPlugin):
    """Per-exercise points: one row per student and assignment with its status, score (after the late
    penalty), and then per graded cell of the assignment: ``<exercise>`` (the gradebook's points of
    ``test_<exercise>``, a manual override included), ``<exercise>/<group>`` (each check group's points
    from the trusted result record) and manually graded cells (``answer_*``) under their grade_id.
    Empty where there is no score. Students without a mapping row keep their course id."""

    lms = "CSV"
    default_name = "exercise_grades.csv"
    left_out = False

    def write(self, w, subs, mapping, skip):
        root = self.course_root()
        columns: list[tuple[str, str, str | None]] = []  # (header, grade_id, group or None)
        seen = set()
        for assignment in dict.fromkeys(s.assignment for s in subs):
            mine = [s for s in subs if s.assignment == assignment]
            order = cell_order(root, assignment)
            gids = sorted({g for s in mine for g in s.cells}, key=lambda g: (order.get(g, len(order)), g))
            groups: dict[str, list[str]] = {}
            for s in mine:
                for e in (s.record or {}).get("exercises", []):
                    groups.setdefault(e["exercise"], [])
                    groups[e["exercise"]] += [g for g in e["groups"] if g not in groups[e["exercise"]]]
            for gid in gids:
                name = gid.removeprefix("test_")
                for header, group in [(name, None)] + [(f"{name}/{g}", g) for g in groups.get(name, [])]:
                    if header not in seen:
                        seen.add(header)
                        columns.append((header, gid, group))
        w.writerow(["assignment", "student_id", "name", "email", "status", "score", "max_score", "late_penalty",
                    *(c[0] for c in columns)])
        for s in subs:
            who = mapping.get(s.student, {})
            exercises = {e["exercise"]: e for e in (s.record or {}).get("exercises", [])}
            values = []
            for _header, gid, group in columns:
                if gid not in s.cells:
                    values.append("")
                elif group is None:
                    values.append("" if s.cells[gid] is None else number(s.cells[gid]))
                else:
                    e = exercises.get(gid.removeprefix("test_"), {}).get("groups", {}).get(group)
                    values.append("" if e is None else number(e["earned"]))
            w.writerow([s.assignment, s.student, who.get("name", ""), who.get("email", ""), s.status,
                        "" if s.score is None else number(s.score), number(s.max_score),
                        number(s.penalty) if s.status in (GRADED, MANUAL) else "", *values])
        return len({s.student for s in subs})


PLUGINS = {"canvas": CanvasExportPlugin, "moodle": MoodleExportPlugin, "csv": ExercisesExportPlugin}


def export(course: Course, lms: str = "csv", to: Path | None = None, **traits) -> Summary:
    """Write ``lms``'s file for ``course`` (default ``reports/<name>``); traits: ``assignment``,
    ``student``, ``mapping``, ``allow_unmapped``, ``identifier`` (Moodle). The :class:`Summary` says what it wrote."""
    if lms not in PLUGINS:
        raise ExportError(f"unknown LMS {lms!r}: choose one of {', '.join(PLUGINS)}")
    if not course.has_gradebook():
        raise ExportError(f"no gradebook at {course.gradebook_path}: grade first (`make autograde`)")
    plugin_class = PLUGINS[lms]
    plugin = pipeline.export(course, to or course.reports / plugin_class.default_name, plugin_class, **traits)
    return plugin.summary


def feedback_zips(course: Course, dest: Path | None = None) -> tuple[dict[str, int], list[str]]:
    """One zip per student, ``<dest>/<student>.zip`` (default ``reports/feedback_zips/``), holding
    ``<assignment>/<notebook>.html`` from ``feedback/<student>/``. Returns student -> pages written, and
    the students who handed something in (``submitted/``) but have no feedback page."""
    if not course.feedback.is_dir():
        raise ExportError(f"no feedback pages in {course.feedback}: `make autograde` writes them")
    dest = dest or course.reports / "feedback_zips"
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.zip"):  # a student whose feedback is gone must not keep last run's zip
        old.unlink()
    feedback = course.feedback
    students = sorted({p.name for base in (feedback, course.submitted) if base.is_dir() for p in base.iterdir() if p.is_dir()})
    written: dict[str, int] = {}
    for sid in students:
        pages = sorted(p for p in (feedback / sid).glob("*/*.html") if p.is_file())
        if not pages:
            continue
        with zipfile.ZipFile(dest / f"{sid}.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for page in pages:
                z.write(page, f"{page.parent.name}/{page.name}")
        written[sid] = len(pages)
    return written, [s for s in students if s not in written]
