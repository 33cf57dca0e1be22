"""``make release`` and ``make autograde``: nbgrader, driven with the course's config.

Every nbgrader call goes through :func:`nbgrader`, which puts this environment's
``bin`` on PATH (nbgrader runs ``alembic`` by name when it creates a gradebook)
and passes the course root and gradebook explicitly, so the same code serves the
real course and the throw-away copies the tests make. Nothing here writes under
``solutions/`` or ``submitted/``.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from . import intake, report, sandbox
from .trusted.results import results_dir  # noqa: F401 (also the place tests and the benchmark ask)

ROOT = Path(__file__).resolve().parent.parent
CONFIG = Path(__file__).resolve().parent / "nbgrader_config"


class CourseError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""


def gradebook_path(root: Path) -> Path:
    return root / ".nbgrader" / "gradebook.db"


def nbgrader(args: list[str], root: Path = ROOT, quiet: bool = True, env: dict | None = None,
             timeout: float | None = None, check: bool = True, on_timeout=None):
    """Run ``nbgrader ARGS`` for the course at ``root``.

    Raises CourseError when it fails (unless ``check`` is False). With ``timeout``, the
    whole process group is killed when it runs longer, ``on_timeout`` is called, and
    None is returned.
    """
    gradebook_path(root).parent.mkdir(exist_ok=True)
    full_env = dict(os.environ)
    full_env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + full_env.get("PATH", "")
    full_env.update(env or {})
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--NbGrader.config_file={CONFIG}",
           f"--CourseDirectory.root={root}", f"--CourseDirectory.db_url={db_url(root)}"]
    if quiet:
        cmd.append("--log-level=WARN")
    proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        if on_timeout:
            on_timeout()
        proc.communicate()
        return None
    result = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    if check and result.returncode != 0:
        tail = "\n".join((stdout + stderr).strip().splitlines()[-15:])
        raise CourseError(f"`nbgrader {' '.join(args)}` failed:\n{tail}")
    return result


def db_url(root: Path) -> str:
    # Parallel graders share one SQLite gradebook: wait for a lock rather than fail.
    return f"sqlite:///{gradebook_path(root)}?timeout=120"


def assignments(root: Path = ROOT) -> list[str]:
    """Assignment names: the folders of ``solutions/`` that hold a notebook."""
    src = root / "solutions"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if src.is_dir() else []


def pick(names: list[str], root: Path = ROOT) -> list[str]:
    """``names`` checked against ``solutions/`` (all assignments when empty)."""
    known = assignments(root)
    for n in names:
        if n not in known:
            raise CourseError(f"unknown assignment {n!r}: the assignments are {', '.join(known) or 'none'} "
                              f"(folders of {root / 'solutions'})")
    return list(names) or known


def read_notebook(path: Path) -> dict:
    """The notebook's JSON; CourseError naming the file when it is not a notebook."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CourseError(f"{path} is not a valid notebook (not JSON: {e}); "
                          f"restore it from git or from the student's original upload") from None
    if not isinstance(nb, dict) or "cells" not in nb:
        raise CourseError(f"{path} is JSON but not a Jupyter notebook (no 'cells')")
    return nb


def release(names: list[str] = (), root: Path = ROOT) -> list[str]:
    """Regenerate ``notebooks/<name>/`` from ``solutions/<name>/``; return the assignments done."""
    done = pick(list(names), root)
    for name in done:
        for nb in sorted((root / "solutions" / name).glob("*.ipynb")):
            read_notebook(nb)
        nbgrader(["generate_assignment", name, "--force"], root)
    return done


def _register(name: str, root: Path) -> None:
    """Store the assignment's cells (hidden tests included) in the gradebook without touching notebooks/."""
    nbgrader(["generate_assignment", name, "--force", "--CourseDirectory.release_directory=.nbgrader/release"], root)


def submissions(name: str, root: Path) -> dict[str, list[Path]]:
    """Student id -> that student's notebooks for assignment ``name``."""
    found = {}
    for student in sorted(p for p in (root / "submitted").iterdir() if p.is_dir()):
        nbs = sorted((student / name).glob("*.ipynb"))
        if nbs:
            found[student.name] = nbs
    return found


