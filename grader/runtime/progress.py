"""``make check``: run the learner's notebooks and tabulate every exercise's visible tests.

An exercise is a graded test cell (nbgrader ``grade: true``, ``grade_id`` ``test_<name>``).
Its status is ``pass`` when the cell ran without error, ``not attempted`` when it
stopped on the ``NotImplementedError`` left in the exercise, ``fail`` otherwise.
A written answer is a manually graded markdown cell (``grade_id`` ``answer_<slug>``): ``answered``
or ``not answered``; once it is answered, the model answer from ``solutions/`` is shown (when the
course folder has one: self-paced learners do, a class's students usually do not).

:func:`show` prints the same table for one notebook from inside the learner's kernel
(the last cell of every notebook calls it).

Both speak the language of the notebooks they report on (``metadata.course.language``); the statuses are kept
in English (``Exercise.status``) and said in that language only in the table.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm.auto import tqdm

from .. import ROOT
from .cells import is_test_cell, is_written_answer
from .messages import ENGLISH, N_, Status, here, language_of, say, speaking
from .visible import namespace as kernel_namespace
from .visible import shell

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Exercise:
    notebook: str
    name: str
    points: float
    status: str  # PASS, FAIL, NOT_ATTEMPTED, NOT_RUN or one of WRITTEN, in English
    message: str = ""
    language: str = ENGLISH  # the notebook's

    @property
    def written(self) -> bool:
        return self.status in WRITTEN


PASS, FAIL, NOT_ATTEMPTED = Status.PASS.value, Status.FAIL.value, Status.NOT_ATTEMPTED.value
NOT_RUN = N_("not run")
WRITTEN = (N_("answered"), N_("not answered"))
STUB = "YOUR ANSWER HERE"  # nbgrader's ClearSolutions.text_stub: what the release puts in an answer cell


def test_cells(nb) -> list[tuple[int, dict]]:
    """(index, cell) of every graded test cell, in notebook order."""
    return [(i, c) for i, c in enumerate(nb.cells) if is_test_cell(c)]


def answer_cells(nb) -> list[tuple[int, dict]]:
    """(index, cell) of every manually graded written answer (a markdown solution cell with points)."""
    return [(i, c) for i, c in enumerate(nb.cells) if is_written_answer(c)]


def written_answers(nb, label: str) -> list[Exercise]:
    out = []
    for _, cell in answer_cells(nb):
        info = cell.metadata["nbgrader"]
        answered = cell.source.strip() not in ("", STUB)
        out.append(Exercise(label, info["grade_id"], info.get("points", 0), WRITTEN[not answered],
                            language=language_of(nb)))
    return out


def model_answers(assignment: str, root: Path = ROOT, language: str = ENGLISH) -> dict[str, str]:
    """grade_id -> the model answer in ``solutions/<assignment>/<assignment>.ipynb`` ({} without it), in ``language``
    where the notebook's catalog (``<assignment>.zh.po``) has a current translation of it."""
    path = root / "solutions" / assignment / f"{assignment}.ipynb"
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    translated = {}
    catalog = path.with_suffix(f".{language.split('-')[0]}.po")
    if language != ENGLISH and catalog.is_file():
        from babel.messages.pofile import read_po
        with open(catalog, "rb") as f:
            translated = {(m.context, m.id): m.string for m in read_po(f, charset="utf-8")
                          if m.id and m.string and "fuzzy" not in m.flags}
    return {c.metadata["nbgrader"]["grade_id"]: translated.get((c.get("id"), c.source), c.source).strip()
            for _, c in answer_cells(nb)}


def status_of(cell) -> tuple[str, str]:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return (PASS, "") if cell.get("execution_count") else (NOT_RUN, "")
    err = errors[0]
    if err.get("ename") == "NotImplementedError":
        return NOT_ATTEMPTED, ""
    return FAIL, ANSI.sub("", f"{err.get('ename')}: {err.get('evalue')}")


