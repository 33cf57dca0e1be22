"""One grading job: one student's submission of one assignment, graded where a worker runs it.

:func:`grade` is what a Dask worker runs (:mod:`grader.cluster`). It needs nothing of the
instructor's machine but what the :class:`Job` carries and the gradebook's URL: the
submission's files, the release notebooks (for the static tamper scan) and the course's
fingerprint. It lays them out in a private scratch course under ``/tmp``, drives nbgrader's
``Autograde`` converter in this process (nbgrader and torch are imported once per worker, not
once per student), and returns the autograded notebooks and the trusted result record as bytes
and plain data. The student's cells run in a sandboxed kernel started for this job alone; no
job sees another's files. A job writes nothing but its scratch folder and its own rows of the
gradebook, so running it twice (a worker died) gives the same result.
"""
from __future__ import annotations

import functools
import hashlib
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .runtime.cells import RELEASES
from .trusted import results

PACKAGE = Path(__file__).resolve().parent
CONFIG = PACKAGE / "nbgrader_config.py"


@dataclass(frozen=True)
class Job:
    """What a worker needs to grade one submission; plain data, so it travels to any worker."""
    assignment: str
    student: str
    files: dict  # name -> bytes: the submission folder's notebooks (and timestamp.txt)
    release: dict  # edition folder -> name -> bytes: notebooks(-zh)/<assignment>/*.ipynb as released (the scan's baseline)
    db_url: str
    sandboxed: bool = True
    time_limit: float = 900.0  # seconds for the whole notebook
    cell_timeout: float | None = None  # seconds per cell (default: the course config's)
    fingerprint: str = ""  # the instructor's grader; a worker with another one refuses the job
    salt: str = ""  # the course secret (decimal) that the hidden cases' random inputs depend on

    @property
    def key(self) -> str:
        return f"{self.assignment}/{self.student}"


@dataclass
class Result:
    """How one job went. ``files``: the submission's files as autograded; ``record``: the trusted verdicts."""
    assignment: str
    student: str
    graded: bool = False
    reason: str = ""  # why it could not be graded
    seconds: float = 0.0
    files: dict = field(default_factory=dict)
    record: dict | None = None
    worker: str = ""


def fingerprint() -> str:
    """A hash of the code that decides scores (exercise specs, runtime, trusted harness, config), as on disk now."""
    h = hashlib.sha256()
    for folder in ("exercises", "public", "runtime", "trusted"):
        for p in sorted((PACKAGE / folder).glob("*.py")):
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    h.update(CONFIG.read_bytes())
    return h.hexdigest()[:16]


@functools.cache
def loaded_fingerprint() -> str:
    """:func:`fingerprint` as this process first read it: a worker's code is what it imported when it
    started, whatever has changed on disk since."""
    return fingerprint()


def why_failed(output: str) -> str:
    """nbgrader's log when a submission could not be graded -> one line for the instructor."""
    if "DeadKernelError" in output or "Kernel died" in output or "kernel died" in output:
        return "kernel died (the notebook crashed its kernel, called os._exit, or ran out of memory)"
    if "Kernel didn't respond" in output or "UnresponsiveKernelError" in output:
        return "kernel did not start or stopped responding"
    if "CellTimeoutError" in output or "Timeout waiting for" in output:
        return "a cell timed out and the kernel could not be interrupted"
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    frames = [line for line in lines if line.startswith('File "')]  # where it failed, for a bug report
    return "nbgrader failed: " + (lines[-1][:200] if lines else "no output") + (f" ({frames[-1][:200]})" if frames else "")


@functools.cache
def base_config():
    """The course's nbgrader config, read once per process."""
    from traitlets.config.loader import PyFileConfigLoader
    return PyFileConfigLoader(CONFIG.name, path=str(PACKAGE)).load_config()


def nbgrader_step(converter: str, config, **coursedir) -> dict:
    """nbgrader's ``converter`` (``Autograde``, ``GenerateAssignment``, ``GenerateFeedback``) run in this
    process, forced, on the course that ``coursedir`` (root, db_url, assignment_id, ...) describes;
    nbgrader's own ``capture_log`` result: ``success``, ``log``, ``error``."""
    import nbgrader.converters
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    app = getattr(nbgrader.converters, converter)(coursedir=CourseDirectory(config=config, **coursedir), config=config)
    app.force = True
    return capture_log(app)


