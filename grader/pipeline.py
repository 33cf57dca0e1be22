"""``make release`` and ``make autograde``: nbgrader, driven in this process with the course's config.

Every nbgrader step goes through :func:`convert` (or the CSV export plugin) with the course
root and gradebook given explicitly, so the same code serves the real course and the
throw-away copies the tests make. Grading itself runs as jobs on Dask workers
(:mod:`grader.cluster`, :mod:`grader.jobs`); this process files submissions, registers the
assignments and students, writes each result back as it arrives, then writes feedback and
reports. Nothing here writes under ``solutions/`` or ``submitted/``.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

from . import cluster, intake, report, sandbox
from .runtime.cells import RELEASE_FILE, release_digests
from . import jobs as jobs_module
from .jobs import Job, Result, fingerprint
from .trusted import results as records
from .trusted.results import results_dir  # also the place tests and the benchmark ask

ROOT = Path(__file__).resolve().parent.parent

class CourseError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""


def gradebook_path(root: Path) -> Path:
    return root / ".nbgrader" / "gradebook.db"


def has_gradebook(root: Path) -> bool:
    """Whether the course at ``root`` has a gradebook yet (one at $GRADEBOOK_URL is taken to exist)."""
    return not db_url(root).startswith("sqlite") or gradebook_path(root).is_file()


def convert(converter: str, root: Path, **coursedir) -> None:
    """Run nbgrader's ``converter`` (``GenerateAssignment``, ``GenerateFeedback``) on the course at ``root``
    in this process, forced; CourseError with nbgrader's log when it fails."""
    gradebook_path(root).parent.mkdir(exist_ok=True)
    # nbgrader runs `alembic` by name when it creates a gradebook: this environment's bin comes first.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    out = jobs_module.nbgrader_step(converter, jobs_module.base_config(), root=str(root), db_url=db_url(root),
                                    **coursedir)
    if not out["success"]:  # the log's end, then the exception (its frames are nbgrader's, not the cause)
        lines = (out.get("log") or "").strip().splitlines() + (out.get("error") or "").strip().splitlines()[-1:]
        tail = "\n".join(lines[-15:])
        raise CourseError(f"nbgrader {converter} {coursedir} failed:\n{tail}")


def db_url(root: Path) -> str:
    """The gradebook: $GRADEBOOK_URL (PostgreSQL when graders span machines), else SQLite under ``root``."""
    # Parallel graders share one SQLite gradebook: wait for a lock rather than fail.
    return os.environ.get("GRADEBOOK_URL") or f"sqlite:///{gradebook_path(root)}?timeout=120"


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
        convert("GenerateAssignment", root, assignment_id=name)
    if (root / "grader" / "runtime").is_dir():  # the course's own checkout (not a scratch copy of its notebooks)
        (root / "grader" / "runtime" / RELEASE_FILE).write_text(release_digests_json(root))
    return done


def release_digests_json(root: Path = ROOT) -> str:
    """``grader/runtime/release_cells.json``: what the learner's subset check knows of every release."""
    from .trusted.scan import release_sources
    data = {p.name: release_digests(release_sources(root, p.name)) for p in sorted((root / "notebooks").iterdir())
            if p.is_dir() and any(p.glob("*.ipynb"))}
    return json.dumps(data, indent=0, sort_keys=True) + "\n"


def _register(name: str, root: Path) -> None:
    """Store the assignment's cells (hidden tests included) in the gradebook without touching notebooks/."""
    convert("GenerateAssignment", root, assignment_id=name, release_directory=".nbgrader/release")


def submissions(name: str, root: Path) -> dict[str, list[Path]]:
    """Student id -> that student's notebooks for assignment ``name``."""
    found = {}
    for student in sorted(p for p in (root / "submitted").iterdir() if p.is_dir()):
        nbs = sorted((student / name).glob("*.ipynb"))
        if nbs:
            found[student.name] = nbs
    return found


