"""`make autograde` end to end with real nbgrader: a class of known submissions, graded once.

For every assignment: a perfect submission (the solutions notebook), the blank release,
a mixed one (one exercise right, one with a known mistake, one calling the torch op,
the rest right) and one that is not valid JSON.
"""
import hashlib
import html
import json
import re
import subprocess
import sys

import nbformat
import pytest

from conftest import mixed_answers
from course import PRELUDE, assignments, exercises, spec_lines, tree_digest, written
from grader.course import Course
from grader.exercises import spec
from grader.runtime import engine
from grader.runtime.cells import is_solution_cell, is_test_cell
from students import cheats

pytestmark = pytest.mark.slow  # grades a whole class through the sandbox (make test-fast skips it)


def in_process_scores(assignment, answers):
    """Exercise -> what the same spec gives its answer when the function runs in this process."""
    scores = {}
    for name, source in answers.items():
        namespace = {"__name__": "__main__"}
        exec(PRELUDE + source, namespace)
        scores[name] = engine.run(spec(assignment, name), engine.local_transport(namespace.__getitem__)).score
    return scores


@pytest.fixture(scope="module")
def graded_class(shared_class):
    c = shared_class
    return c.root, c.before, c.results, c.grades, c.printed


def total(assignment):
    """The autograded points: every exercise's test cell."""
    return sum(exercises(assignment).values())


def maximum(assignment):
    """The assignment's points: the exercises and the written answers graded by hand."""
    return total(assignment) + sum(written(assignment).values())


@pytest.mark.parametrize("assignment", assignments())
def test_solutions_get_full_marks_and_run_without_errors(graded_class, assignment):
    root, _, _, grades, _ = graded_class
    assert grades[("perfect", assignment)] == total(assignment)
    executed = (root / "autograded" / "perfect" / assignment / f"{assignment}.ipynb").read_text()
    assert '"output_type": "error"' not in executed
    code = [c for c in json.loads(executed)["cells"] if c["cell_type"] == "code" and not is_test_cell(c)]
    assert all(c["execution_count"] for c in code if is_solution_cell(c)), "every solution cell ran"
    left = [c for c in code if c["execution_count"] is None]
    assert left and not [c for c in left if c["outputs"]], "teaching cells no solution needs are shown as released"
    row = {(r["student_id"], r["assignment"]): r for r in Course(root).grades()}[("perfect", assignment)]
    assert float(row["max_score"]) == maximum(assignment)
    n = len(written(assignment))
    assert row["written"] == (f"{n} of {n} to grade by hand" if n else ""), "model answers wait for a grader"


def test_written_answers_count_once_a_grader_scores_them(graded_class, tmp_path):
    """A grader's score on a written answer (formgrader writes the gradebook) is in the next report;
    the perfect student's autograded points stay as they were. On a copy of the gradebook."""
    from nbgrader.api import Gradebook

    from grader import report

    root, _, jobs, grades, _ = graded_class
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    (tmp_path / "gradebook.db").write_bytes((root / ".nbgrader" / "gradebook.db").read_bytes())
    a = next(a for a in assignments() if len(written(a)) >= 2)
    first, *rest = written(a)
    with Gradebook(url) as gb:
        nb = gb.find_submission_notebook(a, a, "perfect")
        grade = gb.find_grade(first, a, a, "perfect")
        grade.manual_score, grade.needs_manual_grade = written(a)[first], False  # what formgrader's save does
        gb.db.commit()
        score = nb.score
    state = report.written_answers(url, [j for j in jobs if j.assignment == a])
    assert report.written_cell(state[(a, "perfect")]) == f"{len(rest)} of {len(rest) + 1} to grade by hand"
    assert score == grades[("perfect", a)] + written(a)[first]
    assert report.written_cell(state[(a, "blank")]) == f"0/{sum(written(a).values()):g}", \
        "a blank answer scores 0 without a grader"


@pytest.mark.parametrize("assignment", assignments())
def test_blank_release_gets_zero(graded_class, assignment):
    assert graded_class[3][("blank", assignment)] == 0


@pytest.mark.parametrize("assignment", assignments())
def test_mistakes_lose_points_exactly_as_the_specs_decide_in_process(graded_class, assignment):
    answers, lost = mixed_answers(assignment)
    points = exercises(assignment)
    scores = in_process_scores(assignment, answers)
    assert all(scores[n] < points[n] for n in lost), ("a known mistake keeps at most partial credit", scores)
    assert all(scores[n] == points[n] for n in points if n not in lost), scores
    score = graded_class[3][("mixed", assignment)]
    assert score == pytest.approx(sum(scores.values())), "the sandboxed student process changed a verdict"


