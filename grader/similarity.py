"""``make similarity``: pairs of submissions whose exercise cells are suspiciously alike.

For every assignment and exercise, each student's solution cell (the code cell nbgrader marks
``solution`` under that exercise's ``grade_id``) is compared with every other student's, and the
pairs scoring at or above :data:`THRESHOLD` are written to ``reports/similarity.md`` with both
cells side by side. A pair is a lead to review, never a verdict.

Method (winnowing, Schleimer, Wilkerson and Aiken 2003, as implemented by copydetect 0.5.0):

1. Starter code out: the lines of the student's cell that are also lines of the release's cell
   (signature, docstring, ``# YOUR CODE HERE``, a class skeleton) are dropped. What is left is the
   student's own code; nothing left means unattempted, fewer than :data:`MIN_CHARS` normalised
   characters means too short to tell a copy from the obvious answer. Both are skipped and counted.
2. Normalised by copydetect's tokenizer (Pygments): every name becomes ``V`` (locals, arguments,
   attributes and methods alike), a defined function ``F``, a class ``O``, a string ``S``; comments
   and all whitespace go. Keywords, builtins, exception names, numbers and operators stay. A renamed,
   recommented, respaced copy normalises to the same text.
3. Fingerprinted: every :data:`K`-character substring of the normalised text is hashed (a winnowing
   window of 1: cells are a few hundred characters, so nothing needs thinning out, and keeping every
   hash makes the scores independent of Python's per-process string hash seed). Hashes that also
   occur in the release's cell are discarded too (starter code the student reformatted).
4. Scored: for each cell, the share of its fingerprinted characters covered by fingerprints the other
   cell also has; a pair's score is the larger share, so a copy padded with extra code still shows.
   Reordered statements lose only the k-grams that straddle a moved boundary.

Why copydetect: it takes in-memory strings (``CodeFingerprint(fp=...)``), its tokenizer already
normalises names and whitespace, it keeps the offsets that map shared fingerprints back to source
lines (the report marks them), and it depends only on numpy, Pygments, Jinja2, tqdm and matplotlib,
all in the course's environment already. pycode-similar 1.4 compares function ASTs with difflib:
it needs code that parses (a student's syntax error or IPython magic would stop it), compares one
reference against the rest rather than all pairs, and gives no line-level evidence. Dolos (the
``@dodona/dolos`` npm tool; the PyPI ``dolos`` is an unrelated package) needs Node.js and works on
files through its CLI. An own winnowing would duplicate copydetect's 100 lines without adding
anything these cells need.

The threshold and the limits were measured on a class of 23 (one original, a renamed copy, a
reordered copy and twenty independent solutions of ``pool2d`` and ``pad2d``, ``tests/students/
similarity.py``) and on the course's own test students: ``docs/similarity.md`` has the numbers.
"""
from __future__ import annotations

import html
import io
import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .course import Course, CourseError, read_notebook
from .runtime.cells import is_solution_cell, nbgrader_of, source_of

K = 25  # characters of normalised code in one fingerprint: shorter shared runs are noise
MIN_CHARS = 50  # normalised characters of own code below which a cell is too short to compare
THRESHOLD = 0.65  # pairs scoring at or above this are listed
SHOWN = 20  # pairs per exercise shown with both cells; more are listed by name and score
LISTED = 200  # pairs per exercise listed by name beyond those shown; the rest are counted


@dataclass
class Cell:
    """One student's solution cell for one exercise."""
    student: str
    source: str  # the cell as handed in
    own: str = ""  # the cell less the starter's lines
    lines: list[int] = field(default_factory=list)  # own's line i is line lines[i] of source (0-based)
    fingerprint: object = None  # copydetect.CodeFingerprint of own


@dataclass
class Pair:
    """Two students' cells for one exercise and what they share."""
    a: Cell
    b: Cell
    score: float  # max(share_a, share_b)
    share_a: float  # share of a's fingerprinted code also in b
    share_b: float
    slices_a: np.ndarray  # copydetect's shared character ranges of a.own: starts, ends
    slices_b: np.ndarray

    @property
    def shared_a(self) -> set[int]:
        """Line numbers (0-based) of a.source holding shared code; worked out only for pairs in the report."""
        return _shared_lines(self.slices_a, self.a)

    @property
    def shared_b(self) -> set[int]:
        return _shared_lines(self.slices_b, self.b)


