"""``make regrade``: grade every graded submission again and say, per student and exercise, what changed and why.

When hidden cases, check groups or an exercise's points change after grading (or the grader is
fixed), :func:`regrade`

1. takes a snapshot of the current grades: per submission the gradebook's cells (automatic and
   manual score, extra credit, "needs manual grade"), the manual comments, the late penalty, the
   trusted result record (points per check group, first failure) and the graded notebook's cells;
2. grades the same submissions again with :func:`grader.pipeline.autograde` (same options);
3. keeps manual grading. nbgrader keeps ``manual_score``, ``extra_credit`` and manual comments when it
   autogrades again, but marks every cell that has a manual score, and every written answer, "needs
   manual grade" again (``SaveAutoGrades._add_score``), which would put every graded answer back in
   formgrader's queue. Where the work a manual grade judged is unchanged, the mark is put back as it
   was; where it changed (the automatic score under an override, the text of an answer, the student's
   code), it stays, and the report says why. Anything nbgrader did lose is written back;
4. compares old and new grades per student and exercise, and explains each change from the result
   records: which check group changed points, the new first failure, points of the exercise changed,
   exercise added or removed, not graded before or now, the late penalty;
5. prints the changed rows and writes ``reports/regrade.md``.

A score here is the gradebook's: the manual score where there is one, else the automatic one, plus
extra credit; ``2/3`` is 2 of 3 points.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import intake, late, pipeline, report
from .course import Course, CourseError
from .jobs import Result
from .manual import EPS, Graded, Kept, durable_snapshot, fmt_points, keep_one, same_points, snapshot


@dataclass
class Row:
    """One exercise (or written answer, or the late penalty) of one submission whose grade changed."""
    student: str
    assignment: str
    item: str
    old: float | None
    old_max: float | None
    new: float | None
    new_max: float | None
    why: str

    @property
    def direction(self) -> str:
        if self.old is not None and self.new is not None and abs(self.new - self.old) > EPS:
            return "up" if self.new > self.old else "down"
        return "other"


@dataclass
class Regrade:
    assignments: list[str]
    rows: list[Row]  # changed only
    unchanged: int  # exercises (and written answers) whose grade did not change
    kept: list[Kept]
    results: list[Result]
    skipped: list[str]  # "student/assignment" graded before but no longer under submitted/
    warnings: list[str] = field(default_factory=list)


def _entry(rec: dict | None, exercise: str) -> dict | None:
    return next((e for e in (rec or {}).get("exercises", []) if e["exercise"] == exercise), None)


def _exercise_value(g: Graded, exercise: str) -> tuple[float | None, float | None]:
    """(score, max) of an exercise in ``g``: (None, None) when the submission was not graded or has no such exercise."""
    entry, cell = _entry(g.record, exercise), g.cells.get(f"test_{exercise}")
    if g.record is None or (entry is None and cell is None):
        return None, None
    score = cell.score if cell is not None and cell.score is not None else entry["score"]
    return score, cell.max if cell is not None else entry["points"]


def _groups_changed(old: dict, new: dict) -> list[str]:
    out = []
    for key in [*new["groups"], *(k for k in old["groups"] if k not in new["groups"])]:
        a, b = old["groups"].get(key), new["groups"].get(key)
        title = (b or a)["title"]
        if a is None:
            out.append(f"{title} added ({b['earned']:g}/{b['points']:g})")
        elif b is None:
            out.append(f"{title} removed (was {a['earned']:g}/{a['points']:g})")
        elif not (same_points(a["earned"], b["earned"]) and same_points(a["points"], b["points"])):
            out.append(f"{title} {a['earned']:g}/{a['points']:g} → {b['earned']:g}/{b['points']:g}")
    return out


def _why_exercise(exercise: str, before: Graded, after: Graded, reason: str) -> str:
    old, new = _entry(before.record, exercise), _entry(after.record, exercise)
    cell_old, cell_new = before.cells.get(f"test_{exercise}"), after.cells.get(f"test_{exercise}")
    parts = []
    if after.record is None:
        parts.append(f"not graded now: {reason or after.status or 'no result'}")
    elif before.record is None:
        was = before.status.removeprefix("not graded: ") if before.status.startswith("not graded") else ""
        parts.append(f"was not graded ({was}), now graded" if was else "not graded before, now graded")
    elif old is None:
        parts.append("new exercise")
    elif new is None:
        parts.append("exercise removed")
    else:
        if not same_points(old["points"], new["points"]):
            parts.append(f"points of the exercise {old['points']:g} → {new['points']:g}")
        parts += _groups_changed(old, new)
        if old["status"] != new["status"]:
            parts.append(f"{old['status']} → {new['status']}")
    if new is not None and after.record is not None:
        if new["status"] != "pass" and new.get("message"):
            line = report.headline(new["message"])
            if old is None or line != report.headline(old.get("message") or ""):
                parts.append(f"now fails: {line}")
        elif new["status"] == "pass" and old is not None and old["status"] != "pass":
            parts.append("now passes")
    if cell_new is not None and cell_new.manual is not None:
        auto = "" if cell_old is None or same_points(cell_old.auto, cell_new.auto) else \
            f" (automatic {fmt_points(cell_old.auto)} → {fmt_points(cell_new.auto)})"
        parts.append(f"manual score {cell_new.manual:g} kept{auto}")
    return "; ".join(parts) or "the gradebook's score changed"


def _compare_exercise(result: Result, exercise: str, before: Graded, after: Graded) -> Row | None:
    old, old_max = _exercise_value(before, exercise)
    new, new_max = _exercise_value(after, exercise)
    cb, ca = before.cells.get(f"test_{exercise}"), after.cells.get(f"test_{exercise}")
    auto_moved = cb is not None and ca is not None and not same_points(cb.auto, ca.auto)
    if (same_points(old, new) and same_points(old_max, new_max) and not auto_moved
            and (before.record is None) == (after.record is None)):
        return None
    return Row(result.student, result.assignment, exercise, old, old_max, new, new_max,
               _why_exercise(exercise, before, after, result.reason))


def _compare_cell(result: Result, name: str, before: Graded, after: Graded) -> Row | None:
    """A written answer (or any grade cell that is not an exercise's test cell)."""
    cb, ca = before.cells.get(name), after.cells.get(name)
    old, old_max = (cb.score, cb.max) if cb else (None, None)
    new, new_max = (ca.score, ca.max) if ca else (None, None)
    if same_points(old, new) and same_points(old_max, new_max):
        return None
    parts = ["new cell" if cb is None else "cell removed" if ca is None else ""]
    if cb and ca and not same_points(cb.max, ca.max):
        parts.append(f"points {cb.max:g} → {ca.max:g}")
    if cb and ca and not same_points(cb.manual, ca.manual):
        parts.append(f"manual score {fmt_points(cb.manual)} → {fmt_points(ca.manual)}")
    if cb and ca and not same_points(cb.auto, ca.auto):
        parts.append(f"automatic score {fmt_points(cb.auto)} → {fmt_points(ca.auto)}")
    return Row(result.student, result.assignment, name, old, old_max, new, new_max, "; ".join(p for p in parts if p))


def _compare_penalty(result: Result, before: Graded, after: Graded) -> Row | None:
    if same_points(before.penalty, after.penalty):
        return None
    late_now = f"submitted {late.describe(after.seconds_late)} after the due date" if after.seconds_late > 0 else "not late"
    if not same_points(before.seconds_late, after.seconds_late):
        late_now += f" (was {late.describe(before.seconds_late) if before.seconds_late > 0 else 'not late'})"
    return Row(result.student, result.assignment, "late penalty", -before.penalty or 0.0, None, -after.penalty or 0.0, None,
               f"{late_now}; the penalty follows the policy in grader/nbgrader_config.py and the new score")


def diff(before: dict, after: dict, results: list[Result]) -> tuple[list[Row], int]:
    """The changed rows (in results' order, then notebook order) and how many items did not change."""
    rows: list[Row] = []
    unchanged = 0
    for r in results:
        b, a = before.get((r.assignment, r.student), Graded()), after.get((r.assignment, r.student), Graded())
        exercises = [e["exercise"] for rec in (a.record, b.record) for e in (rec or {}).get("exercises", [])]
        exercises = list(dict.fromkeys(exercises))
        taken = {f"test_{e}" for e in exercises}
        cells = [n for n in dict.fromkeys([*a.cells, *b.cells]) if n not in taken]
        compared = [_compare_exercise(r, e, b, a) for e in exercises] + [_compare_cell(r, n, b, a) for n in cells]
        unchanged += sum(row is None for row in compared)
        rows += [row for row in compared if row is not None]
        penalty = _compare_penalty(r, b, a)
        if penalty:
            rows.append(penalty)
    return rows, unchanged


def point_mismatches(after: dict[tuple[str, str], Graded]) -> list[str]:
    """One line per exercise whose spec and notebook test cell disagree on its points."""
    found = {}
    for (assignment, _), g in sorted(after.items()):
        for e in (g.record or {}).get("exercises", []):
            cell = g.cells.get(f"test_{e['exercise']}")
            if cell is not None and not same_points(cell.max, e["points"]):
                found[(assignment, e["exercise"])] = (e["points"], cell.max)
    return [f"{a}/{name}: the spec (grader/exercises) gives {spec:g} points, the notebook's test cell {cell:g} (nbgrader "
            f"gives a passing cell all {cell:g}): make them agree, the cell's points in solutions/ then `make release`, "
            f"and regrade" for (a, name), (spec, cell) in found.items()]


# -- output ---------------------------------------------------------------------------------------------


def fmt_score(score: float | None, points: float | None) -> str:
    if score is None:
        return "—"
    return f"{score:g}" if points is None else f"{score:g}/{points:g}"


def summary(rg: Regrade) -> str:
    graded = sum(r.graded for r in rg.results)
    up = sum(r.direction == "up" for r in rg.rows)
    down = sum(r.direction == "down" for r in rg.rows)
    review = sum(bool(k.review) for k in rg.kept)
    lost = sum(bool(k.dropped) for k in rg.kept)
    return (f"{len(rg.results)} submissions graded again ({graded} graded, {len(rg.results) - graded} not graded): "
            f"{len(rg.rows)} grades changed ({up} up, {down} down, {len(rg.rows) - up - down} other), "
            f"{rg.unchanged} unchanged; {len(rg.kept) - lost} manual grades kept"
            + (f", {review} of them to review in formgrader" if review else "")
            + (f", {lost} LOST" if lost else ""))


def table(rows: list[Row]) -> str:
    """The changed rows as a plain-text table, the reason last and unpadded."""
    head = ("student", "assignment", "exercise", "old", "new")
    body = [(r.student, r.assignment, r.item, fmt_score(r.old, r.old_max), fmt_score(r.new, r.new_max)) for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)) + "  " + why
             for line, why in [(head, "why"), *zip(body, (r.why for r in rows), strict=True)]]
    return "\n".join(lines)