def run(path: Path, timeout: int = 120, progress: bool = True):
    """Execute the notebook in its folder, errors allowed; return the executed notebook."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # not JSON, not a notebook: say which file
        raise ValueError(say("{path} is not a valid notebook ({error}); restore it from git", path=path, error=e)) from None
    bar = tqdm(total=sum(c.cell_type == "code" for c in nb.cells), desc=path.parent.name,
               unit="cell", disable=not progress, leave=False)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            on_cell_executed=lambda **_: bar.update())
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's own start-up warnings are noise here
    finally:
        bar.close()
    return nb


def check_notebook(path: Path, progress: bool = True) -> list[Exercise]:
    nb = run(path, progress=progress)
    rel = str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
    out = []
    for _, cell in test_cells(nb):
        info = cell.metadata["nbgrader"]
        status, message = status_of(cell)
        out.append(Exercise(rel, info["grade_id"].removeprefix("test_"), info.get("points", 0), status, message,
                            language_of(nb)))
    return out + written_answers(nb, rel)


def language_of_all(exercises: list[Exercise]) -> str:
    """The language the notebooks of ``exercises`` share (English when they do not share one)."""
    found = {e.language for e in exercises}
    return found.pop() if len(found) == 1 else ENGLISH


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(exercises: list[Exercise]) -> str:
    """The learner's table, and the first failure in full below it, in the language of the notebooks."""
    with speaking(language_of_all(exercises)):
        return _table(exercises)


