"""``TrustedExecute``: nbgrader's Execute step, with every test cell decided on the trusted side.

The student's cells (explanations, solutions, anything they added) run in the student's
kernel, sandboxed during ``make autograde``, for the outputs the feedback shows; nothing that
kernel does decides a score. The course's teaching cells that no student cell or solution cell
needs are not run there (:meth:`grader.trusted.scan.Plan.kernel_cells`): the feedback page shows
them as released, without outputs. A graded test cell is never sent there. Instead:

1. every code cell the student wrote or changed is checked against the course's Python subset
   (:mod:`grader.runtime.subset`); an exercise whose code (its solution cell, or a student cell it
   needs) leaves the subset is flagged: 0 points, formgrader's manual grading queue;
2. the other exercises' cases are computed by the grading worker (:mod:`grader.runtime.worker`), a
   fresh sandboxed process per exercise that has run only the release's cells and the cells this
   exercise needs, and that receives only the cases' inputs;
3. this process reads back plain data, runs the references itself, compares, and writes the
   verdict into the test cell:

- a table of the exercise's point groups (stdout);
- partial credit as the cell's ``execute_result`` (nbgrader's partial-credit rule);
- the first failure as an error output (0 points when nothing was earned).

When the kernel dies or hangs in a cell, a fresh kernel with the student's cells replayed runs
the rest of the notebook; when an exercise's process dies or hangs, that exercise fails with the reason.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Float, Unicode

from .. import ROOT
from ..runtime import subset, wire, worker
from ..runtime.cells import is_test_cell
from ..runtime.engine import StudentProcessFailure, Verdict, run
from ..runtime.messages import Status, language_of, speaking
from . import results, scan


def verdict_outputs(verdict: Verdict) -> list[NotebookNode]:
    """The test cell's outputs, read by nbgrader (score), the feedback page and the class report."""
    outputs = [nbformat.v4.new_output("stream", name="stdout", text=verdict.table() + "\n")]
    if verdict.score >= verdict.points:
        return outputs
    if verdict.score > 0:  # nbgrader stops at the first execute_result: partial credit
        outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": f"{verdict.score:g}"},
                                              execution_count=1))
    ename = "NotImplementedError" if verdict.status == Status.NOT_ATTEMPTED else "AssertionError"
    outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=verdict.message or verdict.status,
                                          traceback=[f"{ename}: {verdict.message or verdict.status}"]))
    return outputs


class NotebookTimeLimit(Exception):
    """The whole notebook ran longer than ``TrustedExecute.time_limit``: the submission is not graded."""


