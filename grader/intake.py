"""Submissions as students hand them in -> ``submitted/<student>/<assignment>/<assignment>.ipynb``.

A submissions folder holds one zip per student (``alice.zip``) or one folder per student (``alice/``).

**Who is who.** The student id is the hand-in's name (``张伟.zip`` -> ``张伟``, ``Müller.zip`` ->
``Müller``), never a guess: :func:`student_id` keeps every character that nbgrader allows in an id and
escapes the others reversibly (:func:`original_name` gives the name back), so two names never share an
id. Two hand-ins count as one student's only when that cannot be wrong:

- a browser's or an LMS's copy of a file that is there too: ``alice (1).zip`` (or ``alice(1).zip``)
  beside ``alice.zip`` or a folder ``alice``. The newest wins; at equal modification times the copy with
  the higher number, as a browser numbers later downloads;
- names that are the same text in Unicode (NFC): ``Müller`` typed on a Mac and on Linux;
- the instructor says so in ``submissions_map.csv`` (columns ``file,student_id``), in the submissions
  folder or the course root: ``alice_2.zip,alice`` files ``alice_2.zip`` as alice's.

Everything else is a student of its own (``s-101``/``s-102``, ``student_1``/``student_2``, ``alice_2``).
Where two of them might be one person (``alice_2`` beside ``alice``, ``Alice`` beside ``alice``, a copy
``bob (1).zip`` without ``bob.zip``), both are filed and the problems say so and how to join them.

What each student handed in is kept in ``.nbgrader/handed_in.csv`` (student, assignment, file), for the
reports to show the original name next to the id.

Zips are read in memory with limits, never extracted: an entry whose path escapes (``../``, absolute),
notebooks that inflate past the limits, or a notebook with an unexpected name is reported, not filed.
Other files in a zip are never read: the notebooks are filed and the rest is listed. The handed-in
files are never modified.
"""
from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_NOTEBOOK = 20 * 2**20  # bytes of one notebook
MAX_TOTAL = 100 * 2**20  # bytes the notebooks of one zip may inflate to
MAX_ID = 128  # nbgrader's gradebook stores ids as String(128) (PostgreSQL enforces it)
MAP_FILE = "submissions_map.csv"
HANDED_IN = "handed_in.csv"  # under .nbgrader/
# The copies a browser makes of a file it already downloaded: "name (1).zip" (Chrome, Edge), "name(1).zip" (Firefox).
BROWSER_COPY = re.compile(r"^(?P<base>.+?) ?\((?P<n>[1-9][0-9]{0,3})\)$")
# Endings that may (or may not) mean a second hand-in of one student: only ever a note for the instructor.
LOOKS_LIKE_COPY = re.compile(r"(?:[ _-]?\(\d+\)|[_-]\d+|[_-]v\d+|[_-]copy\d*)$", re.I)
ESCAPE = re.compile(r"_u([0-9A-F]{4})")


@dataclass
class Intake:
    filed: list[str] = field(default_factory=list)  # "student/assignment"
    problems: list[str] = field(default_factory=list)  # one line each
    handed_in: dict[str, str] = field(default_factory=dict)  # student -> the file (or folder) name taken


# -- ids --------------------------------------------------------------------------------------------------


def _allowed(c: str, first: bool) -> bool:
    """Whether ``c`` may stand as itself in an id. nbgrader takes any Unicode id and keeps its case, but uses
    it as a path segment, a glob (``*?[]``), in ``+``-joined exchange names and ``,``-joined exclude lists,
    and strips surrounding whitespace. So: letters, marks and digits of any script, and ``-_.`` (a leading
    ``.`` or ``-`` is escaped: a hidden folder, a command-line option)."""
    cat = unicodedata.category(c)[0]
    if cat in "LN" or (cat == "M" and not first):
        return True
    return c in "-_." and not (first and c in ".-")


def student_id(name: str) -> str:
    """The id of the student who handed in ``name`` (``张伟.zip``, ``Müller.zip``, a folder ``s-101``).

    The name without ``.zip``, in Unicode NFC, each character nbgrader allows kept as it is (case too:
    nbgrader's ids are case-sensitive), every other one written ``_uXXXX`` (its UTF-16 code units in hex;
    a ``_`` before ``u`` is written ``_u005F``), so that ids are filesystem-safe and :func:`original_name`
    reverses them: distinct names never share an id."""
    stem = unicodedata.normalize("NFC", _stem(name))
    out = []
    for i, c in enumerate(stem):
        if _allowed(c, i == 0) and not (c == "_" and stem[i + 1:i + 2] == "u"):
            out.append(c)
        else:
            units = c.encode("utf-16-be", "surrogatepass")
            out += [f"_u{int.from_bytes(units[k:k + 2], 'big'):04X}" for k in range(0, len(units), 2)]
    return "".join(out)