@dataclass
class Job:
    """One student's submission of one assignment, and how grading it went."""
    assignment: str
    student: str
    graded: bool = False
    reason: str = ""  # why it could not be graded
    seconds: float = 0.0


def why_failed(output: str) -> str:
    """nbgrader's output when a submission could not be graded -> one line for the instructor."""
    if "DeadKernelError" in output or "Kernel died" in output or "kernel died" in output:
        return "kernel died (the notebook crashed its kernel, called os._exit, or ran out of memory)"
    if "Kernel didn't respond" in output or "UnresponsiveKernelError" in output:
        return "kernel did not start or stopped responding"
    if "CellTimeoutError" in output or "Timeout waiting for" in output:
        return "a cell timed out and the kernel could not be interrupted"
    lines = [l.strip() for l in output.strip().splitlines() if l.strip()]
    frames = [l for l in lines if l.startswith('File "')]  # where it failed, for a bug report
    return "nbgrader failed: " + (lines[-1][:200] if lines else "no output") + (f" ({frames[-1][:200]})" if frames else "")


def grade_one(job: Job, root: Path, sandboxed: bool, time_limit: float, cell_timeout: float | None = None) -> Job:
    """Autograde one submission, in a sandbox, within ``time_limit`` seconds."""
    start = time.perf_counter()
    work = root / ".nbgrader" / "jobs" / f"{job.assignment}--{job.student}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # The kernel's IPC sockets: a UNIX socket path may hold at most 107 bytes, so not under the course
    # root (a long root and a long student id, an email say, would not fit).
    runtime = Path(tempfile.mkdtemp(prefix="grading-"))
    record = results_dir(root) / job.assignment / f"{job.student}.json"
    record.unlink(missing_ok=True)
    # One torch thread per notebook: the jobs already fill the cores, and more threads only spin.
    env = {"JUPYTER_RUNTIME_DIR": str(runtime), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
           "COURSE_RESULTS": str(results_dir(root)), "COURSE_ROOT": str(root)}
    extra = [f"--student={job.student}", "--force"]
    limits = [f"--Execute.timeout={cell_timeout:g}"] if cell_timeout else []
    cgroups = None
    if sandboxed:
        env["JUPYTER_PATH"] = str(sandbox.install_kernelspec(work))
        cgroups = sandbox.Cgroups.create(f"{job.student}-{job.assignment}")
        env["COURSE_SANDBOX_CGROUPS"] = cgroups.env()
        kernel = [f"--Execute.kernel_name={sandbox.KERNEL_NAME}", "--KernelManager.transport=ipc",
                  f"--KernelManager.ip={runtime / 'kernel-ipc'}",
                  f"--KernelManager.connection_file={runtime / 'kernel.json'}"]
    else:
        kernel = []
    try:
        for attempt in (1, 2):
            proc = nbgrader(["autograde", job.assignment, *extra, *limits, *kernel], root, env=env,
                            timeout=time_limit, check=False, on_timeout=cgroups.kill if cgroups else None)
            if proc is None:
                job.reason = f"timed out: the notebook ran longer than {time_limit:g} s in all"
            elif proc.returncode != 0 or not (root / "autograded" / job.student / job.assignment).is_dir():
                job.reason = why_failed(proc.stdout + proc.stderr)
                if attempt == 1 and job.reason.startswith("nbgrader failed"):  # the grader's own error: once more
                    if cgroups:
                        cgroups.kill()
                    continue
            else:
                job.graded, job.reason = True, ""
            break
    finally:
        if cgroups:
            cgroups.remove()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(runtime, ignore_errors=True)
    if job.graded and not record.exists():
        job.graded, job.reason = False, "the trusted grader wrote no result record (see nbgrader's log)"
    if not job.graded:
        record.unlink(missing_ok=True)
        shutil.rmtree(root / "autograded" / job.student / job.assignment, ignore_errors=True)
        shutil.rmtree(root / "feedback" / job.student / job.assignment, ignore_errors=True)
    job.seconds = time.perf_counter() - start
    return job


