"""``make book``: the course as a static site in two editions, readable offline from ``file://``:
English in ``docs/book/``, 简体中文 in ``docs/book/zh/`` (same page names, one ``assets/`` folder).

Every assignment's *solutions* notebook is executed from the top in a scratch copy of its folder
(so the teaching cells that call an exercise's function have one), then every nbgrader cell
(exercise, test, written answer) and the progress cell is put back as the learner gets it: the
release's source (``notebooks/``, same cell id), no output, no execution count. The pages hold no
solution and no hidden test.

The Chinese page is the same run: its markdown and released cells are ``notebooks-zh/``'s (which
``grader.translate`` writes from the catalogs), and a teaching cell whose code is identical in both
editions but for its comments shows the English run's output. Only the cells whose Chinese code differs
beyond its comments (translated labels, titles) run again, each in a fork of the English kernel taken
just before that cell
(:mod:`grader.bookkernel`), with a CJK font for matplotlib; a cell whose fork fails is run in a full run
of the Chinese notebook instead.

nbconvert's lab template renders the pages (``grader/templates/book``: no CDN, the book's navigation,
a language switch to the same page in the other edition, CJK fonts), MathJax 2 comes from the
``jupyter-server-mathjax`` package, ``index.html`` lists the notebooks with what each builds and
``glossary.html`` is ``docs/glossary.md``.
"""
from __future__ import annotations

import copy
import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from .course import Course, CourseError
from .translate import FOLDER as TRANSLATED
from .translate import LANGUAGES

TEMPLATES = Path(__file__).resolve().parent / "templates"
BOOK_CSS = TEMPLATES / "book" / "book.css"
TENSORBOARD_SHOT = Path("docs") / "screenshots" / "tensorboard_scalars.png"
EXPLORER_SHOT = Path("docs") / "screenshots" / "explorer_pool_geometry.png"  # tests/browser/test_browser_explorers.py takes it
SKIP_TAG = "skip-execution"  # nbclient runs no cell with this tag
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# MathJax 2 as jupyter-server-mathjax ships it, less what these pages never load (the SVG output,
# the accessibility extensions, other languages' messages).
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
MATHJAX_SKIP = ("SVG", "a11y", "localization")
EDITIONS = ("en", "zh")  # English first: the Chinese pages are made from its run
HTML_LANG = {"en": "en", **LANGUAGES}  # the pages' lang attribute: en, zh-CN
PREFIX = {"en": "", "zh": "zh/"}  # where an edition's pages are, in the book
UP = {"en": "", "zh": "../"}  # from an edition's pages to the book's root (assets/)
TIMINGS = Path("assets") / "timings.json"  # the last build's seconds per notebook, and those run in full in Chinese
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # the book's kernels' environment

# What the book itself says, per edition. {rel}: notebooks/<a>/<a>.ipynb's path under notebooks/.
TEXT = {
    "en": {
        "home": "Course book: index",
        "switch": "简体中文",
        "book": "course book",
        "note": ("This is <code>notebooks/{rel}</code> run from top to bottom: the explanations, figures and "
                 "examples with their output. The exercises are shown as you get them: each exercise cell "
                 "ends in <code>raise NotImplementedError()</code> and its test cell is not run, so there are "
                 "no solutions here. To do them, run <code>make lab</code> and open <code>{rel}</code>; "
                 "<code>make check</code> shows where you stand."),
        "glossary": "Glossary · 术语表",
    },
    "zh": {
        "home": "课程讲义：目录",
        "switch": "English",
        "book": "课程讲义",
        "note": ("本页是 <code>notebooks-zh/{rel}</code> 从头到尾运行的结果：讲解、图和示例，以及它们的输出。"
                 "练习按你拿到的样子显示：每个练习单元格以 <code>raise NotImplementedError()</code> 结尾，"
                 "它的测试单元格没有运行，所以这里没有答案。要做练习，请运行 <code>make lab-zh</code>，"
                 "打开 <code>{rel}</code>；<code>.venv/bin/python -m grader check notebooks-zh</code> "
                 "显示哪些练习已经通过可见的测试。"),
        "glossary": "术语表 · Glossary",
    },
}


@dataclass
class Chapter:
    """One assignment: its solutions notebook, its releases, its pages."""
    name: str          # "04_global_pooling"
    source: Path       # solutions/<name>/<nb>.ipynb
    release: Path      # notebooks/<name>/<nb>.ipynb
    title: str         # the notebook's first heading, markdown: "04 · Adaptive and global pooling: ..."
    translated: dict[str, Path] = field(default_factory=dict)  # "zh" -> notebooks-zh/<name>/<nb>.ipynb
    titles: dict[str, str] = field(default_factory=dict)       # "zh" -> "04 · 自适应池化与全局池化：..."

    @property
    def page(self) -> str:
        return f"{self.name}.html"

    @property
    def short(self) -> str:
        """The title up to its colon, for the navigation: "04 · Adaptive and global pooling"."""
        return self.short_in("en")

    def heading(self, lang: str = "en") -> str:
        return self.title if lang == "en" else self.titles.get(lang, self.title)

    def short_in(self, lang: str = "en") -> str:
        return re.split(r"[:：]", self.heading(lang), maxsplit=1)[0].strip()

    def topic(self, lang: str = "en") -> str:
        """The title after its colon: "Adaptive and global pooling: ..." -> "choose the output size, ..."."""
        parts = re.split(r"[:：]", self.heading(lang), maxsplit=1)
        return parts[1].strip() if len(parts) > 1 and parts[1].strip() else self.heading(lang)

    def released(self, lang: str = "en") -> Path:
        return self.release if lang == "en" else self.translated[lang]


