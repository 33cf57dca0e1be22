"""The class report after autograding: grades with a status, per-exercise results, what was not graded.

Writes under ``reports/``: ``grades.csv`` (nbgrader's export plus a ``status`` column, with
no score for a submission that could not be graded, the points of every exercise's check
groups, the written answers' state, the integrity flags, the file the student handed in and
whether this run graded it), ``class_report.md`` and ``class_report.png`` (share of students
passing each exercise). Per-exercise results come from the trusted result records
(:mod:`grader.trusted.results`), never from what a student's notebook shows.

The reports are always of the whole course (:func:`every_submission`): every submission the gradebook, the
result records or ``submitted/`` hold, whichever assignments this run graded; the rows this run
graded (or tried) are marked.
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from .course import Course
from .jobs import Result
from .trusted import results as records

WITHDRAW = "make withdraw STUDENT={student} ASSIGNMENT={assignment}"


def every_submission(course: Course, done, before: list[dict]) -> list[Result]:
    """Every submission of the course, in (assignment, student) order: this run's results ``done``, and for
    every other one that the gradebook, the result records or ``submitted/`` hold, graded (it has a result
    record) or not graded with the reason ``before`` (the last ``grades.csv``'s rows) gave."""

    out = {(r.assignment, r.student): r for r in done}
    keys = set(out)
    folder = records.results_dir(course.root)
    keys |= {(p.parent.name, p.stem) for p in folder.glob("*/*.json")}
    known = set(course.assignments())  # a folder under submitted/ that is no assignment is not a submission
    keys |= {(p.parent.name, p.parent.parent.name) for p in course.submitted.glob("*/*/*.ipynb")
             if p.parent.name in known}
    if course.has_gradebook():
        keys |= gradebook_submissions(course.db_url)
    said = {(r.get("assignment"), r.get("student_id")): r.get("status", "") for r in before}
    for a, s in keys - set(out):
        if records.path(folder, a, s).exists():
            out[(a, s)] = Result(a, s, graded=True)
        else:
            why = said.get((a, s), "").removeprefix("not graded: ")
            out[(a, s)] = Result(a, s, reason=why if why and why != "graded" else
                                 f"handed in, not graded yet: run `make autograde ASSIGNMENT={a}`")
    return [out[k] for k in sorted(out)]


def gradebook_submissions(db_url: str) -> set[tuple[str, str]]:
    """(assignment, student) of every submission in the gradebook."""
    from nbgrader.api import Assignment, Gradebook, SubmittedAssignment

    with Gradebook(db_url) as gb:
        rows = gb.db.query(Assignment.name, SubmittedAssignment.student_id).join(
            SubmittedAssignment, SubmittedAssignment.assignment_id == Assignment.id).all()
    return {(a, s) for a, s in rows}


def who(student: str, handed: dict, assignment: str | None = None) -> str:
    """``张伟 (张伟.zip)``: the id and the file it was handed in as, where intake filed it."""
    names = sorted({f for (s, a), f in handed.items() if s == student and assignment in (None, a)})
    return f"{student} ({', '.join(names)})" if names else student


def check_writable(course: Course) -> None:
    """Raise OSError (with the path) unless the reports can be written: ``reports/`` is a folder this user can
    write in and none of the report files is read-only. Run before grading starts."""
    import os
    import tempfile

    folder = course.reports
    folder.mkdir(exist_ok=True)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".writable-"):
        pass
    for name in ("grades.csv", "nbgrader_grades.csv", "class_report.md", "class_report.png"):
        path = folder / name
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(f"{path} is read-only")


def headline(message: str) -> str:
    """The line of a failure message that says what went wrong (the checker's 'problem' line)."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) >= 3 and " failed " in lines[0]:
        return f"{lines[0].split(' failed ')[0]}: {lines[2]}"[:160]
    return (lines[0] if lines else message)[:160]


def read_records(course: Course, jobs) -> dict:
    """(assignment, student) -> the result record of every graded job."""
    folder = records.results_dir(course.root)
    found = {(j.assignment, j.student): records.read(folder, j.assignment, j.student) for j in jobs if j.graded}
    return {k: v for k, v in found.items() if v}


def exercise_results(jobs, recs: dict) -> dict[tuple[str, str], list[dict]]:
    """(assignment, exercise) -> the exercise's entries of every graded submission's result record."""
    out: dict[tuple[str, str], list[dict]] = {}
    for job in jobs:
        rec = recs.get((job.assignment, job.student))
        for e in (rec or {}).get("exercises", []):
            out.setdefault((job.assignment, e["exercise"]), []).append(e)
    return out


def groups_cell(rec: dict | None) -> str:
    """Every exercise's groups in one CSV cell: ``pool2d: examples 1/1, values 0/1.5; ...``."""
    if not rec:
        return ""
    return "; ".join(f"{e['exercise']}: " + ", ".join(f"{k} {g['earned']:g}/{g['points']:g}" for k, g in e["groups"].items())
                     for e in rec["exercises"])


