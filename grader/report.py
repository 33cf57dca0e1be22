"""The class report after autograding: grades with a status, per-exercise results, what was not graded.

Writes under ``reports/``: ``grades.csv`` (nbgrader's export plus a ``status`` column, with
no score for a submission that could not be graded), ``class_report.md`` and
``class_report.png`` (share of students passing each exercise).
"""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import nbformat

from .runtime.progress import status_of, test_cells


def headline(message: str) -> str:
    """The line of a failure message that says what went wrong (the checker's 'problem' line)."""
    lines = [l.strip() for l in message.splitlines() if l.strip()]
    if len(lines) >= 3 and " failed " in lines[0] and " case " in lines[0]:
        return f"{lines[0].split(' failed ')[0]}: {lines[2]}"[:160]
    return (lines[0] if lines else message)[:160]


def exercise_results(root: Path, jobs) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(assignment, exercise) -> [(status, message)] over the graded submissions."""
    results: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for job in jobs:
        if not job.graded:
            continue
        for path in sorted((root / "autograded" / job.student / job.assignment).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for _, cell in test_cells(nb):
                name = cell.metadata["nbgrader"]["grade_id"].removeprefix("test_")
                results.setdefault((job.assignment, name), []).append(status_of(cell))
    return results


def write_grades(root: Path, jobs) -> None:
    exported = root / "reports" / "nbgrader_grades.csv"
    rows = {}
    if exported.exists():
        with open(exported, newline="") as f:
            rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    with open(root / "reports" / "grades.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "student_id", "status", "score", "max_score"])
        for j in jobs:
            r = rows.get((j.student, j.assignment), {})
            if j.graded:
                w.writerow([j.assignment, j.student, "graded", r.get("score", ""), r.get("max_score", "")])
            else:
                w.writerow([j.assignment, j.student, f"not graded: {j.reason}", "", r.get("max_score", "")])


def write(root: Path, jobs, problems: list[str]) -> None:
    out = root / "reports"
    out.mkdir(exist_ok=True)
    write_grades(root, jobs)
    results = exercise_results(root, jobs)
    lines = ["# Class report", "", f"{sum(j.graded for j in jobs)} of {len(jobs)} submissions graded.", "",
             "## Exercises", "", "| assignment | exercise | passed | most common failure |", "| --- | --- | --- | --- |"]
    for (assignment, name), statuses in results.items():
        passed = sum(s == "pass" for s, _ in statuses)
        failures = Counter(headline(m) if s == "fail" else s for s, m in statuses if s != "pass")
        common = f"{failures.most_common(1)[0][0]} ({failures.most_common(1)[0][1]}×)" if failures else ""
        lines.append(f"| {assignment} | {name} | {passed} / {len(statuses)} | {common.replace('|', '/')} |")
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
    shares = [sum(s == "pass" for s, _ in v) / max(len(v), 1) for v in results.values()]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1.2))
    ax.barh(labels[::-1], shares[::-1], color="tab:green")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of graded submissions passing")
    ax.set_title("Exercises")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
