"""`make bench` (second part): grading a class on one machine, and where the time goes.

Generates BENCH_STUDENTS students (default 40); student i hands in assignment i mod 8 (its
solutions notebook). Grades them with one worker, then with one worker per core, each time in
a fresh copy of the course, sandboxed, registration, feedback and reports included. Prints:

- students per minute for both, and the ratio to the 5.1 students/min of 2026-11-22 (2 cores,
  one ``nbgrader`` process per student; target: at least 3x);
- per assignment, where a notebook's time goes (from the trusted result records): kernel start,
  the notebook's cells, of which the student's solution cells, the checks, and the rest
  (nbgrader's own steps in the worker);
- the floor, the checks plus the solution cells, and the class throughput at the floor;
- the fixed cost per class (registration, cluster start, feedback, reports);
- peak memory of a worker process and of a grading kernel.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course import assignments, hand_in, notebook, scratch_course
from grader import cluster, pipeline
from grader.course import Course
from grader.trusted import sandbox

BEFORE = 5.1  # students/min on 2 cores, 2026-11-22 (docs/scaling.md, before Dask workers)


class Memory(threading.Thread):
    """Peak resident memory of grading workers and kernels, sampled twice a second."""

    def __init__(self):
        super().__init__(daemon=True)
        self.worker = self.kernel = 0
        self.running = True

    def run(self):
        me = psutil.Process()
        while self.running:
            for p in me.children(recursive=True):
                try:
                    cmd, rss = " ".join(p.cmdline()), p.memory_info().rss
                except psutil.Error:
                    continue
                if "ipykernel_launcher" in cmd:
                    self.kernel = max(self.kernel, rss)
                elif "spawn_main" in cmd:
                    self.worker = max(self.worker, rss)
            time.sleep(0.5)


def grade_class(n: int, workers: int) -> dict:
    """Grade ``n`` generated students on ``workers`` workers; seconds in all and in the grading loop, records."""
    names = assignments()
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch_course(Path(tmp))
        for i in range(n):
            a = names[i % len(names)]
            hand_in(root, f"student{i:03d}", a, notebook(a))
        marks = {}

        def out(line: str):
            if line.startswith("grading ") and "grading" not in marks:
                marks["grading"] = time.perf_counter()
            if line.startswith("graded ") and "graded" not in marks:
                marks["graded"] = time.perf_counter()

        start = time.perf_counter()
        done = pipeline.autograde(Course(root), out=out, runner=cluster.Dask(workers=workers))
        seconds = time.perf_counter() - start
        assert all(j.graded for j in done), [j for j in done if not j.graded]
        records = [json.loads(p.read_text()) for p in pipeline.results_dir(root).glob("*/*.json")]
        jobs = {(j.assignment, j.student): j.seconds for j in done}
        for r in records:
            r["job_seconds"] = jobs[(r["assignment"], r["student"])]
    return {"seconds": seconds, "loop": marks["graded"] - marks["grading"], "records": records}  # loop: the jobs alone


def main() -> int:
    n = int(os.environ.get("BENCH_STUDENTS", "40"))
    cores = os.cpu_count() or 1
    problem = sandbox.probe()
    if problem:
        print(f"cannot benchmark sandboxed grading: {problem}")
        return 1
    print(f"\ngrading {n} students, each handing in one of {len(assignments())} assignments, sandboxed, on Dask workers")
    memory = Memory()
    memory.start()
    serial = grade_class(n, 1)
    parallel = grade_class(n, cores)
    memory.running = False
    rate = 60 * n / parallel["seconds"]
    print(f"  1 worker              {serial['seconds']:7.1f} s   {60 * n / serial['seconds']:6.1f} students/min")
    print(f"  {cores} workers (1/core)   {parallel['seconds']:7.1f} s   {rate:6.1f} students/min   "
          f"speed-up {serial['seconds'] / parallel['seconds']:.2f}x over 1 worker")
    ratio = rate / BEFORE
    print(f"  vs {BEFORE} students/min before (2 cores, one nbgrader process per student): {ratio:.2f}x "
          f"{'ok' if ratio >= 3 else 'UNDER'} (target 3x)")

    print("\nwhere a notebook's time goes, 1 worker (seconds, mean per assignment)")
    parts = ("kernel_start", "cells", "solution_cells", "checks")
    print(f"  {'assignment':<24} {'job':>6} {'kernel':>7} {'cells':>6} {'(solution)':>10} {'checks':>7} {'rest':>6} {'floor':>6}")
    by = defaultdict(list)
    for r in serial["records"]:
        by[r["assignment"]].append(r)
    totals = defaultdict(float)
    for a, recs in sorted(by.items()):
        mean = {k: sum(r["timings"][k] for r in recs) / len(recs) for k in parts}
        job = sum(r["job_seconds"] for r in recs) / len(recs)
        rest = job - mean["kernel_start"] - mean["cells"] - mean["checks"]
        floor = mean["checks"] + mean["solution_cells"]
        for k, v in [*mean.items(), ("job", job), ("rest", rest), ("floor", floor)]:
            totals[k] += v * len(recs)
        print(f"  {a:<24} {job:6.2f} {mean['kernel_start']:7.2f} {mean['cells']:6.2f} {mean['solution_cells']:10.2f} "
              f"{mean['checks']:7.2f} {rest:6.2f} {floor:6.2f}")
    m = {k: v / n for k, v in totals.items()}
    print(f"  {'all':<24} {m['job']:6.2f} {m['kernel_start']:7.2f} {m['cells']:6.2f} {m['solution_cells']:10.2f} "
          f"{m['checks']:7.2f} {m['rest']:6.2f} {m['floor']:6.2f}")
    print(f"  floor (checks + solution cells): {m['floor']:.2f} s per notebook, {cores * 60 / m['floor']:.0f} students/min "
          f"on {cores} cores; measured {rate:.1f} ({rate / (cores * 60 / m['floor']):.0%} of the floor)")
    for label, run in (("1 worker", serial), (f"{cores} workers", parallel)):
        print(f"  fixed cost per class, {label}: {run['seconds'] - run['loop']:.1f} s (registration, cluster start, "
              f"feedback, reports) of {run['seconds']:.1f} s")
    print(f"  peak memory: a worker process {memory.worker / 2**30:.2f} GiB, a grading kernel {memory.kernel / 2**30:.2f} GiB")
    return 0 if ratio >= 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
