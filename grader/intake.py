"""Submissions as students hand them in -> ``submitted/<student>/<assignment>/<assignment>.ipynb``.

A submissions folder holds one zip per student (``alice.zip``; ``alice (1).zip`` or
``alice_2.zip`` count as alice's too, and the newest wins) or one folder per student.
Zips are read in memory with limits, never extracted: an entry whose path escapes
(``../``, absolute), an archive that inflates past the limits, or a notebook with an
unexpected name is reported, not filed. The handed-in files are never modified.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_NOTEBOOK = 20 * 2**20  # bytes of one notebook
MAX_TOTAL = 100 * 2**20  # bytes one zip may inflate to
COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|[_-]\d+|[_-]v\d+)$", re.I)


@dataclass
class Intake:
    filed: list[str] = field(default_factory=list)  # "student/assignment"
    problems: list[str] = field(default_factory=list)  # one line each


def student_id(name: str) -> str:
    """``Alice (1).zip`` -> ``alice``: a copy suffix does not make a new student."""
    stem = COPY_SUFFIX.sub("", Path(name).stem).strip()
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).lower()


def _safe(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not p.is_absolute() and ".." not in p.parts and not re.match(r"^[A-Za-z]:", name)


def read_zip(path: Path, expected: set[str]) -> tuple[dict[str, bytes], list[str]]:
    """Notebooks in the zip whose file name is one of ``expected``, and what was wrong."""
    found, problems = {}, []
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            unsafe = [i.filename for i in infos if not _safe(i.filename)]
            if unsafe:
                return {}, [f"unsafe path {unsafe[0]!r} in the zip (entries must stay inside it); nothing filed"]
            if sum(i.file_size for i in infos) > MAX_TOTAL:
                return {}, [f"the zip inflates to more than {MAX_TOTAL >> 20} MiB; nothing filed"]
            total = 0
            for info in infos:
                name = PurePosixPath(info.filename).name
                if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in info.filename:
                    continue
                if name not in expected:
                    problems.append(f"unexpected notebook {info.filename!r} (expected one of {', '.join(sorted(expected))})")
                    continue
                with z.open(info) as f:
                    data = f.read(MAX_NOTEBOOK + 1)  # sizes in the header can lie
                total += len(data)
                if len(data) > MAX_NOTEBOOK or total > MAX_TOTAL:
                    return {}, [f"{info.filename} inflates past the size limit; nothing filed"]
                found[name] = data
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return {}, [f"not a readable zip ({e})"]
    return found, problems


def read_folder(path: Path, expected: set[str]) -> tuple[dict[str, bytes], list[str]]:
    found, problems = {}, []
    for nb in sorted(path.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        if nb.name not in expected:
            problems.append(f"unexpected notebook {nb.relative_to(path)} (expected one of {', '.join(sorted(expected))})")
        elif nb.stat().st_size > MAX_NOTEBOOK:
            problems.append(f"{nb.relative_to(path)} is larger than {MAX_NOTEBOOK >> 20} MiB")
        else:
            found[nb.name] = nb.read_bytes()
    return found, problems


def take_in(submissions: Path, root: Path, notebooks: dict[str, str]) -> Intake:
    """File every student's notebooks under ``root/submitted``.

    ``notebooks`` maps a notebook file name (``01_sampling.ipynb``) to its assignment.
    """
    result = Intake()
    expected = set(notebooks)
    entries = sorted(p for p in submissions.iterdir() if p.suffix.lower() == ".zip" or p.is_dir())
    by_student: dict[str, list[Path]] = {}
    for p in entries:
        by_student.setdefault(student_id(p.name), []).append(p)
    for student, paths in sorted(by_student.items()):
        newest = max(paths, key=lambda p: (p.stat().st_mtime, p.name))
        for other in paths:
            if other != newest:
                result.problems.append(f"{student}: ignored {other.name}, an older hand-in than {newest.name}")
        read = read_zip if newest.is_file() else read_folder
        found, problems = read(newest, expected)
        result.problems += [f"{student}: {newest.name}: {p}" for p in problems]
        if not found and not problems:
            result.problems.append(f"{student}: {newest.name}: no notebook in it "
                                   f"(expected one of {', '.join(sorted(expected))})")
        for name, data in found.items():
            dest = root / "submitted" / student / notebooks[name] / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists() or dest.read_bytes() != data:
                dest.write_bytes(data)
            result.filed.append(f"{student}/{notebooks[name]}")
    return result