def original_name(sid: str) -> str:
    """The name (without ``.zip``, in NFC) whose :func:`student_id` is ``sid``."""
    raw = ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), sid)  # UTF-16 code units, pairs joined below
    return raw.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")


def is_id(sid: str) -> bool:
    """Whether ``sid`` is an id as :func:`student_id` writes them (what a mapping file may name)."""
    return bool(sid) and len(sid) <= MAX_ID and student_id(original_name(sid)) == sid


def _stem(name: str) -> str:
    return name[:-4] if name.lower().endswith(".zip") else name


# -- the mapping file -------------------------------------------------------------------------------------


def read_map(*paths: Path) -> dict[str, str]:
    """``file`` -> ``student_id`` of every ``submissions_map.csv`` in ``paths`` (a later one wins), read as
    ``lms_students.csv`` is (UTF-8, Excel's byte-order mark allowed, one row per file). ValueError names the
    file and line of a row that cannot be used."""
    found: dict[str, str] = {}
    for path in paths:
        if not path.is_file():
            continue
        mine: dict[str, str] = {}
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            if "file" not in header or "student_id" not in header:
                raise ValueError(f"{path} needs the columns file,student_id (its header is {', '.join(header) or 'empty'})")
            reader.fieldnames = header
            for line, row in enumerate(reader, start=2):
                name, sid = (row.get("file") or "").strip(), (row.get("student_id") or "").strip()
                if not name and not sid:
                    continue
                if not name or not sid:
                    raise ValueError(f"{path}, line {line}: both file and student_id are needed")
                if not is_id(sid):
                    raise ValueError(f"{path}, line {line}: {sid!r} is not a student id (write it as "
                                     f"{student_id(sid)!r}: letters, digits and -_. stand as they are)")
                if name in mine:
                    raise ValueError(f"{path}, line {line}: {name!r} appears twice; keep one row per file")
                mine[name] = sid
        found.update(mine)
    return found


# -- reading one hand-in ----------------------------------------------------------------------------------


