"""The distributed path with real parts: a Dask scheduler and two workers, and a PostgreSQL gradebook.

A standalone ``dask scheduler`` and two ``dask worker`` processes listen on 127.0.0.1; the
gradebook is a PostgreSQL server from Debian's package (``make postgres`` installs it), started
here in a temporary folder. Two assignments of the shared class of test_autograde (six notebooks
of four students, and two invalid ones) are graded through them while one worker is killed
mid-run; grades, result records, feedback and the class report's lines must equal the local
path's, with every submission graded once. (Two, not eight: the local run already covers every
assignment; what is tested here is the path, and each notebook costs half a minute of CI.)
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from course import scratch_course
from grader import cluster, pipeline
from grader.course import Course

pytestmark = pytest.mark.slow
ASSIGNMENTS = ["01_sampling", "05_padding_layers"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A private PostgreSQL server on 127.0.0.1; yields its SQLAlchemy URL."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    assert found, "PostgreSQL is not installed: run `make postgres` (Debian's postgresql package)"
    bin_dir = found[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="pg-"))
    as_postgres = []
    if os.getuid() == 0:  # initdb refuses to run as root: the package's postgres user runs the server
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def run(*cmd):
        return subprocess.run([*as_postgres, *map(str, cmd)], check=True, capture_output=True, text=True)

    run(bin_dir / "initdb", "-D", folder / "db", "-A", "trust", "-U", "grader", "--no-sync")
    run(bin_dir / "pg_ctl", "-D", folder / "db", "-l", folder / "log", "-w", "-o",
        f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off", "start")
    try:
        run(bin_dir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "grader", "gradebook")
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        run(bin_dir / "pg_ctl", "-D", folder / "db", "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` and two single-thread ``dask worker`` processes; yields (address, workers)."""
    logs = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
           "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    dask = Path(sys.executable).parent / "dask"
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(logs / "scheduler.log", "w"), start_new_session=True)]
    # No nanny: a killed worker stays dead, so the other one has to take over its job.
    workers = [subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                 "--host", "127.0.0.1", "--name", f"grader-{i}"], env=env, stdout=subprocess.DEVNULL,
                                stderr=open(logs / f"worker-{i}.log", "w"), start_new_session=True) for i in range(2)]
    procs += workers
    try:
        from distributed import Client
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, workers
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=5)  # a worker with no nanny can take 20 s to close; nothing of it is kept
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def kill_when(root: Path, worker: subprocess.Popen, after: int, killed: list) -> threading.Thread:
    """A thread that SIGKILLs ``worker`` once ``after`` notebooks have come back (others are mid-run)."""
    def watch():
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if len(list((root / "autograded").glob("*/*/*.ipynb"))) >= after:
                worker.send_signal(signal.SIGKILL)
                killed.append(time.monotonic())
                return
            time.sleep(0.2)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