@dataclass
class Exercise:
    """The comparison of one exercise across the class."""
    assignment: str
    name: str
    compared: list[str]  # students whose cells were compared
    unattempted: list[str]
    short: list[str]  # too short to compare
    scores: list[float]  # every compared pair's score
    pairs: list[Pair]  # at or above the threshold, highest first


def solution_cells(nb: dict) -> dict[str, str]:
    """grade_id -> source of every code cell nbgrader marks as a solution (written markdown answers are
    not code and are left out)."""
    cells = {}
    for cell in nb.get("cells", []):
        meta = nbgrader_of(cell)
        if is_solution_cell(cell) and meta.get("grade_id"):
            cells[meta["grade_id"]] = source_of(cell)
    return cells


def starter_cells(course: Course, name: str) -> dict[str, str]:
    """grade_id -> the release's solution cell (the starter code) of assignment ``name``."""
    nbs = sorted((course.notebooks / name).glob("*.ipynb"))
    if not nbs:
        raise CourseError(f"no release notebook in {course.notebooks / name}: run `make release ASSIGNMENT={name}` "
                          f"first, the starter code comes from it")
    cells: dict[str, str] = {}
    for nb in nbs:
        cells.update(solution_cells(read_notebook(nb)))
    return cells


def own_code(source: str, starter: str) -> tuple[str, list[int]]:
    """``source`` without the lines that are also lines of ``starter`` (compared stripped; blank lines
    go too), and the line number in ``source`` of each line kept."""
    given = {line.strip() for line in starter.splitlines()}
    kept = [(i, line) for i, line in enumerate(source.splitlines()) if line.strip() and line.strip() not in given]
    return "\n".join(line for _, line in kept), [i for i, _ in kept]


def fingerprint(code: str, boilerplate: frozenset = frozenset()):
    """copydetect's fingerprint of a Python ``code`` string, every K-gram of the normalised text, less the
    hashes in ``boilerplate``.

    The boilerplate is taken out here rather than by copydetect's ``boilerplate=`` argument: copydetect
    0.5.0 intersects with ``assume_unique=True`` although a cell repeats k-grams, so it also drops the
    repeats of the student's own code whatever the boilerplate holds.
    """
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage
    fp = CodeFingerprint("cell.py", K, 1, language="python", fp=io.StringIO(code))
    if fp.hashes & boilerplate:
        fp.hashes = fp.hashes - boilerplate
        fp.hash_idx = {h: idx for h, idx in fp.hash_idx.items() if h not in boilerplate}
        fp.token_coverage = get_token_coverage(fp.hash_idx, K, len(fp.filtered_code))
    return fp


def _shared_lines(slices: np.ndarray, cell: Cell) -> set[int]:
    """Line numbers of ``cell.source`` touched by copydetect's ``slices`` (character ranges of ``cell.own``)."""
    if len(slices) == 0 or len(slices[0]) == 0:
        return set()
    starts = np.cumsum([0] + [len(line) + 1 for line in cell.own.split("\n")])  # own's line i starts at starts[i]
    found = set()
    for start, end in zip(slices[0], slices[1], strict=True):
        first = int(np.searchsorted(starts, start, side="right")) - 1
        last = int(np.searchsorted(starts, max(end - 1, start), side="right")) - 1
        found.update(cell.lines[i] for i in range(first, min(last, len(cell.lines) - 1) + 1))
    return found


def compare(a: Cell, b: Cell) -> Pair:
    """The score of two fingerprinted cells and the lines each shares with the other."""
    from copydetect import compare_files
    _, (share_a, share_b), (slices_a, slices_b) = compare_files(a.fingerprint, b.fingerprint)
    share_a, share_b = float(share_a), float(share_b)
    return Pair(a, b, max(share_a, share_b), share_a, share_b, slices_a, slices_b)


def prepare(cells: dict[str, str], starter: str) -> tuple[list[Cell], list[str], list[str]]:
    """Fingerprint each student's cell (student -> source) against the starter; return the cells to
    compare, the unattempted students and those whose own code is too short."""
    boilerplate = frozenset(fingerprint(starter).hashes)
    keep, unattempted, short = [], [], []
    for student, source in sorted(cells.items()):
        cell = Cell(student, source)
        cell.own, cell.lines = own_code(source, starter)
        cell.fingerprint = fingerprint(cell.own, boilerplate)
        normalised = len(cell.fingerprint.filtered_code)
        if normalised == 0:
            unattempted.append(student)
        elif normalised < MIN_CHARS or cell.fingerprint.token_coverage == 0:
            short.append(student)
        else:
            keep.append(cell)
    return keep, unattempted, short


