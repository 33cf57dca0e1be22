"""`make bench` (second part): grading a class serially and in parallel.

Generates BENCH_STUDENTS students (default 40); student i hands in assignment i mod the
number of assignments (the solution notebook). Grades them once with one job and once
with one job per core, each time in a fresh copy of the course, sandboxed, and prints
students per minute for both and their ratio (target at least 1.7x on 2 cores). Also
prints the fixed cost of one notebook, a sandboxed kernel starting and importing torch,
next to the measured seconds per notebook.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course import assignments, hand_in, notebook, scratch_course  # noqa: E402

from grader import pipeline, sandbox  # noqa: E402


def grade_class(n: int, jobs: int) -> float:
    """Seconds to grade ``n`` generated students with ``jobs`` workers (registration included)."""
    names = assignments()
    with tempfile.TemporaryDirectory() as tmp:
        root = scratch_course(Path(tmp))
        for i in range(n):
            a = names[i % len(names)]
            hand_in(root, f"student{i:03d}", a, notebook(a))
        start = time.perf_counter()
        done = pipeline.autograde(root=root, out=lambda *_: None, jobs=jobs)
        seconds = time.perf_counter() - start
        assert all(j.graded for j in done), [j for j in done if not j.graded]
    return seconds


def kernel_overhead(runs: int = 3) -> float:
    """Mean seconds for a sandboxed kernel to start and import torch."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["JUPYTER_PATH"] = str(sandbox.install_kernelspec(work))
        (work / "nb").mkdir()
        cfg = Config()
        cfg.KernelManager.transport = "ipc"
        cfg.KernelManager.ip = str(work / "kernel-ipc")
        cfg.KernelManager.connection_file = str(work / "kernel.json")
        for _ in range(runs):
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import torch")])
            cgroups = sandbox.Cgroups.create("bench")
            os.environ["COURSE_SANDBOX_CGROUPS"] = cgroups.env()
            start = time.perf_counter()
            NotebookClient(nb, config=cfg, kernel_name=sandbox.KERNEL_NAME,
                           resources={"metadata": {"path": str(work / "nb")}}).execute(stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
            cgroups.remove()
    return sum(times) / len(times)


def main() -> int:
    n = int(os.environ.get("BENCH_STUDENTS", "40"))
    cores = os.cpu_count() or 1
    problem = sandbox.probe()
    if problem:
        print(f"cannot benchmark sandboxed grading: {problem}")
        return 1
    print(f"\ngrading {n} students, each handing in one of {len(assignments())} assignments, sandboxed")
    overhead = kernel_overhead()
    serial = grade_class(n, 1)
    parallel = grade_class(n, cores)
    print(f"  serial (1 job)        {serial:7.1f} s   {60 * n / serial:6.1f} students/min   "
          f"{serial / n:5.1f} s per notebook")
    print(f"  parallel ({cores} jobs)     {parallel:7.1f} s   {60 * n / parallel:6.1f} students/min")
    ratio = serial / parallel
    print(f"  speed-up              {ratio:7.2f}x   {'ok' if ratio >= 1.7 else 'UNDER'} (target 1.7x on 2 cores)")
    print(f"  fixed cost per notebook: {overhead:.1f} s (sandboxed kernel start + import torch) "
          f"of {serial / n:.1f} s measured per notebook")
    return 0 if ratio >= 1.7 else 1


if __name__ == "__main__":
    raise SystemExit(main())
