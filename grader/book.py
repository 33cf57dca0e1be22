"""``make book``: the course as a static site in ``docs/book/``, readable offline from ``file://``.

Every assignment's *solutions* notebook is executed from the top in a scratch copy of its folder
(so the teaching cells that call an exercise's function have one), then every nbgrader cell
(exercise, test, written answer) and the progress cell is put back as the learner gets it: the
release's source (``notebooks/``, same cell id), no output, no execution count. The pages hold no
solution and no hidden test. nbconvert's lab template renders them (``grader/templates/book``:
no CDN, the book's navigation and CJK fonts), MathJax 2 comes from the ``jupyter-server-mathjax``
package, and ``index.html`` lists the notebooks with what each builds.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from .pipeline import ROOT, CourseError, pick

TEMPLATES = Path(__file__).resolve().parent / "templates"
BOOK_CSS = TEMPLATES / "book" / "book.css"
TENSORBOARD_SHOT = Path("docs") / "screenshots" / "tensorboard_scalars.png"
SKIP_TAG = "skip-execution"  # nbclient runs no cell with this tag
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# MathJax 2 as jupyter-server-mathjax ships it, less what these pages never load (the SVG output,
# the accessibility extensions, other languages' messages).
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
MATHJAX_SKIP = ("SVG", "a11y", "localization")


@dataclass
class Chapter:
    """One assignment: its solutions notebook, its release, its page."""
    name: str          # "04_global_pooling"
    source: Path       # solutions/<name>/<nb>.ipynb
    release: Path      # notebooks/<name>/<nb>.ipynb
    title: str         # the notebook's first heading, markdown: "04 · Adaptive and global pooling: ..."

    @property
    def page(self) -> str:
        return f"{self.name}.html"

    @property
    def short(self) -> str:
        """The title up to its colon, for the navigation: "04 · Adaptive and global pooling"."""
        return self.title.split(":")[0].strip()


def default_out(root: Path = ROOT) -> Path:
    return root / "docs" / "book"


def first_heading(nb) -> str:
    """The text of the notebook's first markdown heading (any level), markdown kept."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def chapters(root: Path = ROOT) -> list[Chapter]:
    """Every assignment, in order; CourseError when its release is missing."""
    found = []
    for name in pick([], root):
        (source,) = sorted((root / "solutions" / name).glob("*.ipynb"))
        release = root / "notebooks" / name / source.name
        if not release.exists():
            raise CourseError(f"{release} is missing: run `make release` to generate notebooks/ from solutions/")
        found.append(Chapter(name, source, release, first_heading(nbformat.read(source, as_version=4)) or name))
    return found


def shown_as_released(cell) -> bool:
    """Whether the book shows this cell as the learner gets it: an nbgrader cell (exercise, test,
    written answer, task) or the progress cell."""
    nbg = cell.metadata.get("nbgrader", {})
    return bool(nbg.get("solution") or nbg.get("grade") or nbg.get("task")) or cell.get("id") == "progress"


