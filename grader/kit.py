"""``make kit`` (``python -m grader kit``): what a class's students get, without solutions or hidden cases.

``dist/kit/`` holds:

- ``notebooks/<assignment>/<assignment>.ipynb``: the release, as ``make release`` wrote it, and
  ``notebooks-zh/``, its 简体中文 edition;
- ``feature_map_course-<version>-py3-none-any.whl``: the learner package, ``grader`` with only
  ``__init__.py``, ``data.py``, ``runtime/`` (the visible checks, op guard, progress table),
  ``public/`` (the public part of every exercise spec) and ``explore/`` (the notebooks' explorers).
  No ``grader/exercises/`` (hidden cases), no ``grader/trusted/``, no instructor tool, and nothing of ``solutions/``;
- ``requirements.txt``: the course's pinned environment; ``jupyter/``: JupyterLab's learner mode
  (nbgrader's Validate button only); ``README.md``: the students' instructions;
- ``MANIFEST.txt``: every file of the kit and its SHA-256.

``dist/feature-map-course-kit.zip`` is the same folder as one archive. The wheel is written here
(it is a zip with a ``.dist-info`` folder), so that its file list is exactly :func:`learner_files`
and nothing a build tool might pick up. tests/instructor/test_kit.py reads the archive against the instructor's
sources and runs a notebook's check from the kit installed on its own.
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import ROOT
from .course import Course

DIST = "feature-map-course"
KIT = "feature-map-course-kit"
# What the learner package holds, relative to the course root: the learner runtime and the public specs.
LEARNER = ("grader/__init__.py", "grader/data.py", "grader/runtime", "grader/public", "grader/explore")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries' time: the same sources give the same bytes
RELEASE_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


@dataclass
class Kit:
    folder: Path
    archive: Path
    wheel: Path
    files: list[str]  # relative to ``folder``

    def summary(self) -> str:
        def size(p: Path) -> str:
            return f"{p.stat().st_size / 1024:.0f} KiB"
        with zipfile.ZipFile(self.wheel) as z:
            n = len(z.namelist())
        return (f"learner kit: {self.folder}/ ({len(self.files)} files), {self.archive} ({size(self.archive)}); "
                f"learner wheel {self.wheel.name}: {n} files, {size(self.wheel)}")


def _error(message: str) -> Exception:
    """The instructor tools' CourseError, which the CLI prints as one line (imported only then: building
    the kit needs none of nbgrader)."""
    from .pipeline import CourseError
    return CourseError(message)


def version(root: Path = ROOT) -> str:
    found = re.search(r'^version\s*=\s*"([^"]+)"', (root / "pyproject.toml").read_text(), re.M)
    if not found:
        raise _error("pyproject.toml names no version")
    return found.group(1)


def learner_files(root: Path = ROOT) -> list[Path]:
    """Every file of the learner package, relative to ``root``: sources and the runtime's data, no caches."""
    out = []
    for entry in LEARNER:
        path = root / entry
        if not path.exists():
            raise _error(f"{entry} is missing: the learner kit needs it")
        for p in ([path] if path.is_file() else sorted(path.rglob("*"))):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".json", ".po", ".js"):
                out.append(p.relative_to(root))
    return out


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _write(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def build_wheel(root: Path, dest: Path) -> Path:
    """The learner package as a wheel in ``dest`` (pure Python, any platform; dependencies: requirements.txt)."""
    v = version(root)
    dist_info = f"{DIST.replace('-', '_')}-{v}.dist-info"
    files = {str(p.as_posix()): (root / p).read_bytes() for p in learner_files(root)}
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {DIST}\nVersion: {v}\n"
        "Summary: Learner runtime of the feature-map layers course: visible checks, op guard, progress table, "
        "data helper and the public exercise specs (no hidden cases)\nRequires-Python: >=3.10\n").encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: grader.kit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist_info}/top_level.txt"] = b"grader\n"
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    wheel = dest / f"{DIST.replace('-', '_')}-{v}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for name, data in files.items():
            _write(z, name, data)
    return wheel


