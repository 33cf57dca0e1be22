"""Where grading jobs run: Dask distributed, on an embedded local cluster or an existing one.

By default :func:`connect` starts a local cluster (one worker process per core, one thread
each, bound to 127.0.0.1, no dashboard): nothing to set up. Given a scheduler's address
(``--scheduler``, or ``DASK_SCHEDULER``, which only the command line reads) it joins an existing
cluster whose workers have the course and the pinned environment (``dask scheduler`` / ``dask
worker``, dask-jobqueue, dask-kubernetes; see docs/scaling.md). Either way a worker is a long-lived
process that imports nbgrader and torch once and then grades job after job (:func:`grader.jobs.grade`).

A job whose worker dies is run once more on another worker (the scheduler's
``allowed-failures`` is 1 on the embedded cluster; start a standalone scheduler with
``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1`` and ``..._WORKER_SATURATION=1.0``); a second
death makes it "not graded" with the reason. A job's result is written by the caller as it arrives, once.

:func:`grader.pipeline.autograde` takes a *runner*: :class:`Dask` (the default) or :class:`InProcess` (one job after
another in the calling process, for tests and debugging). A runner is a context manager with ``remote`` (its workers
are on other machines), ``starts_workers`` (it starts local worker processes when entered), ``describe()`` and
``run(jobs, on_result)``.
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator

from tqdm.auto import tqdm

from .jobs import Job, Result, grade

ALLOWED_FAILURES = 1  # a job is retried once when its worker dies
SCHEDULER_CONFIG = {
    "distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
    # A worker holds only the job it runs: a job that kills its worker takes no queued neighbour with it
    # (jobs last seconds, so nothing is lost by not prefetching).
    "distributed.scheduler.worker-saturation": 1.0,
}


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: to ``scheduler`` (``tcp://host:8786``) or to a local cluster of ``workers``."""
    from distributed import Client

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with local(workers) as cluster, Client(cluster) as client:
        yield client


def local(workers: int | None = None):
    """An embedded cluster on 127.0.0.1: ``workers`` processes (default one per core) of one thread each."""
    import dask
    from distributed import LocalCluster

    n = max(1, workers or os.cpu_count() or 1)
    with dask.config.set(SCHEDULER_CONFIG):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR, worker_dashboard_address=None)
    STARTED_HERE.add(cluster.scheduler_address)
    return cluster


STARTED_HERE: set[str] = set()  # addresses of the clusters this process started (:func:`local`)


def started_here(address: str) -> bool:
    """Whether this process started the cluster at ``address``: its workers are this machine's, they share its
    disk (a SQLite gradebook) and its sandbox. Any other address counts as a remote cluster."""
    return address in STARTED_HERE


def describe(client) -> str:
    """One line for the user: where the jobs run."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    return f"{len(workers)} workers at {info.get('address', '?')}"


class Dask:
    """The default runner: an existing cluster at ``scheduler`` (``tcp://host:8786``), else an embedded one of
    ``workers`` processes started on entering and stopped on leaving."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        self.address, self.workers = scheduler or None, workers
        self._stack = contextlib.ExitStack()
        self._client = None

    @property
    def remote(self) -> bool:
        return bool(self.address) and not started_here(self.address)

    @property
    def starts_workers(self) -> bool:
        return not self.address

    def __enter__(self) -> Dask:
        self._client = self._stack.enter_context(connect(self.address, self.workers))
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()
        self._client = None

    def describe(self) -> str:
        return describe(self._client)

    def run(self, jobs: Iterable[Job], on_result: Callable[[Result], None] | None = None) -> list[Result]:
        return run(self._client, jobs, on_result)


class InProcess:
    """A runner that grades one job after another in this process: a change to a spec made in this process (a
    test's) is seen, and a debugger can step into the grading. Like :func:`run`, it never raises for one job."""

    remote = False
    starts_workers = False

    def __init__(self, task: Callable[[Job], Result] = grade):
        self.task = task

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def describe(self) -> str:
        return "this process"

    def run(self, jobs: Iterable[Job], on_result: Callable[[Result], None] | None = None) -> list[Result]:
        results = []
        for job in jobs:
            try:
                result = self.task(job)
            except Exception as e:  # as run() reports a bug in the grader itself
                result = Result(job.assignment, job.student, reason=f"grader error: {type(e).__name__}: {e}"[:300])
            if on_result:
                on_result(result)
            results.append(result)
        return results


def run(client, jobs: Iterable[Job], on_result: Callable[[Result], None] | None = None,
        progress: bool = True, task: Callable[[Job], Result] = grade) -> list[Result]:
    """Grade ``jobs`` on the cluster with ``task``; ``on_result`` sees each result as it arrives.
    Never raises for one job."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    jobs = list(jobs)
    by_key = {}
    futures = []
    for job in jobs:
        # Each job once per run: a unique key, so an identical job in a later run is graded again.
        future = client.submit(task, job, key=f"grade-{job.key}-{os.urandom(4).hex()}", pure=False)
        by_key[future.key] = job
        futures.append(future)
    results = []
    failed = 0
    bar = tqdm(total=len(jobs), desc="grading", unit="notebook", disable=not (progress and jobs))
    try:
        for future in as_completed(futures):
            job = by_key[future.key]
            try:
                result = future.result()
            except KilledWorker:
                result = Result(job.assignment, job.student,
                                reason=f"its grading worker died {ALLOWED_FAILURES + 1} times "
                                       f"(out of memory, or the machine went away); grade it again")
            except Exception as e:  # a bug in the grader itself, never the student's code (that runs sandboxed)
                result = Result(job.assignment, job.student, reason=f"grader error: {type(e).__name__}: {e}"[:300])
            failed += not result.graded
            if on_result:
                on_result(result)
            results.append(result)
            bar.update()
            remaining = len(jobs) - len(results)  # each worker thread runs one of them
            bar.set_postfix(failed=failed, running=min(remaining, sum(client.nthreads().values()) or remaining),
                            refresh=False)
    finally:
        bar.close()
    return results
