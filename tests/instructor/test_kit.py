"""The learner kit: public and hidden specs apart, a package that installs, and a kit without solutions.

- Every spec is split: ``grader/public/`` (what a learner's check reads) and ``grader/exercises/``
  (the public spec plus the hidden cases and ``named``). The learner runtime and the public specs
  never import the hidden specs, trusted grading or an instructor tool (an import graph, from the
  sources, function-level imports included), and a check in a fresh process loads none of them.
- ``pip wheel .`` packs every subpackage and data file, and the installed package grades.
- ``make kit`` builds what a class's students get: read from its archive, it holds no file or
  solution line of ``solutions/``, no line of a hidden spec and no trusted or instructor module;
  installed on its own, outside the repository, its checks pass a correct solution and fail wrong
  ones with the same messages as the course's own checks, and a release notebook runs in a Jupyter
  kernel with the kit alone.
"""
from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from course import PRELUDE, ROOT, assignments, notebook, spec_lines
from grader import exercises, kit, public
from grader.course import Course
from grader.runtime.visible import check
from students import students

PACKAGE = ROOT / "grader"
# The learner runtime and the public specs: what runs in a learner's kernel, and all the learner kit holds
# (the two packages with every module in them).
LEARNER_ROOTS = ["grader", "grader.data"]
LEARNER_PACKAGES = ["grader.runtime", "grader.public", "grader.explore"]
INSTRUCTOR = ["pipeline", "jobs", "cluster", "intake", "report", "regrade", "export", "similarity", "book", "cli",
              "sandbox", "kit", "late", "nbgrader_config", "__main__"]
FORBIDDEN = ["grader.exercises", "grader.trusted", *(f"grader.{m}" for m in INSTRUCTOR)]


def learner(module: str) -> bool:
    """Whether ``module`` is part of the learner runtime or the public specs."""
    return module in LEARNER_ROOTS or any(module == p or module.startswith(p + ".") for p in LEARNER_PACKAGES)


# ---------------------------------------------------------------------------------------------
# The import graph, from the sources

def module_of(path: Path, root: Path = ROOT) -> str:
    """The dotted module name of the source file ``path`` under ``root`` (a package's ``__init__.py``: the package)."""
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def module_file(module: str, root: Path = ROOT) -> Path | None:
    base = root.joinpath(*module.split("."))
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return p
    return None


