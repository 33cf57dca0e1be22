"""``make check``: run the learner's notebooks and tabulate every exercise's visible tests.

An exercise is a graded test cell (nbgrader ``grade: true``, ``grade_id`` ``test_<name>``).
Its status is ``pass`` when the cell ran without error, ``not attempted`` when it
stopped on the ``NotImplementedError`` left in the exercise, ``fail`` otherwise.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from tqdm.auto import tqdm

from .pipeline import ROOT, read_notebook

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Exercise:
    notebook: str
    name: str
    points: float
    status: str
    message: str = ""


def test_cells(nb) -> list[tuple[int, dict]]:
    """(index, cell) of every graded test cell, in notebook order."""
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def status_of(cell) -> tuple[str, str]:
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return ("pass", "") if cell.get("execution_count") else ("not run", "")
    err = errors[0]
    if err.get("ename") == "NotImplementedError":
        return "not attempted", ""
    return "fail", ANSI.sub("", f"{err.get('ename')}: {err.get('evalue')}")


def run(path: Path, timeout: int = 120, progress: bool = True):
    """Execute the notebook in its folder, errors allowed; return the executed notebook."""
    read_notebook(path)
    nb = nbformat.read(path, as_version=4)
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
        out.append(Exercise(rel, info["grade_id"].removeprefix("test_"), info.get("points", 0), status, message))
    return out


def table(exercises: list[Exercise]) -> str:
    """The learner's table, and the first failure in full below it."""
    rows = [("notebook", "exercise", "points", "status")]
    last = None
    for e in exercises:
        rows.append((e.notebook if e.notebook != last else "", e.name, f"{e.points:g}", e.status))
        last = e.notebook
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    done = sum(e.points for e in exercises if e.status == "pass")
    total = sum(e.points for e in exercises)
    counts = {s: sum(e.status == s for e in exercises) for s in ("pass", "fail", "not attempted")}
    lines.append(f"\n{done:g} of {total:g} points from visible tests: "
                 + ", ".join(f"{n} {s}" for s, n in counts.items()))
    failed = [e for e in exercises if e.status == "fail"]
    if failed:
        f = failed[0]
        lines.append(f"\nFirst failure: {f.name} in {f.notebook}\n{f.message}")
    lines.append("(Hidden tests run when your work is graded; passing visible tests is a good sign, not a promise.)")
    return "\n".join(lines)


def notebooks(paths: list[str] = (), root: Path = ROOT) -> list[Path]:
    """Notebooks to check: the given files or folders, else everything under ``root``/notebooks/."""
    targets = [Path(p).resolve() for p in paths] or [root / "notebooks"]
    found = []
    for t in targets:
        found += sorted(t.glob("*/*.ipynb")) + sorted(t.glob("*.ipynb")) if t.is_dir() else [t]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]