def execute(chapter: Chapter, timeout: int = 600) -> nbformat.NotebookNode:
    """The solutions notebook run top to bottom in a scratch copy of its folder (the kernel's cwd), with
    every :func:`shown_as_released` cell then replaced by the release's cell, unexecuted.

    Solution cells run (later teaching cells call their functions); test cells and the progress cell do
    not (their output is not shown). CourseError naming the cell when a teaching cell fails.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(chapter.source, as_version=4)
    release = {c.get("id"): c for c in nbformat.read(chapter.release, as_version=4).cells}
    added_tag = []
    for cell in nb.cells:
        if cell.cell_type == "code" and shown_as_released(cell) and not cell.metadata.get("nbgrader", {}).get("solution"):
            tags = cell.metadata.setdefault("tags", [])
            if SKIP_TAG not in tags:
                tags.append(SKIP_TAG)
                added_tag.append(cell)
    running = {}
    with tempfile.TemporaryDirectory(prefix="book-") as scratch:
        folder = Path(scratch) / chapter.name
        shutil.copytree(chapter.source.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "runs"))
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", skip_cells_with_tag=SKIP_TAG,
                                resources={"metadata": {"path": str(folder)}},
                                on_cell_start=lambda cell, **_: running.update(cell=cell))
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up warnings are noise here
        except CellExecutionError as e:
            cell_id = running.get("cell", {}).get("id", "?")
            tail = "\n".join(str(e).strip().splitlines()[-12:])
            raise CourseError(f"{chapter.source}: cell {cell_id!r} failed while building the book "
                              f"(the teaching cells must run on the solutions):\n{tail}") from None
    for cell in added_tag:
        cell.metadata.tags.remove(SKIP_TAG)
        if not cell.metadata.tags:
            cell.metadata.pop("tags")
    for cell in nb.cells:
        if shown_as_released(cell):
            public = release.get(cell.get("id"))
            if public is None:
                raise CourseError(f"{chapter.release} has no cell {cell.get('id')!r}, which "
                                  f"{chapter.source} has: run `make release` to regenerate notebooks/")
            cell.source = public.source
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "code":
            cell.outputs = without_widgets(cell.outputs)
    nb.metadata.pop("widgets", None)
    return nb


def without_widgets(outputs: list) -> list:
    """``outputs`` less widget views (tqdm's bars: a static page has no widget manager, and their
    text form is the bar at 0%)."""
    return [out for out in outputs if WIDGET_VIEW not in out.get("data", {})]


def inline_markdown(text: str) -> str:
    """HTML for one line of markdown with only `code` spans (titles, the README's table)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


def nav(chapters_: list[Chapter], here: int | None) -> str:
    """The bar at the top and bottom of every page: the index, the previous and the next notebook.
    ``here`` is the chapter's position, None on the index."""
    def link(i: int, label: str, rel: str) -> str:
        if 0 <= i < len(chapters_):
            ch = chapters_[i]
            return f'<a class="book-{rel}" rel="{rel}" href="{ch.page}">{label.format(inline_markdown(ch.short))}</a>'
        return ""
    at = -1 if here is None else here
    return (f'<nav class="book-nav"><a class="book-home" href="index.html">Course book: index</a>'
            f'{link(at - 1, "← {}", "prev")}{link(at + 1, "{} →", "next")}</nav>')


def note(chapter: Chapter) -> str:
    """The box at the top of a notebook's page: what is run here and what is not."""
    rel = f"{chapter.name}/{chapter.release.name}"
    return (f"This is <code>notebooks/{rel}</code> run from top to bottom: the explanations, figures and "
            "examples with their output. The exercises are shown as you get them: each exercise cell "
            "ends in <code>raise NotImplementedError()</code> and its test cell is not run, so there are "
            f"no solutions here. To do them, run <code>make lab</code> and open <code>{rel}</code>; "
            "<code>make check</code> shows where you stand.")


def render(nb, chapter: Chapter, chapters_: list[Chapter], here: int) -> str:
    """The page of one executed notebook."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="book", extra_template_basedirs=[str(TEMPLATES)],
                            mathjax_url=f"assets/mathjax/MathJax.js?config={MATHJAX_CONFIG}")
    nb.metadata["title"] = re.sub(r"`([^`]+)`", r"\1", chapter.title)
    resources = {"book": {"css": "assets/book.css", "nav": nav(chapters_, here), "note": note(chapter)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


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


def index_page(chapters_: list[Chapter], root: Path, tensorboard_shot: bool) -> str:
    """index.html: the course title and introduction, one row per notebook, how to work the exercises,
    and the TensorBoard screenshot (or how to make it)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    title, intro, builds = readme_parts(root)
    rows = []
    for ch in chapters_:
        what = builds.get(ch.name) or intro_paragraph(nbformat.read(ch.source, as_version=4))
        rows.append(f'<tr><td><a href="{ch.page}">{inline_markdown(ch.short)}</a></td>'
                    f"<td>{inline_markdown(ch.title.partition(':')[2].strip() or ch.title)}"
                    f"<br><small>You build: {inline_markdown(what)}</small></td></tr>")
    if tensorboard_shot:
        tensorboard = ('<figure><img src="assets/tensorboard_scalars.png" alt="TensorBoard\'s loss/train chart: the '
                       'three CIFAR10 runs of notebook 08"><figcaption>TensorBoard\'s Time Series tab filtered to '
                       '<code>loss/train</code>: the three runs of notebook 08 (BatchNorm, InstanceNorm, no '
                       'normalization).</figcaption></figure>')
    else:
        tensorboard = (f"<p>The screenshot of TensorBoard's loss/train chart is not there yet: "
                       f"<code>make test-browser</code> takes it (<code>{TENSORBOARD_SHOT}</code>), "
                       "then <code>make book</code> again.</p>")
    last = chapters_[-1] if chapters_ else None
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(title)}: course book</title>
<link rel="stylesheet" href="assets/book.css">
</head>
<body class="book-index">
{nav(chapters_, None)}
<main>
<h1>{html.escape(title)}</h1>
{markdown2html_mistune(intro)}
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
<h2>TensorBoard</h2>
<p>{f'<a href="{last.page}">{inline_markdown(last.short)}</a>' if last else 'The last notebook'} trains a small
CNN three times and writes every run under <code>runs/</code>; <code>make tensorboard</code> serves them on
<code>http://127.0.0.1:6006</code>.</p>
{tensorboard}
</main>
{nav(chapters_, None)}
</body>
</html>
"""


GLOSSARY = "docs/glossary.md"  # the course's terms in English and Chinese: glossary.html


def glossary_page(chapters_: list[Chapter], root: Path) -> str:
    """glossary.html: docs/glossary.md, every term with its Chinese, the articles' and d2l-zh v2's."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Glossary · 术语表: course book</title>
