"""Code cells as plain Python: IPython's magics, the names a cell binds and uses, an exercise's cells.

The subset check (:mod:`.subset`) and the grading worker (:mod:`.worker`) read a cell the same
way: :func:`python_of` turns the few magics the course allows into Python with the same line
numbers (``%time stmt`` runs ``stmt``; ``%matplotlib inline`` does nothing) and reports every
other IPython escape, so what is checked is exactly what the worker runs.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

# Line magics that run their statement (time, timeit) or change nothing a grade depends on.
LINE_MAGICS = {"time": "run", "timeit": "run", "matplotlib": "skip", "load_ext": "skip", "autoreload": "skip",
               "who": "skip", "whos": "skip", "pinfo": "skip", "pinfo2": "skip", "precision": "skip",
               "pprint": "skip"}
EXTENSIONS = {"autoreload", "tensorboard"}  # what %load_ext may load
CELL_MAGICS = {"time", "timeit", "capture"}  # their body is Python, checked like any cell
MAX_CELL = 100_000  # characters: a longer cell is not parsed (outside the subset)
_ESCAPE = re.compile(r"^(\s*)([%!?/,;])")
_MAGIC_ASSIGN = re.compile(r"^\s*[\w.,\s\[\]()*]+=\s*[%!]")


def norm(source: str) -> str:
    """A cell's source without trailing blanks: how cells are compared with the release."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def source_of(cell) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def nbgrader_of(cell) -> dict:
    """A cell's nbgrader metadata (``{}`` for a cell nbgrader does not mark)."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def is_test_cell(cell) -> bool:
    """An autograded test cell: code, graded, not a solution; its ``grade_id`` is ``test_<exercise>``."""
    info = nbgrader_of(cell)
    return cell.get("cell_type") == "code" and bool(info.get("grade")) and not info.get("solution")


def is_solution_cell(cell) -> bool:
    """An exercise's solution cell: code the student writes, under the exercise's ``grade_id``."""
    return cell.get("cell_type") == "code" and bool(nbgrader_of(cell).get("solution"))


def is_written_answer(cell) -> bool:
    """A written question's answer: a markdown solution cell with points, graded by hand."""
    info = nbgrader_of(cell)
    return cell.get("cell_type") == "markdown" and bool(info.get("grade")) and bool(info.get("solution"))


def _timeit_statement(rest: str) -> str:
    words = rest.split()
    while words and words[0].startswith("-"):
        flag = words.pop(0)
        if flag in ("-n", "-r", "-p") and words:
            words.pop(0)
    return " ".join(words)


def python_of(source: str) -> tuple[str, list[tuple[int, str]]]:
    """(the cell as Python, with the same line numbers; [(line, why) for every magic outside the subset])."""
    lines = source.split("\n")
    problems: list[tuple[int, str]] = []
    out = []
    for i, line in enumerate(lines, start=1):
        stripped = line.strip()
        if i == 1 and stripped.startswith("%%"):
            name = stripped[2:].split()[0] if stripped[2:].split() else ""
            if name not in CELL_MAGICS:  # its body is not Python (a file, a shell script): it binds nothing
                problems.append((1, f"the cell magic %%{name} is outside the subset (allowed: "
                                    + ", ".join(f"%%{m}" for m in sorted(CELL_MAGICS)) + ")"))
                return "\n" * (len(lines) - 1), problems
            out.append("")
            continue
        m = _ESCAPE.match(line)
        if stripped.endswith("?") and not stripped.startswith("#") and stripped.rstrip("?").replace(".", "").isidentifier():
            out.append("")  # help: `x?`, `torch.nn?`
            continue
        if _MAGIC_ASSIGN.match(line):
            problems.append((i, "assigning the result of a magic or shell command is outside the subset"))
            out.append("")
            continue
        if not m:
            out.append(line)
            continue
        indent, escape = m.groups()
        if escape != "%" or stripped.startswith("%%"):
            problems.append((i, "shell commands and IPython's escapes (! ? / , ;) are outside the subset"))
            out.append("")
            continue
        word, _, rest = stripped[1:].partition(" ")
        how = LINE_MAGICS.get(word)
        if how is None:
            problems.append((i, f"the magic %{word} is outside the subset (allowed: "
                                + ", ".join(f"%{m}" for m in sorted(LINE_MAGICS)) + ")"))
            out.append("")
        elif word == "load_ext" and rest.strip() not in EXTENSIONS:
            problems.append((i, f"%load_ext may load {', '.join(sorted(EXTENSIONS))} only"))
            out.append("")
        elif how == "run":
            out.append(indent + (_timeit_statement(rest) if word == "timeit" else rest.strip()))
        else:
            out.append(indent + "pass" if indent else "")
    return "\n".join(out), problems


def parse(source: str) -> ast.Module:
    """The cell's Python as a syntax tree; raises SyntaxError (or RecursionError, MemoryError...) when it is not."""
    if len(source) > MAX_CELL:
        raise SyntaxError(f"the cell is longer than {MAX_CELL} characters")
    return ast.parse(source, feature_version=None)


