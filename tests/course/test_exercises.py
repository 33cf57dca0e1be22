"""Every exercise's test cell, run in-process on known submissions.

The reference solution and a plain-loop solution pass; every plausible mistake in
``tests/students`` and a solution that calls the torch op itself fail with an
AssertionError written for the student.
"""
import pytest

from course import ROOT, assignments, exercises, graded, notebook, run_exercise
from grader.exercises import assignments as specs
from grader.exercises import spec
from students import ASSIGNMENTS, students

CASES = [(a, n) for a in assignments() for n in exercises(a)]
WRONG = [(a, n, what) for a in assignments() for n, mistakes in students(a).WRONG.items() for what in mistakes]


def test_every_assignment_has_student_submissions():
    assert set(assignments()) <= set(ASSIGNMENTS), "every assignment needs a module in tests/students"
    for a in assignments():
        assert list(specs()[a]) == list(exercises(a)), f"{a}: grader/exercises names the notebook's exercises, in order"
    for a in assignments():
        s = students(a)
        for name in exercises(a):
            assert name in s.LOOP, f"{a}: no loop submission for {name}"
            assert name in s.CHEAT or name in getattr(s, "NO_OP_TO_BAN", {}), f"{a}: no cheat submission for {name}"
            assert len(s.WRONG.get(name, {})) >= 3, f"{a}: fewer than three wrong submissions for {name}"


@pytest.mark.parametrize("assignment,name", CASES)
def test_reference_solution_passes_and_every_point_group_is_checked(assignment, name):
    solution = graded(notebook(assignment), name).source
    verdict = run_exercise(assignment, name, solution)
    ex = spec(assignment, name)
    assert ex.points == exercises(assignment)[name], "the spec's points are the notebook's: run `make release`"
    assert sum(ex.groups.values()) == pytest.approx(ex.points), "the groups' points add up to the exercise's"
    assert set(verdict.groups) == set(ex.groups), "every check lands in a group the spec names"
    assert all(g.checks for g in verdict.groups.values()), {k: g.checks for k, g in verdict.groups.items()}


@pytest.mark.parametrize("assignment,name", CASES)
def test_loop_solution_passes(assignment, name):
    run_exercise(assignment, name, students(assignment).LOOP[name])


@pytest.mark.parametrize("assignment,name,what", WRONG)
def test_wrong_solution_fails(assignment, name, what):
    with pytest.raises(AssertionError) as caught:
        run_exercise(assignment, name, students(assignment).WRONG[name][what])
    message = str(caught.value)
    assert message.strip(), "a failure must say what is wrong"


@pytest.mark.parametrize("assignment,name,what", WRONG)
def test_hidden_tests_alone_catch_the_mistake(assignment, name, what):
    with pytest.raises(AssertionError, match=f"{name} failed hidden case"):
        run_exercise(assignment, name, students(assignment).WRONG[name][what], hidden_only=True)


@pytest.mark.parametrize("assignment,name", [(a, n) for a, n in CASES if n in students(a).CHEAT])
def test_calling_the_torch_op_fails_with_the_guard_message(assignment, name):
    with pytest.raises(AssertionError, match="called torch's own"):
        run_exercise(assignment, name, students(assignment).CHEAT[name])


@pytest.mark.parametrize("assignment,name", CASES)
def test_unattempted_exercise_raises_not_implemented(assignment, name):
    stub = graded(notebook(assignment, "notebooks"), name).source
    assert "raise NotImplementedError" in stub
    with pytest.raises(NotImplementedError):
        run_exercise(assignment, name, stub)


def test_points_are_stated_in_the_spec_and_the_release_writes_them_into_the_notebook(tmp_path):
    """nbgrader reads points from the test cells: `make release` copies them there from the spec, so they are
    written in one place."""
    import shutil

    import nbformat

    from grader import pipeline
    path = tmp_path / "01_sampling.ipynb"
    shutil.copyfile(ROOT / "solutions" / "01_sampling" / "01_sampling.ipynb", path)
    nb = nbformat.read(path, as_version=4)
    graded_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_pool2d")
    graded_cell.metadata.nbgrader["points"] = 99
    nbformat.write(nb, path)
    assert pipeline.write_points(path, "01_sampling") == ["test_pool2d"]
    assert exercises_in(path)["pool2d"] == spec("01_sampling", "pool2d").points != 99
    before = path.read_bytes()
    assert pipeline.write_points(path, "01_sampling") == [] and path.read_bytes() == before  # nothing else changes


def exercises_in(path) -> dict:
    import nbformat
    nb = nbformat.read(path, as_version=4)
    return {c.metadata.nbgrader["grade_id"].removeprefix("test_"): c.metadata.nbgrader["points"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("test_")}