def compare_class(assignment: str, exercise: str, cells: dict[str, str], starter: str,
                  threshold: float = THRESHOLD, tick=lambda n: None) -> Exercise:
    """Compare every pair of ``cells`` (student -> source) for one exercise; ``tick(n)`` after n pairs."""
    keep, unattempted, short = prepare(cells, starter)
    scores, pairs = [], []
    for a, b in itertools.combinations(keep, 2):
        pair = compare(a, b)
        scores.append(pair.score)
        if pair.score >= threshold:
            pairs.append(pair)
        tick(1)
    pairs.sort(key=lambda p: (-p.score, p.a.student, p.b.student))
    return Exercise(assignment, exercise, [c.student for c in keep], unattempted, short, scores, pairs)


def collect(course: Course, name: str) -> tuple[dict[str, str], dict[str, dict[str, str]], list[str]]:
    """For assignment ``name``: the starter cells, grade_id -> {student: source}, and the problems
    (notebooks that could not be read, solution cells missing)."""
    starter = starter_cells(course, name)
    by_exercise: dict[str, dict[str, str]] = {g: {} for g in starter}
    problems = []
    found = course.submissions(name)
    for student, nbs in found.items():
        cells: dict[str, str] = {}
        try:
            for nb in nbs:
                cells.update(solution_cells(read_notebook(nb)))
        except CourseError as e:
            problems.append(f"{student}/{name}: not compared, {e}")
            continue
        for grade_id in starter:
            by_exercise[grade_id][student] = cells.get(grade_id, "")  # a deleted cell counts as unattempted
    return starter, by_exercise, problems


