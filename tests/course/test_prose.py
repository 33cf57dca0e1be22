"""Plain English for readers whose first language is Chinese: no idioms in the notebooks.

Many learners come from the Chinese articles and read English as a second language. A careful read
found idioms that a dictionary does not explain ("every knob of the pooling layers", "a window that
would hang over the edge"). This test keeps them out of every cell of ``solutions/`` (the release in
``notebooks/`` is generated from it), markdown and code comments alike, and says what to write instead.
"""
from __future__ import annotations

import re

import pytest

from course import ROOT, assignments, notebook

# idiom (a regex, matched without case across line breaks) -> what to write instead
IDIOMS = {
    r"knobs?": "argument, setting",
    r"hang(s|ing)? over": "reach past, extend beyond",
    r"smear(s|ed|ing)?": "spread, blur, stretch",
    r"at a price": "but it costs ..., it has a cost",
    r"buys?": "gives, makes possible",
    r"settles?": "becomes steady, stops changing",
}


def idioms_in(text: str) -> list[tuple[str, str]]:
    """(what was found, what to write instead) for every idiom in ``text``."""
    found = []
    for pattern, instead in IDIOMS.items():
        words = pattern.split(" ")
        for m in re.finditer(r"\b" + r"\s+".join(words) + r"\b", text, re.I):
            found.append((" ".join(m.group(0).split()), instead))
    return found


def test_the_checker_finds_an_idiom_across_a_line_break():
    assert idioms_in("A window that would hang\nover the edge; every knob.") == [
        ("knob", "argument, setting"), ("hang over", "reach past, extend beyond")]
    assert idioms_in("The knobby hangar settlement") == []


@pytest.mark.parametrize("assignment", assignments())
def test_no_idioms_in_the_notebook(assignment):
    problems = [f"{c.get('id')}: {found!r} (write: {instead})"
                for c in notebook(assignment).cells for found, instead in idioms_in(c.source)]
    assert not problems, f"{assignment}: idioms a reader of English as a second language may not know:\n" + "\n".join(problems)


# -- sentence length ----------------------------------------------------------------------------------------------

LONGEST = 30  # words in one sentence of prose; aim for 20 or fewer (docs/style: plain English)


