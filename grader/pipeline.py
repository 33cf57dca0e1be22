"""``make release`` and ``make autograde``: nbgrader, driven in this process with the course's config.

Every nbgrader step goes through :func:`convert` (or the CSV export plugin) with the
:class:`~grader.course.Course`'s root and gradebook given explicitly, so the same code serves the real course and the
throw-away copies the tests make. Grading itself runs as jobs on Dask workers
(:mod:`grader.cluster`, :mod:`grader.jobs`); this process files submissions, registers the
assignments and students, writes each result back as it arrives, then writes feedback and
reports. Nothing here writes under ``solutions/`` or ``submitted/``.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from . import cluster, intake, manual, report, translate
from . import jobs as jobs_module
from .course import Course, CourseError, read_notebook
from .jobs import Job, Result, fingerprint
from .runtime.cells import RELEASE_FILE, RELEASES, is_test_cell, nbgrader_of, release_digests
from .trusted import results as records
from .trusted import sandbox
from .trusted.results import results_dir  # also the place tests and the benchmark ask


def convert(converter: str, course: Course, **coursedir) -> None:
    """Run nbgrader's ``converter`` (``GenerateAssignment``, ``GenerateFeedback``) on ``course`` in this process,
    forced; CourseError with nbgrader's log when it fails."""
    course.gradebook_path.parent.mkdir(exist_ok=True)
    # nbgrader runs `alembic` by name when it creates a gradebook: this environment's bin comes first.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    out = jobs_module.nbgrader_step(converter, jobs_module.base_config(), root=str(course.root), db_url=course.db_url,
                                    **coursedir)
    if not out["success"]:  # the log's end, then the exception (its frames are nbgrader's, not the cause)
        lines = (out.get("log") or "").strip().splitlines() + (out.get("error") or "").strip().splitlines()[-1:]
        tail = "\n".join(lines[-15:])
        raise CourseError(f"nbgrader {converter} {coursedir} failed:\n{tail}")


def release(course: Course, names: list[str] = ()) -> list[str]:
    """Regenerate ``notebooks/<name>/`` from ``solutions/<name>/``, and ``notebooks-zh/<name>/`` where the assignment
    has a Chinese catalog (:mod:`grader.translate`); return the assignments done."""
    root = course.root
    done = course.pick(names)
    for name in done:
        for nb in sorted((course.solutions / name).glob("*.ipynb")):
            read_notebook(nb)
            write_points(nb, name)
        convert("GenerateAssignment", course, assignment_id=name)
        if translate.catalog_path(root, name).exists():
            translate.release(course, [name])
    if (root / "grader" / "runtime").is_dir():  # the course's own checkout (not a scratch copy of its notebooks)
        (root / "grader" / "runtime" / RELEASE_FILE).write_text(release_digests_json(course))
    return done


def write_points(path: Path, assignment: str) -> list[str]:
    """An exercise's points are stated once, in its spec: write them into the source notebook's test cells (nbgrader
    reads them there). Returns the test cells changed ([]: the notebook is left as it was)."""
    from .public import assignments as public_specs
    specs = public_specs().get(assignment, {})
    nb = nbformat.read(path, as_version=4)
    changed = []
    for cell in nb.cells:
        ex = specs.get(nbgrader_of(cell).get("grade_id", "").removeprefix("test_")) if is_test_cell(cell) else None
        if ex is not None and cell.metadata.nbgrader.get("points") != ex.points:
            cell.metadata.nbgrader["points"] = ex.points
            changed.append(cell.metadata.nbgrader["grade_id"])
    if changed:
        nbformat.write(nb, path)
    return changed


def release_digests_json(course: Course) -> str:
    """``grader/runtime/release_cells.json``: what the learner's subset check knows of every release."""
    from .trusted.scan import release_sources
    data = {p.name: release_digests(release_sources(course.root, p.name)) for p in sorted(course.notebooks.iterdir())
            if p.is_dir() and any(p.glob("*.ipynb"))}
    return json.dumps(data, indent=0, sort_keys=True) + "\n"