def _md(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def write_report(course: Course, rg: Regrade) -> Path:
    """``reports/regrade.md``: the counts, a table of changed grades per assignment, the manual grades kept."""
    lines = ["# Regrade", "", f"{time.strftime('%Y-%m-%d %H:%M %Z')}; assignments: {', '.join(rg.assignments)}.", "",
             summary(rg) + ".", "",
             "A score is the gradebook's: a manual score where there is one, else the automatic one, plus extra "
             "credit; `2/3` is 2 of 3 points, `—` not graded. Only grades that changed are listed."]
    handed = intake.handed_in(course.root)  # each student shown with the file they handed in
    for name in rg.assignments:
        rows = [r for r in rg.rows if r.assignment == name]
        lines += ["", f"## {name}", ""]
        if not rows:
            lines.append("No grade changed.")
            continue
        lines += ["| student | exercise | old | new | why |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {_md(report.who(r.student, handed, name))} | {_md(r.item)} "
                  f"| {fmt_score(r.old, r.old_max)} | {fmt_score(r.new, r.new_max)} "
                  f"| {_md(r.why)} |" for r in rows]
    lines += ["", "## Manual grades kept", "",
              "Scores, extra credit and comments given in formgrader. nbgrader keeps them when it grades again but marks "
              "each one 'needs manual grade' again; the regrade clears that mark where the work it judged did not "
              "change, and leaves it (\"review it\") where it did.", ""]
    if rg.kept:
        lines += ["| student | assignment | cell | manual score | extra credit | comment | state |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        lines += [f"| {_md(report.who(k.student, handed, k.assignment))} | {k.assignment} | {_md(k.cell)} "
                  f"| {fmt_points(k.manual) if k.manual is not None else ''} "
                  f"| {fmt_points(k.extra) if k.extra is not None else ''} | {_md(k.comment[:80])} | {_md(k.state)} |"
                  for k in rg.kept]
    else:
        lines.append("None.")
    if rg.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in rg.warnings]
    not_graded = [r for r in rg.results if not r.graded]
    lines += ["", "## Not graded", ""]
    lines += [f"- {r.student} / {r.assignment}: {r.reason}" for r in not_graded] or ["None."]
    if rg.skipped:
        lines += ["", "## Not graded again", "", "Graded before, but no notebook under `submitted/` now; their grades "
                  "are as they were.", ""] + [f"- {s}" for s in rg.skipped]
    path = course.reports / "regrade.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- the command ----------------------------------------------------------------------------------------