# What differs between two runs of the same notebook, graded or not: times, scratch folders (06 logs to a
# fresh temp folder while graded), widget and element ids (08's progress bars), and how the kernel split a
# cell's printed lines into messages (so the page's text is compared, without tags and spaces).
RUN_TO_RUN = [(r"<[^>]+>", ""), (r"\d{4}-\d\d-\d\d[ T][\d:.]+(\+00:00| UTC)?", "<time>"), (r"/tmp/[\w./-]+", "<tmp>"),
              (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}", "<id>")]


def strip(text: str) -> str:
    for pattern, replacement in RUN_TO_RUN:
        text = re.sub(pattern, replacement, text)
    return "".join(text.split())


def same_text(path: Path, local_root: Path, root: Path) -> str:
    return path.read_text().replace(str(root), "<course>").replace(str(local_root), "<course>")


@pytest.fixture(scope="module")
def distributed(shared_class, postgres, dask_cluster, tmp_path_factory):
    local_root = shared_class.root
    address, workers = dask_cluster
    root = scratch_course(tmp_path_factory.mktemp("course"))
    for folder in sorted((local_root / "submitted").glob("*/*")):
        if folder.name in ASSIGNMENTS:
            shutil.copytree(folder, root / folder.relative_to(local_root))
    # the same course: its secret salts the hidden cases (a copy of a course keeps it, with the gradebook)
    (root / ".nbgrader").mkdir(exist_ok=True)
    shutil.copyfile(local_root / ".nbgrader" / "course_secret", root / ".nbgrader" / "course_secret")
    killed: list = []
    watcher = kill_when(root, workers[0], after=3, killed=killed)
    printed: list = []
    results = pipeline.autograde(Course(root, postgres), out=printed.append, runner=cluster.Dask(address))
    watcher.join(timeout=1)
    return local_root, root, results, killed, printed, workers, postgres


def test_one_worker_was_killed_mid_run_and_every_notebook_was_graded(distributed, shared_class):
    _, root, results, killed, printed, workers, _ = distributed
    assert killed and workers[0].poll() is not None, "the test did not kill a worker mid-run"
    assert any("2 workers at tcp://127.0.0.1" in line for line in printed)

    def outcome(r, course):
        return r.graded, r.reason.replace(str(course), "<course>")

    local = {(r.student, r.assignment): outcome(r, shared_class.root) for r in shared_class.results
             if r.assignment in ASSIGNMENTS}
    assert {(r.student, r.assignment): outcome(r, root) for r in results} == local
    assert sum(r.graded for r in results) == 6


def test_grades_records_and_feedback_equal_the_local_path(distributed):
    local_root, root = distributed[:2]

    def table(course):
        return {(r["student_id"], r["assignment"]): r for r in csv.DictReader(io.StringIO(
            same_text(course / "reports" / "grades.csv", local_root, root))) if r["assignment"] in ASSIGNMENTS}

    assert table(root) == table(local_root) and len(table(root)) == 8
    for record in (local_root / ".nbgrader" / "results").glob("*/*.json"):
        if record.parent.name not in ASSIGNMENTS:
            continue
        mine, theirs = json.loads((root / record.relative_to(local_root)).read_text()), json.loads(record.read_text())
        for rec in (mine, theirs):  # everything but how long it took
            rec.pop("timings"), rec.pop("seconds")
            for e in rec["exercises"]:
                e.pop("seconds")
        assert mine == theirs, record.name
    pages = sorted(p.relative_to(local_root) for p in (local_root / "feedback").glob("*/*/*.html")
                   if p.parent.name in ASSIGNMENTS)
    assert len(pages) == 6 and pages == sorted(p.relative_to(root) for p in (root / "feedback").glob("*/*/*.html"))
    for page in pages:
        assert strip(same_text(root / page, local_root, root)) == strip(same_text(local_root / page, local_root, root)), page

    def report(course):  # the lines of the two assignments: their exercise rows and their students' items
        return [line for line in same_text(course / "reports" / "class_report.md", local_root, root).splitlines()
                if line.startswith(tuple(f"| {a} |" for a in ASSIGNMENTS))
                or (line.startswith("- ") and any(f" / {a}" in line for a in ASSIGNMENTS))]

    assert report(root) == report(local_root) and len(report(root)) > 8


def test_postgres_gradebook_holds_each_submission_once(distributed):
    from nbgrader.api import Gradebook
    local_root, root, results, *_, postgres = distributed
    with Gradebook(postgres) as gb:
        submitted = sorted((s.student.id, s.assignment.name) for a in gb.assignments for s in a.submissions)
        scores = {(s.student.id, s.assignment.name): s.score for a in gb.assignments for s in a.submissions}
    assert submitted == sorted((r.student, r.assignment) for r in results if r.graded)
    with Gradebook(Course(local_root).db_url) as gb:
        local = {(s.student.id, s.assignment.name): s.score for a in gb.assignments for s in a.submissions
                 if a.name in ASSIGNMENTS}
    assert scores == local


def test_a_remote_cluster_with_a_sqlite_gradebook_is_refused(tmp_path, dask_cluster):
    root = scratch_course(tmp_path)
    (root / "submitted").mkdir()
    with pytest.raises(pipeline.CourseError, match="GRADEBOOK_URL=postgresql"):
        pipeline.autograde(Course(root), runner=cluster.Dask(dask_cluster[0]), out=lambda *_: None)