def written_answers(db_url: str, jobs) -> dict[tuple[str, str], dict]:
    """(assignment, student) -> the written answers (manually graded markdown cells) of a graded submission:
    ``cells``, ``to_grade`` (still waiting for a grader in formgrader), ``points`` and ``given`` (points so far).
    An answer left as the release's stub scores 0 without a grader (nbgrader's rule). One query for all."""
    from nbgrader.api import Grade, Gradebook, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy.orm import selectinload

    wanted = {(j.assignment, j.student) for j in jobs if j.graded}
    out = {}
    with Gradebook(db_url) as gb:
        name_of = {a.id: a.name for a in gb.assignments}
        subs = gb.db.query(SubmittedAssignment).options(
            selectinload(SubmittedAssignment.notebooks).selectinload(SubmittedNotebook.grades).joinedload(Grade.cell)).all()
        for sub in subs:
            key = (name_of.get(sub.assignment_id), sub.student_id)
            if key not in wanted:
                continue
            cells = [g for nb in sub.notebooks for g in nb.grades if g.cell_type == "markdown"]
            if cells:
                out[key] = dict(
                    cells=len(cells), to_grade=sum(g.needs_manual_grade for g in cells),
                    points=sum(g.max_score for g in cells), given=sum(g.score for g in cells if not g.needs_manual_grade))
    return out


def written_cell(w: dict | None) -> str:
    """``2 of 3 to grade by hand`` while a grader has answers left, then ``1.5/3`` (points given)."""
    if not w:
        return ""
    return f"{w['to_grade']} of {w['cells']} to grade by hand" if w["to_grade"] else f"{w['given']:g}/{w['points']:g}"


def exported_rows(course: Course) -> dict[tuple[str, str], dict]:
    """(student, assignment) -> nbgrader's CSV export row (score, max_score) of ``reports/nbgrader_grades.csv``."""
    exported = course.reports / "nbgrader_grades.csv"
    if not exported.exists():
        return {}
    with open(exported, newline="", encoding="utf-8") as f:
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}


def write_grades(course: Course, jobs, recs: dict, written: dict, now: set | None = None, handed: dict | None = None) -> None:
    """``reports/grades.csv``: one row per submission of ``jobs``; ``now``: the (assignment, student) this run
    graded or tried (column ``this_run``); ``handed``: (student, assignment) -> the file handed in."""
    rows = exported_rows(course)
    now, handed = now or set(), handed or {}
    with open(course.reports / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "student_id", "status", "score", "max_score", "groups", "written", "integrity_flags",
                    "handed_in_as", "this_run"])
        for j in jobs:
            r = rows.get((j.student, j.assignment), {})
            tail = [handed.get((j.student, j.assignment), ""), "yes" if (j.assignment, j.student) in now else ""]
            if j.graded:
                rec = recs.get((j.assignment, j.student))
                flags = " | ".join(f"{f['exercise']}: {f['line']}" for f in (rec or {}).get("integrity_flags", []))
                w.writerow([j.assignment, j.student, "graded", r.get("score", ""), r.get("max_score", ""),
                            groups_cell(rec), written_cell(written.get((j.assignment, j.student))), flags, *tail])
            else:
                w.writerow([j.assignment, j.student, f"not graded: {j.reason}", "", r.get("max_score", ""), "", "", "",
                            *tail])


