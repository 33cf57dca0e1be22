"""An exercise as data: reference, cases, banned operators, hints and point groups.

Each assignment's specs live in ``grader/public/<assignment>.py`` as a list ``EXERCISES`` of
:class:`Exercise` without hidden cases (what the learner's visible check reads), and in
``grader/exercises/<assignment>.py`` with them added (what the trusted grader reads); only the
trusted grader runs the hidden cases, and the grading sandbox cannot read the spec files at all.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from .probes import name_of

# Point groups, in the order feedback lists them.
GROUPS = {
    "examples": "worked examples",
    "values": "values",
    "gradients": "gradients",
    "errors": "argument checks (ValueError)",
}


@dataclass
class Example:
    """A worked example: fixed inputs, and the expected result (torch's, from the reference, when omitted)."""
    what: str
    kwargs: dict
    expected: Any = None
    hint: str | None = None


@dataclass
class Exercise:
    """One graded exercise.

    For the ``call`` probe, cases are dicts of keyword arguments with :func:`~grader.runtime.cases.rand`
    markers (or :class:`~grader.runtime.cases.Call` to call another way); each runs once per dtype in ``dtypes``.
    ``groups`` maps a group of :data:`GROUPS` (or a custom probe's own) to its points; they add up to ``points``.
    A custom probe's exercise gives ``compare(case, expected, got) -> [(group, problem or None)]``
    and ``describe(case) -> str``; its cases are plain data that the probe understands.
    """
    name: str
    points: float
    reference: Callable
    groups: dict[str, float]
    examples: Sequence[Example] = ()
    visible: Sequence[dict] = ()
    hidden: Sequence[dict] = ()
    banned: Sequence[str] = ()
    routes: str = ""
    hint: Callable[[dict, Any, Any], str | None] | str | None = None
    dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64)
    grad: bool = True
    aliasing: bool = False  # also compare output_is and joined_graph, worked examples included (in-place variants)
    seed: int = 0
    probe: str | Callable = "call"  # or a course probe, a function (kept as its name, probes.name_of)
    compare: Callable | None = None
    describe: Callable[[dict], str] | None = None
    group_names: dict[str, str] = field(default_factory=dict)  # custom groups' names for feedback
    # What the exercise's text names for its hidden cases (tests/test_fairness.py): a regex matching one of the
    # reference's error messages, or an argument form no visible case shows ("kernel_size: 2-tuple",
    # "x: tensor of rank 1", "stride: None", "call: steps"), mapped to the phrase of the text that names it.
    named: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.probe = name_of(self.probe)

    def group_title(self, group: str) -> str:
        return self.group_names.get(group) or GROUPS.get(group, group)
