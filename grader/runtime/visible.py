"""The learner's check: an exercise's worked examples and visible cases, run in the learner's kernel.

A test cell calls ``check("pool2d", pool2d)``. It prints nothing when every visible
check passes and raises ``AssertionError`` with the first failure otherwise (the case, the
call, where the output first differs, a hint). It reads the public part of the exercise's spec
(:mod:`grader.public`); the hidden cases run only when the work is graded, by the trusted grader,
never in this process.

First it checks the exercise's code (the cell that defined ``pool2d`` and every earlier cell it
needs, as this kernel ran them) against the course's Python subset, with the grader's own words,
so code that grading would flag fails here first.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from . import engine, subset
from .cells import RELEASE_FILE, Cell, Digests, closure, defining_cell, norm
from .messages import Status, here, speaking


def namespace() -> dict:
    """IPython's ``user_ns`` inside a kernel, else ``__main__``'s globals."""
    ip = shell()
    if ip is not None:
        return ip.user_ns
    import __main__
    return vars(__main__)


def shell():
    """The running IPython shell, or None outside one."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


@cache
def _release() -> tuple[Digests, Digests]:
    try:
        data = json.loads((Path(__file__).with_name(RELEASE_FILE)).read_text())
    except (OSError, ValueError):
        data = {}
    return (Digests(d for a in data.values() for d in a["cells"]), Digests(d for a in data.values() for d in a["lines"]))


def subset_findings(name: str, history: list[str] | None = None) -> list:
    """What the code behind ``name`` uses outside the subset, from the cells this kernel ran (``history``)."""
    if history is None:
        ip = shell()
        if ip is None or not hasattr(ip, "history_manager"):
            return []
        history = list(ip.history_manager.input_hist_raw)
    cells = [Cell.read(i, s) for i, s in enumerate(history)]
    target = defining_cell(cells, name)
    if target is None:
        return []
    same, lines = _release()
    envs = subset.environment(cells)
    found = []
    for k in closure(cells, target, subset.free_import)[0]:
        if norm(cells[k].source) not in same:
            found += subset.findings(cells[k], envs[k], lines)
    return found


def check(name: str, fn) -> None:
    """Run ``name``'s worked examples and visible cases on ``fn``; raise on the first failure.

    Returns None: a number left as a test cell's last value would read as partial credit. It speaks the
    language of the notebook it runs in (:func:`grader.runtime.messages.here`).
    """
    from ..public import find  # the public part of the spec: the hidden cases are never imported here

    with speaking(here()):
        found = subset_findings(name)
        if found:
            raise AssertionError(subset.message(name, found))
        verdict = engine.run(find(name), engine.local_transport(lambda _: fn), kinds=("examples", "visible"))
    if verdict.status == Status.NOT_ATTEMPTED:
        raise NotImplementedError(verdict.message)
    if verdict.status != Status.PASS:
        raise AssertionError(verdict.message)
