"""Runs of `make autograde` that must not lose the instructor's data or leave them with a traceback.

- the reports are of the whole course, whatever one run graded (this run's rows marked);
- a submission that cannot be graded can be withdrawn (moved, never deleted), and the message says how;
- an nbformat 3 notebook is upgraded and graded; reports/ that cannot be written stops the run before
  grading; two runs on one course take turns; scratch folders of a killed run are removed.

The fast tests here grade nothing (reports are written from result records, the runs hold only
ungradable notebooks); the slow one grades two tiny classes in this process, unsandboxed.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course import hand_in, notebook, scratch_course
from grader import cluster, intake, pipeline, report
from grader.course import Course
from grader.jobs import Result
from grader.trusted import results as records

A, B = "01_sampling", "06_activations"


def main(*args) -> int:
    """``python -m grader ARGS`` in this process (the command line's imports take seconds)."""
    from grader import cli
    return cli.main(list(args))


def record(root: Path, assignment: str, student: str, score: float = 1.0) -> None:
    """A result record as the trusted grader writes it: one exercise, one group."""
    records.write(records.results_dir(root), {
        "assignment": assignment, "student": student, "graded": True, "score": score, "max_score": 2.0,
        "exercises": [{"exercise": "relu", "status": "pass" if score == 2 else "partial", "score": score, "points": 2.0,
                       "message": "" if score == 2 else "relu failed on case 3\n\nthe gradient at 0 differs",
                       "groups": {"values": {"title": "values", "earned": score, "points": 2.0}}}],
        "integrity_flags": []})


def rows(root: Path) -> dict[tuple[str, str], dict]:
    with open(root / "reports" / "grades.csv", newline="", encoding="utf-8") as f:
        return {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}


# -- item 3 of issue 19: the reports are the whole course ----------------------------------------------------


def test_reports_cover_the_whole_course_not_only_what_this_run_graded(tmp_path):
    """Graded before: 张伟 in 01 and 06, bob in 06; waiting: carol's 06 under submitted/. This run: 张伟's 01 only."""
    root = tmp_path
    for a in (A, B):
        (root / "solutions" / a).mkdir(parents=True)
        (root / "solutions" / a / f"{a}.ipynb").write_text("{}")
    hand_in(root, "carol", "99_not_an_assignment", "{}")
    for a, s in ((A, "张伟"), (B, "张伟"), (B, "bob")):
        record(root, a, s)
        hand_in(root, s, a, "{}")
    hand_in(root, "carol", B, "{}")
    intake.record_handed_in(root, [("张伟", A, "张伟.zip"), ("张伟", B, "张伟 (1).zip")])
    (root / "reports").mkdir()
    report.write(Course(root), [Result(A, "张伟", graded=True)], [])

    got = rows(root)
    assert set(got) == {(A, "张伟"), (B, "张伟"), (B, "bob"), (B, "carol")}, "a silent subset of the class"
    assert got[A, "张伟"]["this_run"] == "yes" and got[B, "张伟"]["this_run"] == got[B, "bob"]["this_run"] == ""
    assert got[B, "bob"]["status"] == "graded" and got[B, "bob"]["groups"] == "relu: values 1/2"
    assert got[B, "carol"]["status"].startswith("not graded: handed in, not graded yet")
    assert got[A, "张伟"]["handed_in_as"] == "张伟.zip" and got[B, "张伟"]["handed_in_as"] == "张伟 (1).zip"
    md = (root / "reports" / "class_report.md").read_text(encoding="utf-8")
    assert "3 of 4 submissions graded" in md and "This run graded 1 of the 1" in md
    assert f"| {B} | relu | 0 / 2 |" in md, "the exercise table counts every graded submission of the course"
    assert "| 张伟 | 张伟 (1).zip, 张伟.zip |" in md and "carol / 06_activations: handed in, not graded yet" in md

    # A later run of 06 alone keeps 01's rows and the reason a submission was not graded.
    report.write(Course(root), [Result(B, "carol", reason="invalid notebook: no cells")], [])
    report.write(Course(root), [Result(B, "bob", graded=True)], [])
    got = rows(root)
    assert set(got) == {(A, "张伟"), (B, "张伟"), (B, "bob"), (B, "carol")}
    assert got[B, "carol"]["status"] == "not graded: invalid notebook: no cells" and got[B, "carol"]["this_run"] == ""


# -- item 4: withdraw what cannot be graded --------------------------------------------------------------------


def test_an_ungradable_hand_in_is_named_with_the_command_that_withdraws_it(tmp_path, capsys):
    root = tmp_path
    (root / "solutions" / A).mkdir(parents=True)
    nbformat.write(notebook(A), root / "solutions" / A / f"{A}.ipynb")
    hand_in(root, "dave", A, '{"cells": [')
    assert main("--root", str(root), "autograde", "--unsandboxed") == 1
    printed = capsys.readouterr().out
    assert f"make withdraw STUDENT=dave ASSIGNMENT={A}" in printed
    assert f"make withdraw STUDENT=dave ASSIGNMENT={A}" in rows(root)[A, "dave"]["status"]
    assert "make withdraw STUDENT=<student> ASSIGNMENT=<assignment>" in (root / "reports" / "class_report.md").read_text()

    assert main("--root", str(root), "withdraw", "dave", A) == 0
    (moved,) = (root / "withdrawn" / "dave").iterdir()
    assert moved.name.startswith(f"{A}-") and (moved / f"{A}.ipynb").read_text() == '{"cells": ['
    assert not (root / "submitted" / "dave").exists() and "withdrew dave/01_sampling" in capsys.readouterr().out
    assert main("--root", str(root), "autograde", "--unsandboxed") == 0, "the next run is no longer blocked"
    capsys.readouterr()

    assert main("--root", str(root), "withdraw", "dave", A) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: nothing to withdraw") and len(err.strip().splitlines()) == 1


def test_withdraw_by_the_file_name_and_never_over_an_earlier_withdrawal(tmp_path):
    root = tmp_path
    for _ in range(2):
        hand_in(root, "Li_u0020Na", A, "{}")
        intake.record_handed_in(root, [("Li_u0020Na", A, "Li Na.zip")])
        intake.withdraw(root, "Li Na.zip", A)
    assert len(list((root / "withdrawn" / "Li_u0020Na").iterdir())) == 2


# -- messages instead of tracebacks ----------------------------------------------------------------------------


def v3_notebook(source: str) -> str:
    from nbformat import v3
    cell = v3.new_code_cell(input=source)
    return v3.writes_json(v3.new_notebook(worksheets=[v3.new_worksheet(cells=[cell])]))


def test_an_nbformat_3_notebook_is_upgraded_as_jupyter_would(tmp_path):
    path = hand_in(tmp_path, "eve", A, v3_notebook("x = 1"))
    nb = pipeline.read_notebook(path)
    assert nb["nbformat"] == 4 and "".join(nb["cells"][0]["source"]) == "x = 1" and nb["cells"][0]["id"] == "cell-0"
    job = pipeline.job_for(Course(tmp_path), A, "eve", [path])
    graded = json.loads(job.files[f"{A}.ipynb"])
    assert graded["nbformat"] == 4 and graded == nb, "the job grades the upgraded notebook"
    assert json.loads(path.read_text())["nbformat"] == 3, "submitted/ keeps what the student handed in"


def test_reports_that_cannot_be_written_stop_the_run_before_grading(tmp_path, capsys):
    root = scratch_course(tmp_path / "course")
    hand_in(root, "alice", A, notebook(A))
    (root / "reports").write_text("a file where the reports folder should be")
    with pytest.raises(pipeline.CourseError, match="cannot write the reports in .*nothing was graded"):
        pipeline.autograde(Course(root), [A], out=lambda *_: None, sandboxed=False)
    assert not (root / "autograded").exists() and not Course(root).gradebook_path.exists()
    assert main("--root", str(root), "autograde", "--unsandboxed", A) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write the reports") and len(err.strip().splitlines()) == 1, err
    if os.geteuid() != 0:  # root writes anywhere: chmod cannot stop it
        (root / "reports").unlink()
        (root / "reports").mkdir()
        (root / "reports").chmod(0o500)
        try:
            with pytest.raises(pipeline.CourseError, match="cannot write the reports"):
                pipeline.autograde(Course(root), [A], out=lambda *_: None, sandboxed=False)
        finally:
            (root / "reports").chmod(0o700)


def test_a_second_run_on_one_course_waits_for_the_first_and_says_so(tmp_path):
    (tmp_path / ".nbgrader").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", f"""
import fcntl, sys, time
f = open({str(tmp_path / '.nbgrader' / 'grading.lock')!r}, "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.write("pid 4242, started earlier"); f.flush()
print("held", flush=True)
time.sleep(1.5)
"""], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    said = []
    start = time.perf_counter()
    with pipeline.course_lock(Course(tmp_path), said.append):
        waited = time.perf_counter() - start
        with pipeline.course_lock(Course(tmp_path), said.append):  # autograde inside regrade: the same run, no wait
            pass
    holder.wait()
    assert waited > 0.8, "it did not wait for the other run"
    assert said[0].startswith("another grading run is using this course (pid 4242, started earlier): waiting")
    assert len(said) == 2 and said[1].startswith("the other run finished")


def test_scratch_folders_of_a_killed_run_are_removed_and_no_others(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    made = {}
    for name, owner in (("dead", f"{dead.pid} 1"), ("alive", f"{os.getpid()} {pipeline._process_start(os.getpid())}"),
                        ("reused", f"{os.getpid()} 1"), ("unknown", None)):
        folder = tmp_path / f"{pipeline.SCRATCH}{name}"
        (folder / "grading-x").mkdir(parents=True)
        (folder / "grading-x" / "01_sampling.ipynb").write_text("{}")
        if owner:
            (folder / "owner").write_text(owner)
        made[name] = folder
    removed = pipeline.clean_scratch(tmp_path)
    assert sorted(p.name for p in removed) == [f"{pipeline.SCRATCH}dead", f"{pipeline.SCRATCH}reused"]
    assert made["alive"].exists() and made["unknown"].exists()


def test_a_run_gives_its_workers_a_scratch_folder_and_removes_it(tmp_path):
    """The folder exists while the run grades (TMPDIR names it for the workers its runner starts), and not after."""
    seen = {}

    class Starts(cluster.InProcess):
        starts_workers = True

        def __enter__(self):
            seen["tmpdir"] = os.environ.get("TMPDIR")
            seen["owner"] = (Path(seen["tmpdir"]) / "owner").read_text().split()[0]
            return self

    root = scratch_course(tmp_path / "course")
    hand_in(root, "alice", B, notebook(B))
    before = os.environ.get("TMPDIR")
    pipeline.autograde(Course(root), [B], out=lambda *_: None, sandboxed=False,
                       runner=Starts(lambda j: Result(j.assignment, j.student, reason="stub")))
    assert Path(seen["tmpdir"]).name.startswith(pipeline.SCRATCH) and seen["owner"] == str(os.getpid())
    assert not Path(seen["tmpdir"]).exists() and os.environ.get("TMPDIR") == before


def test_a_runner_that_starts_no_workers_gets_no_scratch_folder(tmp_path):
    """The hub's service passes the cluster it keeps (its workers made their temp folders when they started)."""
    seen = {}

    class Kept(cluster.InProcess):
        def __enter__(self):
            seen["tmpdir"] = os.environ.get("TMPDIR")
            return self

    root = scratch_course(tmp_path / "course")
    hand_in(root, "alice", B, notebook(B))
    pipeline.autograde(Course(root), [B], out=lambda *_: None, sandboxed=False,
                       runner=Kept(lambda j: Result(j.assignment, j.student, reason="stub")))
    assert seen["tmpdir"] == os.environ.get("TMPDIR")


# -- end to end: two runs, one assignment each -----------------------------------------------------------------


@pytest.mark.slow
def test_grading_one_assignment_keeps_the_class_view(tmp_path, monkeypatch):
    """`make autograde ASSIGNMENT=06` after a run of 01 and 06: grades.csv and class_report.md still hold 01."""
    root = scratch_course(tmp_path / "course")
    handins = tmp_path / "handins"
    handins.mkdir()
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        # the release saved by an old Jupyter (nbformat 3): upgraded and graded (0 points), never "no 'cells'"
        z.writestr(f"{B}.ipynb", nbformat.writes(nbformat.convert(notebook(B, "notebooks"), 3)))
    (handins / "李娜.zip").write_bytes(buf.getvalue())
    hand_in(root, "张伟", A, "{}")  # not a notebook: reported, not graded
    hand_in(root, "张伟", B, notebook(B))
    options = dict(runner=cluster.InProcess(), sandboxed=False, time_limit=240, cell_timeout=60, out=lambda *_: None)
    first = pipeline.autograde(Course(root), [A, B], submissions_from=handins, **options)
    assert {(r.assignment, r.student): r.graded for r in first} == {(A, "张伟"): False, (B, "张伟"): True, (B, "李娜"): True}
    second = pipeline.autograde(Course(root), [B], students=["张伟"], **options)
    assert [(r.assignment, r.student, r.graded) for r in second] == [(B, "张伟", True)], [r.reason for r in second]
    got = rows(root)
    assert set(got) == {(A, "张伟"), (B, "张伟"), (B, "李娜")}
    assert got[B, "张伟"]["this_run"] == "yes" and got[B, "李娜"]["this_run"] == got[A, "张伟"]["this_run"] == ""
    assert got[B, "李娜"]["status"] == "graded" and got[B, "李娜"]["handed_in_as"] == "李娜.zip"
    assert float(got[B, "张伟"]["score"]) > 0 and float(got[B, "李娜"]["score"]) == 0
    assert got[A, "张伟"]["status"].startswith("not graded: invalid notebook")
    md = (root / "reports" / "class_report.md").read_text(encoding="utf-8")
    assert "2 of 3 submissions graded" in md and "| 李娜 | 李娜.zip |" in md