def imported(source: str, module: str, is_package: bool, root: Path = ROOT) -> set[str]:
    """Every ``grader`` module that ``source`` (module ``module``) imports, wherever the import stands:
    ``import grader.x``, ``from grader.x import y``, ``from . import y``, ``from ..x import y``, and
    ``importlib.import_module`` / ``__import__`` of a string (of an f-string, its constant start)."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()

    def add(name: str, names=()):
        found.add(name)
        for n in names:  # ``from pkg import sub`` imports the submodule pkg.sub when there is one
            if module_file(f"{name}.{n}", root):
                found.add(f"{name}.{n}")

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module
            add(name, [a.name for a in node.names])
        elif isinstance(node, ast.Call) and node.args and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                text = arg.value
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                text = arg.values[0].value
            else:
                continue
            if text.startswith("."):
                continue  # relative to a package argument: not in this course
            add(text.rstrip("."))
    return {m for m in found if m == "grader" or m.startswith("grader.")}


def graph(roots: list[str], packages: list[str] = (), root: Path = ROOT) -> dict[str, str | None]:
    """Every grader module reached by imports (and the parent packages an import runs) from ``roots`` and
    from every module of ``packages``, mapped to the module that first imported it."""
    seen: dict[str, str | None] = {}
    todo = [(r, None) for r in roots]
    for package in packages:
        folder = root.joinpath(*package.split("."))
        todo += [(module_of(p, root), None)
                 for p in sorted(folder.rglob("*.py")) if "__pycache__" not in p.parts]
    while todo:
        module, by = todo.pop()
        if module in seen:
            continue
        seen[module] = by
        parts = module.split(".")
        todo += [(".".join(parts[:i]), module) for i in range(1, len(parts))]
        path = module_file(module, root)
        if path is not None and learner(module):  # a forbidden module is reported, not followed
            todo += [(m, module) for m in imported(path.read_text(), module, path.name == "__init__.py", root)]
    return seen


def chain(seen: dict[str, str | None], module: str) -> str:
    """``module <- the module that imported it <- ...``"""
    out = [module]
    while seen.get(out[-1]) and seen[out[-1]] not in out:
        out.append(seen[out[-1]])
    return " <- ".join(out)


def test_learner_runtime_and_public_specs_import_nothing_hidden_trusted_or_instructor():
    seen = graph(LEARNER_ROOTS, LEARNER_PACKAGES)
    assert {"grader.runtime.visible", "grader.runtime.progress", "grader.public.a01_sampling"} <= set(seen)
    bad = [chain(seen, m) for m in sorted(seen) if not learner(m)]
    assert not bad, ("the learner runtime or the public specs import a module the learner kit does not ship (hidden "
                     f"specs, trusted grading or an instructor tool: {', '.join(FORBIDDEN)}):\n" + "\n".join(bad))


def test_the_import_graph_sees_every_kind_of_import(tmp_path):
    """The walk above would see a hidden import anywhere: in a function, relative, absolute, by name."""
    pkg = tmp_path / "grader"
    for d in ("runtime", "exercises", "trusted", "public"):
        (pkg / d).mkdir(parents=True)
        (pkg / d / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "pipeline.py").write_text("")
    (pkg / "trusted" / "scan.py").write_text("")
    (pkg / "runtime" / "a.py").write_text("def f():\n    from ..exercises import find\n")
    (pkg / "runtime" / "b.py").write_text("import grader.trusted.scan\n")
    (pkg / "runtime" / "c.py").write_text("from grader import pipeline\n")
    (pkg / "public" / "d.py").write_text("import importlib\nimportlib.import_module(f'grader.trusted.{x}')\n")
    (pkg / "runtime" / "e.py").write_text("from . import a\n")
    seen = graph([], ["grader.runtime", "grader.public"], tmp_path)
    assert seen["grader.exercises"] == "grader.runtime.a"
    assert seen["grader.trusted.scan"] == "grader.runtime.b"
    assert seen["grader.pipeline"] == "grader.runtime.c"
    assert "grader.trusted" in seen
    assert imported((pkg / "public" / "d.py").read_text(), "grader.public.d", False, tmp_path) == {"grader.trusted"}
    assert chain(seen, "grader.exercises").startswith("grader.exercises <- grader.runtime.a")


def test_a_check_in_a_fresh_process_loads_no_hidden_spec(tmp_path):
    code = ("import sys\nfrom grader import check\n"
            "def downsample(x, factor):\n    return x[:, :, ::factor, ::factor]\n"
            "check('downsample', downsample)\n"
            "print(sorted(m for m in sys.modules if m.startswith('grader')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    loaded = eval(out.stdout.strip().splitlines()[-1])
    assert "grader.public.a01_sampling" in loaded
    assert [m for m in loaded if not learner(m)] == [], loaded


# ---------------------------------------------------------------------------------------------
# The split

def test_public_spec_is_the_full_spec_without_its_hidden_part():
    full, pub = exercises.assignments(), public.assignments()
    assert list(full) == list(pub) and all(list(full[a]) == list(pub[a]) for a in full)
    for a in full:
        for name, e in full[a].items():
            p = pub[a][name]
            assert not p.hidden and not p.named, f"{a}/{name}: the public spec holds hidden cases"
            assert e.hidden, f"{a}/{name}: no hidden cases"
            for f in dataclasses.fields(e):
                if f.name not in ("hidden", "named"):
                    assert getattr(e, f.name) is getattr(p, f.name), f"{a}/{name}.{f.name}: differs from the public spec"


def test_hidden_part_adds_only_hidden_fields():
    with pytest.raises(TypeError, match="only hidden and named"):
        exercises.with_hidden(public.assignments()["01_sampling"].values(), {"downsample": {"hint": "x"}})
    with pytest.raises(KeyError, match="does not have"):
        exercises.with_hidden(list(public.assignments()["01_sampling"].values()), {"nope": {"hidden": []}})


# ---------------------------------------------------------------------------------------------
# The course package: `pip install .`

def source_files() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_wheel_holds_every_subpackage_and_data_file_and_grades_when_installed(tmp_path):
    src = tmp_path / "src"  # a clean copy: the build writes build/ and *.egg-info beside the sources
    src.mkdir()
    shutil.copy(ROOT / "pyproject.toml", src)
    shutil.copytree(PACKAGE, src / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                          "-w", str(tmp_path / "wheel"), str(src)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    (wheel,) = (tmp_path / "wheel").glob("feature_map_grader-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = {n for n in z.namelist() if not n.startswith("feature_map_grader-")}
    expected = source_files()
    assert {"grader/runtime/release_cells.json", "grader/templates/book/index.html.j2",
            "grader/jupyter/student/labconfig/page_config.json", "grader/trusted/harness.py",
            "grader/exercises/a01_sampling.py", "grader/public/a01_sampling.py"} <= expected
    assert names == expected, (f"missing from the wheel: {sorted(expected - names)}; "
                               f"not in the sources: {sorted(names - expected)}")

    target = tmp_path / "site"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target),
                          str(wheel)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    code = ("import grader, json\nfrom pathlib import Path\n"
            "from grader import check, cli, exercises, kit\nfrom grader.trusted import harness\n"
            "def downsample(x, factor):\n    return x[:, :, ::factor, ::factor]\n"
            "check('downsample', downsample)\n"
            "here = Path(grader.__file__).parent\n"
            "print(json.dumps([grader.__file__, sum(map(len, exercises.assignments().values())), "
            "sorted(json.loads((here / 'runtime/release_cells.json').read_text())), "
            "(here / 'templates/book/index.html.j2').is_file(), "
            "(here / 'jupyter/student/labconfig/page_config.json').is_file()]))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(target)})
    assert out.returncode == 0, out.stderr
    where, n_exercises, released, book, jupyter = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(where).is_relative_to(target), f"imported {where}, not the installed wheel"
    assert n_exercises == sum(map(len, exercises.assignments().values()))
    assert released == sorted(assignments()) and book and jupyter


# ---------------------------------------------------------------------------------------------
# The learner kit

@pytest.fixture(scope="module")
def built_kit(tmp_path_factory):
    return kit.build(Course(ROOT), tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def kit_python(built_kit, tmp_path_factory) -> Path:
    """The python of a fresh venv with the kit's wheel installed and nothing else of the course: the packages
    of requirements.txt come from the course's own .venv through a .pth line (a path on sys.path, not the
    .venv's site folder: its editable install of the repository's grader/ is not processed)."""
    import sysconfig
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    Path(site, "course-requirements.pth").write_text("".join(f"{d}\n" for d in deps))
    out = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                          str(built_kit.wheel)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return python


def archive_texts(archive: Path) -> dict[str, str]:
    """Every file of the kit's archive as text, the wheel's files included (as ``<wheel>!/<name>``)."""
    out = {}
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            data = z.read(name)
            if name.endswith(".whl"):
                with zipfile.ZipFile(io.BytesIO(data)) as w:
                    out.update({f"{name}!/{n}": w.read(n).decode() for n in w.namelist()})
            out[name] = data.decode(errors="replace")
    return out


def wheel_names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as z:
        (wheel,) = [n for n in z.namelist() if n.endswith(".whl")]
        with zipfile.ZipFile(io.BytesIO(z.read(wheel))) as w:
            return w.namelist()


def test_kit_holds_the_release_and_the_learner_package_only(built_kit, tmp_path):
    again = kit.build(Course(ROOT), tmp_path)
    assert again.archive.read_bytes() == built_kit.archive.read_bytes(), "the same sources give the same kit"
    with zipfile.ZipFile(built_kit.archive) as z:
        names = [n.removeprefix(f"{kit.KIT}/") for n in z.namelist()]
    assert sorted(names) == built_kit.files
    for edition in ("notebooks", "notebooks-zh"):  # both editions of the release, as make release wrote them
        assert sorted(n for n in names if n.startswith(f"{edition}/")) == [
            f"{edition}/{a}/{a}.ipynb" for a in sorted(assignments())]
        for a in assignments():
            assert (built_kit.folder / edition / a / f"{a}.ipynb").read_bytes() == \
                (ROOT / edition / a / f"{a}.ipynb").read_bytes(), f"{a}: the kit's notebook is not the release"
    others = {n for n in names if not n.startswith(("notebooks/", "notebooks-zh/", "jupyter/"))}
    assert others == {"README.md", "requirements.txt", "MANIFEST.txt", built_kit.wheel.name}
    package = [n for n in wheel_names(built_kit.archive) if not n.startswith("feature_map_course-")]
    assert "grader/runtime/release_cells.json" in package and "grader/public/a08_cifar10_tensorboard.py" in package
    assert all(learner(n.removesuffix(".py").removesuffix("/__init__").replace("/", ".")) or
               n == "grader/runtime/release_cells.json" for n in package), package
    assert not [n for n in package if n.startswith(("grader/exercises/", "grader/trusted/"))]


def test_kit_gives_away_no_solution_no_hidden_case_no_trusted_or_instructor_code(built_kit):
    texts = archive_texts(built_kit.archive)
    kit_lines = {line.strip() for t in texts.values() for line in t.splitlines()}
    everything = "\n".join(texts.values())
    # no file of solutions/, nor of a hidden spec, trusted grading or an instructor tool, whatever its name
    kit_digests = {hashlib.sha256(t.encode()).hexdigest() for t in texts.values()}
    private = [p for p in [*ROOT.joinpath("solutions").rglob("*"), *PACKAGE.rglob("*.py")] if p.is_file()
               and not learner(module_of(p))]
    assert any(p.parts[-2] == "trusted" for p in private) and any(p.parts[-2] == "exercises" for p in private)
    assert not [p for p in private if hashlib.sha256(p.read_bytes()).hexdigest() in kit_digests]
    # no line of a hidden spec (tests/course.py: the lines the notebooks do not show anyway), less the few that the
    # public spec, the learner runtime or the public probes also have (an import, a grid's arguments, a seeded generator)
    runtime = "\n".join(p.read_text() for p in [*PACKAGE.joinpath("runtime").glob("*.py"),
                                                 *PACKAGE.joinpath("public").glob("probes_*.py")])
    for a in assignments():
        (path,) = PACKAGE.joinpath("public").glob(f"a{a}.py")
        lines = spec_lines(a)
        hidden = [line for line in lines if line not in path.read_text() and line not in runtime]
        assert len(hidden) >= 0.8 * len(lines), f"{a}: the hidden spec should hold lines of its own"
        leaked = [line for line in hidden if line in everything]
        assert not leaked, f"{a}: hidden spec lines in the kit: {leaked[:3]}"
    # no line of solution code or model answer: lines of solutions/' solution cells that no release notebook shows
    released = {line.strip() for a in assignments() for c in notebook(a, "notebooks").cells
                for line in c.source.splitlines()}
    references = reference_lines()
    for a in assignments():
        solution = {line.strip() for c in notebook(a).cells if c.metadata.get("nbgrader", {}).get("solution")
                    for line in c.source.splitlines() if len(line.strip()) >= 20} - released
        assert solution, f"{a}: its solutions should hold lines of their own"
        leaked = sorted(solution & kit_lines - references)
        assert not leaked, f"{a}: solution lines in the kit: {leaked[:3]}"
    # no trusted or instructor module by name either
    assert not [n for n in texts if "/trusted/" in n or "/exercises/" in n or n.endswith(("pipeline.py", "cli.py"))]


def reference_lines() -> set[str]:
    """Lines of the public references (a reference is public: the visible checks compare with it). Where an exercise
    asks for what its reference does in plain tensor code (downsample's slicing, GAPClassifier's mean and Linear,
    make_cnn's table of layers), those lines are also lines of the solution."""
    import inspect
    out = set()
    for specs in public.assignments().values():
        for e in specs.values():
            try:
                source = inspect.getsource(e.reference)
            except (TypeError, OSError):  # a torch builtin (torch.sigmoid)
                continue
            out |= {line.strip() for line in source.splitlines()}
    return out


def learner_checks(assignment_names) -> dict[str, tuple[str, str]]:
    """key -> (exercise, source): every exercise's loop solution and its first known mistake."""
    out = {}
    for a in assignment_names:
        s = students(a)
        for name, source in s.LOOP.items():
            out[f"{a}/{name}/loop"] = (name, source)
            what, wrong = next(iter(s.WRONG[name].items()))
            out[f"{a}/{name}/wrong: {what}"] = (name, wrong)
    return out


RUN_CHECKS = """
import json, sys
from pathlib import Path
import grader
from grader import check
PRELUDE = {prelude!r}
results = {{}}
for key, (name, source) in json.loads(Path(sys.argv[1]).read_text()).items():
    namespace = {{"__name__": "__main__"}}
    exec(compile(PRELUDE + source, "<" + key + ">", "exec"), namespace)
    try:
        check(name, namespace[name])
        results[key] = ["pass", ""]
    except Exception as e:
        results[key] = [type(e).__name__, str(e)]
try:
    import grader.exercises
    hidden = "importable"
except ModuleNotFoundError:
    hidden = "absent"
print(json.dumps({{"grader": grader.__file__, "path": sys.path, "hidden": hidden, "results": results,
                   "loaded": sorted(m for m in sys.modules if m.startswith("grader"))}}))
"""


def test_kit_installed_alone_runs_the_notebooks_checks_without_the_hidden_cases(kit_python, tmp_path):
    checks = learner_checks(assignments())
    (tmp_path / "checks.json").write_text(json.dumps(checks))
    (tmp_path / "run.py").write_text(RUN_CHECKS.format(prelude=PRELUDE))
    work = tmp_path / "student"  # outside the repository: nothing of it on sys.path
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run([str(kit_python), str(tmp_path / "run.py"), str(tmp_path / "checks.json")], cwd=work,
                         capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    site = kit_python.parent.parent
    assert Path(report["grader"]).is_relative_to(site), f"grader came from {report['grader']}, not the kit"
    venv = Path(sys.prefix).resolve()  # the course's .venv: torch and the rest
    assert not [p for p in report["path"] if p and Path(p).resolve().is_relative_to(ROOT)
                and not Path(p).resolve().is_relative_to(venv)], report["path"]
    assert report["hidden"] == "absent", "the kit's grader package has grader.exercises"
    assert [m for m in report["loaded"] if not learner(m)] == []
    results = report["results"]
    passing = [k for k, (status, _) in results.items() if k.endswith("/loop") and status != "pass"]
    assert not [k for k, (status, _) in results.items() if status not in ("pass", "AssertionError")], results
    assert not passing, f"correct solutions fail the kit's checks: {passing}: {results[passing[0]][1][:500]}"
    (wrong,) = [k for k in results if k.startswith("01_sampling/downsample/wrong")]
    assert results[wrong][0] == "AssertionError" and "downsample failed" in results[wrong][1], results[wrong]
    for a in assignments():
        assert any(s == "AssertionError" for k, (s, _) in results.items() if k.startswith(f"{a}/")), f"{a}: no wrong one fails"
    # the same verdicts and messages as the course's own check (self-paced, in this repository)
    for key, (name, source) in checks.items():
        namespace: dict = {"__name__": "__main__"}
        exec(compile(PRELUDE + source, f"<{key}>", "exec"), namespace)
        try:
            check(name, namespace[name])
            here = ["pass", ""]
        except Exception as e:
            here = [type(e).__name__, str(e)]
        assert results[key] == here, (key, results[key][1][:300], here[1][:300])


def test_a_release_notebook_runs_in_a_kernel_with_the_kit_alone(built_kit, kit_python, tmp_path, monkeypatch):
    """01_sampling from the kit, in a Jupyter kernel that has the kit installed and no repository: correct
    exercises pass their test cells (the subset check included), a wrong one fails with the usual message,
    and the progress cell tabulates them."""
    import nbformat
    from nbclient import NotebookClient

    from course import exercises, graded

    # a kernel spec for the kit's venv, found first on JUPYTER_PATH
    spec = tmp_path / "jupyter" / "kernels" / "kit"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": [str(kit_python), "-m", "ipykernel_launcher", "-f",
                                                           "{connection_file}"], "display_name": "kit",
                                                  "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    a = "01_sampling"
    folder = tmp_path / "student" / a
    shutil.copytree(built_kit.folder / "notebooks" / a, folder)
    nb = nbformat.read(folder / f"{a}.ipynb", as_version=4)
    s = students(a)
    names = list(exercises(a))
    wrong_name, (what, wrong) = names[0], next(iter(s.WRONG[names[0]].items()))
    for name in names:
        graded(nb, name).source = (wrong if name == wrong_name else s.LOOP[name]).strip("\n")
    nbformat.write(nb, folder / f"{a}.ipynb")  # the progress cell reads the saved notebook
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, grader\nprint(grader.__file__)\nprint(sorted(m for m in sys.modules if m.startswith('grader')))"))
    monkeypatch.chdir(folder)
    NotebookClient(nb, timeout=300, kernel_name="kit", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    errors = {name: [o for o in graded(nb, f"test_{name}").outputs if o.output_type == "error"] for name in names}
    assert errors[wrong_name] and errors[wrong_name][0].ename == "AssertionError", (what, errors[wrong_name])
    assert f"{wrong_name} failed" in errors[wrong_name][0].evalue
    assert not [n for n in names if n != wrong_name and errors[n]], {n: e[0].evalue[:300] for n, e in errors.items() if e}
    where, loaded = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip().splitlines()
    assert Path(where).is_relative_to(kit_python.parent.parent), f"the kernel imported {where}, not the kit"
    assert [m for m in eval(loaded) if not learner(m)] == []
    table = "".join(o.get("text", "") for o in nb.cells[-2].outputs)
    assert re.search(rf"\s{wrong_name}\s+\d+\s+fail", table) and re.search(rf"\s{names[1]}\s+\d+\s+pass", table), table


# Each layer imports only the layers below it (grader/__init__.py: the layers). The exceptions are stated:
# the learner's `check` reads the public specs, the course's own content, by name; the explorers say their
# labels through the runtime's messages (in the notebook's language), and nothing else of it.
LAYERS = {
    "runtime": {"runtime"},
    "public": {"runtime", "public"},
    "exercises": {"runtime", "public", "exercises"},
    "trusted": {"runtime", "public", "exercises", "trusted"},
    "explore": {"explore"},  # the notebooks' explorers: torch only, nothing of the course's grading
}
STATED = {("grader.runtime.visible", "grader.public"), ("grader.explore", "grader.runtime.messages")}


def layer(module: str) -> str:
    parts = module.split(".")
    if module == "grader":
        return "grader"
    return parts[1] if parts[1] in LAYERS else "tools"


def test_imports_go_one_way_down_the_layers():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_of(path)
        if layer(module) not in LAYERS:
            continue
        for target in sorted(imported(path.read_text(), module, path.name == "__init__.py")):
            if layer(target) not in LAYERS[layer(module)] | {"grader"} and (module, target) not in STATED:
                wrong.append(f"{module} imports {target}")
    assert not wrong, "an import against the layers (runtime < public < exercises < trusted < tools):\n" + "\n".join(wrong)


def test_the_runtime_knows_no_assignment():
    """Course probes live with the public specs; the runtime loads them by name (grader.runtime.probes.load)."""
    runtime = "\n".join(p.read_text() for p in PACKAGE.joinpath("runtime").glob("*.py"))
    names = [a.split("_", 1)[1] for a in assignments()]
    assert not [n for n in names if re.search(rf"\b\w*{n}\w*\.py\b|import \w*{n}", runtime)]
    assert not list(PACKAGE.joinpath("runtime").glob("probes_*.py"))


def cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    """``start -> ... -> start`` when a chain of imports from ``start`` comes back to it, else None."""
    came: dict[str, str | None] = {start: None}
    todo = [start]
    while todo:
        m = todo.pop()
        for t in sorted(edges[m]):
            if t == start:
                path = [m]
                while came[path[-1]] is not None:
                    path.append(came[path[-1]])
                return [*reversed(path), start]
            if t not in came:
                came[t] = m
                todo.append(t)
    return None


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_from("a", edges) == ["a", "b", "c", "a"] and cycle_from("d", edges) is None


def test_no_module_imports_itself_back():
    """No import cycle among grader's modules, imports inside functions included (they used to hide three)."""
    graph_ = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_of(path)
        graph_[module] = imported(path.read_text(), module, path.name == "__init__.py")
    edges = {m: {t for t in ts if t in graph_ and t != m} for m, ts in graph_.items()}
    cycles = [" -> ".join(c) for c in (cycle_from(m, edges) for m in sorted(edges)) if c]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
