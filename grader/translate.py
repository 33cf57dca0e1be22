"""The 简体中文 edition: the English notebooks' prose through gettext catalogs, the code from one source.

Each source notebook ``solutions/<a>/<a>.ipynb`` has a catalog beside it, ``solutions/<a>/<a>.zh.po``
(nbgrader's release leaves ``*.po`` out): one entry per markdown cell, its fixed cell id as the context
(``msgctxt``), its English source as ``msgid`` and the Chinese as ``msgstr``.

- :func:`update` (``make translations``) adds an entry for every new cell, and marks an entry whose
  English changed ``fuzzy``, the English it was translated from kept in a comment above it.
- :func:`problems` lists what keeps an edition from being complete: a cell without an entry, an empty,
  fuzzy or out-of-date entry, a translation that loses a code span or a formula of the English.
  ``tests/test_translation.py`` fails on any of them, naming the cell.
- :func:`release` (``make release``) writes ``notebooks-zh/<a>/<a>.ipynb`` from the English release:
  the same cells and code, every markdown cell without nbgrader metadata in Chinese, and
  ``metadata.course.language`` set. Code is never copied by hand.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from . import ROOT
from .course import CourseError, pick

WAS = "translated from this English (remove this comment and the fuzzy flag once the translation is checked):"
LANGUAGES = {"zh": "zh-CN"}  # catalog suffix -> the language the notebooks' metadata names
FOLDER = "notebooks-{lang}"


def catalog_path(root: Path, assignment: str, lang: str = "zh") -> Path:
    (nb,) = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    return nb.with_suffix(f".{lang}.po")


def sources(root: Path, assignment: str) -> list[tuple[str, str]]:
    """(cell id, English source) of every markdown cell of the source notebook, in order."""
    (path,) = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    return [(c.id, c.source) for c in nb.cells if c.cell_type == "markdown"]


def read(path: Path):
    """The catalog at ``path`` (babel's ``Catalog``), or None when there is none."""
    from babel.messages.pofile import read_po
    if not path.exists():
        return None
    with open(path, "rb") as f:
        return read_po(f, charset="utf-8", abort_invalid=True)


def write(path: Path, catalog) -> None:
    """Write ``catalog`` as the course keeps it: no header (no dates: the file changes only with its entries),
    no line wrapping, cells in notebook order."""
    from babel.messages.pofile import write_po
    with open(path, "wb") as f:
        write_po(f, catalog, width=0, omit_header=True, sort_output=False)


def update(root: Path = ROOT, names: list[str] = (), lang: str = "zh") -> dict[str, dict[str, int]]:
    """Bring each catalog up to the source notebook: new cells get an empty entry, changed cells a fuzzy one
    (the translation kept for the translator to fix), removed cells' entries go. Returns counts per assignment."""
    from babel.messages.catalog import Catalog
    counts = {}
    for a in pick(list(names), root):
        path = catalog_path(root, a, lang)
        old = read(path)
        before = {m.context: m for m in old if m.id} if old is not None else {}
        catalog = Catalog(locale=LANGUAGES[lang].replace("-", "_"), project="feature-map-layers", fuzzy=False)
        n = {"new": 0, "changed": 0, "same": 0, "removed": 0}
        for cid, english in sources(root, a):
            prev = before.pop(cid, None)
            if prev is None:
                catalog.add(english, "", context=cid)
                n["new"] += 1
            elif prev.id == english:
                catalog.add(english, prev.string, context=cid, flags=prev.flags, user_comments=prev.user_comments)
                n["same"] += 1
            else:  # the English it was translated from goes in a comment, for the translator to compare
                was = prev.user_comments if "fuzzy" in prev.flags else [WAS, *prev.id.splitlines()]
                catalog.add(english, prev.string, context=cid, flags={"fuzzy"}, user_comments=was)
                n["changed"] += 1
        n["removed"] = len(before)
        write(path, catalog)
        counts[a] = n
    return counts


# What a translation must keep of the English, exactly (but for line breaks): code spans and formulas.
KEEP = re.compile(r"`[^`\n]+(?:\n[^`\n]+)?`|\$\$.+?\$\$|\$[^$\n]+\$", re.S)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def problems(root: Path = ROOT, names: list[str] = (), lang: str = "zh") -> list[str]:
    """One line per cell whose translation is missing, empty, fuzzy, out of date or loses a code span or a
    formula of the English; [] when the edition is complete."""
    out = []
    for a in pick(list(names), root):
        path = catalog_path(root, a, lang)
        catalog = read(path)
        if catalog is None:
            out.append(f"{a}: no catalog {path.relative_to(root)}: run `make translations`")
            continue
        entries = {m.context: m for m in catalog if m.id}
        for cid, english in sources(root, a):
            m = entries.get(cid)
            where = f"{a}: cell {cid}"
            if m is None:
                out.append(f"{where} has no entry in {path.name}: run `make translations`, then translate it")
            elif m.id != english:
                out.append(f"{where}: its English changed since the entry was made: run `make translations`")
            elif "fuzzy" in m.flags:
                out.append(f"{where}: fuzzy (its English changed since it was translated): check the translation "
                           f"against the new English, then remove the fuzzy flag")
            elif not m.string.strip():
                out.append(f"{where}: not translated")
            else:
                lost = [k for k in KEEP.findall(english) if _flat(k) not in _flat(m.string)]
                if lost:
                    out.append(f"{where}: the translation lost {', '.join(lost[:3])}")
    return out


def release(root: Path = ROOT, names: list[str] = (), lang: str = "zh") -> list[str]:
    """Write ``notebooks-<lang>/<a>/`` from the English release ``notebooks/<a>/`` and the catalogs. A cell without
    a current translation stays English (tests/test_translation.py fails on it). Returns the assignments written."""
    written = []
    for a in pick(list(names), root):
        src = root / "notebooks" / a
        if not src.is_dir():
            raise CourseError(f"no release in {src}: run `make release`")
        catalog = read(catalog_path(root, a, lang))
        entries = {m.context: m for m in catalog if m.id} if catalog is not None else {}
        dest = root / FOLDER.format(lang=lang) / a
        dest.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                m = entries.get(cell.get("id"))
                if (cell.cell_type == "markdown" and not cell.metadata.get("nbgrader") and m is not None
                        and m.id == cell.source and m.string.strip() and "fuzzy" not in m.flags):
                    cell.source = m.string
            nb.metadata["course"] = {**nb.metadata.get("course", {}), "language": LANGUAGES[lang]}
            nbformat.write(nb, dest / path.name)
        written.append(a)
    return written