# -- names: what a cell binds at its top level and what it uses from outside --------------------------

def bound(tree: ast.Module) -> set[str]:
    """Names the cell binds in the notebook's namespace (its top level, not inside functions)."""
    names: set[str] = set()

    class Top(ast.NodeVisitor):
        def visit_FunctionDef(self, node):
            names.add(node.name)
            for d in node.decorator_list:
                self.visit(d)
        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_ClassDef(self, node):
            names.add(node.name)

        def visit_Lambda(self, node):
            pass

        def visit_Import(self, node):
            for a in node.names:
                names.add(a.asname or a.name.split(".")[0])
        visit_ImportFrom = visit_Import

        def visit_Name(self, node):
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)

        def visit_Global(self, node):
            names.update(node.names)

    Top().visit(tree)
    for node in ast.walk(tree):  # `global x` inside a function binds x too
        if isinstance(node, ast.Global):
            names.update(node.names)
    return names


def used(tree: ast.Module) -> set[str]:
    """Names the cell reads that nothing in the cell binds: what it needs from earlier cells."""
    loads, stores = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stores.add(node.name)
        elif isinstance(node, ast.arg):
            stores.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stores.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            stores.add(node.name)
    return loads - stores


@dataclass
class Cell:
    """One code cell of a notebook, read once: its source, Python, tree, and names."""
    index: int
    source: str
    python: str = ""
    tree: ast.Module | None = None
    error: str = ""  # why it is not Python
    magic_problems: tuple = ()
    binds: frozenset = frozenset()
    uses: frozenset = frozenset()
    imports: dict = field(default_factory=dict)  # name -> the top-level import statement that binds it

    @classmethod
    def read(cls, index: int, source: str) -> Cell:
        cell = cls(index, source)
        try:
            cell.python, problems = python_of(source)
            cell.magic_problems = tuple(problems)
            cell.tree = parse(cell.python)
            cell.binds, cell.uses = frozenset(bound(cell.tree)), frozenset(used(cell.tree))
            cell.imports = imports_of(cell.tree)
        except SyntaxError as e:
            cell.error = f"it is not valid Python ({e.msg}, line {e.lineno})" if e.lineno else f"it is not valid Python ({e.msg})"
        except (RecursionError, MemoryError, ValueError, OverflowError) as e:
            cell.error = f"it cannot be parsed ({type(e).__name__}: nested too deeply or too large)"
        return cell


def imports_of(tree: ast.Module) -> dict[str, str]:
    """name -> a one-name import statement, for every top-level ``import``/``from ... import`` of the cell."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = ast.unparse(ast.Import([a]))
        elif isinstance(node, ast.ImportFrom) and not node.level:
            for a in node.names:
                if a.name != "*":
                    out[a.asname or a.name] = ast.unparse(ast.ImportFrom(node.module, [a], 0))
    return out


def closure(cells: list[Cell], target: int, free=lambda statement: False) -> tuple[list[int], list[str]]:
    """What ``cells[target]`` needs: (indexes of cells, in notebook order, ``target`` last; import statements).

    For every name a needed cell uses, the last earlier cell that binds it is needed too, unless that
    cell binds it by an import statement that ``free(statement)`` accepts: then that statement alone is
    needed, not the cell (an ``import torch`` beside other code in a cell of one's own)."""
    need, todo, statements = {target}, [target], []
    while todo:
        k = todo.pop()
        for name in sorted(cells[k].uses):
            for j in range(k - 1, -1, -1):
                if name in cells[j].binds:
                    statement = cells[j].imports.get(name)
                    if statement is not None and free(statement):
                        statements.append(statement) if statement not in statements else None
                    elif j not in need:
                        need.add(j)
                        todo.append(j)
                    break
    return sorted(need), statements


def defining_cell(cells: list[Cell], name: str, before: int | None = None) -> int | None:
    """Index of the last cell (before ``before``) that binds ``name`` at its top level."""
    stop = len(cells) if before is None else before
    for j in range(stop - 1, -1, -1):
        if name in cells[j].binds:
            return j
    return None


# -- the release, as the learner's check knows it: hashes of its code cells and lines --------------

RELEASE_FILE = "release_cells.json"  # beside this module, written by `make release`


def digest(text: str) -> str:
    import hashlib
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The course's releases: the English one and its translated editions (grader/translate.py writes them). A cell of
# any of them is the course's, not the student's: the Chinese edition's teaching cells differ from the English only
# in comments and printed labels.
RELEASES = ("notebooks", "notebooks-zh")


def release_digests(sources: list[str]) -> dict:
    """What the learner's check needs of a release: digests of its code cells and of their lines."""
    return {"cells": sorted({digest(norm(s)) for s in sources}),
            "lines": sorted({digest(line.strip()) for s in sources for line in s.split("\n") if line.strip()})}


class Digests:
    """A set of texts known only by their digests (``text in digests``)."""

    def __init__(self, digests):
        self.digests = frozenset(digests)

    def __contains__(self, text: str) -> bool:
        return digest(text) in self.digests