def _job(name: str, student: str, nbs: list[Path], root: Path, **options) -> Job:
    """The job for one submission: its notebooks (and nbgrader's timestamp.txt), the release, the gradebook."""
    folder = nbs[0].parent
    files = {p.name: p.read_bytes() for p in [*nbs, folder / "timestamp.txt"] if p.is_file()}
    release = {p.name: p.read_bytes() for p in sorted((root / "notebooks" / name).glob("*.ipynb"))}
    from .trusted.secret import course_secret
    return Job(name, student, files, release, db_url(root), fingerprint=fingerprint(),
               salt=str(course_secret(root)), **options)


def _store(result: Result, root: Path) -> None:
    """Write one job's result into the course: autograded/ and the result record, or clear a stale one."""
    folder = root / "autograded" / result.student / result.assignment
    shutil.rmtree(folder, ignore_errors=True)
    records.path(results_dir(root), result.assignment, result.student).unlink(missing_ok=True)
    if not result.graded:
        shutil.rmtree(root / "feedback" / result.student / result.assignment, ignore_errors=True)
        return
    folder.mkdir(parents=True)
    for name, data in result.files.items():
        (folder / Path(name).name).write_bytes(data)
    # The files nbgrader keeps beside the notebook come from submitted/, never from the scratch folder the
    # student's code could write: timestamp.txt (the hand-in time) and submission_secret.txt (nbgrader's
    # exchange wrote it at submit time; release_feedback names each feedback page after it).
    for name in ("timestamp.txt", "submission_secret.txt"):
        trusted = root / "submitted" / result.student / result.assignment / name
        if trusted.is_file():
            shutil.copyfile(trusted, folder / name)
        else:
            (folder / name).unlink(missing_ok=True)
    records.write(results_dir(root), result.record)