def register(course: Course, name: str) -> None:
    """Store the assignment's cells (hidden tests included) in the gradebook without touching notebooks/."""
    convert("GenerateAssignment", course, assignment_id=name, release_directory=".nbgrader/release")


def job_for(course: Course, name: str, student: str, nbs: list[Path], **options) -> Job:
    """The job for one submission: its notebooks (and nbgrader's timestamp.txt), the release, the gradebook."""
    folder = nbs[0].parent
    files = {p.name: p.read_bytes() for p in [*nbs, folder / "timestamp.txt"] if p.is_file()}
    for p in nbs:  # an nbformat 3 notebook is graded as Jupyter would open it (submitted/ keeps the original)
        if b'"worksheets"' in files[p.name] and "cells" not in json.loads(files[p.name]):
            files[p.name] = (json.dumps(read_notebook(p), indent=1, ensure_ascii=False) + "\n").encode()
    release = {edition: {p.name: p.read_bytes() for p in sorted((course.root / edition / name).glob("*.ipynb"))}
               for edition in RELEASES}
    from .trusted.secret import course_secret
    return Job(name, student, files, release, course.db_url, fingerprint=fingerprint(),
               salt=str(course_secret(course.root)), **options)


def store(course: Course, result: Result) -> None:
    """Write one job's result into the course: autograded/ and the result record, or clear a stale one."""
    root = course.root
    folder = course.autograded / result.student / result.assignment
    shutil.rmtree(folder, ignore_errors=True)
    records.path(results_dir(root), result.assignment, result.student).unlink(missing_ok=True)
    if not result.graded:
        shutil.rmtree(course.feedback / result.student / result.assignment, ignore_errors=True)
        return
    folder.mkdir(parents=True)
    for name, data in result.files.items():
        (folder / Path(name).name).write_bytes(data)
    # The files nbgrader keeps beside the notebook come from submitted/, never from the scratch folder the
    # student's code could write: timestamp.txt (the hand-in time) and submission_secret.txt (nbgrader's
    # exchange wrote it at submit time; release_feedback names each feedback page after it).
    for name in ("timestamp.txt", "submission_secret.txt"):
        trusted = course.submitted / result.student / result.assignment / name
        if trusted.is_file():
            shutil.copyfile(trusted, folder / name)
        else:
            (folder / name).unlink(missing_ok=True)
    records.write(results_dir(root), result.record)


_held: dict[tuple[Path, int], int] = {}  # (course, thread) -> depth: autograde inside regrade takes the lock once


@contextlib.contextmanager
def course_lock(course: Course, out=print):
    """One grading run (autograde, regrade) per course at a time: ``.nbgrader/grading.lock``, held with flock
    (the kernel releases it when the holder dies, even by SIGKILL). A second run says so and waits."""
    key = (course.root, threading.get_ident())
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    if not key[0].is_dir():
        raise CourseError(f"no course at {course.root}: the folder does not exist")
    path = key[0] / ".nbgrader" / "grading.lock"
    path.parent.mkdir(exist_ok=True)
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            out(f"another grading run is using this course ({holder}): waiting for it to finish (Ctrl+C to stop)")
            start = time.perf_counter()
            fcntl.flock(f, fcntl.LOCK_EX)
            out(f"the other run finished after {time.perf_counter() - start:.0f} s of waiting; going on")
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        f.flush()
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]


SCRATCH = "grading-run-"  # a run's scratch folder in the temp folder: its workers' grading-* folders, its pid