class TrustedExecute(Execute):
    """Execute the student's cells in their kernel; decide every graded test cell here."""

    results_dir = Unicode("", help="folder for the result records (default: $COURSE_RESULTS)").tag(config=True)
    release_root = Unicode("", help="course root whose notebooks/ holds the release (default: $COURSE_ROOT)").tag(config=True)
    time_limit = Float(0.0, help="seconds the whole notebook may run (0: no limit beyond the per-cell timeout)").tag(config=True)

    sandboxed = Bool(False, help="run the grading worker in the sandbox (make autograde does)").tag(config=True)
    salt = Unicode("", help="course secret mixed into the hidden cases' random inputs").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        info = (resources or {}).get("nbgrader", {})
        self._assignment = info.get("assignment", "")
        self._language = language_of(nb)  # the learner's: every message of the verdicts is in it
        self._student = info.get("student", "")
        self._workdir = Path((resources or {}).get("metadata", {}).get("path") or ".").resolve()
        from ..exercises import assignments
        self._specs = assignments().get(self._assignment, {})
        root = Path(self.release_root or os.environ.get("COURSE_ROOT") or ROOT)
        names = [c.metadata["nbgrader"]["grade_id"].removeprefix("test_") for c in nb.cells if is_test_cell(c)]
        self._plan = scan.plan(nb, scan.release_sources(root, self._assignment, info.get("notebook", "")), names)
        self._flags = self._plan.flags()
        self._kernel_cells = set(self._plan.kernel_cells())
        self._flagged: list[str] = []
        self._replay: list[str] = []
        self._verdicts: list[Verdict] = []
        self._quiet = False
        self._restarts = 0
        self._start = time.perf_counter()
        # seconds: until the first cell; all cells run in the kernel (of which the student's solution
        # cells); deciding the exercises; the grading worker's start and the release cells it ran
        self._timings = {"kernel_start": None, "cells": 0.0, "solution_cells": 0.0, "checks": 0.0, "worker_start": 0.0}
        probes = sorted({ex.probe for ex in self._specs.values() if ex.probe != "call"})
        self._worker = GradingWorker(self._plan, self.sandboxed, self._timings, float(self.timeout or 60), probes)
        if any(self._plan.needs.values()):
            self._worker.start()
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            self._worker.close()
        self.check_time_limit()  # the watchdog may have ended the last cell
        if resources is not None:
            resources["course_flagged"] = self._flagged  # grader/trusted/review.py: formgrader's queue
        record = results.record(self._assignment, self._student, self._verdicts, self._flags,
                                restarts=self._restarts, seconds=time.perf_counter() - self._start)
        record["timings"] = {k: round(v or 0.0, 3) for k, v in self._timings.items()}
        folder = self.results_dir or os.environ.get("COURSE_RESULTS")
        if folder:
            results.write(Path(folder), record)
        return nb, resources

    def check_time_limit(self) -> None:
        if self.time_limit and time.perf_counter() - self._start > self.time_limit:
            raise NotebookTimeLimit(f"the notebook ran longer than {self.time_limit:g} s in all")

    def setup_kernel(self, **kwargs):
        # The kernel's own stdout/stderr (not the cells' outputs, which come by messages) is noise here.
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        return super().setup_kernel(**kwargs)

    # -- the student's cells --------------------------------------------------------------------

    def preprocess_cell(self, cell, resources, index):
        self.check_time_limit()
        if self._timings["kernel_start"] is None:
            self._timings["kernel_start"] = time.perf_counter() - self._start
        if is_test_cell(cell):
            start = time.perf_counter()
            cell = self.grade_cell(cell, index)
            self._timings["checks"] += time.perf_counter() - start
            return cell, resources
        if cell.cell_type != "code":
            return cell, resources
        if index not in self._kernel_cells:  # a teaching cell nothing of the student's needs: shown as released
            cell.outputs, cell.execution_count = [], None
            return cell, resources
        start = time.perf_counter()
        try:
            failure = self.run_cell(cell, index)
        finally:
            self._timings["cells"] += time.perf_counter() - start
            if cell.metadata.get("nbgrader", {}).get("solution"):
                self._timings["solution_cells"] += time.perf_counter() - start
        if failure is None:
            self._replay.append(cell.source)
        elif not any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
            text = f"while running this cell, your code {failure}; a fresh kernel runs the rest"
            cell.outputs.append(nbformat.v4.new_output("error", ename="KernelFailure", evalue=text,
                                                       traceback=[f"KernelFailure: {text}"]))
        return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        if self._quiet:  # the grading calls' own output is the student's noise, never a verdict
            return None
        return super().output(outs, msg, display_id, cell_index)

    def run_cell(self, cell, index: int, quiet: bool = False) -> str | None:
        """Execute ``cell`` in the student's kernel: None, or what went wrong, after which a fresh
        kernel (the student's cells so far replayed) has replaced the old one."""
        self._quiet = quiet
        try:
            if quiet:
                self.execute_quietly(cell)
            else:
                self.execute_cell(cell, index, store_history=True)
            if not any(o.get("ename") == "CellTimeoutError" for o in cell.outputs):
                return None
            failure = f"ran longer than {self.timeout} s (an endless loop?)"  # interrupted: start clean all the same
        except CellTimeoutError:
            failure = f"ran longer than {self.timeout} s and did not stop when interrupted"
        except DeadKernelError:
            failure = "killed its process (os._exit, a crash, or out of memory)"
        finally:
            self._quiet = False
        self.fresh_kernel()
        return failure

    def execute_quietly(self, cell) -> None:
        """Run a cell of the grader's own (a request, a replay) that is not part of the notebook.

        nbclient stores every executed cell back at its index; this one must never land in the
        notebook (a request holds the hidden cases' inputs), so the cell it would replace is put back."""
        kept = self.nb.cells[0]
        try:
            self.execute_cell(cell, 0, store_history=False)
        finally:
            self.nb.cells[0] = kept

    def fresh_kernel(self) -> None:
        """Restart the student's kernel and replay the student's cells that ran so far, quietly."""
        self._restarts += 1
        run_sync(self.km.restart_kernel)(now=True)
        run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
        self._quiet = True
        try:
            for source in self._replay:
                self.execute_quietly(nbformat.v4.new_code_cell(source))
        except (DeadKernelError, CellTimeoutError):
            pass
        finally:
            self._quiet = False

    # -- the exercises ----------------------------------------------------------------------------

    def grade_cell(self, cell, index):
        with speaking(self._language):
            verdict = self.decide(cell)
        self._verdicts.append(verdict)
        cell.outputs = verdict_outputs(verdict)
        cell.execution_count = index + 1
        return cell

    def decide(self, cell) -> Verdict:
        name = cell.metadata["nbgrader"]["grade_id"].removeprefix("test_")
        ex = self._specs.get(name)
        if ex is None:
            verdict = Verdict(name, float(cell.metadata["nbgrader"].get("points", 0)), Status.ERROR,
                              message=f"no spec for {self._assignment}/{name} in grader/exercises")
        elif self._plan.flagged(name):
            verdict = Verdict.of(ex, Status.FLAGGED, subset.message(name, self._plan.flagged(name)))
            self._flagged.append(cell.metadata["nbgrader"]["grade_id"])
        else:
            verdict = run(ex, self._worker.transport, salt=int(self.salt or 0))
        return verdict


