"""The class report after autograding: grades with a status, per-exercise results, what was not graded.

Writes under ``reports/``: ``grades.csv`` (nbgrader's export plus a ``status`` column, with
no score for a submission that could not be graded, the points of every exercise's check
groups, the written answers' state and the integrity flags), ``class_report.md`` and
``class_report.png`` (share of students passing each exercise). Per-exercise results come from the trusted result records
(:mod:`grader.trusted.results`), never from what a student's notebook shows.
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from .trusted import results as records


def headline(message: str) -> str:
    """The line of a failure message that says what went wrong (the checker's 'problem' line)."""
    lines = [l.strip() for l in message.splitlines() if l.strip()]
    if len(lines) >= 3 and " failed " in lines[0]:
        return f"{lines[0].split(' failed ')[0]}: {lines[2]}"[:160]
    return (lines[0] if lines else message)[:160]


def read_records(root: Path, jobs) -> dict:
    """(assignment, student) -> the result record of every graded job."""
    folder = records.results_dir(root)
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
    An answer left as the release's stub scores 0 without a grader (nbgrader's rule)."""
    from nbgrader.api import Gradebook, MissingEntry

    out = {}
    with Gradebook(db_url) as gb:
        for j in jobs:
            if not j.graded:
                continue
            try:
                sub = gb.find_submission(j.assignment, j.student)
            except MissingEntry:
                continue
            cells = [g for nb in sub.notebooks for g in nb.grades if g.cell_type == "markdown"]
            if cells:
                out[(j.assignment, j.student)] = dict(
                    cells=len(cells), to_grade=sum(g.needs_manual_grade for g in cells),
                    points=sum(g.max_score for g in cells), given=sum(g.score for g in cells if not g.needs_manual_grade))
    return out


def written_cell(w: dict | None) -> str:
    """``2 of 3 to grade by hand`` while a grader has answers left, then ``1.5/3`` (points given)."""
    if not w:
        return ""
    return f"{w['to_grade']} of {w['cells']} to grade by hand" if w["to_grade"] else f"{w['given']:g}/{w['points']:g}"


def write_grades(root: Path, jobs, recs: dict, written: dict) -> None:
    exported = root / "reports" / "nbgrader_grades.csv"
    rows = {}
    if exported.exists():
        with open(exported, newline="") as f:
            rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    with open(root / "reports" / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "student_id", "status", "score", "max_score", "groups", "written", "integrity_flags"])
        for j in jobs:
            r = rows.get((j.student, j.assignment), {})
            if j.graded:
                rec = recs.get((j.assignment, j.student))
                flags = " | ".join(f"{f['exercise']}: {f['line']}" for f in (rec or {}).get("integrity_flags", []))
                w.writerow([j.assignment, j.student, "graded", r.get("score", ""), r.get("max_score", ""),
                            groups_cell(rec), written_cell(written.get((j.assignment, j.student))), flags])
            else:
                w.writerow([j.assignment, j.student, f"not graded: {j.reason}", "", r.get("max_score", ""), "", "", ""])


def write(root: Path, jobs, problems: list[str], db_url: str) -> None:
    out = root / "reports"
    out.mkdir(exist_ok=True)
    recs = read_records(root, jobs)
    written = written_answers(db_url, jobs)
    write_grades(root, jobs, recs, written)
    results = exercise_results(jobs, recs)
    lines = ["# Class report", "", f"{sum(j.graded for j in jobs)} of {len(jobs)} submissions graded.", "",
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
    lines += [f"- {j.student} / {j.assignment} / {f['exercise']}: `{f['line'].replace('`', chr(39))}`" for j, f in flagged] or ["None."]
    waiting = {k: w for k, w in written.items() if w["to_grade"]}
    lines += ["", "## Written answers", ""]
    if written:
        lines += [f"{sum(w['to_grade'] for w in waiting.values())} written answers in {len(waiting)} submissions wait for a "
                  "grader; the scores above count them as 0 until then. Grade them in formgrader (`make lab-instructor`, "
                  "*Manual Grading*; docs/manual-grading.md). An answer left blank scores 0 without a grader.", ""]
        lines += [f"- {s} / {a}: {w['to_grade']} of {w['cells']}" for (a, s), w in sorted(waiting.items())]
    else:
        lines += ["None in these assignments."]
    not_graded = [j for j in jobs if not j.graded]
    lines += ["", "## Not graded", ""]
    lines += [f"- {j.student} / {j.assignment}: {j.reason}" for j in not_graded] or ["None."]
    if problems:
        lines += ["", "## Problems with hand-ins", ""] + [f"- {p}" for p in problems]
    lines += ["", "![share of students passing each exercise](class_report.png)", ""]
    (out / "class_report.md").write_text("\n".join(lines))
    plot(results, out / "class_report.png")


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
