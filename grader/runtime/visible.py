"""The learner's check: an exercise's worked examples and visible cases, run in the learner's kernel.

A test cell calls ``check("pool2d", pool2d)``. It prints nothing when every visible
check passes and raises ``AssertionError`` with the first failure otherwise (the case, the
call, where the output first differs, a hint). The hidden cases run only when the work is
graded, by the trusted grader, never in this process.
"""
from __future__ import annotations

from . import engine


def check(name: str, fn) -> None:
    """Run ``name``'s worked examples and visible cases on ``fn``; raise on the first failure.

    Returns None: a number left as a test cell's last value would read as partial credit.
    """
    from ..exercises import find

    verdict = engine.run(find(name), engine.local_transport(lambda _: fn), kinds=("examples", "visible"))
    if verdict.status == "not attempted":
        raise NotImplementedError(verdict.message)
    if verdict.status != "pass":
        raise AssertionError(verdict.message)
