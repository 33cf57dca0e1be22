"""Grades out (Canvas, Moodle, per-exercise CSV) and feedback back (zips, nbgrader's exchange).

The gradebook is built with nbgrader's API on two real assignments of a scratch course, with
result records written through :mod:`grader.trusted.results`: no class is graded here except in
the one end-to-end exchange test (marked slow). Every exported file is read back with ``csv``
and each value compared with the gradebook.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from nbgrader.api import Gradebook, MissingEntry

from course import ROOT, exercises, notebook, scratch_course
from grader import cli, cluster, export, pipeline
from grader.course import Course
from grader.exercises import spec
from grader.jobs import Result
from grader.runtime.engine import Verdict
from grader.trusted import results as records

# nbgrader's own Gradebook.add_submission trips SQLAlchemy's autoflush warnings; they say nothing about the exports
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

A1, A2 = "01_sampling", "05_padding_layers"
ANSWER = "answer_pooling_vs_stride"  # a written answer graded by hand, added to A1 beside any the release has
MAPPING = """student_id,lms_id,login,email,name,section
alice,1001,a.liu,alice@example.edu,"Liu, Alice",Lab A
bob,1002,b.okafor,bob@example.edu,"Okafor, Bob",Lab B
carol,1003,c.diaz,carol@example.edu,"Diaz, Carol",Lab A
erin,1005,e.berg,erin@example.edu,"Berg, Erin",Lab B
frank,1006,f.ito,,"Ito, Frank",Lab A
"""
# alice: both graded, pool2d partial (its values group failed), full marks on every written answer
# bob: A1 graded, ANSWER 1.5 by hand (the release's answers 0), late: penalty 1.5 points; A2 not submitted
# carol: A1 submitted but not graded (no result record)
# dave: A1 graded with downsample's examples failed, ANSWER 0.5 (others 0); not in the mapping file
# erin: in the mapping only, never submitted
# frank: A1 graded, ANSWER still waiting for a manual grade (others full marks); no email in the mapping
FAILED_GROUPS = {("alice", A1, "pool2d"): "values", ("dave", A1, "downsample"): "examples"}
BY_HAND = {("bob", A1): 1.5, ("dave", A1): 0.5}  # ANSWER's points; the release's answers get 0
PENALTY = {("bob", A1): 1.5}
GRADED = [("alice", A1), ("alice", A2), ("bob", A1), ("dave", A1), ("frank", A1)]
NOT_GRADED = [("carol", A1)]
EVERYONE = ["alice", "bob", "carol", "dave", "erin", "frank"]


def verdicts(student: str, assignment: str) -> list[Verdict]:
    """Every exercise of ``assignment`` passed, but for the group FAILED_GROUPS names."""
    out = []
    for name in exercises(assignment):
        v = Verdict.of(spec(assignment, name), "pass")
        for key, g in v.groups.items():
            g.checks = 3
            if FAILED_GROUPS.get((student, assignment, name)) == key:
                g.failed, v.status, g.message = 1, "partial", "values differ"
        out.append(v)
    return out


def manual_score(student: str, assignment: str, cell: str, max_score: float) -> float | None:
    if (student, assignment) in BY_HAND:
        return BY_HAND[student, assignment] if cell == ANSWER else 0.0
    if student == "frank" and cell == ANSWER:
        return None  # not graded by hand yet
    return max_score


@dataclass
class Graded:
    root: Path
    gb_url: str
    answers: dict[str, dict[str, float]]  # assignment -> its answer_* cells -> points


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Graded:
    root = scratch_course(tmp_path_factory.mktemp("export"))
    for a in (A1, A2):
        pipeline.register(Course(root), a)  # the real grade cells of the release, as `make autograde` stores them
    url = Course(root).db_url
    with Gradebook(url) as gb:
        gb.add_grade_cell(ANSWER, A1, A1, max_score=2.0, cell_type="markdown")
        gb.add_solution_cell(ANSWER, A1, A1)
        answers = {a: {c.name: c.max_score for nb in gb.find_assignment(a).notebooks for c in nb.grade_cells
                       if c.name.startswith("answer_")} for a in (A1, A2)}
        for sid in ("alice", "bob", "carol", "dave", "frank"):
            gb.add_student(sid)
        for sid, a in GRADED + NOT_GRADED:
            gb.add_submission(a, sid, timestamp="2030-01-01 12:00:00 UTC")
            if (sid, a) in NOT_GRADED:
                continue  # what a submission that could not be graded leaves: rows, no scores, no record
            vs = verdicts(sid, a)
            records.write(records.results_dir(root), records.record(a, sid, vs, {}))
            for v in vs:
                g = gb.find_grade(f"test_{v.exercise}", a, a, sid)
                g.auto_score, g.needs_manual_grade = v.score, False
            for cell, points in answers[a].items():
                score = manual_score(sid, a, cell, points)
                if score is not None:
                    g = gb.find_grade(cell, a, a, sid)
                    g.manual_score, g.needs_manual_grade = score, False
            if (sid, a) in PENALTY:
                gb.find_submission_notebook(a, a, sid).late_submission_penalty = PENALTY[sid, a]
        gb.db.commit()
    (root / export.MAPPING_FILE).write_text(MAPPING)
    return Graded(root, url, answers)


def expected_scores(c: Graded) -> dict[tuple[str, str], float | None]:
    """(student, assignment) -> the score an LMS should get, straight from the gradebook: nbgrader's score
    less the late penalty for a graded submission with no pending manual grade, else None."""
    out = {}
    with Gradebook(c.gb_url) as gb:
        for a in (A1, A2):
            for sid in EVERYONE:
                try:
                    sub = gb.find_submission(a, sid)
                except MissingEntry:
                    out[sid, a] = None
                    continue
                graded = records.read(records.results_dir(c.root), a, sid) is not None
                pending = any(g.needs_manual_grade for nb in sub.notebooks for g in nb.grades)
                out[sid, a] = max(0.0, sub.score - sub.late_submission_penalty) if graded and not pending else None
    return out


def read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_gradebook_is_what_the_tests_say(course):
    """The fixture itself: the numbers the other tests compare with are the ones meant."""
    got = expected_scores(course)
    auto = {a: sum(exercises(a).values()) for a in (A1, A2)}
    by_hand = {a: sum(course.answers[a].values()) for a in (A1, A2)}
    assert got["alice", A1] == pytest.approx(auto[A1] - spec(A1, "pool2d").groups["values"] + by_hand[A1])
    assert got["bob", A1] == pytest.approx(auto[A1] + 1.5 - 1.5)  # ANSWER 1.5 by hand, 1.5 off for lateness
    assert got["dave", A1] == pytest.approx(auto[A1] - spec(A1, "downsample").groups["examples"] + 0.5)
    assert got["alice", A2] == pytest.approx(auto[A2] + by_hand[A2])
    assert got["carol", A1] is None and got["frank", A1] is None and got["bob", A2] is None


def test_canvas(course, tmp_path):
    summary = export.export(Course(course.root), "canvas", tmp_path / "canvas.csv")
    rows = read(tmp_path / "canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A1, A2]
    with Gradebook(course.gb_url) as gb:
        possible = [gb.find_assignment(a).max_score for a in (A1, A2)]
    assert possible == [sum(exercises(a).values()) + sum(course.answers[a].values()) for a in (A1, A2)]
    assert rows[1] == ["Points Possible", "", "", "", "", *map(export.number, possible)]
    by_id = {r[1]: r for r in rows[2:]}
    assert set(by_id) == {"1001", "1002", "1003", "1005", "1006"}  # dave has no Canvas id: left out
    assert by_id["1001"][:5] == ["Liu, Alice", "1001", "", "a.liu", "Lab A"]
    login = {r[3]: r[0] for r in rows[2:]}
    expected = expected_scores(course)
    for r in rows[2:]:
        sid = {"1001": "alice", "1002": "bob", "1003": "carol", "1005": "erin", "1006": "frank"}[r[1]]
        for a, cell in zip((A1, A2), r[5:], strict=True):
            want = expected[sid, a]
            assert cell == ("" if want is None else export.number(want)), (sid, a, cell, want)
            if cell:
                assert float(cell) == pytest.approx(want)
    assert float(by_id["1002"][5]) == sum(exercises(A1).values())  # bob: + 1.5 by hand - 1.5 late
    assert by_id["1003"][5] == "" and by_id["1006"][5] == ""  # not graded / manual grade pending: never 0
    assert login["b.okafor"] == "Okafor, Bob"
    assert summary.unnamed == ["dave"] and summary.failed
    head, *problems = summary.lines()
    assert "1 student LEFT OUT" in head and "1 not graded" in head and "1 waiting for a manual grade" in head
    assert any("dave" in p and "--allow-unmapped" in p for p in problems)
    assert any("frank/01_sampling" in p and "formgrader" in p for p in problems)
    assert any("carol/01_sampling" in p for p in problems)


def test_moodle(course, tmp_path):
    summary = export.export(Course(course.root), "moodle", tmp_path / "moodle.csv")
    rows = read(tmp_path / "moodle.csv")
    assert rows[0] == ["Email address", A1, A2]
    emails = {"alice@example.edu": "alice", "bob@example.edu": "bob", "carol@example.edu": "carol",
              "erin@example.edu": "erin"}
    assert {r[0] for r in rows[1:]} == set(emails)  # frank has no email, dave no row
    expected = expected_scores(course)
    for r in rows[1:]:
        for a, cell in zip((A1, A2), r[1:], strict=True):
            want = expected[emails[r[0]], a]
            assert cell == ("-" if want is None else export.number(want))  # '-' is Moodle's "no grade"
            assert "," not in cell
    assert sorted(summary.unnamed) == ["dave", "frank"] and summary.failed

    summary = export.export(Course(course.root), "moodle", tmp_path / "by_login.csv", identifier="login", allow_unmapped=True)
    rows = read(tmp_path / "by_login.csv")
    assert rows[0][0] == "Username" and {r[0] for r in rows[1:]} == {"a.liu", "b.okafor", "c.diaz", "e.berg", "f.ito"}
    assert summary.unnamed == ["dave"] and not summary.failed


def test_exercise_csv(course, tmp_path):
    summary = export.export(Course(course.root), "csv", tmp_path / "ex.csv")
    with open(tmp_path / "ex.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["student_id"], r["assignment"]) for r in rows] == [(s, a) for a in (A1, A2) for s in EVERYONE]
    assert summary.unnamed == ["dave"] and not summary.failed  # kept under his course id
    header = list(rows[0])
    assert header[:8] == ["assignment", "student_id", "name", "email", "status", "score", "max_score", "late_penalty"]
    def graded_cells(a):
        return [c.metadata.nbgrader.grade_id.removeprefix("test_") for c in notebook(a, "notebooks", course.root).cells
                if c.metadata.get("nbgrader", {}).get("grade")]
    # notebook order; ANSWER, which has no cell in the release, ends its assignment
    assert [h for h in header if "/" not in h][8:] == graded_cells(A1) + [ANSWER] + graded_cells(A2)
    expected = expected_scores(course)
    with Gradebook(course.gb_url) as gb:
        for r in rows:
            sid, a = r["student_id"], r["assignment"]
            want = expected[sid, a]
            assert r["score"] == ("" if want is None else export.number(want))
            rec = records.read(records.results_dir(course.root), a, sid)
            try:
                sub = gb.find_submission(a, sid)
            except MissingEntry:
                assert r["status"] == "not submitted" and all(r[h] == "" for h in header[8:]), r
                continue
            if rec is None:
                assert r["status"] == "not graded" and all(r[h] == "" for h in header[8:]), r
                continue
            for nb in sub.notebooks:
                for g in nb.grades:
                    col = g.name.removeprefix("test_")
                    scored = g.auto_score is not None or g.manual_score is not None
                    assert r[col] == (export.number(g.score) if scored else ""), (sid, col)
            for e in rec["exercises"]:
                for key, group in e["groups"].items():
                    assert float(r[f"{e['exercise']}/{key}"]) == pytest.approx(group["earned"])
    row = {(r["student_id"], r["assignment"]): r for r in rows}
    alice = row["alice", A1]
    assert alice["status"] == "graded" and float(alice["pool2d/values"]) == 0 and float(alice["pool2d/examples"]) > 0
    assert float(alice["pool2d"]) == pytest.approx(spec(A1, "pool2d").points - spec(A1, "pool2d").groups["values"])
    assert alice[ANSWER] == "2" and alice["pad2d"] == ""  # another assignment's column stays empty
    assert row["bob", A1]["late_penalty"] == "1.5" and row["bob", A1][ANSWER] == "1.5"
    assert row["frank", A1]["status"] == "needs manual grading" and row["frank", A1][ANSWER] == ""
    assert row["frank", A1]["downsample"] != ""  # the automatic points are there, only the total waits
    assert row["dave", A1]["name"] == "" and row["dave", A1]["score"] != ""
    assert row["erin", A2]["status"] == "not submitted"


def test_same_scores_as_nbgraders_csv_but_no_silent_zero(course, tmp_path):
    """nbgrader's own CSV export agrees on every graded score, and writes 0.0 where ours has none."""
    pipeline.export(Course(course.root), tmp_path / "nbgrader.csv")
    with open(tmp_path / "nbgrader.csv", newline="") as f:
        theirs = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(f)}
    export.export(Course(course.root), "csv", tmp_path / "ours.csv")
    with open(tmp_path / "ours.csv", newline="") as f:
        ours = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    for key, score in theirs.items():
        if ours[key]["status"] == "graded":
            assert float(ours[key]["score"]) == pytest.approx(score), key
        else:
            assert ours[key]["score"] == ""
    assert theirs["carol", A1] == 0.0 and ours["carol", A1]["status"] == "not graded"


