"""``make regrade``: a class graded, graded by hand, then graded again after the spec changed.

Fast tests: what nbgrader itself does to manual grades and late penalties when a notebook is
autograded again (its preprocessors driven on a small gradebook), the late policy's arithmetic,
and the comparison on hand-made records. The slow test grades two students of ``01_sampling``
three times through the real pipeline (sandboxed kernels, nbgrader, the gradebook), in this
process, so that the test's changes to the exercise specs reach the grader.
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest

from course import PRELUDE, ROOT, graded, hand_in, notebook, scratch_course
from grader import cluster, jobs, late, manual, pipeline, regrade, report
from grader.course import Course
from grader.exercises import assignments
from grader.runtime import engine
from grader.runtime.cases import rand
from students import students

A = "01_sampling"
DUE = datetime(2025, 3, 1, 17, 0)
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # nbgrader's add_submission


# -- what nbgrader does, on a small gradebook ------------------------------------------------------------


@pytest.fixture(scope="module")
def gradebook_file(tmp_path_factory) -> Path:
    """A gradebook with one assignment due at DUE: a 10-point test cell and a 1-point written answer,
    student ``s`` who handed in 30 hours late; the answer scored 1 and the test cell overridden to 7 by hand."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    saved = os.environ["PATH"]
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + saved  # nbgrader runs alembic to create it
    try:
        gb = Gradebook(f"sqlite:///{path}")
    finally:
        os.environ["PATH"] = saved
    with gb:
        gb.add_assignment("hw", duedate=DUE)
        gb.add_notebook("hw", "hw")
        gb.add_grade_cell("test_f", "hw", "hw", max_score=10, cell_type="code")
        gb.add_grade_cell("answer_why", "hw", "hw", max_score=1, cell_type="markdown")
        gb.add_solution_cell("answer_why", "hw", "hw")
        gb.add_student("s")
        gb.add_submission("hw", "s", timestamp=DUE + timedelta(hours=30))
        for name, score in (("test_f", 7.0), ("answer_why", 1.0)):
            grade = gb.find_grade(name, "hw", "hw", "s")
            grade.manual_score, grade.needs_manual_grade = score, False  # what formgrader stores
        gb.find_comment("answer_why", "hw", "hw", "s").manual_comment = "Well argued."
        gb.db.commit()
    return path


@pytest.fixture
def gradebook(gradebook_file, tmp_path) -> str:
    """A fresh copy of the gradebook above (creating one runs alembic: seconds); its URL."""
    shutil.copy(gradebook_file, tmp_path / "gradebook.db")
    return f"sqlite:///{tmp_path / 'gradebook.db'}"


def autograded_notebook():
    """The submission as autograded: the test cell passed (full points), the answer written by the student."""
    meta = dict(schema_version=3, locked=False, task=False)
    test = nbformat.v4.new_code_cell("check('f', f)", id="test-f", metadata={"nbgrader": dict(
        meta, grade=True, solution=False, grade_id="test_f", points=10)})
    answer = nbformat.v4.new_markdown_cell("Because the window keeps its maximum.", id="answer-why", metadata={
        "nbgrader": dict(meta, grade=True, solution=True, grade_id="answer_why", points=1)})
    return nbformat.v4.new_notebook(cells=[test, answer])


def resources(url):
    return {"nbgrader": {"notebook": "hw", "assignment": "hw", "student": "s", "db_url": url}}