def _safe(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not p.is_absolute() and ".." not in p.parts and not re.match(r"^[A-Za-z]:", name)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB" if n >= 2**10 else f"{n} bytes"


def read_zip(path: Path, expected: set[str]) -> tuple[dict[str, bytes], list[str]]:
    """Notebooks in the zip whose file name is one of ``expected``, and what was wrong. Other files are never
    read (a huge one costs nothing); they are listed in one line."""
    found, problems = {}, []
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            unsafe = [i.filename for i in infos if not _safe(i.filename)]
            if unsafe:
                return {}, [f"unsafe path {unsafe[0]!r} in the zip (entries must stay inside it); nothing filed"]
            notebooks, others = [], []
            for info in infos:
                name = PurePosixPath(info.filename).name
                if info.is_dir() or "__MACOSX" in info.filename:
                    continue
                (notebooks if name.endswith(".ipynb") else others).append(info)
            if sum(i.file_size for i in notebooks if PurePosixPath(i.filename).name in expected) > MAX_TOTAL:
                return {}, [f"the zip inflates to more than {MAX_TOTAL >> 20} MiB; nothing filed"]
            total = 0
            for info in notebooks:
                name = PurePosixPath(info.filename).name
                if name not in expected:
                    problems.append(f"unexpected notebook {info.filename!r} (expected one of {', '.join(sorted(expected))})")
                    continue
                with z.open(info) as f:
                    data = f.read(MAX_NOTEBOOK + 1)  # sizes in the header can lie
                total += len(data)
                if len(data) > MAX_NOTEBOOK or total > MAX_TOTAL:
                    return {}, [f"{info.filename} inflates past the size limit; nothing filed"]
                found[name] = data
            if others and found:
                big = sorted(others, key=lambda i: -i.file_size)
                listed = ", ".join(f"{i.filename} ({_size(i.file_size)})" for i in big[:3])
                more = f" and {len(big) - 3} more" if len(big) > 3 else ""
                problems.append(f"not filed, only notebooks are graded: {listed}{more}")
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
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


# -- who handed in what -----------------------------------------------------------------------------------


@dataclass
class HandIn:
    path: Path
    student: str
    copy: int = 0  # n of a browser's "name (n).zip"; 0 for the original
    mapped: bool = False  # named by submissions_map.csv

    @property
    def mtime(self) -> float:
        return self.path.stat().st_mtime


def identify(entries: list[Path], mapping: dict[str, str]) -> tuple[list[HandIn], list[str]]:
    """Each hand-in with its student, and the notes for the instructor (names that cannot be ids)."""
    stems = {unicodedata.normalize("NFC", _stem(p.name)) for p in entries}
    out, notes = [], []
    for p in entries:
        if p.name in mapping:
            out.append(HandIn(p, mapping[p.name], mapped=True))
            continue
        stem, copy = unicodedata.normalize("NFC", _stem(p.name)), 0
        while (m := BROWSER_COPY.match(stem)) and m["base"] in stems:  # "a (1) (2).zip" is a copy of a copy
            stem, copy = m["base"], copy or int(m["n"])
        sid = student_id(stem)
        if len(sid) > MAX_ID:
            notes.append(f"{p.name}: not filed, the name is too long for a student id (at most {MAX_ID} characters as "
                         f"{sid[:40]}...); name it in {MAP_FILE} (file,student_id)")
            continue
        out.append(HandIn(p, sid, copy))
    return out, notes


def pick(hand_ins: list[HandIn]) -> tuple[HandIn, list[str]]:
    """The hand-in to file of several of one student, and what to say about the others: the newest by
    modification time; at equal times the higher copy number (a browser numbers later downloads higher),
    then the later name."""
    newest = max(hand_ins, key=lambda h: (h.mtime, h.copy, h.path.name))
    lines = []
    for other in sorted(hand_ins, key=lambda h: h.path.name):
        if other is newest:
            continue
        if other.mtime < newest.mtime:
            lines.append(f"ignored {other.path.name}, an older hand-in than {newest.path.name}")
        else:
            why = ("a browser numbers later copies higher" if newest.copy > other.copy
                   else "of two with no other order, the later name")
            lines.append(f"ignored {other.path.name}: it has the same modification time as {newest.path.name}, which "
                         f"was taken as the later hand-in ({why})")
    return newest, lines


def may_be_one(taken: dict[str, HandIn], existing: dict[str, str], folder: Path) -> list[str]:
    """A note for each pair of students who may be one person, among those taken now and ``existing`` (id ->
    file, filed before): the same name but for case (``Alice``, ``alice``), or one is the other with a
    copy-like ending (``alice_2``, ``alice-v2`` of ``alice``; ``student_1`` and ``student_2`` are not: neither
    is the other with an ending). They are never joined by the code: the instructor decides, with the
    mapping file."""
    files = {**existing, **{sid: h.path.name for sid, h in taken.items()}}
    # the likely original first: no copy-like ending, then filed before, then the older hand-in
    rank = {s: (LOOKS_LIKE_COPY.search(original_name(s)) is not None,
                taken[s].mtime if s in taken else float("-inf"), s) for s in files}
    full: dict[str, list[str]] = {}
    bare: dict[str, list[str]] = {}
    for sid in files:
        name = original_name(sid).casefold()
        full.setdefault(name, []).append(sid)
        bare.setdefault(LOOKS_LIKE_COPY.sub("", name), []).append(sid)
    pairs = set()
    for sid in taken:
        name = original_name(sid).casefold()
        for other in {*full.get(name, []), *full.get(LOOKS_LIKE_COPY.sub("", name), []), *bare.get(name, [])} - {sid}:
            pairs.add(tuple(sorted((sid, other), key=rank.__getitem__)))
    notes, noted = [], set()
    for base, other in sorted(pairs, key=lambda p: (rank[p[0]], rank[p[1]])):
        noted |= {base, other}
        shown = {s: f"{s} ({files[s]}{'' if s in taken else ', filed before'})" for s in (base, other)}
        line = f"{files[other]},{base}" if other in taken else f"{files[base]},{other}"
        notes.append(f"{shown[base]} and {shown[other]} may be one student: they are filed as two. If they are one, add "
                     f"the line `{line}` to {MAP_FILE} (in {folder} or the course root), run again, and take the extra "
                     f"one out with `make withdraw STUDENT=... ASSIGNMENT=...` (docs/grades-and-feedback.md, \"Who is who\")")
    for sid, h in sorted(taken.items()):
        m = BROWSER_COPY.match(original_name(sid))
        if m and not h.mapped and sid not in noted:
            notes.append(f"{sid} ({h.path.name}) looks like a browser's copy of {m['base']}, but there is no "
                         f"{m['base']}.zip beside it: filed as a student of its own. If it is someone else's, name it "
                         f"in {MAP_FILE}")
    return notes


def _exact_dir(parent: Path, name: str) -> bool | None:
    """Whether ``parent/name`` is there under exactly this name (True), not there (None), or there only as
    another spelling that this filesystem does not tell apart (False: case or Unicode normalisation)."""
    if not (parent / name).exists():
        return None
    return name in os.listdir(parent)


def take_in(submissions: Path, root: Path, notebooks: dict[str, str]) -> Intake:
    """File every student's notebooks under ``root/submitted``.

    ``notebooks`` maps a notebook file name (``01_sampling.ipynb``) to its assignment. ValueError when a
    ``submissions_map.csv`` cannot be read.
    """
    result = Intake()
    expected = set(notebooks)
    mapping = read_map(root / MAP_FILE, submissions / MAP_FILE)
    entries = sorted(p for p in submissions.iterdir()
                     if (p.suffix.lower() == ".zip" or p.is_dir()) and not p.name.startswith(".") and p.name != "__MACOSX")
    hand_ins, result.problems = identify(entries, mapping)
    by_student: dict[str, list[HandIn]] = {}
    for h in hand_ins:
        by_student.setdefault(h.student, []).append(h)
    taken: dict[str, HandIn] = {}
    for student, group in sorted(by_student.items()):
        newest, lines = pick(group)
        result.problems += [f"{student}: {line}" for line in lines]
        taken[student] = newest
    before = {s: name for (s, _), name in handed_in(root).items()}
    existing = {p.name: before.get(p.name, f"submitted/{p.name}/")
                for p in (root / "submitted").iterdir() if p.is_dir()} if (root / "submitted").is_dir() else {}
    result.problems += may_be_one(taken, {s: f for s, f in existing.items() if s not in taken}, submissions)
    filed_as: list[tuple[str, str, str]] = []
    for student, h in sorted(taken.items()):
        newest = h.path
        read = read_zip if newest.is_file() else read_folder
        found, problems = read(newest, expected)
        result.problems += [f"{student}: {newest.name}: {p}" for p in problems]
        if not found and not problems:
            result.problems.append(f"{student}: {newest.name}: no notebook in it "
                                   f"(expected one of {', '.join(sorted(expected))})")
        if found and _exact_dir(root / "submitted", student) is False:
            result.problems.append(f"{student}: {newest.name}: not filed: this filesystem does not tell submitted/{student} "
                                   f"from a student folder spelled differently (case or accents), so filing it would join "
                                   f"two students; name it in {MAP_FILE}")
            continue
        for name, data in found.items():
            dest = root / "submitted" / student / notebooks[name] / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists() or dest.read_bytes() != data:
                dest.write_bytes(data)
            result.filed.append(f"{student}/{notebooks[name]}")
            filed_as.append((student, notebooks[name], newest.name))
        if found:
            result.handed_in[student] = newest.name
    if filed_as:
        record_handed_in(root, filed_as)
    return result


# -- .nbgrader/handed_in.csv ------------------------------------------------------------------------------


def handed_in(root: Path) -> dict[tuple[str, str], str]:
    """(student, assignment) -> the file or folder name it was filed from (``张伟.zip``); {} before any intake."""
    path = root / ".nbgrader" / HANDED_IN
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["student_id"], r["assignment"]): r["handed_in_as"] for r in csv.DictReader(f)}


