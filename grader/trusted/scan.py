"""The static scan: code in a submission that hides from, disables or rewrites the grader.

Any in-process guard can be defeated by code running in the same process, so hiding must
itself be visible. Every code cell the student wrote or changed (not a graded test cell,
not identical to a cell of the release) is parsed, after IPython's own syntax transforms,
and flagged when it:

- pops or disables torch dispatch modes, or defines its own ``__torch_dispatch__``/``__torch_function__``;
- touches ``sys.modules``, ``builtins``, frames, code objects, IPython's shell or the grader's modules;
- starts threads or processes (a dispatch mode sees only its own thread);
- runs code it builds at run time: ``exec``, ``eval``, ``compile``, ``__import__``, ``importlib``,
  ``getattr``/``setattr`` with a computed name.

A flag in an exercise's solution cell scores that exercise 0; a flag in any other cell
scores every exercise of the notebook 0, with the reason ``tampering with the grader: <the line>``.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

MODULES = {  # importing these (or anything under them) is a flag
    "threading": "starts threads", "_thread": "starts threads", "multiprocessing": "starts processes",
    "concurrent": "starts threads or processes", "subprocess": "starts processes", "pty": "starts processes",
    "ctypes": "reaches into the interpreter", "importlib": "imports by computed name", "builtins": "touches builtins",
    "gc": "reaches objects behind the grader's back", "inspect": "reads frames", "signal": "changes signal handling",
    "faulthandler": "changes signal handling", "atexit": "hooks interpreter exit", "marshal": "builds code objects",
    "types": "builds code objects", "codeop": "compiles code", "code": "runs code", "runpy": "runs code",
    "IPython": "touches IPython's shell", "ipykernel": "touches IPython's kernel", "traitlets": "touches IPython's shell",
    "torch._C": "reaches torch's internals", "torch.utils._python_dispatch": "touches dispatch modes",
    "torch.overrides": "touches dispatch", "torch.library": "rewrites torch operators", "grader": "touches the grader",
}
ALLOWED_MODULES = ("grader.data", "grader.runtime.progress")
ATTRIBUTES = {  # attribute names that are a flag wherever they appear
    "modules": "touches sys.modules", "meta_path": "touches the import system", "path_hooks": "touches the import system",
    "settrace": "traces execution", "setprofile": "traces execution", "_getframe": "reads frames",
    "addaudithook": "hooks the interpreter", "excepthook": "hooks exceptions", "displayhook": "hooks output",
    "f_locals": "reads frames", "f_globals": "reads frames", "f_back": "reads frames", "gi_frame": "reads frames",
    "tb_frame": "reads frames", "__globals__": "reads a function's globals", "__code__": "rewrites code",
    "__builtins__": "touches builtins", "__subclasses__": "reaches classes behind the grader's back",
    "__dict__": "rewrites objects behind the grader's back", "__closure__": "reads closures",
    "__import__": "imports by computed name", "__torch_dispatch__": "intercepts torch dispatch",
    "__torch_function__": "intercepts torch functions", "_C": "reaches torch's internals",
    "_python_dispatch": "touches dispatch modes", "_pop_mode": "pops dispatch modes", "_push_mode": "pushes dispatch modes",
    "_disable_current_modes": "disables dispatch modes", "_set_torch_dispatch_mode": "sets dispatch modes",
    "_DisableTorchDispatch": "disables dispatch", "DisableTorchFunction": "disables torch functions",
    "DisableTorchFunctionSubclass": "disables torch functions", "_ops": "reaches torch's operator registry",
    "input_transformers_cleanup": "rewrites cells", "input_transformers_post": "rewrites cells",
    "ast_transformers": "rewrites cells", "run_cell": "wraps cell execution", "set_custom_exc": "rewrites errors",
    "showtraceback": "rewrites errors", "user_ns": "touches the kernel's namespace", "events": "hooks IPython events",
    "fork": "starts processes", "forkpty": "starts processes", "system": "starts processes", "popen": "starts processes",
    "execv": "starts processes", "execve": "starts processes", "execvp": "starts processes", "execl": "starts processes",
    "spawnv": "starts processes", "spawnl": "starts processes", "posix_spawn": "starts processes",
    "posix_spawnp": "starts processes", "kill": "signals processes", "_exit": "kills the process",
}
CALLS = {"exec": "runs code built at run time", "eval": "runs code built at run time",
         "compile": "compiles code at run time", "__import__": "imports by computed name",
         "breakpoint": "starts a debugger", "get_ipython": "touches IPython's shell", "globals": "rewrites globals",
         "vars": "rewrites namespaces"}
SAFE_MAGICS = {"matplotlib", "time", "timeit", "pinfo", "pinfo2", "who", "whos"}


def release_sources(root: Path, assignment: str, notebook: str = "") -> set[str]:
    """The code cells of the release (``notebooks/<assignment>/``): those are not the student's."""
    folder = Path(root) / "notebooks" / assignment
    paths = [folder / f"{notebook}.ipynb"] if notebook and (folder / f"{notebook}.ipynb").exists() else sorted(folder.glob("*.ipynb"))
    found = set()
    for p in paths:
        for cell in json.loads(p.read_text()).get("cells", []):
            if cell.get("cell_type") == "code":
                found.add(_norm("".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]))
    return found


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 (no IPython, or odd syntax: parse as it is)
        return source


