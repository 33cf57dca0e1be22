"""``grader.runtime.progress.show``: the notebook's own progress table, printed from the learner's kernel."""
import re

import nbformat
import pytest
from nbclient import NotebookClient

from course import PRELUDE, assignments, exercises, submission, written
from grader.runtime import progress
from students import students


def status_line(out: str, name: str, status: str) -> bool:
    return re.search(rf"^.*\s{name}\s+\d+\s+{status}\s*$", out, re.M) is not None


def learner(tmp_path, assignment: str, answers: dict[str, str]):
    """The saved notebook in its folder and the namespace of a kernel that ran ``answers``' cells."""
    folder = tmp_path / assignment
    folder.mkdir()
    nbformat.write(submission(assignment, answers), folder / f"{assignment}.ipynb")
    namespace = {"__name__": "__main__"}
    exec(PRELUDE, namespace)
    for source in answers.values():
        exec(source, namespace)
    return folder, namespace


@pytest.mark.parametrize("assignment", assignments())
def test_show_reports_pass_fail_and_not_attempted(assignment, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    points = exercises(assignment)
    names = list(points)
    s = students(assignment)
    # pass, fail, then not attempted; an assignment with a single exercise: fail
    plan = dict(zip(names, ["pass", "fail"] if len(names) > 1 else ["fail"], strict=False))
    answers = {n: s.LOOP[n] if status == "pass" else next(iter(s.WRONG[n].values())) for n, status in plan.items()}
    folder, namespace = learner(tmp_path, assignment, answers)
    for name in names[len(plan):]:  # the release's stubs, run as the learner's kernel would
        exec(f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n", namespace)
    monkeypatch.chdir(folder)
    progress.show(assignment, namespace)
    out = capsys.readouterr().out
    for name in names:
        assert status_line(out, name, plan.get(name, "not attempted")), out
    failed = [n for n in names if plan.get(n) == "fail"][0]
    assert f"First failure: {failed} in {assignment}.ipynb" in out
    done = sum(points[n] for n in names if plan.get(n) == "pass")
    assert f"{done:g} of {sum(points.values()):g} points from visible tests" in out


@pytest.mark.parametrize("assignment", assignments())
def test_written_answers_are_listed_and_the_model_answer_follows_an_answer(assignment, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    answers = list(written(assignment))
    assert 2 <= len(answers) <= 3, "two or three written answers per notebook"
    mine = "My answer: pooling keeps the strongest response in each window."
    folder, namespace = learner(tmp_path, assignment, {})
    nbformat.write(submission(assignment, {answers[0]: mine}), folder / f"{assignment}.ipynb")  # saved, as a learner does
    monkeypatch.chdir(folder)
    progress.show(assignment, namespace)
    out = capsys.readouterr().out
    assert status_line(out, answers[0], "answered") and status_line(out, answers[1], "not answered"), out
    assert f"written answers: 1 of {len(answers)} answered" in out, out
    model = progress.model_answers(assignment)
    assert model[answers[0]].removeprefix("**Model answer.**").strip() in out, "the model answer of the answered question"
    assert model[answers[1]].removeprefix("**Model answer.**").strip() not in out, "no model answer before an answer"
    # a class's students have no solutions/: the table still lists the answers, no model answer shows
    without = progress.model_answer_text(progress.written_answers(submission(assignment, {answers[0]: mine}), "x"),
                                         root=tmp_path)
    assert without == ""


def test_show_says_not_run_for_exercises_the_kernel_has_not_defined(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assignment = assignments()[0]
    names = list(exercises(assignment))
    folder, namespace = learner(tmp_path, assignment, {names[0]: students(assignment).LOOP[names[0]]})
    monkeypatch.chdir(folder)
    progress.show(assignment, namespace)
    out = capsys.readouterr().out
    assert status_line(out, names[0], "pass"), out
    assert status_line(out, names[1], "not run"), out
    assert f"1 pass, 0 fail, 0 not attempted, {len(names) - 1} not run" in out
    assert "run its cell (or Run All) first" in out


def test_show_stops_a_test_that_hangs(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assignment = assignments()[0]
    name = list(exercises(assignment))[0]
    folder, namespace = learner(tmp_path, assignment, {name: f"def {name}(*args, **kwargs):\n    while True:\n        pass\n"})
    monkeypatch.chdir(folder)
    progress.show(assignment, namespace, timeout=1)
    out = capsys.readouterr().out
    assert status_line(out, name, "fail"), out
    assert "TimeoutError: the test took longer than 1 s" in out


def test_show_does_nothing_under_nbgrader(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.chdir(tmp_path)
    progress.show(assignments()[0], {})
    assert "skipped" in capsys.readouterr().out


def test_find_notebook_prefers_the_kernels_folder_then_the_release(tmp_path):
    assignment = assignments()[0]
    own = tmp_path / f"{assignment}.ipynb"
    release = progress.ROOT / "notebooks" / assignment / f"{assignment}.ipynb"
    assert progress.find_notebook(assignment, cwd=tmp_path) == release
    own.write_text("{}")
    assert progress.find_notebook(assignment, cwd=tmp_path) == own
    with pytest.raises(FileNotFoundError, match="no notebook for 'nope'"):
        progress.find_notebook("nope", cwd=tmp_path)


def test_show_in_a_real_kernel_reads_the_notebook_beside_it(tmp_path):
    """The line the notebooks end with, run by a Jupyter kernel whose folder is the notebook's."""
    assignment = assignments()[0]
    names = list(exercises(assignment))
    folder = tmp_path / assignment
    folder.mkdir()
    answers = {names[0]: students(assignment).LOOP[names[0]]}
    nbformat.write(submission(assignment, answers), folder / f"{assignment}.ipynb")
    cells = [PRELUDE, answers[names[0]]]
    cells += [f"def {n}(*args, **kwargs):\n    raise NotImplementedError()" for n in names[1:]]
    cells.append(f'from grader.runtime.progress import show as show_progress; show_progress("{assignment}")')
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert status_line(out, names[0], "pass"), out
    for name in names[1:]:
        assert status_line(out, name, "not attempted"), out


def test_make_check_reports_an_unreadable_notebook_and_lists_copies(tmp_path, capsys):
    from grader import cli
    tiny = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    for name in ("01_sampling", "02_padding_stride"):
        (tmp_path / "notebooks" / name).mkdir(parents=True)
    nbformat.write(tiny, tmp_path / "notebooks" / "01_sampling" / "01_sampling.ipynb")
    nbformat.write(tiny, tmp_path / "notebooks" / "01_sampling" / "01_sampling-Copy1.ipynb")
    (tmp_path / "notebooks" / "02_padding_stride" / "02_padding_stride.ipynb").write_text('{"cells": [')  # truncated
    code = cli.main(["--root", str(tmp_path), "check"])
    out = capsys.readouterr().out
    assert code == 1
    assert "unreadable, not checked" in out and "02_padding_stride.ipynb" in out
    assert "copies of an assignment's own notebook" in out and "01_sampling-Copy1.ipynb" in out