def record_handed_in(root: Path, rows: list[tuple[str, str, str]]) -> None:
    """Add or replace (student, assignment, file name) rows of ``.nbgrader/handed_in.csv`` (written whole, then
    renamed into place: an interruption leaves the old file or the new one)."""
    known = handed_in(root)
    known.update({(s, a): name for s, a, name in rows})
    path = root / ".nbgrader" / HANDED_IN
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{HANDED_IN}.{os.getpid()}")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "assignment", "handed_in_as"])
        for (s, a), name in sorted(known.items()):
            w.writerow([s, a, name])
    os.replace(tmp, path)


# -- taking a submission out -------------------------------------------------------------------------------


def withdraw(root: Path, student: str, assignment: str) -> Path:
    """Move ``submitted/<student>/<assignment>/`` to ``withdrawn/<student>/<assignment>-<time>/``: out of grading,
    nothing deleted (move it back to grade it again). ``student`` may also be the file it was handed in as.
    ValueError when there is no such submission."""
    submitted = root / "submitted"
    if not (submitted / student / assignment).is_dir():
        by_file = {s for (s, a), f in handed_in(root).items() if a == assignment and f == student}
        guess = by_file.pop() if len(by_file) == 1 else student_id(student)
        if not (submitted / guess / assignment).is_dir():
            there = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
            raise ValueError(f"nothing to withdraw: there is no {submitted / student / assignment}; the students with a "
                             f"submission of {assignment} are: {', '.join(there) or 'none'}")
        student = guess
    src = submitted / student / assignment
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = root / "withdrawn" / student / f"{assignment}-{stamp}"
    n = 1
    while dest.exists():
        n += 1
        dest = root / "withdrawn" / student / f"{assignment}-{stamp}-{n}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(src, dest)  # a rename; a copy, then the removal of the original, across filesystems
    with contextlib.suppress(OSError):
        (submitted / student).rmdir()  # only when nothing else of the student's is left
    return dest
