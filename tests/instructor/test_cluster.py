"""The job runner on a real embedded Dask cluster, with tasks that misbehave the way machines do."""
import os

from course import ROOT
from grader import cli, cluster
from grader.jobs import Job, Result


def job(student):
    return Job("01_sampling", student, {}, {}, "sqlite://")


def crash_the_worker(j: Job) -> Result:
    if j.student == "doomed":
        os._exit(1)  # what an OOM kill or a lost machine looks like to the scheduler
    return Result(j.assignment, j.student, graded=True)


def raise_inside_the_grader(j: Job) -> Result:
    raise RuntimeError("a bug in the grader")


def test_a_job_whose_worker_dies_twice_is_reported_not_graded_and_the_others_finish():
    seen = []
    with cluster.connect(workers=1) as client:
        results = cluster.run(client, [job("doomed"), job("alice"), job("bob")], on_result=seen.append,
                              progress=False, task=crash_the_worker)
    by = {r.student: r for r in results}
    assert by["alice"].graded and by["bob"].graded
    assert not by["doomed"].graded and "worker died 2 times" in by["doomed"].reason
    assert sorted(r.student for r in seen) == ["alice", "bob", "doomed"], "each result is handed over once"


def test_a_grader_error_is_one_not_graded_result_not_a_crash():
    with cluster.connect(workers=1) as client:
        (result,) = cluster.run(client, [job("carol")], progress=False, task=raise_inside_the_grader)
    assert not result.graded and result.reason == "grader error: RuntimeError: a bug in the grader"


def test_scheduler_and_gradebook_come_from_the_command_line_else_the_environment(monkeypatch):
    """``python -m grader`` reads $DASK_SCHEDULER and $GRADEBOOK_URL once; an option wins over the environment."""
    monkeypatch.setenv("DASK_SCHEDULER", "tcp://grader-0:8786")
    monkeypatch.setenv("GRADEBOOK_URL", "postgresql://grader@db/gradebook")
    parse = cli.parser().parse_args
    args = parse(["autograde"])
    assert cli.scheduler_of(args) == "tcp://grader-0:8786"
    assert cli.course_of(args).db_url == "postgresql://grader@db/gradebook" and cli.course_of(args).shared_gradebook
    args = parse(["--gradebook", "postgresql://other/db", "autograde", "--scheduler", "tcp://other:1"])
    assert (cli.scheduler_of(args), cli.course_of(args).db_url) == ("tcp://other:1", "postgresql://other/db")
    monkeypatch.delenv("DASK_SCHEDULER")
    monkeypatch.delenv("GRADEBOOK_URL")
    args = parse(["--root", "/srv/course", "autograde"])
    assert cli.scheduler_of(args) is None
    assert cli.course_of(args).db_url == "sqlite:////srv/course/.nbgrader/gradebook.db?timeout=120"
    assert not cli.course_of(args).shared_gradebook


def test_nothing_below_the_command_line_reads_the_scheduler_or_the_gradebook_from_the_environment():
    """Every instructor command takes a Course and a runner: the environment is read in grader/cli.py alone."""
    import ast
    readers = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ("DASK_SCHEDULER", "GRADEBOOK_URL"):
                readers.append(path.relative_to(ROOT).as_posix())
    assert set(readers) == {"grader/cli.py"}, readers


def test_the_runners_say_where_workers_are(monkeypatch):
    """autograde checks the gradebook and the sandbox by the runner's answers (a remote cluster needs PostgreSQL)."""
    monkeypatch.delenv("DASK_SCHEDULER", raising=False)
    here = cluster.Dask(workers=1)
    assert (here.remote, here.starts_workers) == (False, True)
    away = cluster.Dask("tcp://grader-0:8786")
    assert (away.remote, away.starts_workers) == (True, False)
    with cluster.local(1) as kept:  # the hub's service keeps a cluster of its own: local, started before the run
        mine = cluster.Dask(kept.scheduler_address)
        assert (mine.remote, mine.starts_workers) == (False, False)
        with mine:
            assert mine.describe().startswith("1 workers at tcp://127.0.0.1:")
            (result,) = mine.run([job("dora")])
    assert result.student == "dora" and not result.graded  # no course at sqlite://: reported, not raised


def test_the_in_process_runner_reports_a_grader_error_like_the_cluster():
    seen = []
    with cluster.InProcess(raise_inside_the_grader) as runner:
        (result,) = runner.run([job("carol")], on_result=seen.append)
    assert runner.describe() == "this process" and seen == [result]
    assert not result.graded and result.reason == "grader error: RuntimeError: a bug in the grader"