def test_only_some_assignments_and_students(course, tmp_path):
    export.export(Course(course.root), "canvas", tmp_path / "one.csv", assignment=[A2], allow_unmapped=True)
    assert read(tmp_path / "one.csv")[0][5:] == [A2]
    export.export(Course(course.root), "csv", tmp_path / "bob.csv", student=["bob"])
    assert [r[1] for r in read(tmp_path / "bob.csv")[1:]] == ["bob", "bob"]
    with pytest.raises(export.ExportError, match=r"no assignment '\[01_sampling\]' in the gradebook; it has 01_sampling"):
        export.export(Course(course.root), "csv", tmp_path / "x.csv", assignment=["[01_sampling]"])  # nbgrader's help's form


def test_cli_exit_status_and_messages(course, tmp_path, capsys):
    to = tmp_path / "c.csv"
    assert cli.main(["--root", str(course.root), "export", "--lms", "canvas", "--to", str(to)]) == 1
    out, err = capsys.readouterr()
    assert f"wrote {to}" in out and "dave" in err and "--allow-unmapped" in err
    assert to.is_file()  # written all the same: the status says who is missing
    assert cli.main(["--root", str(course.root), "export", "--lms", "canvas", "--to", str(to), "--allow-unmapped"]) == 0
    assert cli.main(["--root", str(course.root), "export", "--lms", "csv", "--to", str(tmp_path / "x.csv")]) == 0
    # assignment names are positional, as in every command
    assert cli.main(["--root", str(course.root), "export", "--lms", "csv", "--to", str(tmp_path / "a.csv"), A1]) == 0
    assert {r[0] for r in read(tmp_path / "a.csv")[1:]} == {A1}
    assert cli.main(["--root", str(course.root), "export", "--lms", "csv", "--to", str(tmp_path / "n.csv"), "nope"]) == 2
    assert "no assignment 'nope'" in capsys.readouterr().err