<link rel="stylesheet" href="assets/book.css">
</head>
<body class="book-glossary">
{nav(chapters_, None)}
<main>
{markdown2html_mistune((root / GLOSSARY).read_text(encoding="utf-8"))}
</main>
{nav(chapters_, None)}
</body>
</html>
"""


def copy_assets(out: Path, root: Path) -> bool:
    """The CSS, MathJax and the TensorBoard screenshot into ``out/assets``; whether the screenshot was there."""
    import jupyter_server_mathjax

    assets = out / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    shutil.copy(BOOK_CSS, assets / "book.css")
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, assets / "mathjax", ignore=shutil.ignore_patterns(*MATHJAX_SKIP))
    shot = root / TENSORBOARD_SHOT
    if shot.exists():
        shutil.copy(shot, assets / shot.name)
    return shot.exists()


def sources(root: Path = ROOT) -> list[Path]:
    """What the book is built from: when one is newer than index.html the book is stale."""
    return [*root.glob("solutions/*/*.ipynb"), *root.glob("notebooks/*/*.ipynb"), Path(__file__),
            *(TEMPLATES / "book").iterdir(), root / "README.md", root / TENSORBOARD_SHOT, root / GLOSSARY]


def stale(root: Path = ROOT, out: Path | None = None) -> bool:
    """Whether ``out/index.html`` is missing or older than a notebook or the book's own code."""
    index = (out or default_out(root)) / "index.html"
    if not index.exists():
        return True
    built = index.stat().st_mtime
    return any(p.exists() and p.stat().st_mtime > built for p in sources(root))


def build(root: Path = ROOT, out: Path | None = None, progress: bool = True, echo=print) -> dict[str, float]:
    """Build the book into ``out`` (default ``docs/book/``), replacing what was there.

    Returns seconds per notebook (execution and rendering). A progress bar runs over the notebooks.
    """
    out = out or default_out(root)
    started, started_at = time.monotonic(), time.time()
    chapters_ = chapters(root)
    pages, seconds = {}, {}
    bar = tqdm(chapters_, desc="book", unit="notebook", disable=not progress)
    for i, ch in enumerate(bar):
        bar.set_postfix_str(ch.name)
        t = time.monotonic()
        pages[ch.page] = render(execute(ch), ch, chapters_, i)
        seconds[ch.name] = time.monotonic() - t
        bar.write(f"{ch.name:<24} {seconds[ch.name]:6.1f} s  {len(pages[ch.page].encode()) / 1e6:5.2f} MB")
    bar.close()
    # Everything is computed before the old book is replaced: a failed build leaves the last one.
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    has_shot = copy_assets(out, root)
    for page, text in pages.items():
        (out / page).write_text(text, encoding="utf-8")
    (out / "index.html").write_text(index_page(chapters_, root, has_shot), encoding="utf-8")
    if (root / GLOSSARY).is_file():
        (out / "glossary.html").write_text(glossary_page(chapters_, root), encoding="utf-8")
    # Dated when the build started: a notebook saved while it ran makes the book stale.
    os.utime(out / "index.html", (started_at, started_at))
    shown = out.relative_to(root) if out.is_relative_to(root) else out
    echo(f"built {shown}/index.html and {len(pages)} notebook pages in {time.monotonic() - started:.0f} s"
         + ("" if has_shot else f" (no {TENSORBOARD_SHOT} yet: make test-browser takes it)"))
    return seconds


def ensure_built(root: Path = ROOT) -> Path:
    """``docs/book/``, built first when :func:`stale` (what the tests read)."""
    if stale(root):
        build(root, progress=False)
    return default_out(root)