class GradingWorker:
    """The trusted side of :mod:`grader.runtime.worker`: started on first use, restarted after it dies."""

    def __init__(self, plan: scan.Plan, sandboxed: bool, timings: dict, timeout: float = 60.0, probes=()):
        self.plan, self.sandboxed, self.timings, self.timeout = plan, sandboxed, timings, timeout
        self.probes = list(probes)  # the course's probes the exercises use, loaded before any student code
        self.proc: subprocess.Popen | None = None
        self.folder: Path | None = None
        self.pending = False

    def start(self) -> None:
        """Start the worker and send it the release's cells; it warms up while the kernel runs the notebook."""
        from . import sandbox
        self.folder = Path(tempfile.mkdtemp(prefix="grading-worker-"))
        self.proc = subprocess.Popen(sandbox.worker_command(self.folder, self.sandboxed), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=self.folder,
                                     env=self.environment())
        setup = self.plan.setup()
        self.setup_timeout = self.timeout * (2 + len(setup))
        self.started = time.perf_counter()
        self.send({"setup": [self.plan.cells[k].python for k in setup], "names": [f"<release cell {k}>" for k in setup],
                   "probes": self.probes})
        self.pending = True

    def environment(self) -> dict:
        """The worker's environment: the student process's short list; in the sandbox, the wrapper also
        learns the job's cgroups (it joins them; bwrap then clears everything but the short list)."""
        from . import sandbox
        env = sandbox.environment({"NBGRADER_EXECUTION": "autograde"})
        if self.sandboxed and os.environ.get("COURSE_SANDBOX_CGROUPS"):
            env["COURSE_SANDBOX_CGROUPS"] = os.environ["COURSE_SANDBOX_CGROUPS"]
        return env

    def ready(self) -> None:
        if self.proc is None:
            self.start()
        if self.pending:
            self.pending = False
            self.receive(self.setup_timeout)
            self.timings["worker_start"] += time.perf_counter() - self.started

    def send(self, request: dict) -> None:
        try:
            worker.send(self.proc.stdin.fileno(), json.dumps(request, separators=(",", ":")).encode())
        except OSError as e:
            self.close()
            raise StudentProcessFailure(f"the grading process stopped answering ({type(e).__name__})") from None

    def receive(self, timeout: float) -> bytes:
        try:
            data = worker.receive(self.proc.stdout.fileno(), wire.MAX_BYTES + 4096, time.monotonic() + timeout + 10)
        except (OSError, TimeoutError, ValueError) as e:
            self.close()
            raise StudentProcessFailure(f"the grading process stopped answering ({type(e).__name__})") from None
        if data is None:
            self.close()
            raise StudentProcessFailure("the grading process died (out of memory, or killed)")
        return data

    def transport(self, name: str, probe: str, payloads: list) -> list:
        """:data:`grader.runtime.engine.Transport`: the cases of ``name`` computed in a fresh process."""
        self.ready()
        cells = self.plan.student_cells(name)
        imports = "\n".join(self.plan.imports.get(name, []))
        banned = payloads[0].get("banned", []) if payloads and isinstance(payloads[0], dict) else []
        request = {"exercise": name, "probe": probe, "banned": list(banned), "timeout": self.timeout,
                   "payloads": [wire.encode(p) for p in payloads],
                   "cells": [imports] + [self.plan.cells[k].python for k in cells],
                   "names": ["<imports>"] + [f"<cell {k}>" for k in cells]}
        self.send(request)
        data = self.receive(self.timeout)
        try:
            reply = wire.loads(data)
        except wire.WireError as e:
            raise StudentProcessFailure(f"the student's process sent no usable reply for {name}: {e}") from None
        if isinstance(reply, dict) and isinstance(reply.get("failure"), str):
            raise StudentProcessFailure(f"while computing {name}'s cases, your code {reply['failure'][:300]}")
        if isinstance(reply, dict) and isinstance(reply.get("missing"), str):
            raise StudentProcessFailure(reply["missing"][:300])
        if not isinstance(reply, dict) or not isinstance(reply.get("results"), list):
            raise StudentProcessFailure(f"the student's process sent a malformed reply for {name}")
        return reply["results"]

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        self.pending = False
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