def run(course: Course, names: list[str] = (), threshold: float = THRESHOLD, progress: bool = True,
        out=print) -> tuple[list[Exercise], Path]:
    """Compare the submissions of ``names`` (default: every assignment), write ``reports/similarity.md``,
    print how many pairs each exercise has; return the exercises and the report's path."""
    from tqdm.auto import tqdm

    if not 0 <= threshold <= 1:
        raise CourseError(f"threshold {threshold} is not a score: scores run from 0 (nothing shared) to 1 (all of "
                          f"one cell's code is in the other); the default is {THRESHOLD}")
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # copydetect imports pyplot
    if not course.submitted.is_dir():
        raise CourseError(f"no submitted/ folder in {course.root}: submissions live in submitted/<student>/<assignment>/")
    work, problems = [], []
    for name in course.pick(names):
        starter, by_exercise, found_problems = collect(course, name)
        problems += found_problems
        work += [(name, grade_id, cells, starter[grade_id]) for grade_id, cells in by_exercise.items()]
    total = sum(len(cells) * (len(cells) - 1) // 2 for *_, cells, _ in work)
    results = []
    with tqdm(total=total, desc="comparing", unit="pair", disable=not (progress and total > 5000)) as bar:
        for name, grade_id, cells, starter in work:
            results.append(compare_class(name, grade_id, cells, starter, threshold, bar.update))
    path = course.reports / "similarity.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report(results, threshold, problems), encoding="utf-8")
    for ex in results:
        if ex.compared or ex.unattempted or ex.short:
            out(f"{ex.assignment} {ex.name}: {len(ex.pairs)} pair{'s' * (len(ex.pairs) != 1)} to review "
                f"({len(ex.compared)} compared, {len(ex.unattempted)} unattempted, {len(ex.short)} too short)")
    for p in problems:
        out(p)
    out(f"wrote {path} ({sum(len(ex.pairs) for ex in results)} pairs at or above {threshold:.2f})")
    return results, path


# ---- the report ------------------------------------------------------------------------------

HEADER = """# Similarity report

Pairs of submissions whose solution cells are much alike, per exercise, with both cells side by side.

**These are leads to review, never verdicts.** Short exercises have few natural solutions, students
who learnt from the same notes and the same worked examples write alike, and a high score says only
that two cells share long runs of code once names, strings, comments and spacing are set aside. Read
both cells; if a pair still looks copied, talk to the students before concluding anything.

How it works: the lines of the release's cell (the starter code) are removed, the rest is normalised
(every name becomes `V`, strings `S`, comments and whitespace go) and fingerprinted in runs of {k}
characters by copydetect's winnowing. A cell's share is the part of its normalised code found in the
other cell; a pair's score is the larger share (1.00: all of one cell's code is in the other). Pairs
scoring {threshold:.2f} or more are listed. **Bold** lines hold the shared code. Cells that are still
the release's stub (unattempted), or with fewer than {min_chars} normalised characters of their own
(too short to tell a copy from the obvious answer), are not compared. `docs/similarity.md` explains
the method, its limits and how the threshold was chosen.
"""


def _pre(cell: Cell, shared: set[int]) -> str:
    """``cell.source`` as the inside of a <pre>: escaped, shared code lines bold (comments are not compared),
    and no blank line (a blank line would end the HTML block in Markdown)."""
    out = []
    for i, line in enumerate(cell.source.splitlines()):
        text = html.escape(line, quote=False) or "&#32;"
        code = line.strip() and not line.strip().startswith("#")
        out.append(f"<b>{text}</b>" if i in shared and code else text)
    return "\n".join(out)


def _pair(p: Pair) -> str:
    return (f"#### {p.a.student} and {p.b.student}: score {p.score:.2f}\n\n"
            f"<table>\n<tr><th>{html.escape(p.a.student)}: {p.share_a:.0%} of its code shared</th>"
            f"<th>{html.escape(p.b.student)}: {p.share_b:.0%} of its code shared</th></tr>\n"
            f"<tr><td valign=\"top\"><pre>{_pre(p.a, p.shared_a)}</pre></td>\n"
            f"<td valign=\"top\"><pre>{_pre(p.b, p.shared_b)}</pre></td></tr>\n</table>\n")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _distribution(scores: list[float]) -> str:
    if not scores:
        return "no pair to compare"
    median, p90 = np.percentile(scores, [50, 90])
    return (f"scores of the {_plural(len(scores), 'pair')}: median {median:.2f}, 90th percentile {p90:.2f}, "
            f"highest {max(scores):.2f}")


def report(results: list[Exercise], threshold: float = THRESHOLD, problems: list[str] = ()) -> str:
    """The Markdown of reports/similarity.md: what it is, a summary table, then per exercise its pairs."""
    handed_in = [ex for ex in results if ex.compared or ex.unattempted or ex.short]
    parts = [HEADER.format(k=K, threshold=threshold, min_chars=MIN_CHARS)]
    nobody = [a for a in dict.fromkeys(ex.assignment for ex in results) if all(e not in handed_in for e in results
                                                                              if e.assignment == a)]
    if nobody:
        parts.append(f"No submissions for {', '.join(nobody)}.\n")
    if problems:
        parts.append("Not read:\n\n" + "\n".join(f"- {p}" for p in problems) + "\n")
    if not handed_in:
        return "\n".join(parts)
    parts.append("| assignment | exercise | compared | unattempted | too short | pairs to review | highest score |\n"
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for ex in handed_in:
        top = f"{max(ex.scores):.2f}" if ex.scores else "-"
        parts.append(f"| {ex.assignment} | {ex.name} | {len(ex.compared)} | {len(ex.unattempted)} | "
                     f"{len(ex.short)} | {len(ex.pairs)} | {top} |")
    parts.append("")
    for assignment in dict.fromkeys(ex.assignment for ex in handed_in):
        parts.append(f"## {assignment}\n")
        for ex in (e for e in handed_in if e.assignment == assignment):
            parts.append(f"### {ex.name}: {_plural(len(ex.pairs), 'pair')} to review\n")
            parts.append(f"{_plural(len(ex.compared), 'cell')} compared ({_distribution(ex.scores)}), "
                         f"{len(ex.unattempted)} unattempted, {len(ex.short)} too short to compare.\n")
            if ex.short:
                parts.append(f"<details><summary>Too short to compare ({len(ex.short)})</summary>\n\n"
                             f"{', '.join(ex.short)}\n\n</details>\n")
            if len(ex.scores) >= 20 and len(ex.pairs) > 0.1 * len(ex.scores):
                parts.append(f"**{len(ex.pairs) / len(ex.scores):.0%} of this exercise's pairs score above the "
                             f"threshold: its solutions converge, and a high score says little here.**\n")
            parts += [_pair(p) for p in ex.pairs[:SHOWN]]
            rest = ex.pairs[SHOWN:]
            if rest:
                parts.append(f"{_plural(len(rest), 'more pair')} at or above the threshold"
                             f"{f', the {LISTED} highest here' if len(rest) > LISTED else ''} (a higher "
                             f"`--threshold` lists fewer):\n\n"
                             "| student | student | score |\n| --- | --- | ---: |")
                parts += [f"| {p.a.student} | {p.b.student} | {p.score:.2f} |" for p in rest[:LISTED]]
                parts.append("")
    return "\n".join(parts)
