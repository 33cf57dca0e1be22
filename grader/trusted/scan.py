"""The trusted side of the course's Python subset: which code each exercise runs, and whether it may.

For one submitted notebook, :func:`plan` reads every code cell once and decides, per exercise:

- the cells it needs: its solution cell and, for every name that cell uses, the last earlier cell
  that binds it, and so on (:func:`grader.runtime.cells.closure`); a name bound by an import inside
  the subset (``import torch``) needs only that statement, not the rest of its cell;
- which of those are the release's own code (identical to a cell of the release, and needing only
  such cells): the grading worker runs them once, before any student code;
- the student's cells among them, each checked against the subset (:mod:`grader.runtime.subset`);
  a finding in any of them flags the exercise: 0 points, and formgrader's manual grading queue.

A finding in a cell that no exercise needs is listed for the instructor and costs no points:
the worker never runs that cell.

The student's kernel, which runs only for the outputs the feedback page shows, runs the student's own
cells, the solution cells and the cells they need (:meth:`Plan.kernel_cells`): the course's teaching
cells that none of them needs (figures, explorers, demonstrations) are left as released, not run.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..runtime import subset
from ..runtime.cells import RELEASES, Cell, closure, defining_cell, is_solution_cell, is_test_cell, norm, source_of

NO_EXERCISE = "(no exercise)"


def release_sources(root: Path, assignment: str, notebook: str = "") -> list[str]:
    """The code cells of the release in every edition (``notebooks/<assignment>/``, ``notebooks-zh/<assignment>/``):
    those are not the student's."""
    out = []
    for edition in RELEASES:
        folder = Path(root) / edition / assignment
        paths = ([folder / f"{notebook}.ipynb"] if notebook and (folder / f"{notebook}.ipynb").exists()
                 else sorted(folder.glob("*.ipynb")))
        out += [source_of(c) for p in paths for c in json.loads(p.read_text()).get("cells", [])
                if c.get("cell_type") == "code"]
    return out


@dataclass
class Plan:
    cells: list[Cell]
    findings: dict[int, list] = field(default_factory=dict)  # position -> [Finding], student cells only
    needs: dict[str, list[int]] = field(default_factory=dict)  # exercise -> positions of the cells it needs
    imports: dict[str, list[str]] = field(default_factory=dict)  # exercise -> import statements it needs alone
    trusted: set[int] = field(default_factory=set)  # positions the worker runs before any student code
    solutions: set[int] = field(default_factory=set)  # positions of the graded solution cells, changed or not
    indexes: list[int] = field(default_factory=list)  # position -> the cell's index in the notebook

    def flagged(self, name: str) -> list:
        return [f for k in self.needs.get(name, []) for f in self.findings.get(k, [])]

    def setup(self) -> list[int]:
        return sorted({k for need in self.needs.values() for k in need if k in self.trusted})

    def student_cells(self, name: str) -> list[int]:
        return [k for k in self.needs.get(name, []) if k not in self.trusted]

    def kernel_cells(self) -> list[int]:
        """Notebook indexes of the cells the student's kernel runs: the student's (written or changed), the
        solution cells and every cell they need, in notebook order."""
        start = set(self.findings) | self.solutions  # findings has an entry for every cell that is not the release's
        return sorted(self.indexes[j] for j in {j for k in start for j in closure(self.cells, k)[0]})

    def flags(self) -> dict[str, list[str]]:
        """Exercise (or :data:`NO_EXERCISE`) -> the lines outside the subset, as the record lists them."""
        out: dict[str, list[str]] = {}
        for name in self.needs:
            out.update({name: [str(f) for f in self.flagged(name)]} if self.flagged(name) else {})
        needed = {k for need in self.needs.values() for k in need}
        for k, found in sorted(self.findings.items()):
            if k not in needed and found:
                out.setdefault(NO_EXERCISE, []).extend(f"{f}  [a cell no exercise needs: no points depend on it]"
                                                       for f in found)
        return out


def plan(nb, release: list[str], exercises: list[str]) -> Plan:
    """The :class:`Plan` for notebook ``nb`` (a dict or NotebookNode), its release's code cells and exercise names."""
    indexes = [i for i, c in enumerate(nb.get("cells", [])) if c.get("cell_type") == "code" and not is_test_cell(c)]
    code = [nb["cells"][i] for i in indexes]
    cells = [Cell.read(i, source_of(c)) for i, c in enumerate(code)]
    same = subset.released(release)
    lines = subset.release_lines(release)
    envs = subset.environment(cells)
    p = Plan(cells, indexes=indexes)
    p.solutions = {k for k, c in enumerate(code) if is_solution_cell(c)}
    is_release = [norm(c.source) in same for c in cells]
    for k, c in enumerate(cells):
        if not is_release[k]:
            p.findings[k] = subset.findings(c, envs[k], lines)
    for k in range(len(cells)):
        if is_release[k] and all(is_release[j] for j in closure(cells, k, subset.free_import)[0]):
            p.trusted.add(k)
    for name in exercises:
        where = next((k for k, c in enumerate(code)
                      if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == name), None)
        if where is None:
            where = defining_cell(cells, name)
        p.needs[name], p.imports[name] = closure(cells, where, subset.free_import) if where is not None else ([], [])
    return p
