"""Grading a class that misbehaves: one batch of hand-ins (zips), sandboxed and in parallel.

Each row of SUBMISSIONS is a student's 01_sampling hand-in and what grading must make of
it: a score, or "not graded" with a reason. Attacks on the grader (reading solutions or
the gradebook, writing elsewhere, the network, memory, processes) are written so that
they cost the student points when they succeed; with the sandbox they fail and the
student gets full marks. Every row also checks that the correct student's grade and files
did not change.
"""
from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import exercises, graded, notebook, opens, scratch_course, submission, tree_digest, written
from grader import cluster, pipeline
from grader.course import Course
from grader.trusted import sandbox

pytestmark = pytest.mark.slow  # grades a whole class through the sandbox (make test-fast skips it)

A = "01_sampling"
FULL = sum(exercises(A).values())
POINTS = exercises(A)
ANSWERS = {n: graded(notebook(A), n).source for n in POINTS}
WRONG_DOWNSAMPLE = "def downsample(x, factor):\n    return x[:, :, 1::factor, 1::factor]\n"
UNINTERRUPTIBLE = '''
import time

def pool2d(x, kernel_size, mode="max"):
    while True:
        try:
            time.sleep(0.1)
        except KeyboardInterrupt:
            pass
'''


def answers(**changed):
    return submission(A, {**ANSWERS, **changed})


def with_cell(nb, grade_id, edit):
    edit(graded(nb, grade_id))
    return nb


def without_cell(nb, grade_id):
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def probe(paths, name="downsample"):
    """An exercise answer that is right only if none of ``paths`` can be opened, and prints what it opened.

    It is outside the course's Python subset (``open``), so the exercise is flagged and never graded; the
    sandboxed kernel still runs the cell for the feedback, and its output shows what the sandbox let it read."""
    return f'''
{opens(paths)}
{ANSWERS[name].replace(f"def {name}(", f"def _{name}(")}

def {name}(*args, **kwargs):
    assert not SEEN, f"the sandbox let me open {{SEEN}}"
    return _{name}(*args, **kwargs)
'''


