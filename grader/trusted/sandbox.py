"""The grading sandbox: every student's kernel runs under bubblewrap with limits.

nbgrader starts kernels through the ``course-sandbox`` kernelspec that
:func:`install_kernelspec` writes; its command is ``python -m grader.trusted.sandbox
<kernel command>``, which joins the job's cgroups (process and memory limits),
caps the address space, and execs ``bwrap`` so that the kernel sees:

- its own working directory (the student's ``autograded/<student>/<assignment>/``), writable;
- the folder of its connection file (the kernel's IPC sockets), writable;
- the system, the Python environment, ``data/`` and the learner's part of the ``grader`` package
  (``grader/__init__.py``, ``grader/runtime/``, the public specs ``grader/public/``, ``grader/data.py``, the
  explorers ``grader/explore/``), read-only: never the hidden specs, the trusted grader or the instructor tools;
- a private ``/tmp``, no network, its own process namespace, and nothing else of the course:
  not ``solutions/``, not the gradebook, not other students;
- an environment cleared to :data:`ENVIRONMENT` (never the worker's database URL or secrets).

The grading worker (:mod:`grader.runtime.worker`, which computes the exercises' cases) runs the
same way, started with ``python -m grader.trusted.sandbox --worker <folder> <command>``: it sees an empty
private working folder instead of the student's.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # grader/
KERNEL_NAME = "course-sandbox"
# torch maps about 3.2 GiB of address space when imported; what is left is the students' memory.
ADDRESS_SPACE = 6 * 2**30
MEMORY = 4 * 2**30  # resident memory, enforced by the cgroup (backstop)
TASKS = 256  # processes and threads
SYSTEM = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc/alternatives", "/etc/ld.so.cache",
          "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
          "/etc/localtime", "/etc/fonts", "/etc/ssl", "/sys/devices/system/cpu"]


# The variables a student's process may see; everything else of the grader's environment is dropped.
ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "NBGRADER_EXECUTION")


def environment(extra: dict | None = None) -> dict:
    """The student's process's whole environment: :data:`ENVIRONMENT` from ours, HOME in its /tmp, ``extra``."""
    env = {k: os.environ[k] for k in ENVIRONMENT if k in os.environ}
    return {**env, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib", "MPLBACKEND": "Agg", **(extra or {})}


class SandboxUnavailable(RuntimeError):
    pass


def bwrap_command(kernel: list[str], workdir: Path, runtime: Path, readonly: list[Path]) -> list[str]:
    args = ["bwrap", "--die-with-parent", "--unshare-all", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--clearenv"]  # ipykernel's JPY_PARENT_PID goes too: in its own pid namespace its parent always changed
    for k, v in environment().items():
        args += ["--setenv", k, v]
    for path in SYSTEM:
        args += ["--ro-bind-try", path, path]
    for path in sorted({str(p) for p in readonly}):
        args += ["--ro-bind-try", path, path]
    args += ["--bind", str(runtime), str(runtime), "--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    return args + ["--", *kernel]


def environment_paths() -> list[Path]:
    """What the kernel must read: the interpreter, the venv, the learner's part of the package (what the kit
    carries: the notebooks' teaching cells import the explorers), data/."""
    paths = [Path(sys.base_prefix), Path(sys.prefix), PACKAGE / "__init__.py", PACKAGE / "runtime",
             PACKAGE / "public", PACKAGE / "data.py", PACKAGE / "explore", PACKAGE.parent / "data"]
    return [p for p in paths if p.exists()]


def connection_dir(kernel: list[str]) -> Path:
    for i, arg in enumerate(kernel):
        if arg == "-f" and i + 1 < len(kernel):
            return Path(kernel[i + 1]).resolve().parent
    raise SandboxUnavailable("the kernel command has no connection file (-f)")


def main(argv: list[str] | None = None) -> None:
    """Kernel (or ``--worker <folder>``) wrapper: join the job's cgroups, cap memory, exec it under bwrap."""
    kernel = list(sys.argv[1:] if argv is None else argv)
    for cgroup in filter(None, os.environ.get("COURSE_SANDBOX_CGROUPS", "").split(os.pathsep)):
        Path(cgroup, "cgroup.procs").write_text(str(os.getpid()))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    if kernel[:1] == ["--worker"]:
        folder, kernel = Path(kernel[1]), kernel[2:]
        cmd = bwrap_command(kernel, folder, folder, environment_paths())
    else:
        cmd = bwrap_command(kernel, Path.cwd(), connection_dir(kernel), environment_paths())
    os.execvp(cmd[0], cmd)


