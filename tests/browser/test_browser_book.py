"""The course book (``make book``) in Chromium, from ``file://`` as a reader opens it: ``make test-browser``.

The book is built first when ``docs/book/index.html`` is missing or older than the notebooks
(``grader.book.ensure_built``, what ``make book`` runs). Chromium then opens the index and three
notebook pages and checks what a reader would notice: every figure decoded, Chinese terms drawn with
a CJK font (the platform fonts Chromium used, asked through the DevTools protocol), math typeset by
the book's own MathJax, the exercise cells as released with their test cells unexecuted, and no
console error or request that failed or left the book. It saves ``docs/screenshots/book_page.png``.

The 简体中文 edition (``docs/book/zh/``): three pages (a notebook with figures, the notebook with display
math, the glossary) with their figures decoded, math typeset, Chinese drawn with a CJK font, the glossary's
table shown, no English paragraph (``grader.book.english_paragraphs`` on the page as Chromium has it), and
the language switch going to the same page in English and back. It saves ``docs/screenshots/book_page_zh.png``.
"""
from __future__ import annotations

import re

import pytest

from browser import ROOT, browser_or_skip, chromium_page, shot
from course import notebook
from grader import book
from grader.course import Course

# Page -> a Chinese term it shows. 04 is the page with display math.
PAGES = {"index.html": "池化", "01_sampling.html": "池化", "04_global_pooling.html": "步幅",
         "07_normalization.html": "归一化"}
MATH_PAGE = "04_global_pooling.html"
CJK_FONT = re.compile(r"WenQuanYi|CJK|Source Han|Droid Sans Fallback|PingFang|Hiragino|YaHei|SimSun|SimHei|AR PL", re.I)

pytestmark = pytest.mark.timeout(600)

# Figures decoded, the Chinese term wrapped in its own span (for its fonts) and measured, math typeset.
PAGE_STATE = """async (term) => {
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.Hub) await new Promise(done => MathJax.Hub.Queue(done));
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  let probe = null;
  for (let node; !probe && (node = walker.nextNode());) {
    const at = node.data.indexOf(term);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + term.length);
    probe = document.createElement('span');
    probe.setAttribute('data-cjk-probe', '');
    range.surroundContents(probe);
  }
  const box = probe && probe.getBoundingClientRect();
  const math = [...document.querySelectorAll('.MathJax, .MathJax_Display')];
  return {
    images: [...document.images].map(img => ({src: img.src.slice(0, 60), complete: img.complete, width: img.naturalWidth})),
    cjk: probe && {width: box.width, height: box.height, fontSize: parseFloat(getComputedStyle(probe).fontSize)},
    math: math.length, mathWidth: math.reduce((w, m) => w + m.getBoundingClientRect().width, 0),
    mathErrors: document.querySelectorAll('.merror, .MathJax_Error, .noError').length,
    rawDollars: document.querySelector('main').innerText.includes('$$'),
  };
}"""


def cells(assignment: str) -> tuple[list[str], list[str]]:
    """Ids of the release's exercise (solution) cells, and of its test cells and the progress cell."""
    exercises, unrun = [], []
    for cell in notebook(assignment, "notebooks").cells:
        nbg = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and nbg.get("solution"):
            exercises.append(cell.id)
        elif cell.cell_type == "code" and (nbg.get("grade") or cell.id == "progress"):
            unrun.append(cell.id)
    return exercises, unrun


@pytest.fixture(scope="module")
def out():
    browser_or_skip()
    return book.ensure_built(Course(ROOT))


def platform_fonts(page, cdp) -> list[dict]:
    """The fonts Chromium drew the ``[data-cjk-probe]`` span's text with: family and glyph count."""
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-cjk-probe]"})["nodeId"]
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def watch(page, problems: list[str]) -> None:
    """Note in ``problems`` every console error, page error, failed request and request that leaves the book."""
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("request", lambda r: r.url.startswith(("file://", "data:"))
            or problems.append(f"request outside the book: {r.url}"))