@pytest.fixture(scope="module")
def server():
    """A TCP server on 127.0.0.1 that counts connections (it must see none)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.5)
    hits, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                hits.append(1)
                conn.close()
            except OSError:
                pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield sock.getsockname()[1], hits
    stop.set()
    t.join(timeout=5)
    sock.close()


def build_class(root: Path, port: int) -> dict:
    """student -> (notebook or raw text, expected). expected: a score, or ("not graded", reason words)."""
    sol = root / "solutions" / A / f"{A}.ipynb"
    gradebook = Course(root).gradebook_path
    victim = root / "submitted" / "correct" / A / f"{A}.ipynb"
    return {
        "correct": (answers(), FULL),
        "blank": (notebook(A, "notebooks"), 0),
        "loop_top": (answers(downsample="while True:\n    pass\n" + ANSWERS["downsample"]), FULL - POINTS["downsample"]),
        "loop_inside": (answers(downsample="def downsample(x, factor):\n    while True:\n        pass\n"),
                        FULL - POINTS["downsample"]),
        # hangs while grading and cannot be interrupted: a fresh process grades the rest
        "ignores_interrupts": (answers(pool2d=UNINTERRUPTIBLE), FULL - POINTS["pool2d"]),
        "ignores_sigint": (answers(pool2d="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n" + ANSWERS["pool2d"]),
                           FULL - POINTS["pool2d"]),  # flagged: changes signal handling
        # kills its kernel (and is flagged): a fresh process grades the rest
        "os_exit": (answers(upsample_nearest="import os\nos._exit(1)\n"), FULL - POINTS["upsample_nearest"]),
        "sys_exit": (answers(downsample="import sys\nsys.exit(0)\n" + ANSWERS["downsample"]), FULL - POINTS["downsample"]),
        "edited_test": (with_cell(answers(downsample=WRONG_DOWNSAMPLE), "test_downsample",
                                  lambda c: setattr(c, "source", "pass")), FULL - POINTS["downsample"]),
        "deleted_test": (without_cell(answers(downsample=WRONG_DOWNSAMPLE), "test_downsample"), FULL - POINTS["downsample"]),
        "metadata_changed": (with_cell(answers(), "test_downsample",
                                       lambda c: c.metadata.nbgrader.update(points=100, grade_id="test_downsample")), FULL),
        "invalid_json": ('{"cells": [', ("not graded", "invalid notebook")),
        # outside the subset (open, os, socket): flagged, and the sandboxed kernel still runs them for the feedback
        "reads_solutions": (answers(downsample=probe([str(sol), f"../../../solutions/{A}/{A}.ipynb"])),
                            FULL - POINTS["downsample"]),
        "reads_gradebook": (answers(downsample=probe([str(gradebook), "../../../.nbgrader/gradebook.db"])),
                            FULL - POINTS["downsample"]),
        "writes_outside": (answers(downsample=f'''
import os
WROTE = []
for p in [{str(root / "pwned.txt")!r}, {str(victim)!r}, "../../correct/{A}/{A}.ipynb", "../../../solutions/pwned.txt"]:
    try:
        with open(p, "w") as f:
            f.write("pwned")
        WROTE.append(p)
    except OSError:
        pass
''' + ANSWERS["downsample"]), FULL - POINTS["downsample"]),
        "network": (answers(downsample=f'''
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close()
    CONNECTED = True
except OSError:
    CONNECTED = False
''' + ANSWERS["downsample"].replace("    ### BEGIN SOLUTION",
                                      "    assert not CONNECTED, 'reached the network'\n    ### BEGIN SOLUTION")),
                    FULL - POINTS["downsample"]),
        "memory": (answers(pool2d=f'''
import torch
def pool2d(x, kernel_size, mode="max"):
    hog = torch.ones({2 * sandbox.MEMORY // 4})  # twice the memory limit, in float32
    return hog
'''), FULL - POINTS["pool2d"]),
        "process_loop": (answers(upsample_bilinear='''
import subprocess
STARTED = []
try:
    for _ in range(400):  # bounded: a broken limit costs the machine 400 sleeping processes, no more
        STARTED.append(subprocess.Popen(["sleep", "60"]))
except OSError:
    pass
''' + ANSWERS["upsample_bilinear"].replace("    ### BEGIN SOLUTION",
                                             "    assert len(STARTED) < 400, 'no process limit'\n    ### BEGIN SOLUTION")),
            FULL - POINTS["upsample_bilinear"]),  # contained by the process limit, and flagged: starts processes
    }


def zip_bytes(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, server):
    if sandbox.probe():
        pytest.fail(f"the grading sandbox cannot start here: {sandbox.probe()} (run `make sandbox`)")
    port, hits = server
    root = scratch_course(tmp_path_factory.mktemp("course"))
    handins = tmp_path_factory.mktemp("handins")
    rows = build_class(root, port)
    for student, (nb, _) in rows.items():
        text = nb if isinstance(nb, str) else nbformat.writes(nb)
        (handins / f"{student}.zip").write_bytes(zip_bytes({f"{A}/{A}.ipynb": text.encode()}))
    good = nbformat.writes(answers()).encode()
    (handins / "zipslip.zip").write_bytes(zip_bytes({f"../../{A}.ipynb": good, f"{A}.ipynb": good}))
    (handins / "bomb.zip").write_bytes(zip_bytes({f"{A}.ipynb": b"0" * (200 * 2**20)}))
    (handins / "wrongname.zip").write_bytes(zip_bytes({f"{A}-Copy1.ipynb": good}))
    (handins / "twice.zip").write_bytes(zip_bytes({f"{A}.ipynb": nbformat.writes(notebook(A, "notebooks")).encode()}))
    (handins / "twice (1).zip").write_bytes(zip_bytes({f"{A}.ipynb": good}))
    newer = (handins / "twice.zip").stat().st_mtime + 60
    os.utime(handins / "twice (1).zip", (newer, newer))
    handed_in = tree_digest(handins)
    printed: list[str] = []
    jobs = pipeline.autograde(Course(root), [A], out=printed.append, submissions_from=handins, runner=cluster.Dask(workers=2),
                              time_limit=90, cell_timeout=15)
    return dict(root=root, rows=rows, jobs={j.student: j for j in jobs}, printed="\n".join(printed),
                grades={r["student_id"]: r for r in Course(root).grades()}, hits=hits,
                handed_in=handed_in, handins=handins,
                report=(root / "reports" / "class_report.md").read_text())


STUDENTS = ["correct", "blank", "loop_top", "loop_inside", "ignores_interrupts", "ignores_sigint", "os_exit", "sys_exit",
            "edited_test", "deleted_test", "metadata_changed", "invalid_json", "reads_solutions", "reads_gradebook",
            "writes_outside", "network", "memory", "process_loop"]


@pytest.mark.parametrize("student", STUDENTS)
def test_row(graded_class, student):
    g = graded_class
    expected = g["rows"][student][1]
    job, row = g["jobs"][student], g["grades"][student]
    if isinstance(expected, tuple):
        assert not job.graded and expected[1] in job.reason, job.reason
        assert row["status"].startswith("not graded") and row["score"] == ""
        assert re.search(rf"^- {student}( \([^)]*\))? / {A}( \*)?: ", g["report"], re.M), g["report"]  # id (file) / assignment
        assert f"{student}/{A}: NOT GRADED" in g["printed"]
    else:
        assert job.graded, job.reason
        assert row["status"] == "graded" and float(row["score"]) == expected, (row, job)
        assert float(row["max_score"]) == FULL + sum(written(A).values()), "the written answers count in the maximum"
    # nobody's work affects anybody else's
    assert float(g["grades"]["correct"]["score"]) == FULL
    victim = g["root"] / "submitted" / "correct" / A / f"{A}.ipynb"
    assert nbformat.writes(answers()) == victim.read_text()


def test_attacks_left_no_trace(graded_class):
    g = graded_class
    root = g["root"]
    for student in ("reads_solutions", "reads_gradebook"):  # the kernel ran the probe: it opened nothing
        assert "SEEN []" in (root / "autograded" / student / A / f"{A}.ipynb").read_text(), student
    assert g["hits"] == [], "a student's kernel reached a server on 127.0.0.1"
    assert not (root / "pwned.txt").exists() and not (root / "solutions" / "pwned.txt").exists()
    assert "pwned" not in (root / "autograded" / "correct" / A / f"{A}.ipynb").read_text()
    leftovers = subprocess.run(["pgrep", "-f", "^sleep 60$"], capture_output=True, text=True).stdout.split()
    assert not leftovers, f"processes started by a student outlived grading: {leftovers}"


def test_hand_ins_are_filed_safely(graded_class):
    g = graded_class
    report, root = g["report"], g["root"]
    assert "zipslip: zipslip.zip: unsafe path '../../01_sampling.ipynb'" in report
    assert not (root / "submitted" / "zipslip").exists() and not (root.parent / f"{A}.ipynb").exists()
    assert "bomb: bomb.zip: the zip inflates to more than" in report and not (root / "submitted" / "bomb").exists()
    assert "wrongname: wrongname.zip: unexpected notebook '01_sampling-Copy1.ipynb'" in report
    assert "twice: ignored twice.zip, an older hand-in than twice (1).zip" in report
    assert float(g["grades"]["twice"]["score"]) == FULL, "the newest of two hand-ins is graded"
    assert tree_digest(g["handins"]) == g["handed_in"], "grading changed what students handed in"


def test_class_report_counts_passes_and_names_common_failures(graded_class):
    report = graded_class["report"]
    assert "| 01_sampling | downsample |" in report
    line = next(row for row in report.splitlines() if row.startswith("| 01_sampling | downsample |"))
    assert ("values differ" in line or "not attempted" in line or "NameError" in line
            or "outside the course's Python subset" in line)  # the sandbox probes are flagged now
    assert (graded_class["root"] / "reports" / "class_report.png").stat().st_size > 1000


def test_regrading_is_idempotent(graded_class):
    g = graded_class
    root = g["root"]
    again = ["correct", "edited_test", "blank"]
    submitted = tree_digest(root / "submitted")
    jobs = pipeline.autograde(Course(root), [A], out=lambda *_: None, runner=cluster.Dask(workers=2),
                               time_limit=90, cell_timeout=15, students=again)
    assert sorted(j.student for j in jobs) == sorted(again)
    after = {r["student_id"]: r for r in Course(root).grades()}
    assert {s: (after[s]["status"], after[s]["score"]) for s in again} == \
           {s: (g["grades"][s]["status"], g["grades"][s]["score"]) for s in again}
    assert tree_digest(root / "submitted") == submitted