def release_notebooks(root: Path) -> list[Path]:
    """The release notebooks (``notebooks/<assignment>/*.ipynb``, and the 简体中文 edition's in ``notebooks-zh/``),
    checked to hold no solution or hidden test."""
    found = sorted((root / "notebooks").glob("*/*.ipynb"))
    found += sorted((root / "notebooks-zh").glob("*/*.ipynb")) if found else []
    if not found:
        raise _error("notebooks/ holds no release: run `make release` first")
    for nb in found:
        text = nb.read_text()
        marker = next((m for m in RELEASE_MARKERS if m in text), None)
        if marker:
            raise _error(f"{nb.relative_to(root)} contains {marker!r}: it is not a release; run `make release`")
    return found


README = """\
# Feature-map layers in PyTorch: your course kit

This folder is what you need to work the course's assignments on your own machine (Linux or macOS,
Python 3.10 or newer):

| file | what |
| --- | --- |
| `notebooks/<assignment>/<assignment>.ipynb` | the assignments: one notebook each |
| `notebooks-zh/<assignment>/<assignment>.ipynb` | the same assignments in 简体中文 (same code, graded the same) |
| `{wheel}` | the course's `grader` package: the test cells' `check`, the progress table, the data loader |
| `requirements.txt` | the pinned packages the course runs on (PyTorch {torch}, JupyterLab, nbgrader) |
| `jupyter/` | JupyterLab settings for learners (nbgrader's Validate button) |

## Set up (once)

```bash
python3 -m venv .venv
.venv/bin/pip install -r requirements.txt          # a few GB: PyTorch and JupyterLab
.venv/bin/pip install --no-deps {wheel}
```

## Work

```bash
JUPYTER_CONFIG_PATH="$PWD/jupyter" .venv/bin/jupyter lab --notebook-dir=notebooks
```

Open `01_sampling/01_sampling.ipynb` and run the cells from the top. Each exercise cell ends in
`raise NotImplementedError()`: replace that with your code and run the test cell below it, which
calls `check("<name>", <name>)`. A failing check says which case failed, with which arguments, where
your output first differs from torch's, and a hint. The last cell of each notebook prints a table of
every exercise and written answer in it; **Validate** (in the notebook's toolbar) runs them all.

The checks here are the visible tests: worked examples and a few small cases. When your work is
graded, more cases of the same kind (hidden tests) run as well, so a function that only fits the
visible cases can still lose points. The solutions are not in this kit.

## Data and TensorBoard

Notebooks 06 and 08 load CIFAR10 through `grader.data.cifar10`. Without the real dataset they use
the course's offline sample (drawn shapes and textures), built on first use in
`~/.cache/feature-map-course/data` (or in `$COURSE_DATA`). For the real CIFAR10 (about 170 MB):
`.venv/bin/python -m grader.data download`.

The notebooks write TensorBoard logs to `runs/` beside themselves:
`.venv/bin/tensorboard --logdir notebooks --host 127.0.0.1` and open http://127.0.0.1:6006.

## Hand in

As your instructor tells you (nbgrader's Assignments tab, or the saved `.ipynb` file). Hand in the
notebook with your code in the exercise cells; do not change the test cells.
"""


def _torch_pin(root: Path) -> str:
    found = re.search(r"^torch\s*=+\s*([\w.]+)", (root / "requirements.txt").read_text(), re.M)
    return found.group(1) if found else ""


def build(course: Course, dest: Path | None = None) -> Kit:
    """Write the kit to ``dest`` (default ``<root>/dist``): ``kit/`` and ``feature-map-course-kit.zip``."""
    root = course.root
    dest = Path(dest).resolve() if dest else root / "dist"
    folder = dest / "kit"
    notebooks = release_notebooks(root)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    wheel = build_wheel(root, folder)
    for nb in notebooks:
        target = folder / nb.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(nb, target)
    shutil.copyfile(root / "requirements.txt", folder / "requirements.txt")
    shutil.copytree(root / "grader" / "jupyter" / "student", folder / "jupyter")
    (folder / "README.md").write_text(README.format(wheel=wheel.name, torch=_torch_pin(root)))
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest = "".join(f"{hashlib.sha256((folder / f).read_bytes()).hexdigest()}  {f}\n" for f in files)
    (folder / "MANIFEST.txt").write_text(manifest)
    files.append("MANIFEST.txt")
    archive = dest / f"{KIT}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for f in sorted(files):
            _write(z, f"{KIT}/{f}", (folder / f).read_bytes())
    archive.write_bytes(buffer.getvalue())
    return Kit(folder, archive, wheel, sorted(files))