def autograde(names: list[str] = (), root: Path = ROOT, out=print, submissions_from: Path | None = None,
              jobs: int | None = None, sandboxed: bool = True, time_limit: float = 900,
              cell_timeout: float | None = None, students: list[str] | None = None,
              scheduler: str | None = None, after_grading=None) -> list[Result]:
    """Grade every ``submitted/<student>/<assignment>/`` on Dask workers; write feedback/ and reports/.

    ``submissions_from``: a folder of zips or student folders to file under submitted/ first.
    ``jobs``: workers of the embedded local cluster (default: one per core); ``scheduler``: an existing
    Dask cluster's address instead (default: $DASK_SCHEDULER). ``time_limit``: seconds one notebook may
    run in all; ``cell_timeout``: seconds per cell (default: the config's); ``students``: grade only
    these. ``after_grading(results)`` runs once every result is stored, before feedback and reports are
    written; by default it keeps the manual grades given before (:func:`grader.regrade.keep_manual`:
    nbgrader marks them "needs manual grade" again; the mark is cleared where the graded work is unchanged). Returns one :class:`Result` per
    submission; those not graded carry the reason.
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
    remote = cluster.scheduler_address(scheduler)
    if remote and db_url(root).startswith("sqlite"):
        raise CourseError(f"grading on the cluster at {remote} needs a gradebook every worker can reach: set "
                          f"GRADEBOOK_URL=postgresql://user:password@host/db (see docs/scaling.md)")
    if sandboxed and not remote:
        broken = sandbox.probe()
        if broken:
            raise CourseError(f"cannot sandbox student code: {broken}. Fix that, or grade without isolation "
                              f"with `make autograde UNSANDBOXED=1` (only for code you trust)")
    todo: list[Job] = []
    done: list[Result] = []
    options = {"sandboxed": sandboxed, "time_limit": time_limit, "cell_timeout": cell_timeout}
    for name in pick(list(names), root):
        for student, nbs in submissions(name, root).items():
            if students and student not in students:
                continue
            try:
                for nb in nbs:
                    read_notebook(nb)
            except CourseError as e:
                done.append(Result(name, student, reason=f"invalid notebook: {e}"))
                continue
            todo.append(_job(name, student, nbs, root, **options))
    if todo and after_grading is None:
        from . import regrade  # it builds on this module
        before = regrade.snapshot(root, sorted({j.assignment for j in todo}))
        after_grading = lambda done: regrade.keep_manual(root, before, done)  # noqa: E731
    for name in sorted({j.assignment for j in todo}):
        _register(name, root)
    if todo:
        from nbgrader.api import Gradebook
        with Gradebook(db_url(root)) as gb:  # here, once: parallel jobs would race to create the same student
            for student in sorted({j.student for j in todo}):
                gb.update_or_create_student(student)
        with cluster.connect(scheduler, jobs) as client:
            out(f"grading {len(todo)} notebooks on {cluster.describe(client)}")
            start = time.perf_counter()
            graded = cluster.run(client, todo, on_result=lambda r: _store(r, root))
            out(f"graded {sum(r.graded for r in graded)} of {len(todo)} notebooks in {time.perf_counter() - start:.1f} s")
            done += graded
    done.sort(key=lambda j: (j.assignment, j.student))
    if after_grading:
        after_grading(done)
    problems += feedback(root, done)
    if todo:
        export(root, root / "reports" / "nbgrader_grades.csv")
        report.write(root, done, problems, db_url(root))
        summarize(root, done, out)
    for p in problems + [f"{j.student}/{j.assignment}: NOT GRADED: {j.reason}" for j in done if not j.graded]:
        out(p)
    return done


def feedback(root: Path, done: list[Result]) -> list[str]:
    """Write feedback/ for the graded submissions in ``done``: one nbgrader run per assignment, and where that
    fails, one per student, so that one student's failure costs that student's pages only. Returns a line for
    each student whose feedback could not be generated, and why."""
    problems = []
    for name in sorted({j.assignment for j in done if j.graded}):
        graded = sorted({j.student for j in done if j.graded and j.assignment == name})
        others = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{name}") if p.parent.name not in graded)
        try:
            convert("GenerateFeedback", root, assignment_id=name, student_id_exclude=",".join(others))
            continue
        except CourseError:
            pass
        for student in graded:
            try:
                convert("GenerateFeedback", root, assignment_id=name, student_id=student)
            except CourseError as e:
                problems.append(f"{student}/{name}: feedback for {student} could not be generated: {_cause(str(e))}")
    return problems


def _cause(log: str) -> str:
    """The exception line of a failed nbgrader run's log (not nbgrader's own "see the traceback above")."""
    lines = [l.strip() for l in log.splitlines() if l.strip()]
    causes = [l for l in lines if re.match(r"[\w.]*(Error|Exception)\b", l) and "NbGraderException" not in l]
    return (causes or lines or ["no log"])[-1][:300]


def export(root: Path, to: Path, plugin_class=None, **traits):
    """Run an nbgrader export plugin on the gradebook of the course at ``root``, writing ``to``; return the
    plugin. Default: nbgrader's CSV export (one row per student and assignment); the LMS exports are
    :mod:`grader.export`'s, with ``traits`` such as ``assignment``."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    to.parent.mkdir(parents=True, exist_ok=True)
    plugin = (plugin_class or CsvExportPlugin)(config=jobs_module.base_config(), **traits)
    plugin.to = str(to)
    if plugin.has_trait("root"):  # the course's own plugins read result records and the mapping there
        plugin.root = str(root)
    with Gradebook(db_url(root)) as gb:
        plugin.export(gb)
    return plugin


def grades(root: Path = ROOT) -> list[dict]:
    """Rows of ``reports/grades.csv``: assignment, student_id, status, score, max_score."""
    path = root / "reports" / "grades.csv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summarize(root: Path, jobs: list[Result], out=print) -> None:
    if not jobs:
        return
    scores = {(r["student_id"], r["assignment"]): r for r in grades(root)}
    width = max(len("student"), *(len(j.student) for j in jobs))
    out(f"{'student'.ljust(width)}  {'assignment':<24}  score")
    for j in jobs:
        r = scores.get((j.student, j.assignment), {})
        result = f"{float(r['score']):g} / {float(r['max_score']):g}" if j.graded and r else f"NOT GRADED ({j.reason})"
        if j.graded and " to grade by hand" in r.get("written", ""):
            result += f"  (written answers: {r['written']})"
        out(f"{j.student.ljust(width)}  {j.assignment:<24}  {result}")
    out(f"grades: {root / 'reports' / 'grades.csv'}   class report: {root / 'reports' / 'class_report.md'}   "
        f"feedback: {root / 'feedback'}/<student>/<assignment>/")