def _process_start(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot, from /proc), to tell it from a later one with its pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(owner: str) -> bool:
    """Whether the process an owner file names (``pid start``) still runs; True when the file cannot say."""
    parts = owner.split()
    try:
        pid = int(parts[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, PermissionError):
        return True
    except ProcessLookupError:
        return False
    return len(parts) < 2 or _process_start(pid) in ("", parts[1])


def clean_scratch(base: Path) -> list[Path]:
    """Remove the scratch folders of grading runs whose process is dead (SIGKILL): the students' notebooks they
    hold. A folder without an owner file is left alone."""
    removed = []
    for folder in sorted(base.glob(f"{SCRATCH}*")):
        try:
            owner = (folder / "owner").read_text()
        except OSError:
            continue
        if not _alive(owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def scratch(out, remote: bool):
    """The temp folder of this run's local workers: ``<tmp>/grading-run-*/`` with the owner's pid, removed at the
    end; leftovers of dead runs are removed first. ``remote``: the run starts no workers here (they run on another
    machine, or were started before the run): nothing to do."""
    if remote:
        yield
        return
    base = Path(tempfile.gettempdir())  # this process's own temp folder is fixed here, before TMPDIR changes
    removed = clean_scratch(base)
    if removed:
        out(f"removed {len(removed)} scratch folder(s) a killed grading run left in {base}")
    folder = Path(tempfile.mkdtemp(prefix=SCRATCH, dir=base))
    (folder / "owner").write_text(f"{os.getpid()} {_process_start(os.getpid())}\n")
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)  # the Dask workers start inside the run and make their grading-* here
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def one_run_at_a_time(fn):
    """``fn`` (autograde) holds the course's lock, checks that ``reports/`` can be written before grading
    starts (CourseError otherwise), and gives the workers its runner starts a scratch folder of their own."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def run(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        course, out = bound.arguments["course"], bound.arguments["out"]
        with course_lock(course, out):
            try:
                report.check_writable(course)
            except OSError as e:
                raise CourseError(f"cannot write the reports in {course.reports} ({e}): make it writable "
                                  f"(`chmod u+w`, or remove what is in the way) and run again; nothing was graded") from None
            if bound.arguments.get("runner") is None:
                bound.arguments["runner"] = cluster.Dask()
            with scratch(out, not bound.arguments["runner"].starts_workers):
                return fn(*bound.args, **bound.kwargs)
    return run


class Interrupted(Exception):
    """Ctrl+C during grading: what was stored and what to do, in one message."""


@one_run_at_a_time
def autograde(course: Course, names: list[str] = (), out=print, submissions_from: Path | None = None,
              runner=None, sandboxed: bool = True, time_limit: float = 900,
              cell_timeout: float | None = None, students: list[str] | None = None,
              after_result=None, on_stored=None, write_feedback: bool = True) -> list[Result]:
    """Grade every ``submitted/<student>/<assignment>/`` on Dask workers; write feedback/ and reports/.

    ``submissions_from``: a folder of zips or student folders to file under submitted/ first.
    ``runner``: where the jobs run (:mod:`grader.cluster`; default ``cluster.Dask()``: an embedded cluster with
    a worker per core). ``time_limit``: seconds one notebook may
    run in all; ``cell_timeout``: seconds per cell (default: the config's); ``students``: grade only
    these. ``after_result(result)`` runs as each result is stored; by default it keeps the manual grades
    given before (:func:`grader.manual.keep_one`: nbgrader marks them "needs manual grade" again; the mark
    is cleared where the graded work is unchanged). The manual grades are on disk before grading starts
    and each leaves it once written back, so an interrupted run loses none. ``on_stored(result)`` runs after
    that (grading on submit answers the student there); ``write_feedback=False`` leaves feedback/ to it.
    Returns one :class:`Result` per submission; those not graded carry the reason.
    """
    problems: list[str] = []
    if submissions_from is not None:
        if not submissions_from.is_dir():
            raise CourseError(f"{submissions_from} is not a folder: pass a folder of zip files or of student folders")
        catalogue = {nb.name: a for a in course.assignments() for nb in (course.solutions / a).glob("*.ipynb")}
        try:
            taken = intake.take_in(submissions_from, course.root, catalogue)
        except ValueError as e:  # a submissions_map.csv that cannot be used
            raise CourseError(str(e)) from None
        problems += taken.problems
        out(f"filed {len(taken.filed)} notebooks from {submissions_from} under submitted/")
    if not course.submitted.is_dir():
        raise CourseError(f"no submitted/ folder in {course.root}: put each student's notebooks under "
                          f"submitted/<student>/<assignment>/, e.g. submitted/alice/01_sampling/01_sampling.ipynb, "
                          f"or pass SUBMISSIONS=<folder of zips>")
    if runner.remote and not course.shared_gradebook:
        raise CourseError(f"grading on the cluster at {runner.address} needs a gradebook every worker can reach: set "
                          f"GRADEBOOK_URL=postgresql://user:password@host/db (see docs/scaling.md)")
    if sandboxed and not runner.remote:
        broken = sandbox.probe()
        if broken:
            raise CourseError(f"cannot sandbox student code: {broken}. Fix that, or grade without isolation "
                              f"with `make autograde UNSANDBOXED=1` (only for code you trust)")
        sandbox.clean_stale_cgroups()  # what a killed run left
    todo: list[Job] = []
    done: list[Result] = []
    options = {"sandboxed": sandboxed, "time_limit": time_limit, "cell_timeout": cell_timeout}
    for name in course.pick(names):
        for student, nbs in course.submissions(name).items():
            if students and student not in students:
                continue
            try:
                for nb in nbs:
                    read_notebook(nb)
            except CourseError as e:
                done.append(Result(name, student, reason=f"invalid notebook: {e}; hand in a new one, or take it out of "
                                                         f"grading: {report.WITHDRAW.format(student=student, assignment=name)}"))
                continue
            todo.append(job_for(course, name, student, nbs, **options))
    if todo and after_result is None:
        before = manual.durable_snapshot(course, sorted({j.assignment for j in todo}))

        def after_result(r):
            return manual.keep_one(course, before, r)

    for name in sorted({j.assignment for j in todo}):
        register(course, name)
    if todo:
        from nbgrader.api import Gradebook
        with Gradebook(course.db_url) as gb:  # here, once: parallel jobs would race to create the same student
            for student in sorted({j.student for j in todo}):
                gb.update_or_create_student(student)
        with runner:
            out(f"grading {len(todo)} notebooks on {runner.describe()}")
            start = time.perf_counter()
            stored: list[Result] = []
            try:
                graded = runner.run(todo, on_result=lambda r: (store(course, r), after_result and after_result(r),
                                                                        stored.append(r), on_stored and on_stored(r)))
            except KeyboardInterrupt:
                import logging
                logging.getLogger("distributed").setLevel(logging.CRITICAL)  # the workers' shutdown noise
                raise Interrupted(f"interrupted: {len(stored)} of {len(todo)} notebooks were graded and stored "
                                  f"(autograded/, the gradebook, manual grades kept); the others were not. Run the "
                                  f"same command again: it grades everything again, manual grades kept") from None
            out(f"graded {sum(r.graded for r in graded)} of {len(todo)} notebooks in {time.perf_counter() - start:.1f} s")
            done += graded
    done.sort(key=lambda j: (j.assignment, j.student))
    if write_feedback:
        problems += feedback(course, done)
    if todo or (done and course.has_gradebook()):
        export(course, course.reports / "nbgrader_grades.csv")
    if done:  # the whole course, as the gradebook holds it, with this run's rows marked
        report.write(course, done, problems)
        summarize(course, done, out)
    for p in problems + [f"{j.student}/{j.assignment}: NOT GRADED: {j.reason}" for j in done if not j.graded]:
        out(p)
    if any(not j.graded for j in done):
        out(f"a submission that cannot be graded is tried again on every run: hand in a new one, or take it out with "
            f"`{report.WITHDRAW.format(student='<student>', assignment='<assignment>')}` (it moves to withdrawn/)")
    return done


def hand_back(course: Course) -> list[Path]:
    """After a command run as root (``sudo make autograde`` on a class hub) on a course that another user owns: give
    the files it made back to that owner, so that the owner's formgrader can still write the gradebook and the
    reports. Returns what changed hands (nothing when not root, or when root owns the course)."""
    root = course.root
    if os.geteuid() != 0 or not root.is_dir():
        return []
    owner = root.stat()
    if owner.st_uid == 0:
        return []
    changed = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (folder == str(root) and d in (".venv", ".git"))]
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if path.lstat().st_uid == 0:
                os.lchown(path, owner.st_uid, owner.st_gid)
                changed.append(path)
    return changed


def feedback(course: Course, done: list[Result]) -> list[str]:
    """Write feedback/ for the graded submissions in ``done``: one nbgrader run per assignment, and where that
    fails, one per student, so that one student's failure costs that student's pages only. Returns a line for
    each student whose feedback could not be generated, and why."""
    problems = []
    for name in sorted({j.assignment for j in done if j.graded}):
        graded = sorted({j.student for j in done if j.graded and j.assignment == name})
        others = sorted(p.parent.name for p in course.autograded.glob(f"*/{name}") if p.parent.name not in graded)
        try:
            convert("GenerateFeedback", course, assignment_id=name, student_id_exclude=",".join(others))
            continue
        except CourseError:
            pass
        for student in graded:
            try:
                convert("GenerateFeedback", course, assignment_id=name, student_id=student)
            except CourseError as e:
                problems.append(f"{student}/{name}: feedback for {student} could not be generated: {_cause(str(e))}")
    return problems


def _cause(log: str) -> str:
    """The exception line of a failed nbgrader run's log (not nbgrader's own "see the traceback above")."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    causes = [line for line in lines if re.match(r"[\w.]*(Error|Exception)\b", line) and "NbGraderException" not in line]
    return (causes or lines or ["no log"])[-1][:300]


def export(course: Course, to: Path, plugin_class=None, **traits):
    """Run an nbgrader export plugin on the gradebook of ``course``, writing ``to``; return the
    plugin. Default: nbgrader's CSV export (one row per student and assignment); the LMS exports are
    :mod:`grader.export`'s, with ``traits`` such as ``assignment``."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    to.parent.mkdir(parents=True, exist_ok=True)
    plugin = (plugin_class or CsvExportPlugin)(config=jobs_module.base_config(), **traits)
    plugin.to = str(to)
    if plugin.has_trait("root"):  # the course's own plugins read result records and the mapping there
        plugin.root = str(course.root)
    with Gradebook(course.db_url) as gb:
        plugin.export(gb)
    return plugin


def summarize(course: Course, jobs: list[Result], out=print) -> None:
    if not jobs:
        return
    scores = {(r["student_id"], r["assignment"]): r for r in course.grades()}
    handed = intake.handed_in(course.root)
    names = {(j.student, j.assignment): report.who(j.student, handed, j.assignment) for j in jobs}
    width = max(len("student (handed in as)"), *(len(n) for n in names.values()))
    out(f"{'student (handed in as)'.ljust(width)}  {'assignment':<24}  score")
    for j in jobs:
        r = scores.get((j.student, j.assignment), {})
        result = f"{float(r['score']):g} / {float(r['max_score']):g}" if j.graded and r else f"NOT GRADED ({j.reason})"
        if j.graded and " to grade by hand" in r.get("written", ""):
            result += f"  (written answers: {r['written']})"
        out(f"{names[j.student, j.assignment].ljust(width)}  {j.assignment:<24}  {result}")
    out(f"grades: {course.reports / 'grades.csv'}   class report: {course.reports / 'class_report.md'}   "
        f"feedback: {course.feedback}/<student>/<assignment>/")
