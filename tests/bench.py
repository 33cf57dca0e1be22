"""`make bench`: how long the course takes, per notebook and per exercise, on this machine.

Prints, for every assignment: seconds to execute the solution notebook top to bottom,
seconds to autograde one submission with nbgrader (gradebook registration included), split
into the sandboxed kernel's start, the notebook's cells (import torch, explanations, the
student's solutions), the trusted checks, and nbgrader's own start and steps; the grading
worker's start and each exercise's cost in its fresh forked process;
and for every exercise the seconds its test cell (visible and hidden tests) takes on a
correct implementation written as plain loops (tests/students). Targets on 2 cores:
a notebook executes in at most 45 s; one exercise's tests take at most 3 s.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course import ROOT, assignments, exercises, hand_in, notebook, run_exercise, scratch_course
from grader import pipeline
from grader.course import Course
from grader.runtime import progress
from grader.trusted import results
from students import students

NOTEBOOK_TARGET = {"08_cifar10_tensorboard": 90.0}
EXERCISE_TARGET = 3.0


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def verdict(seconds: float, target: float) -> str:
    return f"ok (target {target:g} s)" if seconds <= target else f"OVER target {target:g} s"


def main(names: list[str]) -> int:
    over = 0
    for a in names or assignments():
        print(f"\n{a}")
        (path,) = sorted((ROOT / "solutions" / a).glob("*.ipynb"))
        target = NOTEBOOK_TARGET.get(a, 45.0)
        t = timed(progress.run, path, progress=False)
        over += t > target
        print(f"  execute solution notebook      {t:6.1f} s   {verdict(t, target)}")
        with tempfile.TemporaryDirectory() as tmp:
            root = scratch_course(Path(tmp))
            hand_in(root, "student", a, notebook(a))
            pipeline.autograde(Course(root), [a], out=lambda *_: None)  # registers the assignment
            t = timed(pipeline.autograde, Course(root), [a], out=lambda *_: None)
            record = results.read(pipeline.results_dir(root), a, "student")
            split = record["timings"]
        rest = t - split["kernel_start"] - split["cells"] - split["checks"]
        print(f"  autograde one submission       {t:6.1f} s   = cluster start, nbgrader, feedback, reports {rest:.1f}"
              f" + kernel start {split['kernel_start']:.1f} + cells {split['cells']:.1f} (solution cells "
              f"{split['solution_cells']:.2f}) + trusted checks {split['checks']:.1f}")
        per = ", ".join(f"{e['exercise']} {e['seconds']:.2f}" for e in record["exercises"])
        print(f"  grading worker: start {split.get('worker_start', 0):.1f} s (torch, the release's cells; while the kernel"
              f" runs); per exercise, a fresh process with its cases and references: {per} s")
        for name in exercises(a):
            t = timed(run_exercise, a, name, students(a).LOOP[name])
            over += t > EXERCISE_TARGET
            print(f"  tests of {name:<22}{t:6.2f} s   {verdict(t, EXERCISE_TARGET)}  (loop implementation)")
        for line in getattr(students(a), "BENCH", list)():  # extra measures an assignment defines
            print(line)
    print(f"\n{'all within target' if not over else f'{over} over target'}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