def returned(folder: Path, names) -> dict:
    """The files of the autograded ``folder`` that go back to the instructor: those named ``names`` (the
    submission's own files), when they are plain files. Anything else the student's code left there (another
    notebook, a link to a file outside) stays behind."""
    files = {}
    for name in names:
        try:
            fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as f:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                files[name] = f.read()
    return files


def _write(folder: Path, files: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if Path(name).name != name or name.startswith("."):  # filed by the intake; never a path
            raise ValueError(f"bad file name in job: {name!r}")
        (folder / name).write_bytes(data)


def grade(job: Job) -> Result:
    """Grade ``job`` in this process (a Dask worker runs one job at a time, so the process's
    environment is the job's while it runs). Never raises for a student's doing."""
    start = time.perf_counter()
    result = Result(job.assignment, job.student, worker=socket.gethostname())
    if job.fingerprint and job.fingerprint != loaded_fingerprint():
        result.reason = (f"this worker's grader ({loaded_fingerprint()}) differs from the instructor's ({job.fingerprint}): "
                         f"give the worker the same checkout of the course")
        return result
    from .trusted import sandbox
    if job.sandboxed:
        from . import data
        data.build_sample()  # the sandbox sees data/ read-only (cheap when it is there)
    scratch = Path(tempfile.mkdtemp(prefix="grading-"))  # short: the kernel's UNIX sockets live here
    course = scratch / "course"
    env = {"JUPYTER_RUNTIME_DIR": str(scratch / "rt"), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    cgroups = None
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "COURSE_SANDBOX_CGROUPS", *env)}
    try:
        _write(course / "submitted" / job.student / job.assignment, job.files)
        for edition, files in job.release.items():
            if edition not in RELEASES:
                raise ValueError(f"bad release folder in job: {edition!r}")
            _write(course / edition / job.assignment, files)
        (scratch / "rt").mkdir()
        overrides = {"TrustedExecute": {"results_dir": str(scratch / "results"), "release_root": str(course),
                                        "time_limit": float(job.time_limit), "sandboxed": job.sandboxed,
                                        "salt": job.salt}}
        if job.cell_timeout:
            overrides["Execute"] = {"timeout": int(job.cell_timeout)}
        if job.sandboxed:
            env["JUPYTER_PATH"] = str(sandbox.install_kernelspec(scratch / "spec"))
            cgroups = sandbox.Cgroups.create(f"{job.student}-{job.assignment}"[:60])
            env["COURSE_SANDBOX_CGROUPS"] = cgroups.env()
            overrides["Execute"] = {**overrides.get("Execute", {}), "kernel_name": sandbox.KERNEL_NAME}
            overrides["KernelManager"] = {"transport": "ipc", "ip": str(scratch / "rt" / "kernel-ipc"),
                                          "connection_file": str(scratch / "rt" / "kernel.json")}
        os.environ.update(env)
        # Past the time limit the harness stops at its next cell; killing the kernel ends the cell it is in.
        watchdog = threading.Timer(job.time_limit, cgroups.kill) if cgroups else None
        if watchdog:
            watchdog.daemon = True
            watchdog.start()
        try:
            for attempt in (1, 2):
                outcome = _autograde(job, course, overrides)
                if outcome is None:
                    break
                result.reason = outcome
                if attempt == 1 and outcome.startswith("nbgrader failed"):  # the grader's own error: once more
                    if cgroups:
                        cgroups.kill()
                    continue
                break
        finally:
            if watchdog:
                watchdog.cancel()
        if outcome is None:
            result.record = results.read(scratch / "results", job.assignment, job.student)
            if result.record is None:
                result.reason = "the trusted grader wrote no result record"
            else:
                result.files = returned(course / "autograded" / job.student / job.assignment, job.files)
                result.graded, result.reason = True, ""
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if cgroups:
            cgroups.remove()
        shutil.rmtree(scratch, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result


def _autograde(job: Job, course: Path, overrides: dict) -> str | None:
    """nbgrader's Autograde converter on the scratch course: None when it graded, else why not."""
    from traitlets.config import Config

    from .trusted.harness import NotebookTimeLimit

    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy's notes on nbgrader's sessions
    config = Config(base_config())
    config.merge(Config(overrides))
    out = nbgrader_step("Autograde", config, root=str(course), db_url=job.db_url,
                        assignment_id=job.assignment, student_id=job.student)
    log = (out.get("log") or "") + "\n" + (out.get("error") or "")
    if NotebookTimeLimit.__name__ in log:
        return f"timed out: the notebook ran longer than {job.time_limit:g} s in all"
    if not out["success"] or not (course / "autograded" / job.student / job.assignment).is_dir():
        return why_failed(log)
    return None
