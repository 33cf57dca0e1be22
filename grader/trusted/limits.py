"""What a student's notebook may leave in the stored autograded notebook, which formgrader and the feedback
pages show: nbgrader preprocessors of the course's Autograde step (grader/nbgrader_config.py).

- :class:`CapOutputs`: a cell that prints 40 MB stores a few kB (nbgrader's LimitOutput counts lines only).
- :class:`SanitizeOutputs`: nothing a student wrote or displayed runs as script in the grader's browser
  (formgrader runs with the instructor's Jupyter token, so a script there could do anything they can).
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import bleach
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from ..runtime.wire import cap

# -- sizes ------------------------------------------------------------------------------------------------


class CapOutputs(NbGraderPreprocessor):
    """Caps every text of a code cell's outputs (a stream, an error's message and traceback, a ``text/*``
    representation) at ``max_chars``, and drops the outputs past ``max_cell_chars`` in a cell or
    ``max_notebook_chars`` in the notebook (pictures included), with a note. An error or a result is never
    dropped: nbgrader reads the score from them."""

    max_chars = Integer(10_000, help="characters of one text of an output").tag(config=True)
    max_cell_chars = Integer(4_000_000, help="characters of one cell's outputs in all").tag(config=True)
    max_notebook_chars = Integer(20_000_000, help="characters of the notebook's outputs in all").tag(config=True)

    def preprocess(self, nb, resources):
        self._left = self.max_notebook_chars
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        kept, left, dropped = [], min(self.max_cell_chars, self._left), 0
        for out in cell.outputs:
            self.cap_texts(out)
            size = len(json.dumps(out))
            if size > left and out.output_type not in ("error", "execute_result"):
                dropped += 1
                continue
            left -= size
            self._left -= size
            kept.append(out)
        if dropped:
            kept.append(new_output("stream", name="stderr", text=f"… ({dropped} more outputs cut: a cell keeps at most "
                                   f"{self.max_cell_chars} characters of output, a notebook {self.max_notebook_chars})\n"))
        cell.outputs = kept
        return cell, resources

    def cap_texts(self, out) -> None:
        if out.output_type == "stream":
            out.text = cap(out.text, self.max_chars)
        elif out.output_type == "error":
            out.ename, out.evalue = cap(out.ename, 200), cap(out.evalue, self.max_chars)
            out.traceback = cap("\n".join(out.traceback), self.max_chars).split("\n")
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/") and isinstance(value, str):
                out.data[mime] = cap(value, self.max_chars)


# -- script -----------------------------------------------------------------------------------------------

TAGS = {"a", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "img", "input", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
        "table", "tbody", "td", "th", "thead", "tr", "u", "ul"}
SAFE_DATA = {"text/plain", "text/latex", "image/png", "image/jpeg", "image/gif", "application/json"}
MATHJAX_LINKS = re.compile(r"\\(href|url|class|cssId|style|unicode|html)\b")  # TeX that MathJax turns into HTML


def allowed_attribute(tag: str, name: str, value: str) -> bool:
    """The allow-list of attributes: no event handlers, no style but table alignment, links only to web
    pages, mail or this page, pictures only inline (what nbconvert's Markdown makes of attachments)."""
    url = re.sub(r"[\x00-\x20]", "", value or "").lower()  # browsers ignore these inside a scheme
    if name in ("class", "title", "alt", "colspan", "rowspan", "align") or (name == "id" and tag[:1] == "h"):
        return True
    if name == "href" and tag == "a":
        return ":" not in url.split("/")[0].split("?")[0].split("#")[0] or url.startswith(("http:", "https:", "mailto:"))
    if name == "src" and tag == "img":
        return url.startswith(("data:image/", "attachment:"))  # an <img> never runs script, SVG included
    if name == "style":
        return re.fullmatch(r"text-align:\s*(left|right|center);?", (value or "").strip()) is not None
    return tag == "input" and (name, url) in {("type", "checkbox"), ("disabled", ""), ("checked", "")}  # task lists


def clean_html(html: str) -> str:
    """``html`` with only the allow-listed tags and attributes left (the text of a script or style goes too)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", html)
    return bleach.clean(html, tags=TAGS, attributes=allowed_attribute, protocols={"http", "https", "mailto", "data"},
                        strip=True, strip_comments=True)


class _Unsafe(HTMLParser):
    """Whether HTML has anything outside the allow-list; a comment or declaration counts, since browsers and
    this parser may not agree where one ends."""

    def __init__(self, html: str):
        super().__init__()
        self.found = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found |= tag not in TAGS or not all(allowed_attribute(tag, k, v) for k, v in attrs)

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.found = True

    handle_decl = handle_pi = unknown_decl = handle_comment


def unsafe_markdown(source: str, attachments: dict | None = None) -> bool:
    """Whether Markdown, rendered as formgrader and the feedback pages render it (nbconvert, raw HTML and
    every link kept), has anything outside the allow-list, or TeX that MathJax turns into links or HTML."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    try:
        html = MarkdownWithMath(renderer=IPythonRenderer(escape=False, attachments=attachments or {})).render(source)
    except Exception:  # Markdown that nbconvert cannot render is not shown as it stands
        return True
    return _Unsafe(html).found or bool(MATHJAX_LINKS.search(source))


def as_text(source: str) -> str:
    """Markdown that shows ``source`` as written, in a code block, with a note why."""
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", source)), default=0))
    return (f"*(This cell's HTML, links or TeX could run code in the grader's browser; it is shown as written.)*\n\n"
            f"{fence}\n{source}\n{fence}\n")


class SanitizeOutputs(NbGraderPreprocessor):
    """Nothing runs as script in the grader's browser: of every output's data only plain text, LaTeX, PNG, JPEG,
    GIF and JSON stay as they are; HTML is cleaned to an allow-list of tags and attributes, Markdown whose
    rendering would leave it is dropped, anything else (JavaScript, widgets, SVG, ...) is dropped. A Markdown
    cell that would leave the allow-list is shown as text, a raw cell (nbconvert puts it in the page as HTML)
    is cleaned. Cells of the course's own pass unchanged (tests/trusted/test_hardening.py)."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)  # widget state: the page would hand it to a widget manager
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and unsafe_markdown(cell.source, cell.get("attachments")):
            cell.source = as_text(cell.source)
        elif cell.cell_type == "raw":
            cell.source = clean_html(cell.source)
        elif cell.cell_type == "code":
            for out in cell.outputs:
                if "data" in out:
                    self.sanitize(out.data)
        return cell, resources

    @staticmethod
    def sanitize(data) -> None:
        dropped = [m for m in data if m not in SAFE_DATA | {"text/html", "text/markdown"}
                   or m == "text/markdown" and unsafe_markdown(data[m])
                   or m == "text/latex" and MATHJAX_LINKS.search(str(data[m]))]
        for mime in dropped:
            del data[mime]
        if "text/html" in data:
            data["text/html"] = clean_html(data["text/html"])
        if dropped and not data:
            data["text/plain"] = f"[{', '.join(dropped)} output removed: it could run code in the grader's browser]"
