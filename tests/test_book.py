"""The course book (``make book``, ``docs/book/``): its pages, their links, and no solution in any of them.

The book is built first when it is missing or older than the notebooks (``grader.book.ensure_built``):
that executes every notebook, about a minute, hence ``slow`` for the tests that read it. The others
execute a two-exercise notebook of their own. ``tests/test_browser_book.py`` opens the real pages in
Chromium.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import ROOT, assignments, notebook
from grader import book
from grader.pipeline import CourseError


@pytest.fixture(scope="module")
def out() -> Path:
    return book.ensure_built(ROOT)


def squash(text: str) -> str:
    """Whitespace collapsed: code as the page shows it equals the source."""
    return " ".join(text.split())


def plain_markdown(text: str) -> str:
    """Markdown as its rendered text reads: no emphasis, code or heading marks, links as their text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return squash(re.sub(r"[`*#>]", "", text))


@cache
def page(out: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((out / name).read_text(encoding="utf-8"), "html.parser")


def solution_lines(assignment: str) -> list[tuple[str, str]]:
    """(cell id, line) for every line of a solution in ``solutions/`` that nothing public has: the
    code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (a whole cell without them), the
    text of a written answer. Short lines (``return out``) are left out."""
    sol, rel = notebook(assignment, "solutions"), notebook(assignment, "notebooks")
    public = squash("\n".join([c.source for c in rel.cells] + [c.source for c in sol.cells
                               if not c.metadata.get("nbgrader", {}).get("solution")]))
    found = []
    for cell in sol.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        body = cell.source
        if "BEGIN SOLUTION" in body:
            body = "\n".join(re.findall(r"BEGIN SOLUTION[^\n]*\n(.*?)\n[^\n]*END SOLUTION", body, flags=re.S))
        for line in body.splitlines():
            text = plain_markdown(line) if cell.cell_type == "markdown" else squash(line)
            if len(text) >= 16 and text not in public and not text.startswith("#"):
                found.append((cell.id, text))
    return found


@pytest.mark.slow
def test_no_solution_and_no_hidden_test_in_any_page(out):
    for assignment in assignments():
        html = (out / f"{assignment}.html").read_text(encoding="utf-8")
        text = squash(page(out, f"{assignment}.html").get_text())
        lines = solution_lines(assignment)
        assert len(lines) >= 3, f"{assignment}: too few solution lines to look for ({lines})"
        leaked = [(cell, line) for cell, line in lines if line in text]
        assert not leaked, (f"{assignment}.html shows solutions from solutions/{assignment}/ "
                            f"(cell id, line): {leaked[:5]}")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in html, f"{assignment}.html contains {marker!r}"
        # The search sees code as the page shows it: the exercise cells' own lines are found.
        stubs = [squash(c.source) for c in notebook(assignment, "notebooks").cells
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
        assert stubs and all(s in text for s in stubs), f"{assignment}.html lacks an exercise cell as released"


@pytest.mark.slow
def test_exercise_test_and_progress_cells_are_shown_as_released_unexecuted(out):
    for assignment in assignments():
        soup = page(out, f"{assignment}.html")
        for cell in notebook(assignment, "notebooks").cells:
            nbg = cell.metadata.get("nbgrader", {})
            if not (nbg.get("solution") or nbg.get("grade") or cell.id == "progress"):
                continue
            div = soup.find(id=f"cell-id={cell.id}")
            assert div is not None, f"{assignment}.html has no cell {cell.id!r}"
            if cell.cell_type != "code":
                continue
            outputs = div.select(".jp-OutputArea-output")
            assert not outputs, (f"{assignment}.html: cell {cell.id!r} shows output, but exercise, test and "
                                 f"progress cells are shown unexecuted: {outputs[0].get_text()[:200]!r}")
            assert squash(cell.source) in squash(div.get_text()), f"{assignment}.html: cell {cell.id!r} is not the release's"
            if nbg.get("solution"):
                assert "raise NotImplementedError" in div.get_text()


@pytest.mark.slow
def test_every_heading_of_the_notebooks_is_on_its_page_with_the_teaching_output(out):
    for assignment in assignments():
        soup = page(out, f"{assignment}.html")
        shown = {squash(h.get_text().replace("¶", "")) for h in soup.find_all(re.compile("^h[1-6]$"))}
        for cell in notebook(assignment, "notebooks").cells:
            heading = next((line for line in cell.source.splitlines() if line.startswith("#")), None)
            if cell.cell_type == "markdown" and heading:
                assert plain_markdown(heading) in shown, f"{assignment}.html lacks the heading {heading!r}"
        figures = soup.select(".jp-OutputArea-output img")
        assert figures, f"{assignment}.html shows no figure: were the teaching cells executed?"
        assert all(img["src"].startswith("data:image/") for img in figures)
        assert soup.find("meta", charset=re.compile("utf-8", re.I)), f"{assignment}.html declares no UTF-8"


def local_target(out: Path, ref: str) -> Path | None:
    """The file a relative link of a page in ``out`` opens; None for other kinds of link."""
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith(("#", "//")) or not parts.path:
        return None
    return out / unquote(parts.path)


@pytest.mark.slow
def test_links_resolve_and_nothing_loads_from_the_network(out):
    chapters = book.chapters(ROOT)
    pages = ["index.html", "glossary.html"] + [ch.page for ch in chapters]
    assert sorted(p.name for p in out.glob("*.html")) == sorted(pages)
    for name in pages:
        soup = page(out, name)
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
                          ("iframe", "src"), ("source", "src")):
            for el in soup.find_all(tag, attrs={attr: True}):
                ref = el[attr]
                if tag != "a":  # what the page loads: from the book itself, never a server
                    assert not urlsplit(ref).scheme or ref.startswith("data:"), f"{name} loads {ref}"
                target = local_target(out, ref)
                assert target is None or target.is_file(), f"{name}: {tag} {attr}={ref!r}: no {target}"
    mathjax = page(out, chapters[0].page).find("script", src=re.compile("MathJax.js"))
    assert mathjax and (out / "assets" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert (out / "assets" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()


@pytest.mark.slow
def test_navigation_goes_through_the_notebooks_in_order(out):
    chapters = book.chapters(ROOT)
    index = page(out, "index.html")
    listed = [a["href"] for a in index.select("main table a")]
    assert listed == [ch.page for ch in chapters]
    for i, ch in enumerate(chapters):
        nav = page(out, ch.page).select_one("nav.book-nav")
        assert nav.select_one("a.book-home")["href"] == "index.html"
        prev, nxt = nav.select_one('a[rel="prev"]'), nav.select_one('a[rel="next"]')
        assert (prev["href"] if prev else None) == (chapters[i - 1].page if i else None)
        assert (nxt["href"] if nxt else None) == (chapters[i + 1].page if i + 1 < len(chapters) else None)
        assert squash(page(out, ch.page).title.get_text()).startswith(ch.short.replace("`", ""))


@pytest.mark.slow
def test_index_says_how_to_work_the_exercises_and_shows_tensorboard(out):
    index = page(out, "index.html")
    text = squash(index.get_text())
    assert "make lab" in text and "raise NotImplementedError()" in text and "no solution" in text
    assert "池化" in text  # the README's introduction, with its Chinese terms
    shot = index.find("img", src="assets/tensorboard_scalars.png")
    if (ROOT / book.TENSORBOARD_SHOT).exists():
        assert shot is not None and (out / "assets" / "tensorboard_scalars.png").is_file()
    else:
        assert shot is None and "make test-browser" in text


def tiny_course(root: Path, teaching: str = "print('doubled:', double(21))") -> book.Chapter:
    """A course of one notebook in ``root``: an exercise ``double``, a teaching cell that calls it, its
    test cell, a written answer and the progress cell; the release has the stubs."""
    def cells(released: bool):
        grade = {"grade": True, "grade_id": "test_double", "locked": True, "points": 1, "solution": False}
        return [
            new_markdown_cell("# 99 · Tiny: one exercise", id="title"),
            new_code_cell("def double(x):\n    raise NotImplementedError()" if released else
                          "def double(x):\n    ### BEGIN SOLUTION\n    return x * 2  # the secret answer\n"
                          "    ### END SOLUTION", id="double",
                          metadata={"nbgrader": {"grade": False, "grade_id": "double", "locked": False, "solution": True}}),
            new_code_cell(teaching, id="use-double"),
            new_code_cell("assert double(2) == 4" + ("" if released else "\n### BEGIN HIDDEN TESTS\nassert double(3) == 6"
                          "\n### END HIDDEN TESTS"), id="test_double", metadata={"nbgrader": grade}),
            new_markdown_cell("YOUR ANSWER HERE" if released else "Doubling is adding a number to itself.", id="answer_why",
                              metadata={"nbgrader": {**grade, "grade_id": "answer_why", "solution": True}}),
            new_code_cell("print('progress table')", id="progress"),
        ]
    for kind in ("solutions", "notebooks"):
        path = root / kind / "99_tiny" / "99_tiny.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(new_notebook(cells=cells(kind == "notebooks")), path)
    (chapter,) = book.chapters(root)
    return chapter


def test_execute_runs_the_solutions_then_shows_every_graded_cell_as_released(tmp_path):
    chapter = tiny_course(tmp_path)
    assert chapter.title == "99 · Tiny: one exercise" and chapter.short == "99 · Tiny"
    nb = book.execute(chapter)
    cells = {c.id: c for c in nb.cells}
    # The teaching cell ran with the solution's double ...
    assert [o.get("text") for o in cells["use-double"].outputs] == ["doubled: 42\n"]
    # ... and every graded cell is the release's, unexecuted: no solution, no hidden test, no output.
    assert cells["double"].source == "def double(x):\n    raise NotImplementedError()"
    assert cells["test_double"].source == "assert double(2) == 4"
    assert cells["answer_why"].source == "YOUR ANSWER HERE"
    for cell_id in ("double", "test_double", "progress"):
        assert cells[cell_id].outputs == [] and cells[cell_id].execution_count is None
        assert "tags" not in cells[cell_id].metadata  # the skip tag the build added is gone
    html = book.render(nb, chapter, [chapter], 0)
    for secret in ("the secret answer", "HIDDEN", "adding a number to itself"):
        assert secret not in html


def test_a_failing_teaching_cell_stops_the_build_naming_the_cell(tmp_path):
    chapter = tiny_course(tmp_path, teaching="double(1) / 0")
    with pytest.raises(CourseError, match=r"cell 'use-double' failed while building the book(.|\n)*ZeroDivisionError"):
        book.execute(chapter)


def test_a_release_without_a_graded_cell_says_to_run_make_release(tmp_path):
    chapter = tiny_course(tmp_path)
    release = nbformat.read(chapter.release, as_version=4)
    release.cells = [c for c in release.cells if c.id != "answer_why"]
    nbformat.write(release, chapter.release)
    with pytest.raises(CourseError, match=r"has no cell 'answer_why'.*make release"):
        book.execute(chapter)


def test_the_glossary_is_a_page_of_the_book(out):
    soup = page(out, "glossary.html")
    rows = soup.find("table").find_all("tr")[1:]
    terms = [r.find_all("td")[0].get_text() for r in rows]
    assert len(terms) == len(re.findall(r"^\| (?!English|---)", (ROOT / "docs" / "glossary.md").read_text(), re.M))
    assert "receptive field" in terms and "感受野" in soup.get_text() and "汇聚" in soup.get_text()
    assert page(out, "index.html").find("a", href="glossary.html")