def test_book_pages_render_figures_chinese_and_math_offline(out):
    problems = []
    with chromium_page() as page:
        watch(page, problems)
        cdp = page.context.new_cdp_session(page)
        for name, term in PAGES.items():
            page.goto((out / name).as_uri(), wait_until="load")
            if name == MATH_PAGE:  # the screenshot: a heading, display math, a Chinese term
                page.evaluate("async () => { if (window.MathJax) await new Promise(d => MathJax.Hub.Queue(d)); }")
                page.evaluate("document.getElementById('cell-id=adaptive-intro').scrollIntoView(); scrollBy(0, -16)")
                shot(page, "book_page")
            state = page.evaluate(PAGE_STATE, term)

            broken = [img for img in state["images"] if not (img["complete"] and img["width"] > 0)]
            assert not broken, f"{name}: images that did not load: {broken}"
            if name != "index.html":
                assert state["images"], f"{name} shows no figure"

            assert state["cjk"], f"{name}: the Chinese term {term} is not on the page"
            assert state["cjk"]["width"] >= 0.8 * len(term) * state["cjk"]["fontSize"], (
                f"{name}: {term} is not laid out as {len(term)} full-width characters: {state['cjk']}")
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            fonts = platform_fonts(page, cdp)
            print(f"\n{name}: {len(state['images'])} images, {state['math']} math elements, {term} "
                  f"{state['cjk']['width']:.0f} px wide in {', '.join(f['familyName'] for f in fonts)}")
            assert any(CJK_FONT.search(f["familyName"]) and f["glyphCount"] >= len(term) for f in fonts), (
                f"{name}: {term} is drawn with {fonts}, no CJK font: install fonts-wqy-microhei (make browser)")

            if name == MATH_PAGE:
                assert state["math"] > 0 and state["mathWidth"] > 0, f"{name}: MathJax typeset nothing"
                assert not state["rawDollars"], f"{name}: raw $$ left in the text: MathJax did not run"
                assert not state["mathErrors"], f"{name}: {state['mathErrors']} math errors"

            if name != "index.html":
                exercises, unrun = cells(name.removesuffix(".html"))
                assert exercises and unrun
                for cell_id in exercises:
                    text = page.locator(f"#cell-id\\={cell_id}").inner_text()
                    assert "raise NotImplementedError" in text, f"{name}: exercise cell {cell_id} is not the stub"
                for cell_id in unrun:
                    outputs = page.locator(f"#cell-id\\={cell_id} .jp-OutputArea-output")
                    assert outputs.count() == 0, f"{name}: {cell_id} shows output: {outputs.first.inner_text()[:200]}"
    assert not problems, "\n".join(problems)


# Chinese page -> a term it shows. The glossary page shows its table; 04 has display math.
ZH_PAGES = {"zh/01_sampling.html": "特征图", "zh/04_global_pooling.html": "特征图", "zh/glossary.html": "感受野"}

GLOSSARY_STATE = """() => {
  const rows = [...document.querySelectorAll('main table tbody tr')];
  return {rows: rows.length, shown: rows.filter(r => r.getBoundingClientRect().height > 0).length,
          lang: document.documentElement.lang};
}"""


def test_chinese_pages_render_figures_math_and_the_glossary_and_switch_language(out):
    problems = []
    glossary_rows = len(re.findall(r"^\| (?!English|---)", (ROOT / "docs" / "glossary.md").read_text(), re.M))
    with chromium_page() as page:
        watch(page, problems)
        cdp = page.context.new_cdp_session(page)
        for name, term in ZH_PAGES.items():
            page.goto((out / name).as_uri(), wait_until="load")
            state = page.evaluate(PAGE_STATE, term)
            broken = [img for img in state["images"] if not (img["complete"] and img["width"] > 0)]
            assert not broken, f"{name}: images that did not load: {broken}"
            assert state["cjk"], f"{name}: {term} is not on the page"
            cdp.send("DOM.enable")
            cdp.send("CSS.enable")
            fonts = platform_fonts(page, cdp)
            assert any(CJK_FONT.search(f["familyName"]) and f["glyphCount"] >= len(term) for f in fonts), (
                f"{name}: {term} is drawn with {fonts}, no CJK font: install fonts-wqy-microhei (make fonts)")
            glossary = page.evaluate(GLOSSARY_STATE)
            assert glossary["lang"] == "zh-CN", f"{name}: lang={glossary['lang']!r}"
            print(f"\n{name}: {len(state['images'])} images, {state['math']} math elements, "
                  f"{glossary['shown']} table rows, {term} in {', '.join(f['familyName'] for f in fonts)}")
            if name.endswith("glossary.html"):
                assert glossary["rows"] == glossary["shown"] == glossary_rows, f"{name}: {glossary}"
            else:
                assert state["images"], f"{name} shows no figure"
            if name.endswith(MATH_PAGE):
                assert state["math"] > 0 and state["mathWidth"] > 0, f"{name}: MathJax typeset nothing"
                assert not state["rawDollars"] and not state["mathErrors"], f"{name}: math not typeset: {state}"
                page.evaluate("document.getElementById('cell-id=adaptive-intro').scrollIntoView(); scrollBy(0, -16)")
                shot(page, "book_page_zh")
            left = book.english_paragraphs(page.content())
            assert not left, f"{name}: English paragraphs: {left[:3]}"

            # The switch: the same page in English, and back.
            page.click("nav.book-nav >> nth=0 >> a.book-lang")
            page.wait_for_load_state("load")
            assert page.url == (out / name.removeprefix("zh/")).as_uri(), f"{name} switched to {page.url}"
            assert page.evaluate("document.documentElement.lang") == "en"
            page.click("nav.book-nav >> nth=0 >> a.book-lang")
            page.wait_for_load_state("load")
            assert page.url == (out / name).as_uri(), f"{name}: the English page switched back to {page.url}"
    assert not problems, "\n".join(problems)
