"""The course book (``make book``, ``docs/book/`` and its 简体中文 edition ``docs/book/zh/``): its pages,
their links, the language switch, and no solution in any of them.

The book is built first when it is missing or older than the notebooks (``grader.book.ensure_built``):
that executes every notebook, a few minutes, once per run (the ``out`` fixture), hence ``slow`` for the
tests that read it. The others execute a one-exercise notebook of their own. ``tests/browser/test_browser_book.py``
opens the real pages in Chromium.
"""
from __future__ import annotations

import os
import re
import warnings
from collections import Counter
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import ROOT, assignments, notebook
from grader import book, bookkernel
from grader.course import Course
from grader.pipeline import CourseError

EDITIONS = {"en": "notebooks", "zh": "notebooks-zh"}  # edition -> the release its pages show


@pytest.fixture(scope="module")
def out() -> Path:
    return book.ensure_built(Course(ROOT))


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


def name_in(lang: str, page_name: str) -> str:
    """A page's path in the book: "01_sampling.html", "zh/01_sampling.html"."""
    return book.PREFIX[lang] + page_name


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
@pytest.mark.parametrize("lang", EDITIONS)
def test_no_solution_and_no_hidden_test_in_any_page(out, lang):
    for assignment in assignments():
        name = name_in(lang, f"{assignment}.html")
        html = (out / name).read_text(encoding="utf-8")
        text = squash(page(out, name).get_text())
        lines = solution_lines(assignment)
        assert len(lines) >= 3, f"{assignment}: too few solution lines to look for ({lines})"
        leaked = [(cell, line) for cell, line in lines if line in text]
        assert not leaked, (f"{name} shows solutions from solutions/{assignment}/ "
                            f"(cell id, line): {leaked[:5]}")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in html, f"{name} contains {marker!r}"
        # The search sees code as the page shows it: the exercise cells' own lines are found.
        stubs = [squash(c.source) for c in notebook(assignment, EDITIONS[lang]).cells
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
        assert stubs and all(s in text for s in stubs), f"{name} lacks an exercise cell as released"


@pytest.mark.slow
@pytest.mark.parametrize("lang", EDITIONS)
def test_exercise_test_and_progress_cells_are_shown_as_released_unexecuted(out, lang):
    for assignment in assignments():
        name = name_in(lang, f"{assignment}.html")
        soup = page(out, name)
        for cell in notebook(assignment, EDITIONS[lang]).cells:
            nbg = cell.metadata.get("nbgrader", {})
            if not (nbg.get("solution") or nbg.get("grade") or cell.id == "progress"):
                continue
            div = soup.find(id=f"cell-id={cell.id}")
            assert div is not None, f"{name} has no cell {cell.id!r}"
            if cell.cell_type != "code":
                continue
            outputs = div.select(".jp-OutputArea-output")
            assert not outputs, (f"{name}: cell {cell.id!r} shows output, but exercise, test and "
                                 f"progress cells are shown unexecuted: {outputs[0].get_text()[:200]!r}")
            assert squash(cell.source) in squash(div.get_text()), f"{name}: cell {cell.id!r} is not the release's"
            if nbg.get("solution"):
                assert "raise NotImplementedError" in div.get_text()


@pytest.mark.slow
@pytest.mark.parametrize("lang", EDITIONS)
def test_every_heading_of_the_notebooks_is_on_its_page_with_the_teaching_output(out, lang):
    for assignment in assignments():
        name = name_in(lang, f"{assignment}.html")
        soup = page(out, name)
        shown = {squash(h.get_text().replace("¶", "")) for h in soup.find_all(re.compile("^h[1-6]$"))}
        for cell in notebook(assignment, EDITIONS[lang]).cells:
            heading = next((line for line in cell.source.splitlines() if line.startswith("#")), None)
            if cell.cell_type == "markdown" and heading:
                assert plain_markdown(heading) in shown, f"{name} lacks the heading {heading!r}"
        figures = soup.select(".jp-OutputArea-output img")
        assert figures, f"{name} shows no figure: were the teaching cells executed?"
        assert all(img["src"].startswith("data:image/") for img in figures)
        assert soup.find("meta", charset=re.compile("utf-8", re.I)), f"{name} declares no UTF-8"


def local_target(out: Path, ref: str) -> Path | None:
    """The file a relative link of a page in ``out`` opens; None for other kinds of link."""
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith(("#", "//")) or not parts.path:
        return None
    return out / unquote(parts.path)


def local_pages(out: Path) -> list[str]:
    """Every page of both editions, as its path in the book."""
    chapters = book.chapters(Course(ROOT))
    return [name_in(lang, p) for lang in EDITIONS for p in ["index.html", "glossary.html"] + [ch.page for ch in chapters]]


@pytest.mark.slow
def test_links_resolve_and_nothing_loads_from_the_network(out):
    chapters = book.chapters(Course(ROOT))
    pages = local_pages(out)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.html") if "assets" not in p.parts) == sorted(pages)
    for name in pages:
        soup = page(out, name)
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
                          ("iframe", "src"), ("source", "src")):
            for el in soup.find_all(tag, attrs={attr: True}):
                ref = el[attr]
                if tag != "a":  # what the page loads: from the book itself, never a server
                    assert not urlsplit(ref).scheme or ref.startswith("data:"), f"{name} loads {ref}"
                target = local_target((out / name).parent, ref)
                assert target is None or target.resolve().is_file(), f"{name}: {tag} {attr}={ref!r}: no {target}"
    for lang in EDITIONS:
        mathjax = page(out, name_in(lang, chapters[0].page)).find("script", src=re.compile("MathJax.js"))
        assert mathjax and ((out / name_in(lang, "x")).parent / mathjax["src"].split("?")[0]).resolve().is_file()
    assert (out / "assets" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert (out / "assets" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").is_dir()


@pytest.mark.slow
@pytest.mark.parametrize("lang", EDITIONS)
def test_navigation_goes_through_the_notebooks_in_order(out, lang):
    chapters = book.chapters(Course(ROOT))
    index = page(out, name_in(lang, "index.html"))
    listed = [a["href"] for a in index.select("main table a")]
    assert listed == [ch.page for ch in chapters]
    for i, ch in enumerate(chapters):
        soup = page(out, name_in(lang, ch.page))
        nav = soup.select_one("nav.book-nav")
        assert nav.select_one("a.book-home")["href"] == "index.html"
        assert nav.select_one("a.book-home").get_text() == book.TEXT[lang]["home"]
        prev, nxt = nav.select_one('a[rel="prev"]'), nav.select_one('a[rel="next"]')
        assert (prev["href"] if prev else None) == (chapters[i - 1].page if i else None)
        assert (nxt["href"] if nxt else None) == (chapters[i + 1].page if i + 1 < len(chapters) else None)
        assert squash(soup.title.get_text()).startswith(ch.short_in(lang).replace("`", ""))


@pytest.mark.slow
def test_every_page_switches_to_the_same_page_in_the_other_edition_and_back(out):
    for name in local_pages(out):
        soup = page(out, name)
        lang = "zh" if name.startswith("zh/") else "en"
        assert soup.html["lang"] == book.HTML_LANG[lang], f"{name}: lang={soup.html.get('lang')!r}"
        switches = soup.select("nav.book-nav a.book-lang")
        assert len(switches) == 2, f"{name}: {len(switches)} language switches (one in each bar)"
        target = (out / name).parent / switches[0]["href"]
        other = str(target.resolve().relative_to(out.resolve()))
        assert other == name_in("en" if lang == "zh" else "zh", Path(name).name), f"{name} switches to {other}"
        back = page(out, other).select_one("nav.book-nav a.book-lang")
        assert ((out / other).parent / back["href"]).resolve() == (out / name).resolve(), f"{other} does not switch back"
        assert switches[0]["hreflang"] == book.HTML_LANG["en" if lang == "zh" else "zh"]


@pytest.mark.slow
def test_index_says_how_to_work_the_exercises_and_shows_tensorboard(out):
    for lang, words in (("en", ["make lab", "raise NotImplementedError()", "no solution", "池化"]),
                        ("zh", ["make lab-zh", "raise NotImplementedError()", "没有答案", "术语表"])):
        index = page(out, name_in(lang, "index.html"))
        text = squash(index.get_text())
        assert all(w in text for w in words), f"{lang} index lacks one of {words}"  # en: the README's Chinese terms
        shot = index.find("img", src=f"{book.UP[lang]}assets/tensorboard_scalars.png")
        if (ROOT / book.TENSORBOARD_SHOT).exists():
            assert shot is not None and (out / "assets" / "tensorboard_scalars.png").is_file()
        else:
            assert shot is None and "make test-browser" in text


@pytest.mark.slow
def test_the_chinese_index_lists_every_notebook_by_its_chinese_title(out):
    index = page(out, "zh/index.html")
    for ch, row in zip(book.chapters(Course(ROOT)), index.select("main table tbody tr"), strict=True):
        assert squash(row.get_text()).startswith(plain_markdown(ch.short_in("zh")))
        assert "你要实现" in row.get_text() and row.find("code"), f"zh/index.html: {ch.name} says nothing of its exercises"
    assert index.title.get_text().endswith(book.TEXT["zh"]["book"])


def tiny_course(root: Path, teaching: str = "print('doubled:', double(21))", chinese: str | None = None) -> book.Chapter:
    """A course of one notebook in ``root``: an exercise ``double``, a teaching cell that calls it, its
    test cell, a written answer and the progress cell; the release has the stubs, the Chinese release
    (notebooks-zh/) translated markdown and, when given, ``chinese`` as the teaching cell's code."""
    def cells(kind: str):
        grade = {"grade": True, "grade_id": "test_double", "locked": True, "points": 1, "solution": False}
        released, zh = kind != "solutions", kind == "notebooks-zh"
        return [
            new_markdown_cell("# 99 · 小：一个练习" if zh else "# 99 · Tiny: one exercise", id="title"),
            new_code_cell("def double(x):\n    raise NotImplementedError()" if released else
                          "def double(x):\n    ### BEGIN SOLUTION\n    return x * 2  # the secret answer\n"
                          "    ### END SOLUTION", id="double",
                          metadata={"nbgrader": {"grade": False, "grade_id": "double", "locked": False, "solution": True}}),
            new_code_cell(chinese if zh and chinese else teaching, id="use-double"),
            new_code_cell("print('same in both:', double(4))", id="same"),
            new_code_cell("assert double(2) == 4" + ("" if released else "\n### BEGIN HIDDEN TESTS\nassert double(3) == 6"
                          "\n### END HIDDEN TESTS"), id="test_double", metadata={"nbgrader": grade}),
            new_markdown_cell("YOUR ANSWER HERE" if released else "Doubling is adding a number to itself.", id="answer_why",
                              metadata={"nbgrader": {**grade, "grade_id": "answer_why", "solution": True}}),
            new_markdown_cell("把一个数加倍。" if zh else "Double a number.", id="explain"),
            new_code_cell("print('progress table')", id="progress"),
        ]
    for kind in ("solutions", "notebooks", "notebooks-zh"):
        path = root / kind / "99_tiny" / "99_tiny.ipynb"
        path.parent.mkdir(parents=True)
        meta = {"course": {"language": "zh-CN"}} if kind == "notebooks-zh" else {}  # as grader.translate writes it
        nbformat.write(new_notebook(cells=cells(kind), metadata=meta), path)
    (chapter,) = book.chapters(Course(root))
    return chapter


def test_execute_runs_the_solutions_then_shows_every_graded_cell_as_released(tmp_path):
    chapter = tiny_course(tmp_path)
    assert chapter.title == "99 · Tiny: one exercise" and chapter.short == "99 · Tiny"
    assert chapter.short_in("zh") == "99 · 小"
    run = book.execute(chapter)
    assert run.differ == [] and run.rerun == []  # the same code in both editions: one run serves both
    for lang, nb in run.notebooks.items():
        cells = {c.id: c for c in nb.cells}
        # The teaching cell ran with the solution's double ...
        assert [o.get("text") for o in cells["use-double"].outputs] == ["doubled: 42\n"]
        # ... and every graded cell is the release's, unexecuted: no solution, no hidden test, no output.
        assert cells["double"].source == "def double(x):\n    raise NotImplementedError()"
        assert cells["test_double"].source == "assert double(2) == 4"
        assert cells["answer_why"].source == "YOUR ANSWER HERE"
        assert cells["explain"].source == ("把一个数加倍。" if lang == "zh" else "Double a number.")
        for cell_id in ("double", "test_double", "progress"):
            assert cells[cell_id].outputs == [] and cells[cell_id].execution_count is None
            assert "tags" not in cells[cell_id].metadata  # the skip tag the build added is gone
        html = book.render(nb, chapter, [chapter], 0, lang)
        for secret in ("the secret answer", "HIDDEN", "adding a number to itself"):
            assert secret not in html
        assert f'<html lang="{book.HTML_LANG[lang]}">' in html
    assert run.notebooks["zh"].metadata.course.language == "zh-CN"


# A teaching cell whose labels the catalogs translate: a print label and a figure title.
FIGURE = ("import matplotlib.pyplot as plt\nprint({label!r}, double(21))\nfig, ax = plt.subplots(figsize=(2, 1.5))\n"
          "ax.plot([0, 1], [0, double(1)])\nax.set_title({title!r})\nplt.show()")


def test_only_the_cells_whose_chinese_code_differs_run_again_with_a_cjk_font(tmp_path):
    chapter = tiny_course(tmp_path, teaching=FIGURE.format(label="doubled:", title="pooling window"),
                          chinese=FIGURE.format(label="加倍：", title="汇聚窗口 pooling window"))
    run = book.execute(chapter)
    assert run.differ == ["use-double"] and run.rerun == []
    en, zh = ({c.id: c for c in run.notebooks[lang].cells} for lang in ("en", "zh"))
    assert en["use-double"].outputs[0].text == "doubled: 42\n" and zh["use-double"].outputs[0].text == "加倍： 42\n"
    assert "汇聚窗口" in zh["use-double"].source and "汇聚窗口" not in en["use-double"].source
    for cells in (en, zh):  # the figure, and no warning (a glyph missing from the font would be one)
        kinds = [o.output_type for o in cells["use-double"].outputs]
        assert kinds == ["stream", "display_data"], kinds
        assert "image/png" in cells["use-double"].outputs[1].data
    assert zh["use-double"].execution_count == en["use-double"].execution_count
    # A cell with the same code in both editions shows the one run's output.
    assert zh["same"].outputs == en["same"].outputs and zh["same"].outputs[0].text == "same in both: 8\n"


def test_a_cell_whose_comments_alone_are_translated_shows_the_english_run(tmp_path):
    chapter = tiny_course(tmp_path, chinese="# 把 21 加倍\nprint('doubled:', double(21))  # 打印结果")
    run = book.execute(chapter)
    assert run.differ == []
    zh = {c.id: c for c in run.notebooks["zh"].cells}
    assert zh["use-double"].source.startswith("# 把 21 加倍") and zh["use-double"].outputs[0].text == "doubled: 42\n"
    assert book.same_code("x = 1  # one", "x = 1  # 一") and not book.same_code("print('a')", "print('甲')")


def test_a_cell_whose_fork_gives_nothing_runs_in_a_full_chinese_run(tmp_path, monkeypatch):
    chapter = tiny_course(tmp_path, chinese="print('加倍：', double(21))")
    monkeypatch.setattr(book, "FORK", "no_such_function")  # the fork request fails in the kernel
    run = book.execute(chapter)
    assert run.differ == run.rerun == ["use-double"]
    zh = {c.id: c for c in run.notebooks["zh"].cells}
    assert [o.text for o in zh["use-double"].outputs] == ["加倍： 42\n"]


def test_a_chinese_cell_that_writes_a_file_runs_in_a_full_chinese_run_not_in_the_fork(tmp_path):
    # The fork shares the English run's files: a write there would change what the English run sees.
    code = "with open('log.txt', 'a') as f:\n    f.write({label!r})\nprint(open('log.txt').read(), double(21))"
    chapter = tiny_course(tmp_path, teaching=code.format(label="doubled"), chinese=code.format(label="加倍"))
    for whole in (False, True):  # True: what the next build does, the full run beside the English one
        run = book.execute(chapter, whole=whole)
        assert run.whole and run.differ == ["use-double"] and run.rerun == ([] if whole else ["use-double"])
        en, zh = ({c.id: c for c in run.notebooks[lang].cells} for lang in ("en", "zh"))
        assert en["use-double"].outputs[0].text == "doubled 42\n", "the fork's write reached the English run"
        assert zh["use-double"].outputs[0].text == "加倍 42\n"


def test_the_forks_guard_refuses_writes_but_not_reads_caches_or_dev_null(tmp_path):
    guard = bookkernel.Guard()
    guard.on = True
    target = str(tmp_path / "runs" / "events")
    for event, args in (("open", (target, "r", 0)), ("open", ("/dev/null", "w", 0)),
                        ("os.mkdir", (guard.caches[0] + "root", 0o777, -1))):
        guard(event, args)  # allowed
    for event, args in (("open", (target, "a", 0)), ("open", (target, None, os.O_WRONLY | os.O_CREAT)),
                        ("os.mkdir", (str(tmp_path / "runs"), 0o777, -1)), ("os.remove", (target, -1))):
        with pytest.raises(PermissionError):
            guard(event, args)
    assert guard.tried == f"open {target}"  # the first refusal, which the build reports


def test_a_translation_that_breaks_the_code_stops_the_build_naming_the_cell(tmp_path):
    chapter = tiny_course(tmp_path, chinese="print('加倍：, double(21))")
    with pytest.raises(CourseError, match=r"cell 'use-double' fails in Chinese but not in English(.|\n)*SyntaxError"):
        book.execute(chapter)


def test_matplotlib_draws_chinese_titles_with_the_books_cjk_font(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def draw() -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig, ax = plt.subplots(figsize=(2, 1.5))
            ax.set_title("汇聚窗口与步幅 (pooling)")
            ax.set_xlabel("特征图的宽")
            fig.savefig(tmp_path / "figure.png")
            plt.close(fig)
        return [str(w.message) for w in caught if "missing from font" in str(w.message)]

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        assert draw(), "DejaVu Sans alone has CJK glyphs? Then this test checks nothing"
    with matplotlib.rc_context():
        name = bookkernel.use_cjk_font()  # what the Chinese edition's kernel does (make fonts installs it)
        assert matplotlib.rcParams["font.family"][-1] == name
        assert draw() == [], f"glyphs missing with {matplotlib.rcParams['font.family']}"


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


def test_a_missing_chinese_release_says_to_run_make_release(tmp_path):
    tiny_course(tmp_path)
    (tmp_path / "notebooks-zh" / "99_tiny" / "99_tiny.ipynb").unlink()
    with pytest.raises(CourseError, match=r"notebooks-zh/99_tiny/99_tiny.ipynb is missing: run `make release`"):
        book.chapters(Course(tmp_path))


@pytest.mark.slow
def test_the_glossary_is_a_page_of_the_book_in_both_editions(out):
    expected = len(re.findall(r"^\| (?!English|---)", (ROOT / "docs" / "glossary.md").read_text(), re.M))
    for lang in EDITIONS:
        soup = page(out, name_in(lang, "glossary.html"))
        rows = soup.find("table").find_all("tr")[1:]
        terms = [r.find_all("td")[0].get_text() for r in rows]
        assert len(terms) == expected
        assert "receptive field" in terms and "感受野" in soup.get_text() and "汇聚" in soup.get_text()
        assert page(out, name_in(lang, "index.html")).find("a", href="glossary.html")
    assert squash(page(out, "zh/glossary.html").find("h1").get_text()).startswith("术语表")


def test_english_paragraph_means_an_english_clause_in_prose_outside_code_math_and_tables():
    found = book.english_paragraphs(
        "<main><p>汇聚层（pooling layer）把特征图（feature map）变小。</p>"
        "<p>running_mean = (1 − momentum) · running_mean + momentum · batch_mean</p>"
        "<p>torch 的报错是 “padding should be at most half of kernel size”。</p>"
        "<p>见 <code>make lab and then open the notebook</code> 和 $a + b = c$。</p>"
        "<table><tr><td>convolutional neural network (CNN) and more words</td></tr></table>"
        "<div class='jp-OutputArea'><p>printed output is English and may stay so</p></div>"
        "<li>The output is one row shorter than the input.</li></main>")
    assert found == ["The output is one row shorter than the input."]


@pytest.mark.slow
def test_chinese_pages_have_no_english_paragraph(out):
    for name in local_pages(out):
        if name.startswith("zh/"):
            left = book.english_paragraphs((out / name).read_text(encoding="utf-8"))
            assert not left, f"{name} has English paragraphs: {left[:3]}"
    # ... and the rule sees the English edition's prose: it can fail.
    assert len(book.english_paragraphs((out / "01_sampling.html").read_text(encoding="utf-8"))) > 20


DECIMAL = re.compile(r"-?\d+\.\d+")


def computed(outputs: list[str], *codes: str) -> Counter:
    """The decimals a cell's outputs show (0.6667, -1.5368), less those its code writes itself (a label
    may say "0.6 × the mean" in one language and put it elsewhere in the other) and file paths (a
    scratch folder's name, a time stamp)."""
    written = {d for code in codes for d in DECIMAL.findall(code)}
    text = re.sub(r"\S*/\S*", " ", " ".join(outputs))
    return Counter(d for d in DECIMAL.findall(text) if d not in written)


def code_cells(soup: BeautifulSoup) -> dict[str, BeautifulSoup]:
    return {div["id"].removeprefix("cell-id="): div for div in soup.select("div.jp-CodeCell[id^='cell-id=']")}


@pytest.mark.slow
def test_chinese_pages_show_the_english_run_where_the_code_is_the_same(out):
    for assignment in assignments():
        en, zh = (code_cells(page(out, name_in(lang, f"{assignment}.html"))) for lang in EDITIONS)
        assert en.keys() == zh.keys()
        released = {c.id: c for c in notebook(assignment, "notebooks-zh").cells}
        english = {c.id: c for c in notebook(assignment, "notebooks").cells}
        for cell_id, div in zh.items():
            source = released[cell_id].source
            assert squash(source) in squash(div.select_one(".jp-InputArea").get_text()), f"zh/{assignment}.html: {cell_id}"
            outputs = [squash(o.get_text()) for o in div.select(".jp-OutputArea-output")]
            english_outputs = [squash(o.get_text()) for o in en[cell_id].select(".jp-OutputArea-output")]
            figures = len(div.select(".jp-OutputArea-output img"))
            assert figures == len(en[cell_id].select(".jp-OutputArea-output img")), f"zh/{assignment}.html: {cell_id}"
            if source == english[cell_id].source:
                assert outputs == english_outputs, f"zh/{assignment}.html: cell {cell_id} shows another run's output"
            else:  # translated labels: the same computed numbers
                assert computed(outputs, source, english[cell_id].source) == computed(
                    english_outputs, source, english[cell_id].source), f"zh/{assignment}.html: cell {cell_id}"