def default_out(course: Course) -> Path:
    return course.root / "docs" / "book"


def page_path(out: Path, page: str, lang: str = "en") -> Path:
    """Where ``page`` of an edition is: docs/book/<page>, docs/book/zh/<page>."""
    return out / PREFIX[lang] / page


def first_heading(nb) -> str:
    """The text of the notebook's first markdown heading (any level), markdown kept."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def chapters(course: Course) -> list[Chapter]:
    """Every assignment, in order; CourseError when one of its releases is missing."""
    found = []
    root = course.root
    for name in course.pick():
        (source,) = sorted((course.solutions / name).glob("*.ipynb"))
        release = course.notebooks / name / source.name
        translated = {lang: root / TRANSLATED.format(lang=lang) / name / source.name for lang in EDITIONS[1:]}
        for path in (release, *translated.values()):
            if not path.exists():
                raise CourseError(f"{path} is missing: run `make release` to generate notebooks/ and "
                                  f"{TRANSLATED.format(lang='zh')}/ from solutions/")
        title = first_heading(nbformat.read(source, as_version=4)) or name
        titles = {lang: first_heading(nbformat.read(p, as_version=4)) or title for lang, p in translated.items()}
        found.append(Chapter(name, source, release, title, translated, titles))
    return found


def shown_as_released(cell) -> bool:
    """Whether the book shows this cell as the learner gets it: an nbgrader cell (exercise, test,
    written answer, task) or the progress cell."""
    nbg = cell.metadata.get("nbgrader", {})
    return bool(nbg.get("solution") or nbg.get("grade") or nbg.get("task")) or cell.get("id") == "progress"


def code_tokens(source: str) -> list[tuple[int, str]] | None:
    """The tokens of a cell's code less its comments and blank lines; None when it does not tokenize
    (a magic, say): then only the same text is the same code."""
    try:
        return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline)
                if t.type not in (tokenize.COMMENT, tokenize.NL)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None


def same_code(a: str, b: str) -> bool:
    """Whether two versions of a cell run the same code: equal but for comments."""
    if a == b:
        return True
    ta, tb = code_tokens(a), code_tokens(b)
    return ta is not None and ta == tb


EXPLORER = "grader.explore"  # a cell that builds an explorer (its labels are said in the language spoken)


def differing(source, translated) -> dict[str, str]:
    """Teaching code cells whose code the translated release changes beyond its comments (labels, titles),
    and the cells that build an explorer (their labels come from the grader's messages, in the language of
    the kernel: :mod:`grader.bookkernel` speaks Chinese): cell id -> its translated code. Only these run
    again for the Chinese page; a cell whose comments alone are translated shows the English run's output.
    The graded cells are not run in the book's Chinese edition, so they are not here."""
    other = {c.get("id"): c for c in translated.cells}
    found = {}
    for cell in source.cells:
        twin = other.get(cell.get("id"))
        if (cell.cell_type == "code" and not shown_as_released(cell) and twin is not None and twin.cell_type == "code"
                and (not same_code(cell.source, twin.source) or EXPLORER in cell.source)):
            found[cell.id] = twin.source
    return found


@dataclass
class Run:
    """One chapter executed: the page's notebook per edition, and what the Chinese edition ran."""
    notebooks: dict[str, nbformat.NotebookNode]
    differ: list[str]   # ids of the teaching cells whose Chinese code differs (each ran in a fork)
    rerun: list[str]    # those whose fork gave nothing, run in a full run of the Chinese notebook
    seconds: dict[str, float] = field(default_factory=dict)  # cell id -> seconds it ran in English
    whole: bool = False  # the Chinese notebook ran in full (a fork would have written a file, say)
    why: str = ""        # why it did: "<cell id>: open /path/file" for a write the fork was refused

    def share(self) -> tuple[float, float]:
        """Seconds the English run's cells took, those that ran again for the Chinese page and all."""
        return sum(self.seconds.get(c, 0) for c in self.differ), sum(self.seconds.values())