def prose(markdown: str) -> str:
    """The running text of a markdown cell: no code blocks, tables, math, images or HTML; inline code and math
    become one word each, a link its text; every list item and heading ends a sentence."""
    text = re.sub(r"```.*?```", "\n\n", markdown, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", "\n\n", text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"`[^`]*`", "CODE", text)
    text = re.sub(r"\$[^$]+\$", "MATH", text)
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            line = ""
        if re.match(r"\s*([-*+]|\d+\.|#+)\s", line):
            lines.append("")
        lines.append(line)
        if line.startswith("#"):
            lines.append("")
    return "\n".join(lines)


def sentences(markdown: str) -> list[str]:
    """The sentences of a markdown cell's prose, each on one line."""
    out = []
    for block in re.split(r"\n\s*\n", prose(markdown)):
        block = " ".join(block.split())
        block = re.sub(r"^([-*+]|\d+\.|#+)\s+", "", block)
        out += [s for s in re.split(r"(?<=[.!?。])[)\"'*]*\s+(?=[\"'(*]*[A-Z0-9])", block) if s.strip()]
    return out


def words(sentence: str) -> int:
    return sum(1 for w in sentence.split() if re.search(r"\w", w))


def long_sentences(assignment: str, longest: int = LONGEST) -> list[tuple[str, int, str]]:
    """(cell id, words, sentence) for every sentence of the notebook's markdown over ``longest`` words."""
    return [(c.get("id"), words(s), s) for c in notebook(assignment).cells if c.cell_type == "markdown"
            for s in sentences(c.source) if words(s) > longest]


def test_sentences_are_split_at_full_stops_list_items_and_headings():
    text = "## A heading\nOne short sentence. Another one with `F.max_pool2d(x, 2)` inside, e.g. this.\n- a bullet\n- two"
    assert sentences(text) == ["A heading", "One short sentence.", "Another one with CODE inside, e.g. this.",
                               "a bullet", "two"]
    assert [words(s) for s in sentences(text)] == [2, 3, 7, 2, 1]
    assert sentences("| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```python\nx = 1. Y\n```") == []


@pytest.mark.parametrize("assignment", assignments())
def test_sentences_are_short(assignment):
    long = long_sentences(assignment)
    assert not long, (f"{assignment}: sentences over {LONGEST} words; split them (about 20 words reads best for "
                      f"a reader of English as a second language):\n"
                      + "\n".join(f"{cell} ({n} words): {s}" for cell, n, s in long))


# -- one spelling: British ----------------------------------------------------------------------------------------

AMERICAN = (r"\b(normaliz|regulariz|optimiz|summariz|initializ|generaliz|recogniz|visualiz|minimiz|maximiz|"
            r"behavior|neighbor|color|gray\b|center\b|centered|modeling|labeled)\w*")


def american(markdown: str) -> list[str]:
    """American spellings in a markdown cell's prose. Code, quotations ("...") and capitalised words (titles and
    names as published: "Batch Normalization", torch's "Normalization Layers") are left alone."""
    text = re.sub(r'"[^"]*"|“[^”]*”', " ", prose(markdown))
    return [m.group(0) for m in re.finditer(AMERICAN, text)]


def test_the_spelling_check_skips_code_quotes_and_titles():
    assert american("We normalize the colors. `F.normalize(x)`, \"normalized\", Batch Normalization.") == [
        "normalize", "colors"]


@pytest.mark.parametrize("assignment", assignments())
def test_one_spelling_british(assignment):
    found = [(c.get("id"), w) for c in notebook(assignment).cells if c.cell_type == "markdown" for w in american(c.source)]
    assert not found, f"{assignment}: the course spells British (normalise, neighbour, colour, centre): {found}"


# -- the glossary -------------------------------------------------------------------------------------------------

GLOSSARY = ROOT / "docs" / "glossary.md"


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the markdown tables in ``markdown``, as lists of cells."""
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in markdown.splitlines()
            if line.startswith("| ") and not re.match(r"\|\s*(English|---)", line)]


def test_the_glossary_has_the_terms_the_course_promised():
    rows = table_rows(GLOSSARY.read_text())
    assert all(len(r) == 5 and all(r) for r in rows), [r for r in rows if len(r) != 5 or not all(r)]
    chinese = " ".join(r[1] for r in rows)
    for term in ("最近邻插值", "双线性插值", "挤压函数", "LeakyReLU", "空间批量规范化", "感受野", "转置卷积", "汇聚", "步幅",
                 "填充", "规范化", "批量规范化", "特征图"):
        assert term in chinese, f"docs/glossary.md has no row whose Chinese is {term}"
    assert [r[4] for r in rows] == sorted(r[4] for r in rows), "the glossary is in the order the notebooks teach"


# Rows whose course term is not one of d2l-zh v2's, and why (docs/glossary.md says the rule).
NOT_D2L = {"CIFAR10": "a name stays a name", "global max pooling": "built on 汇聚 like its neighbours"}


def test_the_course_uses_d2l_zh_v2s_terms_where_there_are_any():
    """Issue 23: the Chinese edition uses d2l-zh v2's terms where they exist (汇聚, 批量规范化), not the articles'
    (池化, 归一化). A d2l-zh v2 term for a layer (最大汇聚层) names the operation too (最大汇聚)."""
    from grader.translate import glossary
    rows = glossary()
    assert len(rows) == len(table_rows(GLOSSARY.read_text()))
    off = [(r["english"], r["course"], r["d2l"]) for r in rows if r["d2l"] and r["english"] not in NOT_D2L
           and not set(r["course"]) & ({t for t in r["d2l"]} | {t.removesuffix("层") for t in r["d2l"]})]
    assert not off, f"docs/glossary.md: the course's term is not d2l-zh v2's: {off}"
    assert set(NOT_D2L) <= {r["english"] for r in rows}


@pytest.mark.parametrize("assignment", assignments())
def test_the_notebooks_glossary_is_the_courses(assignment):
    """The notebook's terms table: the glossary's rows first taught in this notebook, word for word (without the
    notebook column). A change to docs/glossary.md is copied into the notebook's ``glossary`` cell."""
    (cell,) = [c for c in notebook(assignment).cells if c.get("id") == "glossary"]
    expected = [r[:4] for r in table_rows(GLOSSARY.read_text()) if r[4] == assignment[:2]]
    assert table_rows(cell.source) == expected, f"{assignment}: copy these rows of docs/glossary.md: {expected}"


@pytest.mark.parametrize("cell_id", ["subset", "progress-text"])
def test_cells_every_notebook_shares_are_the_same_everywhere(cell_id):
    sources = {a: [c.source for c in notebook(a).cells if c.get("id") == cell_id] for a in assignments()}
    assert all(len(s) == 1 for s in sources.values()), {a: len(s) for a, s in sources.items()}
    assert len({s[0] for s in sources.values()}) == 1, f"the {cell_id} cell differs between notebooks"