def test_mapping_file_problems(course, tmp_path):
    bare = scratch_course(tmp_path / "c")
    with pytest.raises(export.ExportError, match="no gradebook"):
        export.export(Course(bare), "csv")
    Course(bare).gradebook_path.parent.mkdir()
    Course(bare).gradebook_path.write_bytes(Course(course.root).gradebook_path.read_bytes())
    with pytest.raises(export.ExportError, match="Canvas needs .*lms_students.csv"):
        export.export(Course(bare), "canvas")
    export.export(Course(bare), "csv")  # the plain CSV needs no mapping
    (bare / export.MAPPING_FILE).write_text("id,email\nalice,a@x\n")
    with pytest.raises(export.ExportError, match="no 'student_id' column"):
        export.export(Course(bare), "moodle")
    (bare / export.MAPPING_FILE).write_text("student_id,email\nalice,a@x\nalice,b@x\n")
    with pytest.raises(export.ExportError, match="line 3: student_id 'alice' appears twice"):
        export.export(Course(bare), "moodle")
    (bare / export.MAPPING_FILE).write_bytes("\ufeffstudent_id,email\nalice,a@x\n".encode())  # Excel's BOM
    assert export.read_mapping(bare / export.MAPPING_FILE)["alice"]["email"] == "a@x"