def cell_seconds(nb) -> dict[str, float]:
    """Cell id -> seconds it ran, from nbclient's timing metadata."""
    from datetime import datetime
    found = {}
    for cell in nb.cells:
        when = cell.metadata.get("execution", {})
        if "iopub.execute_input" in when and "shell.execute_reply" in when:
            start, end = (datetime.fromisoformat(when[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            found[cell.get("id")] = (end - start).total_seconds()
    return found


KERNEL = "__import__('importlib').import_module('grader.bookkernel').{}"  # a call in the book's kernel
FORK = "fork"  # grader.bookkernel's function that runs a Chinese cell in a fork


def run_notebook(nb, chapter: Chapter, timeout: int, forks: dict[str, str] | None = None,
                 fork_dir: Path | None = None, cjk: bool = False) -> None:
    """Execute ``nb`` in place, in a scratch copy of the chapter's folder (the kernel's cwd). Before each
    cell in ``forks`` the kernel forks and the child runs that cell's other code (:mod:`grader.bookkernel`),
    writing its outputs under ``fork_dir``; ``cjk`` gives matplotlib a CJK font first. CourseError naming
    the cell when one fails."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    forks = forks or {}
    running = {}

    def before(cell, **_):
        if cell.get("id") in forks:  # a silent request: no output, no execution count
            client.kc.execute(KERNEL.format(f"{FORK}({cell.id!r}, {forks[cell.id]!r}, {str(fork_dir)!r})"),
                              silent=True, store_history=False)

    def start(**_):
        if cjk:
            client.kc.execute(KERNEL.format("use_cjk_font()"), silent=True, store_history=False)

    waiting = nbformat.v4.new_code_cell(KERNEL.format("wait()"), id="book-wait-for-forks")
    if forks:
        nb.cells.append(waiting)
    with tempfile.TemporaryDirectory(prefix="book-") as scratch:
        folder = Path(scratch) / chapter.name
        shutil.copytree(chapter.source.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "runs"))
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", skip_cells_with_tag=SKIP_TAG,
                                resources={"metadata": {"path": str(folder)}}, on_notebook_start=start,
                                on_cell_execute=before, on_cell_start=lambda cell, **_: running.update(cell=cell))
        try:
            # The kernel's start-up warnings are noise here. One thread for torch: two notebooks run at once
            # on the book's machine, and a forked child cannot use the OpenMP threads of its parent.
            # The Chinese run's kernel runs the Chinese notebook, as JupyterLab names it (the explorers' language).
            chinese = {"JPY_SESSION_NAME": str(chapter.released("zh").resolve())} if cjk else {}
            client.execute(stderr=subprocess.DEVNULL, env={**os.environ, **ONE_THREAD, **chinese})
        except CellExecutionError as e:
            cell_id = running.get("cell", {}).get("id", "?")
            tail = "\n".join(str(e).strip().splitlines()[-12:])
            raise CourseError(f"{chapter.source}: cell {cell_id!r} failed while building the book "
                              f"(the teaching cells must run on the solutions):\n{tail}") from None
        finally:
            if forks:
                nb.cells.remove(waiting)


def skip_graded_tests(nb) -> list:
    """Tag the graded cells that are not run (test cells, the progress cell); returns them, to untag."""
    added = []
    for cell in nb.cells:
        if cell.cell_type == "code" and shown_as_released(cell) and not cell.metadata.get("nbgrader", {}).get("solution"):
            tags = cell.metadata.setdefault("tags", [])
            if SKIP_TAG not in tags:
                tags.append(SKIP_TAG)
                added.append(cell)
    return added


def untag(cells: list) -> None:
    for cell in cells:
        cell.metadata.tags.remove(SKIP_TAG)
        if not cell.metadata.tags:
            cell.metadata.pop("tags")


def as_released(nb, release_path: Path, source_path: Path, every_cell: bool = False) -> None:
    """Every :func:`shown_as_released` cell of ``nb`` becomes the release's, unexecuted; with
    ``every_cell`` every other cell shows the release's source too, with its output (the translated
    release: its prose, comments and labels)."""
    release = {c.get("id"): c for c in nbformat.read(release_path, as_version=4).cells}
    for cell in nb.cells:
        public = release.get(cell.get("id"))
        if shown_as_released(cell) or every_cell:
            if public is None:
                raise CourseError(f"{release_path} has no cell {cell.get('id')!r}, which "
                                  f"{source_path} has: run `make release` to regenerate it")
            cell.source = public.source
        if cell.cell_type == "code" and shown_as_released(cell):
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "code":
            cell.outputs = without_widgets(cell.outputs)


def full_chinese_run(chapter: Chapter, differ: dict[str, str], timeout: int) -> dict[str, list]:
    """The solutions notebook with the Chinese code of the ``differ`` cells, run from the top as a learner
    runs it, in a scratch folder of its own: cell id -> outputs, for those cells."""
    zh = nbformat.read(chapter.source, as_version=4)
    for cell in zh.cells:
        if cell.get("id") in differ:
            cell.source = differ[cell.id]
    skip_graded_tests(zh)
    run_notebook(zh, chapter, timeout, cjk=True)
    return {c.id: c.outputs for c in zh.cells if c.get("id") in differ}


def execute(chapter: Chapter, timeout: int = 600, whole: bool = False) -> Run:
    """The solutions notebook run top to bottom once, giving both editions' pages.

    Solution cells run (later teaching cells call their functions); test cells and the progress cell do
    not (their output is not shown). Each edition's page then shows its release's graded cells,
    unexecuted; the Chinese page shows ``notebooks-zh/``'s markdown, comments and labels, and for a
    teaching cell whose Chinese code differs beyond its comments, the output of its fork. When a fork
    gives nothing (it failed, hung, or would have written a file) the Chinese notebook runs in full,
    after the English run; with ``whole`` (the last build needed that) at the same time as the English
    run, without forks. CourseError naming the cell when a teaching cell fails.
    """
    from concurrent.futures import ThreadPoolExecutor

    from .bookkernel import FULL_RUN, cjk_font

    nb = nbformat.read(chapter.source, as_version=4)
    translated = {lang: nbformat.read(chapter.released(lang), as_version=4) for lang in EDITIONS[1:]}
    differ = differing(nb, translated["zh"])
    if differ and cjk_font() is None:
        raise CourseError(f"{chapter.released('zh')} has Chinese labels in its code ({', '.join(differ)}) and "
                          "matplotlib has no CJK font to draw them: `make fonts` installs fonts-wqy-microhei")
    whole = whole and bool(differ)
    added_tag = skip_graded_tests(nb)
    forked: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="book-forks-") as fork_dir, ThreadPoolExecutor(1) as beside:
        chinese = beside.submit(full_chinese_run, chapter, differ, timeout) if whole else None
        run_notebook(nb, chapter, timeout, forks={} if whole else differ, fork_dir=Path(fork_dir))
        if chinese is not None:
            forked = chinese.result()
        for cell_id in differ:
            path = Path(fork_dir) / f"{cell_id}.json"
            if path.exists() and not whole:
                forked[cell_id] = [nbformat.from_dict(o) for o in json.loads(path.read_text(encoding="utf-8"))]
        wrote = (Path(fork_dir) / FULL_RUN).read_text(encoding="utf-8").strip() if (Path(fork_dir) / FULL_RUN).exists() else ""
    rerun = [cell_id for cell_id in differ if cell_id not in forked]
    english = {c.get("id"): c for c in nb.cells}
    for cell_id, outputs in forked.items():
        error = next((o for o in outputs if o.output_type == "error"), None)
        if error and not any(o.output_type == "error" for o in english[cell_id].outputs):
            raise CourseError(f"{chapter.released('zh')}: cell {cell_id!r} fails in Chinese but not in English "
                              f"(its translated code): {error.ename}: {error.evalue}")
    if rerun:  # a fork failed, hung or would have written: the Chinese notebook from the top
        forked.update({k: v for k, v in full_chinese_run(chapter, differ, timeout).items() if k in rerun})
    why = wrote or (f"no output from the fork of {', '.join(rerun)}" if rerun else "") or ("the last build" if whole else "")
    whole = whole or bool(rerun)
    untag(added_tag)
    seconds = cell_seconds(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    pages = {"zh": copy.deepcopy(nb)}
    as_released(nb, chapter.release, chapter.source)
    nb.metadata.pop("widgets", None)
    pages["en"] = nb
    zh = pages["zh"]
    for cell in zh.cells:
        if cell.get("id") in differ:
            cell.source = differ[cell.id]
            cell.outputs = forked[cell.id]
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = cell.execution_count
    as_released(zh, chapter.released("zh"), chapter.source, every_cell=True)
    zh.metadata.pop("widgets", None)
    zh.metadata["course"] = translated["zh"].metadata.get("course", {})
    return Run({lang: pages[lang] for lang in EDITIONS}, list(differ), rerun, seconds, whole, why)


def without_widgets(outputs: list) -> list:
    """``outputs`` less widget views (tqdm's bars: a static page has no widget manager, and their
    text form is the bar at 0%)."""
    return [out for out in outputs if WIDGET_VIEW not in out.get("data", {})]


def inline_markdown(text: str) -> str:
    """HTML for one line of markdown with only `code` spans (titles, the README's table)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def switch(page: str, lang: str) -> str:
    """The link to the same page in the other edition."""
    other = EDITIONS[1] if lang == "en" else "en"
    return (f'<a class="book-lang" rel="alternate" hreflang="{HTML_LANG[other]}" lang="{HTML_LANG[other]}" '
            f'href="{UP[lang]}{PREFIX[other]}{page}">{TEXT[lang]["switch"]}</a>')


def nav(chapters_: list[Chapter], here: int | None, lang: str = "en", page: str = "index.html") -> str:
    """The bar at the top and bottom of every page: the index, the previous and the next notebook, and
    the switch to ``page`` in the other edition. ``here`` is the chapter's position, None elsewhere."""
    def link(i: int, label: str, rel: str) -> str:
        if 0 <= i < len(chapters_):
            ch = chapters_[i]
            return (f'<a class="book-{rel}" rel="{rel}" href="{ch.page}">'
                    f'{label.format(inline_markdown(ch.short_in(lang)))}</a>')
        return ""
    at = -1 if here is None else here
    return (f'<nav class="book-nav"><a class="book-home" href="index.html">{TEXT[lang]["home"]}</a>'
            f'{link(at - 1, "← {}", "prev")}{link(at + 1, "{} →", "next")}{switch(page, lang)}</nav>')


def note(chapter: Chapter, lang: str = "en") -> str:
    """The box at the top of a notebook's page: what is run here and what is not."""
    return TEXT[lang]["note"].format(rel=f"{chapter.name}/{chapter.release.name}")


def render(nb, chapter: Chapter, chapters_: list[Chapter], here: int, lang: str = "en") -> str:
    """The page of one executed notebook, in edition ``lang``."""
    from nbconvert import HTMLExporter

    code = HTML_LANG[lang].split("-")[0]  # nbconvert takes ISO 639-1 only: "zh", then the page says zh-CN
    exporter = HTMLExporter(template_name="book", extra_template_basedirs=[str(TEMPLATES)], language_code=code,
                            mathjax_url=f"{UP[lang]}assets/mathjax/MathJax.js?config={MATHJAX_CONFIG}")
    nb.metadata["title"] = re.sub(r"`([^`]+)`", r"\1", chapter.heading(lang))
    resources = {"book": {"css": f"{UP[lang]}assets/book.css", "nav": nav(chapters_, here, lang, chapter.page),
                          "note": note(chapter, lang)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body.replace(f'<html lang="{code}">', f'<html lang="{HTML_LANG[lang]}">', 1)


def readme_parts(root: Path) -> tuple[str, str, dict[str, str]]:
    """From README.md: the course title, the introduction (markdown) and, per assignment, its
    "what you build" cell of the Assignments table."""
    text = (root / "README.md").read_text(encoding="utf-8") if (root / "README.md").exists() else ""
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "The course")
    intro = text.split("\n## ")[0].split("\n", 1)[-1].strip() if text.startswith("# ") else ""
    intro = intro.replace(f"]({GLOSSARY})", "](glossary.html)")  # in the book, the glossary is a page of its own
    builds = dict(re.findall(r"^\| `(\d\d_\w+)` \| (.+?) \|\s*$", text, flags=re.M))
    return title, intro, builds


def intro_paragraph(nb) -> str:
    """The first paragraph after the notebook's title, as one line of markdown."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            paragraphs = [p for p in cell.source.split("\n\n") if p.strip() and not p.startswith("#")]
            return " ".join(paragraphs[0].split()) if paragraphs else ""
    return ""


# The Chinese index's own text (the README is English): the course, how to work the exercises, TensorBoard.
# No line breaks inside Chinese text: a browser shows one as a space.
ZH_INDEX = {
    "title": "PyTorch 中的特征图层：自动评分的课程",
    "intro": ("<p>下采样、汇聚、填充、激活函数和规范化：这些 PyTorch 层移动特征图，改变它的形状。"
              "本课程用 Jupyter 笔记本讲解它们，并在你学习时检查你的代码。"
              "每个笔记本用图和可以手算的小张量讲一个主题，然后请你只用张量的基本运算重新实现这些层；"
              "测试在许多情形下把你的代码和 torch 比较，并准确指出哪里不同。</p>\n"
              "<p>讲解以一组中文教程文章为蓝本。每个笔记本开头有一张表，列出它讲的术语；"
              "全部术语的中英文对照，以及文章和 d2l-zh v2 各自的用语，见<a href=\"glossary.html\">术语表</a>。"
              "文章有错的地方，笔记本会指出，并用代码展示 torch 真正的行为。</p>"),
    "notebooks": "各个笔记本",
    "head": "<th>笔记本</th><th>主题</th>",
    "build": "你要实现：",
    "glossary": ("每个笔记本的术语的中英文对照（文章的用语和 d2l-zh v2 的用语）："
                 "<a href=\"glossary.html\">术语表 · Glossary</a>。"),
    "exercises": ("<h2>练习：这里不含答案</h2>\n"
                  "<p>每一页都是对应的笔记本从头到尾运行的结果，包括每段讲解和每个示例的输出。"
                  "练习按你拿到的样子显示：每个练习单元格以 <code>raise NotImplementedError()</code> 结尾，"
                  "它的测试单元格没有运行，所以讲义里没有答案。要做练习，请在课程仓库的克隆中运行：</p>\n"
                  "<pre>make lab-zh    # 在中文界面的 JupyterLab 中打开 notebooks-zh/（第一次运行时会创建 .venv）\n"
                  ".venv/bin/python -m grader check notebooks-zh   # 每个笔记本中哪些练习通过了可见的测试</pre>\n"
                  "<p>把 <code>raise NotImplementedError()</code> 换成你的代码，然后运行它下面的测试单元格："
                  "没有通过的测试会说明是哪个情形出错，以及你的输出从哪里开始与 torch 的不同。"
                  "完整的答案在 <code>solutions/</code> 中，供你对照。</p>"),
    "tensorboard": ("{last} 把一个小型卷积网络训练三次，每次运行都写在 <code>runs/</code> 下；"
                    "<code>make tensorboard</code> 在 <code>http://127.0.0.1:6006</code> 上显示它们。"),
    "shot": ('<figure><img src="../assets/tensorboard_scalars.png" alt="TensorBoard 的 loss/train 图：笔记本 08 '
             '的三次 CIFAR10 运行"><figcaption>TensorBoard 的 Time Series 标签页，筛选为 <code>loss/train</code>：'
             '笔记本 08 的三次运行（BatchNorm、InstanceNorm、不做规范化）。</figcaption></figure>'),
    "explorers_title": "交互演示",
    "explorers": ("<p>六个笔记本带有交互演示：拖动滑块，就能看到汇聚窗口覆盖哪些格子、填充加在哪里、"
                  "上采样的一个像素读取哪些像素。每个状态都是生成本页时由 torch 算出的，所以这里不需要内核也能用；"
                  "方向键可以移动滑块，每个演示也会用文字说明它显示的内容。</p>\n"
                  '<figure><img src="../assets/explorer_pool_geometry.png" alt="笔记本 02 的汇聚演示：'
                  'kernel、stride、padding、dilation 和 ceil_mode 的滑块，填充后的 4×5 输入上画出的第一个窗口，'
                  '以及输出大小的公式"><figcaption>笔记本 02 的演示：在 4×5 的输入上，kernel 3、stride 2、'
                  "padding 1 得到 2×3 的输出。</figcaption></figure>"),
    "no_shot": ("<p>TensorBoard 的 loss/train 截图还没有：<code>make test-browser</code> 会截取它（<code>{shot}</code>），"
                "然后再运行 <code>make book</code>。</p>"),
}


def code_spans(markdown: str) -> str:
    """The `code` spans of one line of markdown, joined the Chinese way: `a`、`b`."""
    return "、".join(re.findall(r"`[^`]+`", markdown))


def index_page(chapters_: list[Chapter], root: Path, tensorboard_shot: bool, lang: str = "en") -> str:
    """index.html: the course title and introduction, one row per notebook, how to work the exercises,
    and the TensorBoard screenshot (or how to make it)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    title, intro, builds = readme_parts(root)
    rows = []
    for ch in chapters_:
        what = builds.get(ch.name) or intro_paragraph(nbformat.read(ch.source, as_version=4))
        if lang != "en":
            what = code_spans(what) or intro_paragraph(nbformat.read(ch.released(lang), as_version=4))
        label = "You build: " if lang == "en" else ZH_INDEX["build"]
        rows.append(f'<tr><td><a href="{ch.page}">{inline_markdown(ch.short_in(lang))}</a></td>'
                    f"<td>{inline_markdown(ch.topic(lang))}"
                    f"<br><small>{label}{inline_markdown(what)}</small></td></tr>")
    last = chapters_[-1] if chapters_ else None
    last_link = f'<a href="{last.page}">{inline_markdown(last.short_in(lang))}</a>' if last else ""
    if lang == "en":
        body = english_index(title, markdown2html_mistune(intro), rows, tensorboard_shot, last_link)
    else:
        body = chinese_index(rows, tensorboard_shot, last_link)
        title = ZH_INDEX["title"]
    return f"""<!DOCTYPE html>
<html lang="{HTML_LANG[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}: {TEXT[lang]["book"]}</title>
<link rel="stylesheet" href="{UP[lang]}assets/book.css">
</head>
<body class="book-index">
{nav(chapters_, None, lang)}
<main>
{body}
</main>
{nav(chapters_, None, lang)}
</body>
</html>
"""


def english_index(title: str, intro: str, rows: list[str], tensorboard_shot: bool, last_link: str) -> str:
    if tensorboard_shot:
        tensorboard = ('<figure><img src="assets/tensorboard_scalars.png" alt="TensorBoard\'s loss/train chart: the '
                       'three CIFAR10 runs of notebook 08"><figcaption>TensorBoard\'s Time Series tab filtered to '
                       '<code>loss/train</code>: the three runs of notebook 08 (BatchNorm, InstanceNorm, no '
                       'normalization).</figcaption></figure>')
    else:
        tensorboard = (f"<p>The screenshot of TensorBoard's loss/train chart is not there yet: "
                       f"<code>make test-browser</code> takes it (<code>{TENSORBOARD_SHOT}</code>), "
                       "then <code>make book</code> again.</p>")
    return f"""<h1>{html.escape(title)}</h1>
{intro}
<h2>The notebooks</h2>
<table>
<thead><tr><th>notebook</th><th>topic</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p>The terms of every notebook in English and Chinese (the articles' and d2l-zh v2's):
<a href="glossary.html">Glossary · 术语表</a>.</p>
<h2>Exercises: shown here without solutions</h2>
<p>Every page is its notebook run from top to bottom, with the output of every explanation and example.
The exercises appear as you get them: each exercise cell ends in <code>raise NotImplementedError()</code>
and its test cell is not run, so the book holds no solution. To work them, in a clone of the course:</p>
<pre>make lab     # opens JupyterLab on notebooks/ (the first time it builds .venv)
make check   # which exercises pass their visible tests, in every notebook</pre>
<p>Write your code in place of <code>raise NotImplementedError()</code> and run the test cell below it:
a failing test says which case failed and where your output differs from torch's. The full solutions
are in <code>solutions/</code> when you want to compare.</p>
<h2>Explorers</h2>
<p>Six notebooks have explorers: move a slider and see which cells a pooling window covers, where padding
goes, or which pixels an upsampled pixel reads. Every state was computed by torch when the page was built,
so they work here with no kernel; arrow keys move the sliders, and each explorer says what it shows as
text too.</p>
<figure><img src="assets/explorer_pool_geometry.png" alt="The pooling explorer of notebook 02: sliders for
kernel, stride, padding, dilation and ceil_mode, the first window drawn over the padded 4×5 input, and the
output size formula"><figcaption>Notebook 02's explorer: kernel 3, stride 2, padding 1 over a 4×5 input
gives a 2×3 output.</figcaption></figure>
<h2>TensorBoard</h2>
<p>{last_link or 'The last notebook'} trains a small
CNN three times and writes every run under <code>runs/</code>; <code>make tensorboard</code> serves them on
<code>http://127.0.0.1:6006</code>.</p>
{tensorboard}"""


def chinese_index(rows: list[str], tensorboard_shot: bool, last_link: str) -> str:
    t = ZH_INDEX
    shot = t["shot"] if tensorboard_shot else t["no_shot"].format(shot=TENSORBOARD_SHOT)
    return f"""<h1>{html.escape(t["title"])}</h1>
{t["intro"]}
<h2>{t["notebooks"]}</h2>
<table>
<thead><tr>{t["head"]}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p>{t["glossary"]}</p>
{t["exercises"]}
<h2>{t["explorers_title"]}</h2>
{t["explorers"]}
<h2>TensorBoard</h2>
<p>{t["tensorboard"].format(last=last_link or "最后一个笔记本")}</p>
{shot}"""


GLOSSARY = "docs/glossary.md"  # the course's terms in English and Chinese: glossary.html

# The Chinese glossary page's own framing; the table is docs/glossary.md's (it is bilingual).
ZH_GLOSSARY = (
    "<h1>术语表 · Glossary</h1>\n"
    "<p>下表按课程讲授的顺序列出课程中的术语。第一列是英文术语（英式拼写，如 normalisation、neighbour）。"
    "第二列是本课程使用的中文术语：d2l-zh v2 有的，用 d2l-zh v2 的术语（汇聚、步幅、填充、批量规范化）；"
    "d2l-zh v2 给出两个的，用更通行的那个（特征图、准确率）；名称保持原样（CIFAR10）。"
    "d2l-zh v2 没有的，用文章的术语（文章的笔误已改正），否则用中文深度学习文献中的常用说法。"
    "由其他术语构成的术语随之而定（自适应汇聚、实例规范化）。"
    "第三列是五篇中文源文章使用的术语，括号中是文章编号（000–004）；文章 000 以繁体字印刷，这里写成简体。"
    "第四列是 d2l-zh v2（《动手学深度学习》第二版）的术语。破折号（—）表示该来源没有对应的术语。"
    "最后一列是第一次讲授该术语的笔记本（01–08）。</p>\n"
    "<p>英文版笔记本在术语首次出现时给出文章的用语，d2l-zh v2 的用语不同时也一并给出。"
    "中文版（<code>notebooks-zh/</code>）通篇使用第二列的术语；文章的用语不同时，在每个笔记本中首次出现处给出一次，"
    "例如 汇聚层（pooling layer；来源文章称“池化层”）。引用文章时保留文章的原话。"
    "<code>tests/course/test_translation.py</code> 检查这两条规则。</p>\n"
)


def glossary_page(chapters_: list[Chapter], root: Path, lang: str = "en") -> str:
    """glossary.html: docs/glossary.md, every term with its Chinese, the articles' and d2l-zh v2's. The
    Chinese page has its own framing around the same tables."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    text = (root / GLOSSARY).read_text(encoding="utf-8")
    if lang == "en":
        body = markdown2html_mistune(text)
    else:
        tables = "\n\n".join(block for block in text.split("\n\n") if block.lstrip().startswith("|"))
        body = ZH_GLOSSARY + markdown2html_mistune(tables)
    return f"""<!DOCTYPE html>
<html lang="{HTML_LANG[lang]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{TEXT[lang]["glossary"]}: {TEXT[lang]["book"]}</title>
<link rel="stylesheet" href="{UP[lang]}assets/book.css">
</head>
<body class="book-glossary">
{nav(chapters_, None, lang, "glossary.html")}
<main>
{body}
</main>
{nav(chapters_, None, lang, "glossary.html")}
</body>
</html>
"""


def copy_assets(out: Path, root: Path) -> bool:
    """The CSS, MathJax and the TensorBoard screenshot into ``out/assets`` (both editions use them);
    whether the screenshot was there."""
    import jupyter_server_mathjax

    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copy(BOOK_CSS, assets / "book.css")
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, assets / "mathjax", ignore=shutil.ignore_patterns(*MATHJAX_SKIP))
    for picture in (EXPLORER_SHOT, TENSORBOARD_SHOT):
        if (root / picture).exists():
            shutil.copy(root / picture, assets / picture.name)
    return (root / TENSORBOARD_SHOT).exists()


def sources(course: Course) -> list[Path]:
    """What the book is built from: when one is newer than index.html the book is stale."""
    root = course.root
    translated = [p for lang in EDITIONS[1:] for p in root.glob(f"{TRANSLATED.format(lang=lang)}/*/*.ipynb")]
    return [*root.glob("solutions/*/*.ipynb"), *root.glob("notebooks/*/*.ipynb"), *translated, Path(__file__),
            Path(__file__).with_name("bookkernel.py"), *(TEMPLATES / "book").iterdir(), root / "README.md",
            root / TENSORBOARD_SHOT, root / GLOSSARY]


def stale(course: Course, out: Path | None = None) -> bool:
    """Whether ``out/index.html`` (or ``out/zh/index.html``) is missing or older than a notebook or the
    book's own code."""
    out = out or default_out(course)
    indexes = [page_path(out, "index.html", lang) for lang in EDITIONS]
    if not all(p.exists() for p in indexes):
        return True
    built = min(p.stat().st_mtime for p in indexes)
    return any(p.exists() and p.stat().st_mtime > built for p in sources(course))


def whole_key(chapter: Chapter) -> str:
    """What decides whether a notebook's Chinese edition needs a full run: its code in both editions and
    grader/bookkernel.py. The build remembers the key of each that did, and runs it in full beside the
    English run next time, while the key is the same (else its cells fork again)."""
    import hashlib
    digest = hashlib.sha1()
    for path in (Path(__file__).with_name("bookkernel.py"), chapter.source, chapter.released("zh")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_chapter(chapter: Chapter, chapters_: list[Chapter], here: int,
                  whole: bool = False) -> tuple[dict[str, str], Run]:
    """Both editions' pages of one chapter: lang -> HTML."""
    run = execute(chapter, whole=whole)
    return {lang: render(run.notebooks[lang], chapter, chapters_, here, lang) for lang in EDITIONS}, run


def build(course: Course, out: Path | None = None, progress: bool = True, echo=print,
          jobs: int | None = None) -> dict[str, float]:
    """Build the book into ``out`` (default ``docs/book/``, the Chinese edition in ``zh/``), replacing
    what was there.

    Returns seconds per notebook (execution and rendering of both editions). ``jobs`` notebooks are built
    at once (default 2: one kernel runs while the other notebook's pages are rendered). A progress bar
    runs over the notebooks.
    """
    from concurrent.futures import ThreadPoolExecutor

    root = course.root
    out = out or default_out(course)
    started, started_at = time.monotonic(), time.time()
    chapters_ = chapters(course)
    pages: dict[str, dict[str, str]] = {}
    seconds, whole = {}, {}
    bar = tqdm(total=len(chapters_), desc="book", unit="notebook", disable=not progress)
    # The last build: seconds per notebook (the longest start first, so that the two workers end together:
    # notebook 08 trains, a third of the book) and the notebooks whose Chinese edition ran in full, with
    # their whole_key (it starts beside the English run this time, if the key is the same).
    timings = out / TIMINGS
    last = json.loads(timings.read_text(encoding="utf-8")) if timings.is_file() else {}

    def one(i: int) -> None:
        ch = chapters_[i]
        t = time.monotonic()
        learned = last.get("whole", {})
        key = whole_key(ch)
        pages[ch.page], run = build_chapter(ch, chapters_, i, isinstance(learned, dict) and learned.get(ch.name) == key)
        seconds[ch.name] = time.monotonic() - t
        if run.whole:
            whole[ch.name] = key
        size = sum(len(p.encode()) for p in pages[ch.page].values()) / 1e6
        again, total = run.share()
        zh = (f"zh: {len(run.differ)} cells ran again, {again:.1f} s of the {total:.1f} s of cells"
              + (f"; the Chinese notebook ran in full: {run.why}" if run.whole else ""))
        bar.write(f"{ch.name:<24} {seconds[ch.name]:6.1f} s  {size:5.2f} MB  ({zh})")
        bar.update()

    order = sorted(range(len(chapters_)), key=lambda i: -last.get("seconds", {}).get(chapters_[i].name, 0))
    with ThreadPoolExecutor(max_workers=jobs or 2) as pool:
        for future in [pool.submit(one, i) for i in order]:
            future.result()  # the first failure, naming its cell
    bar.close()
    # Everything is computed before the old book is replaced: a failed build leaves the last one.
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    has_shot = copy_assets(out, root)
    (out / TIMINGS).write_text(json.dumps({"seconds": {k: round(v, 1) for k, v in seconds.items()},
                                           "whole": dict(sorted(whole.items()))}, indent=1), encoding="utf-8")
    for lang in EDITIONS:
        page_path(out, "index.html", lang).parent.mkdir(parents=True, exist_ok=True)
        for ch in chapters_:
            page_path(out, ch.page, lang).write_text(pages[ch.page][lang], encoding="utf-8")
        page_path(out, "index.html", lang).write_text(index_page(chapters_, root, has_shot, lang), encoding="utf-8")
        if (root / GLOSSARY).is_file():
            page_path(out, "glossary.html", lang).write_text(glossary_page(chapters_, root, lang), encoding="utf-8")
        # Dated when the build started: a notebook saved while it ran makes the book stale.
        os.utime(page_path(out, "index.html", lang), (started_at, started_at))
    shown = out.relative_to(root) if out.is_relative_to(root) else out
    echo(f"built {shown}/index.html and {shown}/{PREFIX['zh']}index.html, {len(pages)} notebook pages in each, "
         f"in {time.monotonic() - started:.0f} s"
         + ("" if has_shot else f" (no {TENSORBOARD_SHOT} yet: make test-browser takes it)"))
    return seconds


def ensure_built(course: Course) -> Path:
    """``docs/book/``, built first when :func:`stale` (what the tests read)."""
    if stale(course):
        build(course, progress=False)
    return default_out(course)


# An English paragraph on a Chinese page: a block of prose (paragraph, heading, list item, caption, the
# note) outside code, outputs, math and tables that, with its code spans, formulas, addresses and quoted
# text left out, holds a run of at least ENGLISH_RUN Latin words in a row (only spaces and , ; : . ! ?
# between them: an English clause) and fewer CJK characters than Latin words. Tables are left out: the
# course's tables are bilingual term tables (English | 中文). A term or a name in a Chinese sentence is
# a word or two; a formula in words (running_mean = (1 − momentum) · ...) is no run.
ENGLISH_RUN = 5
PROSE = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "aside", "dt", "dd"]
NOT_PROSE = ["code", "pre", "script", "style", "kbd", "samp", "table", ".jp-CodeCell .jp-InputArea", ".jp-OutputArea",
             ".MathJax", ".MathJax_Display", ".MathJax_Preview", "mjx-container", ".MJX_Assistive_MathML"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"(?<![\w'’-])[A-Za-z](?:[A-Za-z'’-]*[A-Za-z])?(?![\w'’-])")
ENGLISH_CLAUSE = re.compile(r"(?<![\w'’-])[A-Za-z][A-Za-z'’-]*(?:[ ,;:.!?]+[A-Za-z][A-Za-z'’-]*){"
                            + str(ENGLISH_RUN - 1) + r",}(?![\w'’-])")
LEFT_OUT = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\\(.+?\\\)|\\\[.+?\\\]"  # formulas
                      r"|\S+://\S+|\S+\.(?:ipynb|py|md|html|po)\b"  # addresses, file names
                      r"|“[^”]*”|‘[^’]*’|「[^」]*」|\"[^\"]*\"", re.S)  # quoted text


def english_paragraphs(page_html: str) -> list[str]:
    """The English paragraphs of a page (see ENGLISH_RUN), as their text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    for el in soup.select(", ".join(NOT_PROSE)):
        el.decompose()
    found = []
    for el in soup.find_all(PROSE):
        text = " ".join(el.get_text(" ").split())
        rest = LEFT_OUT.sub(" | ", text)
        if ENGLISH_CLAUSE.search(rest) and len(CJK.findall(rest)) < len(LATIN_WORD.findall(rest)):
            found.append(text)
    return found