def write(course: Course, done, problems: list[str]) -> None:
    """The reports of the whole course (:func:`course`), this run's results ``done`` marked in them."""
    from . import intake

    out = course.reports
    out.mkdir(exist_ok=True)
    jobs = every_submission(course, done, course.grades())
    now = {(j.assignment, j.student) for j in done}
    handed = intake.handed_in(course.root)
    recs = read_records(course, jobs)
    written = written_answers(course.db_url, jobs) if course.has_gradebook() else {}
    write_grades(course, jobs, recs, written, now, handed)
    results = exercise_results(jobs, recs)
    this_run = sorted({a for a, _ in now})
    lines = ["# Class report", "",
             f"{sum(j.graded for j in jobs)} of {len(jobs)} submissions graded, in "
             f"{', '.join(sorted({j.assignment for j in jobs}))}: the whole course as the gradebook holds it. "
             f"This run graded {sum(j.graded for j in done)} of the {len(done)} submissions it took "
             f"({', '.join(this_run) or 'none'}); they are marked * below and `this_run` in grades.csv.", "",
             "## Exercises", "",
             "| assignment | exercise | passed | partial credit | mean points | most common failure |",
             "| --- | --- | --- | --- | --- | --- |"]
    for (assignment, name), entries in results.items():
        passed = sum(e["status"] == "pass" for e in entries)
        partial = sum(e["status"] == "partial" for e in entries)
        mean = sum(e["score"] for e in entries) / len(entries)
        failures = Counter(headline(e["message"]) if e["message"] else e["status"] for e in entries if e["status"] != "pass")
        common = f"{failures.most_common(1)[0][0]} ({failures.most_common(1)[0][1]}×)" if failures else ""
        lines.append(f"| {assignment} | {name} | {passed} / {len(entries)} | {partial} | {mean:.2g} / {entries[0]['points']:g} "
                     f"| {common.replace('|', '/')} |")
    flagged = [(j, f) for j in jobs for f in recs.get((j.assignment, j.student), {}).get("integrity_flags", [])]
    lines += ["", "## Integrity flags", "",
              "Code that hides from, disables or rewrites the grader scores its exercise 0 (`*`: a cell outside the "
              "exercises, so every exercise). These are leads to review: to override, open the submission in formgrader "
              "(`make lab-instructor`) and give the exercise's test cell a manual score.", ""]
    lines += [f"- {who(j.student, handed, j.assignment)} / {j.assignment} / {f['exercise']}: "
              f"`{f['line'].replace('`', chr(39))}`" for j, f in flagged] or ["None."]
    waiting = {k: w for k, w in written.items() if w["to_grade"]}
    lines += ["", "## Written answers", ""]
    if written:
        lines += [f"{sum(w['to_grade'] for w in waiting.values())} written answers in {len(waiting)} submissions wait for a "
                  "grader; the scores above count them as 0 until then. Grade them in formgrader (`make lab-instructor`, "
                  "*Manual Grading*; docs/manual-grading.md). An answer left blank scores 0 without a grader.", ""]
        lines += [f"- {who(s, handed, a)} / {a}: {w['to_grade']} of {w['cells']}" for (a, s), w in sorted(waiting.items())]
    else:
        lines += ["None in these assignments."]
    not_graded = [j for j in jobs if not j.graded]
    lines += ["", "## Not graded", ""]
    if not_graded:
        lines += ["A submission that cannot be graded stays in `submitted/` and is tried on every run. Hand in a new "
                  "one (`make autograde SUBMISSIONS=<folder>` files it over the old one), or take it out: "
                  "`" + WITHDRAW.format(student="<student>", assignment="<assignment>") + "` moves it to "
                  "`withdrawn/` (nothing is deleted).", ""]
    lines += [f"- {who(j.student, handed, j.assignment)} / {j.assignment}{' *' if (j.assignment, j.student) in now else ''}: "
              f"{j.reason}" for j in not_graded] or ["None."]
    lines += ["", "## Students", "", "Each student's id, the file they handed in (ids are the file names; "
              "docs/grades-and-feedback.md, \"Who is who\") and their score per assignment (`—`: not graded; "
              "*: graded or tried in this run).", ""]
    lines += students_table(jobs, now, handed, exported_rows(course))
    if problems:
        lines += ["", "## Problems with hand-ins", ""] + [f"- {p}" for p in problems]
    lines += ["", "![share of students passing each exercise](class_report.png)", ""]
    (out / "class_report.md").write_text("\n".join(lines))
    plot(results, out / "class_report.png")


def students_table(jobs, now: set, handed: dict, rows: dict) -> list[str]:
    """A markdown table: one row per student, their hand-in's name and a cell per assignment."""
    names = sorted({j.assignment for j in jobs})
    by = {(j.student, j.assignment): j for j in jobs}
    lines = ["| student | handed in as | " + " | ".join(names) + " |", "| --- | --- |" + " --- |" * len(names)]
    for student in sorted({j.student for j in jobs}):
        cells = []
        for a in names:
            j = by.get((student, a))
            r = rows.get((student, a), {})
            cell = "" if j is None else (f"{float(r['score']):g}/{float(r['max_score']):g}" if j.graded and r.get("score")
                                         else "graded" if j.graded else "—")
            cells.append(cell + (" *" if (a, student) in now else ""))
        files = sorted({f for (s, _), f in handed.items() if s == student})
        lines.append(f"| {student} | {', '.join(files).replace('|', '/')} | " + " | ".join(cells) + " |")
    return lines


def plot(results, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{a[:2]} {n}" for a, n in results]
    shares = [sum(e["status"] == "pass" for e in v) / max(len(v), 1) for v in results.values()]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1.2))
    ax.barh(labels[::-1], shares[::-1], color="tab:green")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of graded submissions passing")
    ax.set_title("Exercises")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