def regrade(course: Course, names: list[str] = (), out=print, **options) -> Regrade:
    """Grade again every submission of ``names`` (all assignments when empty) that was graded before;
    ``options`` are :func:`grader.pipeline.autograde`'s (runner, sandboxed, time_limit, cell_timeout). Prints the
    changed grades, writes ``reports/regrade.md`` and returns the comparison."""
    with pipeline.course_lock(course, out):  # the snapshot, the grading and the comparison: no other run in between
        return _regrade(course, names, out, **options)


def _regrade(course: Course, names: list[str], out, **options) -> Regrade:
    names = course.pick(names)
    before = durable_snapshot(course, names)
    if not before:
        raise CourseError(f"nothing to regrade: no submission of {', '.join(names)} has been graded yet "
                          f"(run `make autograde` first)")
    names = sorted({a for a, _ in before})
    present = {k for k in before if any((course.submitted / k[1] / k[0]).glob("*.ipynb"))}
    skipped = sorted(f"{s}/{a}" for a, s in set(before) - present)
    if not present:
        raise CourseError(f"nothing to regrade: none of the {len(before)} submissions graded before has a notebook "
                          f"under {course.submitted} now")
    kept: list[Kept] = []
    try:
        results = pipeline.autograde(course, names, out=out, students=sorted({s for _, s in present}),
                                     after_result=lambda r: kept.extend(keep_one(course, before, r)), **options)
    except CourseError as e:
        if "Cannot add or remove cells" in str(e) or "Cannot modify existing assignment" in str(e):
            raise CourseError(
                f"{e}\n\nnbgrader keeps the graded cells (exercises, written answers) and notebooks of an assignment "
                f"fixed once it has submissions in the gradebook. Change hidden tests, check groups and points freely, "
                f"but to add or remove a graded cell the assignment must start again in the gradebook "
                f"(`nbgrader db assignment remove NAME --force --NbGrader.config_file=grader/nbgrader_config`), which "
                f"deletes its grades, manual ones included: reports/regrade.md of the last regrade lists them") from None
        raise
    after = snapshot(course, names)
    rows, unchanged = diff(before, after, results)
    rg = Regrade(names, rows, unchanged, kept, results, skipped, point_mismatches(after))
    path = write_report(course, rg)
    out("")
    out("regrade: " + summary(rg))
    if rows:
        out(table(rows))
    for k in rg.kept:
        if k.review or k.dropped or k.restored:
            out(f"manual grade {k.student}/{k.assignment}/{k.cell}: {k.state}")
    for w in rg.warnings:
        out(f"WARNING: {w}")
    for s in skipped:
        out(f"{s}: graded before, but no notebook under submitted/ now: left as it was")
    out(f"regrade report: {path}")
    return rg