def nbgrader(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def course_config(root: Path) -> list[str]:
    return ["--NbGrader.config_file=grader/nbgrader_config", f"--CourseDirectory.root={root}",
            f"--CourseDirectory.db_url=sqlite:///{Course(root).gradebook_path}"]


def test_nbgrader_export_uses_the_plugins(course, tmp_path):
    """`nbgrader export --exporter=grader.export.CanvasExportPlugin` with the course config: the same file,
    and exit status 1 naming the student it left out."""
    ours = tmp_path / "ours.csv"
    export.export(Course(course.root), "canvas", ours)
    theirs = tmp_path / "theirs.csv"
    p = nbgrader("export", "--exporter=grader.export.CanvasExportPlugin", *course_config(course.root), f"--to={theirs}")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "dave" in p.stderr and "--CanvasExportPlugin.allow_unmapped=True" in p.stderr
    assert theirs.read_text() == ours.read_text()


def test_feedback_zips(tmp_path):
    root = tmp_path
    pages = {("alice", A1): b"<html>alice 1</html>", ("alice", A2): b"<html>alice 5</html>", ("bob", A1): b"<html>bob</html>"}
    for (sid, a), html in pages.items():
        folder = root / "feedback" / sid / a
        folder.mkdir(parents=True)
        (folder / f"{a}.html").write_bytes(html)
        (folder / "timestamp.txt").write_text("2030-01-01 12:00:00 UTC")  # not a page: stays out
    for sid in ("alice", "bob", "carol"):
        (root / "submitted" / sid / A1).mkdir(parents=True)
    stale = root / "reports" / "feedback_zips" / "zed.zip"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    written, without = export.feedback_zips(Course(root))
    assert written == {"alice": 2, "bob": 1} and without == ["carol"]
    assert not stale.exists()
    with zipfile.ZipFile(root / "reports" / "feedback_zips" / "alice.zip") as z:
        assert sorted(z.namelist()) == [f"{A1}/{A1}.html", f"{A2}/{A2}.html"]
        assert z.read(f"{A2}/{A2}.html") == pages["alice", A2]


def test_feedback_zips_cli(tmp_path, capsys):
    (tmp_path / "feedback" / "bob" / A1).mkdir(parents=True)
    (tmp_path / "feedback" / "bob" / A1 / f"{A1}.html").write_text("<html/>")
    (tmp_path / "submitted" / "carol" / A1).mkdir(parents=True)
    assert cli.main(["--root", str(tmp_path), "feedback-zips"]) == 0
    out, err = capsys.readouterr()
    assert "wrote 1 zip (1 feedback page)" in out and "carol" in err
    assert cli.main(["--root", str(tmp_path), "feedback-zips", "--out", str(tmp_path / "zips")]) == 0  # a folder
    assert [p.name for p in (tmp_path / "zips").iterdir()] == ["bob.zip"]
    capsys.readouterr()
    assert cli.main(["--root", str(tmp_path / "nothing"), "feedback-zips"]) == 2
    assert "no feedback pages in" in capsys.readouterr().err


def test_store_keeps_the_exchange_secret(tmp_path):
    """A submission collected from nbgrader's exchange carries submission_secret.txt; release_feedback needs it
    next to the feedback page, so storing a graded result copies it from submitted/ (not from the job)."""
    sub = tmp_path / "submitted" / "alice" / A2
    sub.mkdir(parents=True)
    (sub / "submission_secret.txt").write_text("s3cret")
    rec = records.record(A2, "alice", verdicts("alice", A2), {})
    result = Result(A2, "alice", graded=True, files={f"{A2}.ipynb": b"{}", "timestamp.txt": b"t"}, record=rec)
    pipeline.store(Course(tmp_path), result)
    assert (tmp_path / "autograded" / "alice" / A2 / "submission_secret.txt").read_text() == "s3cret"


@pytest.mark.slow
def test_release_feedback_through_the_exchange(tmp_path):
    """The JupyterHub route without a hub: release, fetch and submit through a local exchange folder, collect,
    grade with `make autograde`'s pipeline, `nbgrader release_feedback` with the course config, and the
    student's `nbgrader fetch_feedback` finds the page the course wrote."""
    root = scratch_course(tmp_path / "course")
    exchange, cache, home = tmp_path / "exchange", tmp_path / "cache", tmp_path / "home"
    for d in (exchange, cache, home):
        d.mkdir()
    Course(root).gradebook_path.parent.mkdir()
    teacher = [*course_config(root), f"--Exchange.root={exchange}"]
    student = ["--course=feature-map-layers", f"--Exchange.root={exchange}", f"--Exchange.cache={cache}"]
    for step, args, cwd in [("release_assignment", teacher, ROOT), ("fetch_assignment", student, home),
                            ("submit", student, home), ("collect", teacher, ROOT)]:
        p = nbgrader(step, A2, *args, cwd=cwd)
        assert p.returncode == 0, f"nbgrader {step}: {p.stdout}{p.stderr}"
    (who,) = [p.name for p in (root / "submitted").iterdir()]
    assert (root / "submitted" / who / A2 / "submission_secret.txt").is_file()
    results = pipeline.autograde(Course(root), [A2], out=lambda *_: None, sandboxed=False, runner=cluster.Dask(workers=1))
    assert [r.graded for r in results] == [True]
    page = root / "feedback" / who / A2 / f"{A2}.html"
    p = nbgrader("release_feedback", A2, *teacher)
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stdout + p.stderr
    p = nbgrader("fetch_feedback", A2, *student, cwd=home)
    assert p.returncode == 0, p.stdout + p.stderr
    (fetched,) = (home / A2 / "feedback").glob(f"*/{A2}.html")
    assert fetched.read_bytes() == page.read_bytes()