def _table(exercises: list[Exercise]) -> str:
    rows = [(say("notebook"), say("exercise"), say("points"), say("status"))]
    last = None
    for e in exercises:
        rows.append((e.notebook if e.notebook != last else "", e.name, f"{e.points:g}", say(e.status)))
        last = e.notebook
    widths = [max(width(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c + " " * (w - width(c)) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    tested = [e for e in exercises if not e.written]
    written = [e for e in exercises if e.written]
    done = sum(e.points for e in tested if e.status == PASS)
    total = sum(e.points for e in tested)
    counts = {s: sum(e.status == s for e in tested) for s in (PASS, FAIL, NOT_ATTEMPTED, NOT_RUN)}
    lines.append("\n" + say("{done} of {total} points from visible tests: {counts}", done=f"{done:g}", total=f"{total:g}",
                            counts=say(", ").join(say("{n} {status}", n=n, status=say(s))
                                                  for s, n in counts.items() if n or s != NOT_RUN)))
    if written:
        lines.append(say("written answers: {answered} of {n} answered ({points} points, graded by hand)",
                         answered=sum(e.status == WRITTEN[0] for e in written), n=len(written),
                         points=f"{sum(e.points for e in written):g}"))
    failed = [e for e in tested if e.status == FAIL]
    if failed:
        f = failed[0]
        lines.append("\n" + say("First failure: {name} in {notebook}", name=f.name, notebook=f.notebook)
                     + f"\n{f.message}")
    lines.append(say("(Hidden tests run when your work is graded; passing visible tests is a good sign, not a promise.)"))
    return "\n".join(lines)


def model_answer_text(exercises: list[Exercise], root: Path = ROOT) -> str:
    """The model answers of the written answers already answered, to compare with your own."""
    parts, models = [], {}
    for e in exercises:
        if e.status != WRITTEN[0]:
            continue
        assignment = Path(e.notebook).stem
        if (assignment, e.language) not in models:  # one read of each solutions notebook
            models[assignment, e.language] = model_answers(assignment, root, e.language)
        model = models[assignment, e.language].get(e.name)
        if model:
            with speaking(e.language):
                parts.append(say("{name} ({assignment}), model answer:", name=e.name, assignment=assignment) + "\n"
                             + model.removeprefix("**Model answer.**").removeprefix("**参考答案。**").strip())
    if not parts:
        return ""
    with speaking(language_of_all(exercises)):
        return "\n" + say("Compare your written answers with the model answers:") + "\n\n" + "\n\n".join(parts)


def notebooks(paths: list[str] = (), root: Path = ROOT) -> list[Path]:
    """Notebooks to check: the given files or folders, else everything under ``root``/notebooks/."""
    targets = [Path(p).resolve() for p in paths] or [root / "notebooks"]
    found = []
    for t in targets:
        found += sorted(t.glob("*/*.ipynb")) + sorted(t.glob("*.ipynb")) if t.is_dir() else [t]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def split_copies(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(notebooks to check, copies): in an assignment's folder that holds ``<assignment>.ipynb``, any other
    notebook (``01_sampling-Copy1.ipynb``) is a copy, listed but not checked, so totals are not doubled."""
    checked, copies = [], []
    for p in paths:
        own = p.parent / f"{p.parent.name}.ipynb"
        (copies if p != own and own in paths else checked).append(p)
    return checked, copies


def check_all(paths: list[Path], progress: bool = True) -> tuple[list[Exercise], list[str], list[Path]]:
    """``make check``: (exercises of every readable notebook, one line per unreadable notebook, copies)."""
    checked, copies = split_copies(paths)
    exercises, unreadable = [], []
    for p in checked:
        try:
            exercises += check_notebook(p, progress=progress)
        except ValueError as e:  # not JSON, truncated: say which, and check the others
            unreadable.append(str(e))
    return exercises, unreadable, copies


# In the learner's kernel -------------------------------------------------------------------------

class _Timeout(BaseException):
    """Raised by the alarm. Not an Exception, so that the checks (which report a student's exceptions
    as results) cannot swallow it and call the hanging function again."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise in the main thread after ``seconds`` (POSIX); no limit elsewhere."""
    if (not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread()
            or 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= seconds):  # an earlier alarm is already set
        yield
        return

    def alarm(signum, frame):
        raise _Timeout(say("the test took longer than {seconds} s (an endless loop?)", seconds=f"{seconds:g}"))

    previous = signal.signal(signal.SIGALRM, alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)  # a timer already set (pytest-timeout's)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 0.001))


def find_notebook(assignment: str, cwd: Path | None = None, root: Path = ROOT) -> Path:
    """The saved notebook of ``assignment``: in the kernel's folder, else the course's release."""
    cwd = Path.cwd() if cwd is None else Path(cwd)
    name = assignment.removesuffix(".ipynb")
    candidates = [cwd / f"{name}.ipynb", cwd / name / f"{name}.ipynb", root / "notebooks" / name / f"{name}.ipynb"]
    if assignment.endswith(".ipynb"):
        candidates.insert(0, cwd / assignment)
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(say("no notebook for {assignment}: looked for {paths}", assignment=repr(assignment),
                                paths=", ".join(str(p) for p in candidates)))


def run_tests_live(path: Path, namespace: dict, timeout: float = 120) -> list[Exercise]:
    """Run the graded test cells of the notebook at ``path`` in ``namespace``; one Exercise each.

    The test cells' own output is swallowed; the status follows :func:`status_of`'s rules on
    what each run raised. A NameError for the exercise's own name means its cell has not been
    run in this kernel: status ``not run``.
    """
    nb = nbformat.read(path, as_version=4)
    ip = shell()
    label = os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    out = []
    for _, cell in test_cells(nb):
        info = cell.metadata["nbgrader"]
        name = info["grade_id"].removeprefix("test_")
        source = ip.transform_cell(cell.source) if ip is not None else cell.source
        result = {"execution_count": 1, "outputs": []}
        try:
            code = compile(source, f"<test_{name}>", "exec")
            with speaking(language_of(nb)), _time_limit(timeout), contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                exec(code, namespace)
        except (Exception, _Timeout) as e:  # a test's failure is data here; KeyboardInterrupt passes
            if isinstance(e, NameError) and getattr(e, "name", None) == name:
                result["execution_count"] = None
            else:
                ename = "TimeoutError" if isinstance(e, _Timeout) else type(e).__name__
                result["outputs"] = [{"output_type": "error", "ename": ename, "evalue": str(e)}]
        status, message = status_of(result)
        out.append(Exercise(label, name, info.get("points", 0), status, message, language_of(nb)))
    return out + written_answers(nb, label)


def show(assignment: str, namespace: dict | None = None, timeout: float = 120) -> None:
    """Print this notebook's exercise table, as ``make check`` would, from the live kernel.

    Reads the saved notebook ``<assignment>.ipynb`` in the kernel's folder (the notebook's own)
    for its graded test cells, runs each in the kernel's namespace (so it sees the exercises as
    they are defined right now) and prints the table: pass, fail, not attempted, and the first
    failure in full. Call it from the notebook's last cell::

        from grader.runtime.progress import show as show_progress; show_progress("01_sampling")

    Under nbgrader (autograde, validate) it does nothing: the grader runs the tests itself.
    """
    with speaking(here()):  # until the notebook is found: the language of the notebooks in the kernel's folder
        mode = os.environ.get("NBGRADER_EXECUTION")
        if mode:
            print(say("(progress table skipped: nbgrader is running this notebook ({mode}))", mode=mode))
            return
        try:
            path = find_notebook(assignment)
        except FileNotFoundError as e:
            print(say("Cannot show progress: {error}", error=e))
            return
    if namespace is None:
        namespace = kernel_namespace()
    exercises = run_tests_live(path, namespace, timeout)
    print(table(exercises))
    print(model_answer_text(exercises), end="")
    with speaking(language_of_all(exercises)):
        if any(e.status == WRITTEN[1] for e in exercises):
            print("\n" + say("not answered: the saved notebook's answer cell still reads YOUR ANSWER HERE (save after "
                             "writing)."))
        if any(e.status == NOT_RUN for e in exercises):
            print(say("not run: that exercise is not defined in this kernel yet; run its cell (or Run All) first."))
