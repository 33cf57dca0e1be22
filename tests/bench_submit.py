"""`make bench` (third part): grading on submit, from a submission landing in the exchange to its feedback page.

The class hub's grading service (``grader.hub.SubmitGrader``) is run here on a scratch course and a scratch
exchange, sandboxed, as the hub runs it: one student alone on an idle machine, first as the service's first
submission (its workers start) and then with its workers running, then BENCH_SUBMITTERS students (default 10)
whose submissions of 01_sampling land in the same second. Prints, for each, the seconds from the
submission to its feedback page: the first, the median and the last student.

What it leaves out: the service's poll interval (up to 2 s), and nbgrader's own submit and fetch_feedback in the
student's server (about a second each; tests/instructor/test_hub.py measures the whole path for one student on a real hub).
The students here are not system users: the service's check that an inbound folder belongs to the student it
names is replaced by the folder's name (tests/instructor/test_on_submit.py and tests/instructor/test_hub.py test that check).
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from classhub import submit
from course import notebook, scratch_course
from grader import hub
from grader.course import Course
from grader.trusted import sandbox

A = "01_sampling"


def submit_all(exchange: Path, students: list[str]) -> None:
    """Submissions as nbgrader's submit leaves them in ``inbound/``, all in the same second."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime())
    for s in students:
        submit(exchange, f"{s}+{A}+{stamp}+{os.urandom(4).hex()}", notebook(A))


def latencies(n: int, warm: bool = True) -> list[float]:
    """Seconds from submission to feedback page for ``n`` students who submit at once, on a fresh course; ``warm``:
    the service's workers are already running (every submission but the service's first)."""
    with tempfile.TemporaryDirectory() as tmp:
        course = scratch_course(Path(tmp) / "course")
        exchange = Path(tmp) / "exchange" / "feature-map-layers"
        students = [f"student{i:02d}" for i in range(n)]
        grader = hub.SubmitGrader(Course(course), exchange, Path(tmp) / "on_submit.json", out=lambda *_: None)
        answer = grader._answer
        done: list[float] = []

        def timed(*args, **kwargs):  # a page is written: its student has feedback now
            answer(*args, **kwargs)
            done.append(time.perf_counter() - start)

        grader._answer = timed
        try:
            if warm:  # the service's workers are up (they start with its first submission and stay)
                grader.workers()
            start = time.perf_counter()
            submit_all(exchange, students)
            grader.run_once()
        finally:
            grader.close()
        assert len(done) == n, f"{len(done)} feedback pages for {n} submissions"
        assert all(s["status"] == "graded" for s in grader.state.values()), grader.state
        return sorted(done)


def main() -> int:
    problem = sandbox.probe()
    if problem:
        print(f"cannot benchmark sandboxed grading: {problem}")
        return 1
    hub._owner = lambda path: path.name.split("+")[0]  # see the module's docstring
    n = int(os.environ.get("BENCH_SUBMITTERS", "10"))
    print(f"\ngrading on submit ({A}, sandboxed, {os.cpu_count()} cores): seconds from submission to feedback page")
    for count, warm in ((1, False), (1, True), (n, True)):
        t = latencies(count, warm)
        print(f"  {count:>2} student{'s' if count > 1 else ' '} at once, {'workers running' if warm else 'first of the day'}"
              f"   first {t[0]:6.1f}   median {statistics.median(t):6.1f}   last {t[-1]:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
