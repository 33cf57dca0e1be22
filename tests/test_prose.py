"""Plain English for readers whose first language is Chinese: no idioms in the notebooks.

Many learners come from the Chinese articles and read English as a second language. A careful read
found idioms that a dictionary does not explain ("every knob of the pooling layers", "a window that
would hang over the edge"). This test keeps them out of every cell of ``solutions/`` (the release in
``notebooks/`` is generated from it), markdown and code comments alike, and says what to write instead.
"""
from __future__ import annotations

import re

import pytest

from course import assignments, notebook

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