def worker_command(folder: Path, sandboxed: bool) -> list[str]:
    """The command that starts the grading worker (in the sandbox unless ``sandboxed`` is False)."""
    python = os.path.abspath(sys.executable)
    worker = [python, "-I", "-m", "grader.runtime.worker"]
    return [python, "-m", "grader.trusted.sandbox", "--worker", str(folder), *worker] if sandboxed else worker


def install_kernelspec(folder: Path) -> Path:
    """Write the ``course-sandbox`` kernelspec under ``folder/kernels``; return the folder for JUPYTER_PATH."""
    spec = folder / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    python = os.path.abspath(sys.executable)  # "venv/bin/../bin/python" would name unmounted folders
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "grader.trusted.sandbox", python, "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)", "language": "python",
        # A SIGINT to the process group would kill bwrap itself: ask the kernel to interrupt itself.
        "interrupt_mode": "message"}, indent=1))
    return folder


# ---- cgroups: a process and memory limit per job, and a way to stop everything in it ------------

CGROUP_ROOT = Path("/sys/fs/cgroup")


class Cgroups:
    """The cgroups (v1 ``pids`` and ``memory`` controllers, or one v2 group) of one grading job."""

    def __init__(self, dirs: list[Path]):
        self.dirs = dirs

    @classmethod
    def create(cls, job: str) -> Cgroups:
        name = f"course-grading/{job}-{uuid.uuid4().hex[:8]}"
        if (CGROUP_ROOT / "cgroup.controllers").exists():  # v2: one unified tree
            parent = CGROUP_ROOT / "course-grading"
            parent.mkdir(exist_ok=True)
            (CGROUP_ROOT / "cgroup.subtree_control").write_text("+pids +memory")
            parent.joinpath("cgroup.subtree_control").write_text("+pids +memory")
            d = CGROUP_ROOT / name
            d.mkdir()
            (d / "pids.max").write_text(str(TASKS))
            (d / "memory.max").write_text(str(MEMORY))
            return cls([d])
        pids, memory = CGROUP_ROOT / "pids" / name, CGROUP_ROOT / "memory" / name
        pids.mkdir(parents=True)
        memory.mkdir(parents=True)
        (pids / "pids.max").write_text(str(TASKS))
        (memory / "memory.limit_in_bytes").write_text(str(MEMORY))
        return cls([pids, memory])

    def env(self) -> str:
        return os.pathsep.join(str(d) for d in self.dirs)

    def tasks(self) -> set[int]:
        found = set()
        for d in self.dirs:
            for f in ("cgroup.procs", "tasks"):
                if (d / f).exists():
                    found |= {int(p) for p in (d / f).read_text().split()}
        return found

    def kill(self) -> None:
        for pid in self.tasks():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self) -> None:
        self.kill()
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except OSError:
                    self.kill()
                    time.sleep(0.1)


def clean_stale_cgroups(older_than: float = 3600.0) -> int:
    """Remove the empty job cgroups a killed grading run left (SIGKILL skips :meth:`Cgroups.remove`);
    only those older than ``older_than`` seconds, never a live job's. Returns how many went."""
    removed = 0
    for parent in (CGROUP_ROOT / "course-grading", CGROUP_ROOT / "pids" / "course-grading",
                   CGROUP_ROOT / "memory" / "course-grading"):
        try:
            groups = [d for d in parent.iterdir() if d.is_dir()]
        except OSError:
            continue
        for d in groups:
            try:
                procs = (d / "cgroup.procs").read_text().split()
                if not procs and time.time() - d.stat().st_mtime > older_than:
                    d.rmdir()
                    removed += 1
            except OSError:
                pass
    return removed


def probe() -> str | None:
    """None when a sandboxed process can start here, else why not (one line)."""
    if not shutil.which("bwrap"):
        return "bubblewrap (bwrap) is not installed: run `make sandbox` (apt-get install bubblewrap)"
    try:
        subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                       check=True, capture_output=True, timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        err = getattr(e, "stderr", b"") or b""
        return f"bwrap cannot create a sandbox here ({err.decode().strip() or e})"
    try:
        Cgroups.create("probe").remove()
    except OSError as e:
        return f"cannot create cgroups for the process and memory limits ({e}); grading needs root"
    return None


if __name__ == "__main__":
    main()