def _is_safe_magic(node: ast.Call) -> bool:
    """``get_ipython().run_line_magic('timeit', ...)`` and friends, as IPython writes ``%timeit``."""
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Name) and f.value.func.id == "get_ipython"
            and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in SAFE_MAGICS)


def _module_flag(name: str) -> str | None:
    if any(name == a or name.startswith(a + ".") for a in ALLOWED_MODULES):
        return None
    for m, why in MODULES.items():
        if name == m or name.startswith(m + "."):
            return why
    return None


def findings(source: str) -> list[tuple[int, str]]:
    """(line number, why) for every flagged construct in one cell's source."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    safe_calls = {id(n.func.value) for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_safe_magic(n)}
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = []
    for node in ast.walk(tree):
        why = None
        if isinstance(node, ast.Import):
            why = next(filter(None, (_module_flag(a.name) for a in node.names)), None)
        elif isinstance(node, ast.ImportFrom) and node.module:
            why = _module_flag(node.module) or next(
                filter(None, (_module_flag(f"{node.module}.{a.name}") for a in node.names)), None)
        elif isinstance(node, ast.Attribute) and node.attr in ATTRIBUTES:
            # model.modules() is nn.Module's; sys.modules is never called
            why = None if node.attr == "modules" and id(node) in called else ATTRIBUTES[node.attr]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in ("__torch_dispatch__", "__torch_function__"):
            why = ATTRIBUTES[node.name]
        elif isinstance(node, ast.Name) and node.id in ("__builtins__", "builtins"):
            why = "touches builtins"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in CALLS and id(node) not in safe_calls:
                why = CALLS[name]
            elif name in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
                attr = node.args[1]
                if not (isinstance(attr, ast.Constant) and isinstance(attr.value, str)):
                    why = f"{name} with a computed name"
                elif attr.value in ATTRIBUTES:
                    why = ATTRIBUTES[attr.value]
        if why:
            found.append((getattr(node, "lineno", 1), why))
    return sorted(set(found))


def scan_notebook(nb, released: set[str] = frozenset()) -> dict[str, list[str]]:
    """Exercise name (``"*"`` for every exercise) -> the flagged lines, as ``<line>  (<why>)``."""
    flags: dict[str, list[str]] = {}
    for cell in nb.get("cells", []):
        info = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or (info.get("grade") and not info.get("solution")):
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if _norm(source) in released:
            continue
        lines = source.splitlines()
        where = info.get("grade_id") if info.get("solution") else "*"
        for lineno, why in findings(source):
            text = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else source.strip().splitlines()[0]
            flags.setdefault(where, []).append(f"{text[:160]}  ({why})")
    return flags