def autograde(names: list[str] = (), root: Path = ROOT, out=print, submissions_from: Path | None = None,
              jobs: int | None = None, sandboxed: bool = True, time_limit: float = 900,
              cell_timeout: float | None = None, students: list[str] | None = None) -> list[Job]:
    """Grade every ``submitted/<student>/<assignment>/`` in parallel; write feedback/ and reports/.

    ``submissions_from``: a folder of zips or student folders to file under submitted/ first.
    ``time_limit``: seconds one notebook may run in all; ``cell_timeout``: seconds per cell
    (default: the config's); ``students``: grade only these. Returns one :class:`Job` per submission; those not graded carry the reason.
    """
    problems: list[str] = []
    if submissions_from is not None:
        if not submissions_from.is_dir():
            raise CourseError(f"{submissions_from} is not a folder: pass a folder of zip files or of student folders")
        catalogue = {nb.name: a for a in assignments(root) for nb in (root / "solutions" / a).glob("*.ipynb")}
        taken = intake.take_in(submissions_from, root, catalogue)
        problems += taken.problems
        out(f"filed {len(taken.filed)} notebooks from {submissions_from} under submitted/")
    if not (root / "submitted").is_dir():
        raise CourseError(f"no submitted/ folder in {root}: put each student's notebooks under "
                          f"submitted/<student>/<assignment>/, e.g. submitted/alice/01_sampling/01_sampling.ipynb, "
                          f"or pass SUBMISSIONS=<folder of zips>")
    if sandboxed:
        broken = sandbox.probe()
        if broken:
            raise CourseError(f"cannot sandbox student code: {broken}. Fix that, or grade without isolation "
                              f"with `make autograde UNSANDBOXED=1` (only for code you trust)")
    todo: list[Job] = []
    done: list[Job] = []
    for name in pick(list(names), root):
        for student, nbs in submissions(name, root).items():
            if students and student not in students:
                continue
            job = Job(name, student)
            try:
                for nb in nbs:
                    read_notebook(nb)
                todo.append(job)
            except CourseError as e:
                job.reason = f"invalid notebook: {e}"
                done.append(job)
    for name in sorted({j.assignment for j in todo}):
        _register(name, root)
    if sandboxed and todo:
        from . import data
        data.build_sample()  # sandboxed kernels see data/ read-only: build the offline CIFAR10 sample once, here
    workers = max(1, jobs or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool, \
            tqdm(total=len(todo), desc="grading", unit="notebook", disable=not todo) as bar:
        for job in pool.map(lambda j: grade_one(j, root, sandboxed, time_limit, cell_timeout), todo):
            bar.update()
            done.append(job)
    done.sort(key=lambda j: (j.assignment, j.student))
    for name in sorted({j.assignment for j in done if j.graded}):  # one nbgrader run per assignment
        graded = {j.student for j in done if j.graded and j.assignment == name}
        others = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{name}") if p.parent.name not in graded)
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(others)}"] if others else []
        nbgrader(["generate_feedback", name, "--force", *exclude], root)
    if gradebook_path(root).exists():
        (root / "reports").mkdir(exist_ok=True)
        nbgrader(["export", f"--to={root / 'reports' / 'nbgrader_grades.csv'}"], root)
        report.write(root, done, problems)
        summarize(root, done, out)
    for p in problems + [f"{j.student}/{j.assignment}: NOT GRADED: {j.reason}" for j in done if not j.graded]:
        out(p)
    return done


def grades(root: Path = ROOT) -> list[dict]:
    """Rows of ``reports/grades.csv``: assignment, student_id, status, score, max_score."""
    path = root / "reports" / "grades.csv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summarize(root: Path, jobs: list[Job], out=print) -> None:
    if not jobs:
        return
    scores = {(r["student_id"], r["assignment"]): r for r in grades(root)}
    width = max(len("student"), *(len(j.student) for j in jobs))
    out(f"{'student'.ljust(width)}  {'assignment':<24}  score")
    for j in jobs:
        r = scores.get((j.student, j.assignment), {})
        result = f"{float(r['score']):g} / {float(r['max_score']):g}" if j.graded and r else f"NOT GRADED ({j.reason})"
        out(f"{j.student.ljust(width)}  {j.assignment:<24}  {result}")
    out(f"grades: {root / 'reports' / 'grades.csv'}   class report: {root / 'reports' / 'class_report.md'}   "
        f"feedback: {root / 'feedback'}/<student>/<assignment>/")