@pytest.mark.parametrize("assignment", assignments())
def test_feedback_shows_failure_messages_but_no_hidden_tests(graded_class, assignment):
    root = graded_class[0]
    page = (root / "feedback" / "mixed" / assignment / f"{assignment}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))  # code is highlighted token by token
    wrong = list(mixed_answers(assignment)[1])
    answers, lost = mixed_answers(assignment)
    if any(answers[n] == cheats(assignment).get(n) for n in lost):  # a cheat was handed in: the guard catches it,
        assert "called torch's own" in text or "outside the course's Python subset" in text  # or the door it used
    assert re.search(rf"({'|'.join(wrong)}).* failed (visible|hidden) case|values differ|shape is", text)
    handed_in = {line.strip() for source in answers.values() for line in source.splitlines()}
    hidden = [line for line in spec_lines(assignment) if line not in handed_in]  # a cheat may call torch as the reference does
    assert hidden, "the exercise specs should hold lines of their own"
    assert not [line for line in hidden if line in text], "feedback shows hidden test code"


def test_invalid_notebook_is_reported_not_graded_as_zero(graded_class):
    root, _, jobs, grades, printed = graded_class
    rows = {(r["student_id"], r["assignment"]): r for r in Course(root).grades()}
    for a in assignments():
        (job,) = [j for j in jobs if (j.student, j.assignment) == ("broken", a)]
        assert not job.graded and job.reason.startswith("invalid notebook") and "not a valid notebook" in job.reason
        assert rows[("broken", a)]["status"].startswith("not graded: invalid notebook")
        assert rows[("broken", a)]["score"] == "", "an ungradable submission must not read as 0"
        assert not (root / "autograded" / "broken" / a).exists()
        assert any(line.startswith(f"broken/{a}: NOT GRADED: invalid notebook") for line in printed)
    report = (root / "reports" / "class_report.md").read_text()
    assert "- broken / " in report and "invalid notebook" in report


def test_grading_never_modifies_solutions_or_submissions(graded_class):
    root, before = graded_class[:2]
    assert {part: tree_digest(root / part) for part in before} == before


def test_summary_table_lists_every_graded_student(graded_class):
    printed = "\n".join(graded_class[4])
    for a in assignments():
        hand = rf"\s+\(written answers: {len(written(a))} of {len(written(a))} to grade by hand\)" if written(a) else ""
        assert re.search(rf"perfect\s+{a}\s+{total(a):g} / {maximum(a):g}{hand}", printed)
        assert re.search(rf"blank\s+{a}\s+0 / {maximum(a):g}\n", printed + "\n")


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_missing_submitted_folder(tmp_path):
    (tmp_path / "solutions" / "01_sampling").mkdir(parents=True)
    proc = cli("--root", str(tmp_path), "autograde")
    assert proc.returncode != 0
    assert proc.stderr.strip().startswith("error: no submitted/ folder") and len(proc.stderr.strip().splitlines()) == 1


def test_cli_unknown_assignment():
    proc = cli("release", "99_nope")
    assert proc.returncode != 0
    assert "unknown assignment '99_nope'" in proc.stderr and "01_sampling" in proc.stderr


def test_cli_invalid_source_notebook(tmp_path):
    (tmp_path / "solutions" / "01_sampling").mkdir(parents=True)
    (tmp_path / "solutions" / "01_sampling" / "01_sampling.ipynb").write_text("{not json")
    before = hashlib.sha256((tmp_path / "solutions" / "01_sampling" / "01_sampling.ipynb").read_bytes()).digest()
    proc = cli("--root", str(tmp_path), "release")
    assert proc.returncode != 0 and "is not a valid notebook" in proc.stderr
    assert hashlib.sha256((tmp_path / "solutions" / "01_sampling" / "01_sampling.ipynb").read_bytes()).digest() == before


def test_the_graders_requests_never_land_in_the_notebook_or_the_feedback(graded_class):
    """A request carries the hidden cases' inputs: nbclient stores executed cells back into the notebook,
    so the harness must put back the cell a request would replace."""
    root = graded_class[0]
    for student in ("perfect", "blank", "mixed"):
        for a in assignments():
            graded = nbformat.read(root / "autograded" / student / a / f"{a}.ipynb", as_version=4)
            handed_in = nbformat.read(root / "submitted" / student / a / f"{a}.ipynb", as_version=4)
            assert [c.id for c in graded.cells] == [c.id for c in handed_in.cells], (student, a)
            assert [c.source for c in graded.cells if not c.metadata.get("nbgrader", {}).get("grade")] == \
                [c.source for c in handed_in.cells if not c.metadata.get("nbgrader", {}).get("grade")], (student, a)
            page = (root / "feedback" / student / a / f"{a}.html").read_text()
            for text in (page, (root / "autograded" / student / a / f"{a}.ipynb").read_text()):
                assert "_grading_serve" not in text and ".grading-reply" not in text, (student, a)