def test_nbgrader_keeps_manual_scores_on_reautograde_but_asks_for_them_again(gradebook):
    """Why ``make regrade`` clears the mark: nbgrader's SaveAutoGrades keeps every manual score and comment,
    but sets needs_manual_grade on each cell that has one (and on every written answer)."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveAutoGrades

    SaveAutoGrades().preprocess(autograded_notebook(), resources(gradebook))
    with Gradebook(gradebook) as gb:
        override, answer = (gb.find_grade(n, "hw", "hw", "s") for n in ("test_f", "answer_why"))
        assert (override.auto_score, override.manual_score, override.score) == (10, 7, 7), "the override still counts"
        assert (answer.auto_score, answer.manual_score) == (None, 1)
        assert gb.find_comment("answer_why", "hw", "hw", "s").manual_comment == "Well argued."
        assert override.needs_manual_grade and answer.needs_manual_grade, \
            "nbgrader no longer re-flags manual grades: keep_manual's clearing may be unneeded"


@pytest.mark.parametrize("hours_late, fraction", [(0, 0), (0.001, 0.1), (24, 0.1), (24.001, 0.2), (72, 0.3),
                                                  (96.001, 0.5), (24 * 30, 0.5)])
def test_policy_takes_ten_percent_per_started_day_at_most_half(hours_late, fraction):
    assert late.penalty(8.0, hours_late * 3600) == pytest.approx(8.0 * fraction)


def test_policy_grace_and_knobs():
    assert late.penalty(10, 600, grace=900) == 0, "inside the grace period"
    assert late.penalty(10, 901, grace=900) == 1
    assert late.penalty(10, 3 * late.DAY, per_day=0.25, cap=1.0) == 7.5
    assert late.penalty(0, 5 * late.DAY) == 0
    assert late.describe(93784) == "1 d 2 h 3 min"


def test_a_late_submission_gets_the_penalty_through_nbgraders_assign_late_penalties(gradebook):
    """The plugin as the course config enables it: nbgrader's step computes it on the notebook's score
    (the manual override of 7 plus the answer's 1) and the CSV export subtracts it."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties
    from traitlets.config import Config

    config = Config({"AssignLatePenalties": {"plugin_class": "grader.late.PerDayPenalty"}})
    AssignLatePenalties(config=config).preprocess(autograded_notebook(), resources(gradebook))
    with Gradebook(gradebook) as gb:
        sub = gb.find_submission("hw", "s")
        assert sub.total_seconds_late == 30 * 3600
        assert sub.score == 8 and sub.late_submission_penalty == pytest.approx(1.6), "30 h late: 2 started days, 20% of 8"
        gb.find_submission("hw", "s").timestamp = DUE - timedelta(minutes=1)
        gb.db.commit()
    AssignLatePenalties(config=config).preprocess(autograded_notebook(), resources(gradebook))
    with Gradebook(gradebook) as gb:
        assert gb.find_submission("hw", "s").late_submission_penalty == 0, "on time: no penalty"


def test_the_example_policy_is_documented_but_off_by_default():
    config = (ROOT / "grader" / "nbgrader_config.py").read_text()
    assert '# c.AssignLatePenalties.plugin_class = "grader.late.PerDayPenalty"' in config
    assert jobs.base_config().AssignLatePenalties.get("plugin_class") is None


# -- the comparison, on hand-made records ------------------------------------------------------------------


def record(score_values: float, message: str = "") -> dict:
    groups = {"examples": dict(title="worked examples", points=1, earned=1),
              "values": dict(title="values", points=1, earned=score_values)}
    status = "pass" if score_values else "partial"
    return {"exercises": [dict(exercise="f", points=2, score=1 + score_values, status=status, message=message,
                               groups=groups)]}


def test_diff_names_the_group_and_the_new_first_failure():
    failure = "f failed hidden case 3 of 9: f(x=rand(2, 3, 5, 7), factor=2)\n\nvalues differ at (0, 0, 2, 0)\n..."
    cell = manual.Cell("hw", 2.0, None, None, False, 2.0, "code")
    before = {("hw", "s"): manual.Graded(cells={"test_f": cell}, record=record(1), status="graded"),
              ("hw", "t"): manual.Graded(cells={"test_f": cell}, record=record(1), status="graded")}
    after = {("hw", "s"): manual.Graded(cells={"test_f": dataclasses.replace(cell, auto=1.0)}, record=record(0, failure)),
             ("hw", "t"): before[("hw", "t")]}
    results = [jobs.Result("hw", "s", graded=True), jobs.Result("hw", "t", graded=True)]
    rows, unchanged = regrade.diff(before, after, results)
    assert unchanged == 1
    (row,) = rows
    assert (row.student, row.item, row.old, row.new, row.direction) == ("s", "f", 2.0, 1.0, "down")
    assert row.why == f"values 1/1 → 0/1; pass → partial; now fails: {report.headline(failure)}"


def test_diff_says_when_a_submission_was_not_graded_before_or_is_not_graded_now():
    cell = manual.Cell("hw", 2.0, None, None, False, 2.0, "code")
    before = {("hw", "s"): manual.Graded(status="not graded: timed out: the notebook ran longer than 900 s in all"),
              ("hw", "t"): manual.Graded(cells={"test_f": cell}, record=record(1))}
    after = {("hw", "s"): manual.Graded(cells={"test_f": cell}, record=record(1)),
             ("hw", "t"): manual.Graded(cells={"test_f": cell})}
    results = [jobs.Result("hw", "s", graded=True), jobs.Result("hw", "t", reason="kernel died")]
    s, t = regrade.diff(before, after, results)[0]
    assert (s.old, s.new) == (None, 2.0) and s.why.startswith("was not graded (timed out: the notebook ran longer")
    assert (t.old, t.new) == (2.0, None) and t.why == "not graded now: kernel died"


# -- the whole thing, through nbgrader ------------------------------------------------------------------------




def written_answers(root: Path) -> list[str]:
    """grade_ids of the scratch course's written answers (manually graded markdown cells) of 01_sampling."""
    ids = [c.metadata.nbgrader.grade_id for c in notebook(A, "solutions", root).cells
           if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
    assert ids, f"{A} has no written answer to grade by hand"
    return ids


def hand_in_answers(root: Path, student: str, answers: dict[str, str], written: list[str]) -> None:
    """The scratch course's release with ``answers`` in the exercise cells and a sentence in each written answer."""
    nb = notebook(A, "notebooks", root)
    for name, source in answers.items():
        graded(nb, name).source = source.strip("\n")
    for grade_id in written:
        graded(nb, grade_id).source = f"{student}: a window keeps its largest value, so a small shift changes nothing."
    hand_in(root, student, A, nb)


def divisible_only(ex):
    """downsample as if its cases had only sizes that divide by the factor: a 'floor size' mistake passes them all."""
    return dataclasses.replace(ex, examples=ex.examples[:1], visible=[dict(x=rand(2, 3, 4, 6), factor=2)],
                               hidden=[dict(x=rand(2, 3, 6, 12), factor=f) for f in (1, 2, 3)])


def doubled(ex):
    return dataclasses.replace(ex, points=ex.points * 2, groups={k: v * 2 for k, v in ex.groups.items()})


def set_points(root: Path, grade_id: str, points: float) -> None:
    path = root / "solutions" / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    graded(nb, grade_id).metadata.nbgrader.points = points
    nbformat.write(nb, path)


def gradebook_state(root: Path) -> dict:
    """(student, cell) -> (manual score, needs manual grade) of every cell graded by hand; (student, cell,
    "comment") -> the manual comment."""
    from nbgrader.api import Gradebook

    state = {}
    with Gradebook(Course(root).db_url) as gb:
        for sub in gb.find_assignment(A).submissions:
            for nb in sub.notebooks:
                state.update({(sub.student.id, g.name): (g.manual_score, g.needs_manual_grade)
                              for g in nb.grades if g.manual_score is not None})
                state.update({(sub.student.id, c.name, "comment"): c.manual_comment
                              for c in nb.comments if c.manual_comment})
    return state


@pytest.mark.slow
def test_regrade_reports_changes_with_reasons_and_keeps_manual_grades(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    from grader.trusted import sandbox
    if sandbox.probe():
        pytest.fail(f"the grading sandbox cannot start here: {sandbox.probe()} (run `make sandbox`)")
    specs = assignments()[A]
    real_downsample = specs["downsample"]
    monkeypatch.setitem(specs, "downsample", divisible_only(real_downsample))
    root = scratch_course(tmp_path / "course")
    written = written_answers(root)
    s = students(A)
    mistake = s.WRONG["downsample"]["drops the partial block (floor size)"]
    hand_in_answers(root, "alice", s.LOOP, written)
    hand_in_answers(root, "bob", {**s.LOOP, "downsample": mistake}, written)
    # graded in this process, where the spec changes below live
    options = dict(runner=cluster.InProcess(), time_limit=240, cell_timeout=30)
    first = pipeline.autograde(Course(root), [A], out=lambda *_: None, **options)
    assert all(r.graded for r in first), [r.reason for r in first]
    scores = {r["student_id"]: float(r["score"]) for r in Course(root).grades()}
    assert scores["bob"] == scores["alice"], "with sizes that divide, bob's mistake costs nothing"

    # The instructor grades by hand in formgrader: alice's written answers, an override on alice's
    # upsample_nearest and on bob's pool2d, a comment on alice's first answer.
    manual = {("alice", "test_upsample_nearest"): 1.5, ("bob", "test_pool2d"): 2.5,
              **{("alice", w): 1.0 for w in written}}
    with Gradebook(Course(root).db_url) as gb:
        for (student, cell), score in manual.items():
            grade = gb.find_grade(cell, A, A, student)
            grade.manual_score, grade.needs_manual_grade = score, False
        gb.find_comment(written[0], A, A, "alice").manual_comment = "Clear and right."
        gb.db.commit()

    # The spec changes: downsample gets its real cases (sizes that do not divide), upsample_nearest doubles its points.
    monkeypatch.setitem(specs, "downsample", real_downsample)
    monkeypatch.setitem(specs, "upsample_nearest", doubled(specs["upsample_nearest"]))
    set_points(root, "test_upsample_nearest", 4)
    # And late penalties start: the example policy on, a due date, bob's hand-in stamped 30 hours after it.
    monkeypatch.setitem(jobs.base_config().AssignLatePenalties, "plugin_class", "grader.late.PerDayPenalty")
    with Gradebook(Course(root).db_url) as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    (root / "submitted" / "bob" / A / "timestamp.txt").write_text(f"{DUE + timedelta(hours=30)} UTC\n")
    printed: list[str] = []
    rg = regrade.regrade(Course(root), [A], out=printed.append, **options)

    assert all(r.graded for r in rg.results) and sorted(r.student for r in rg.results) == ["alice", "bob"]
    namespace = {}
    exec(PRELUDE + mistake, namespace)
    now = engine.run(real_downsample, engine.local_transport(namespace.__getitem__))
    assert now.score < 2
    lost = [f"{g.title} {g.points:g}/{g.points:g} → {g.earned:g}/{g.points:g}" for g in now.groups.values() if not g.earned]
    rows = {(r.student, r.item): r for r in rg.rows}
    assert set(rows) == {("bob", "downsample"), ("alice", "upsample_nearest"), ("bob", "upsample_nearest"),
                         ("bob", "late penalty")}, rg.rows
    bob = rows[("bob", "downsample")]
    assert (bob.old, bob.old_max, bob.new, bob.new_max) == (2, 2, pytest.approx(now.score), 2)
    assert bob.why == "; ".join([*lost, f"pass → {now.status}", f"now fails: {report.headline(now.message)}"])
    override = rows[("alice", "upsample_nearest")]
    assert (override.old, override.old_max, override.new, override.new_max) == (1.5, 2, 1.5, 4)
    assert override.why.startswith("points of the exercise 2 → 4; worked examples 0.5/0.5 → 1/1; values 1/1 → 2/2")
    assert override.why.endswith("manual score 1.5 kept (automatic 2 → 4)")
    assert (rows[("bob", "upsample_nearest")].old, rows[("bob", "upsample_nearest")].new) == (2, 4)
    assert rg.unchanged == 2 * (4 + len(written)) - 3
    bob_raw = scores["bob"] - 2 + now.score - 0.5 + 2  # downsample lost, pool2d overridden to 2.5 of 3, upsample_nearest doubled
    penalty = rows[("bob", "late penalty")]
    assert (penalty.old, penalty.new) == (0, pytest.approx(-0.2 * bob_raw)), "30 h late: 2 started days, 20%"
    assert penalty.why.startswith("submitted 1 d 6 h after the due date (was not late)")

    state = gradebook_state(root)
    assert state[("alice", written[0], "comment")] == "Clear and right."
    assert {k: v[0] for k, v in state.items() if isinstance(v, tuple)} == manual, "every manual score kept as given"
    review = {k for k, v in state.items() if isinstance(v, tuple) and v[1]}
    assert review == {("alice", "test_upsample_nearest")}, "only the override whose automatic score moved asks for review"
    kept = {(k.student, k.cell): k for k in rg.kept}
    assert set(kept) == set(manual)
    assert kept[("alice", "test_upsample_nearest")].review == "the automatic score under it changed from 2 to 4"
    assert kept[("alice", written[0])].comment == "Clear and right." and not kept[("alice", written[0])].review

    text = "\n".join(printed)
    assert "regrade: 2 submissions graded again (2 graded, 0 not graded): 4 grades changed (1 up, 2 down, 1 other)" in text
    assert next(line for line in text.splitlines() if line.startswith("bob ") and " downsample " in line).split()[3:5] == \
        ["2/2", f"{now.score:g}/2"]
    md = (root / "reports" / "regrade.md").read_text()
    assert f"| bob | downsample | 2/2 | {now.score:g}/2 | {bob.why} |" in md
    assert f"| alice | {A} | test_upsample_nearest | 1.5 |  |  | kept; review it: the automatic score under it " \
           f"changed from 2 to 4 |" in md
    assert f"| bob | {A} | test_pool2d | 2.5 |  |  | kept |" in md
    grades = {r["student_id"]: r for r in Course(root).grades()}
    assert float(grades["bob"]["score"]) == pytest.approx(0.8 * bob_raw), "the exported score is less the penalty"
    assert grades["alice"]["written"] == f"{len(written)}/{len(written)}", "the written answers stay graded"

    # Nothing changed since: nothing to report, and the manual grades are as they were.
    again = regrade.regrade(Course(root), [A], out=lambda *_: None, **options)
    assert again.rows == [] and again.unchanged == 2 * (4 + len(written))
    assert gradebook_state(root) == state
    assert "No grade changed." in (root / "reports" / "regrade.md").read_text()


# -- what the command refuses ---------------------------------------------------------------------------------


def test_nothing_graded_yet_is_a_one_line_error(tmp_path, capsys):
    from grader import cli

    root = scratch_course(tmp_path / "course")
    assert cli.main(["--root", str(root), "regrade", A]) == 2
    assert capsys.readouterr().err == (f"error: nothing to regrade: no submission of {A} has been graded yet "
                                       f"(run `make autograde` first)\n")


@pytest.mark.slow
def test_a_graded_cell_added_after_grading_stops_the_regrade_with_what_to_do(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    root = scratch_course(tmp_path / "course")
    pipeline.register(Course(root), A)
    with Gradebook(Course(root).db_url) as gb:  # a graded submission, as far as the gradebook knows
        gb.add_student("alice")
        gb.add_submission(A, "alice")
    hand_in(root, "alice", A, notebook(A, "notebooks", root))
    path = root / "solutions" / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new question.", id="answer-new", metadata={"nbgrader": dict(
        grade=True, solution=True, grade_id="answer_new", points=1, locked=False, schema_version=3, task=False)}))
    nbformat.write(nb, path)
    with pytest.raises(pipeline.CourseError) as e:
        regrade.regrade(Course(root), [A], out=lambda *_: None, sandboxed=False)
    assert "Cannot add or remove cells" in str(e.value), "nbgrader's own message comes first"
    assert "to add or remove a graded cell the assignment must start again in the gradebook" in str(e.value)
