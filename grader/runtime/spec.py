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

from .messages import N_, say
from .probes import name_of

# Point groups, in the order feedback lists them.
GROUPS = {
    "examples": N_("worked examples"),
    "values": N_("values"),
    "gradients": N_("gradients"),
    "errors": N_("argument checks (ValueError)"),
}


# -- hints ------------------------------------------------------------------------------------------------------
# A hint is data: texts (templates marked N_, said in the learner's language) chosen by what went wrong.
# A condition is called with the case (its arguments), torch's output ``expected`` (None when torch rejects
# the arguments) and the student's output ``got`` (None when the student's function raised); it returns
# whether it holds, or the fields its text fills in (a dict; None when it does not hold).

Condition = Callable[[dict, Any, Any], Any]
_UNSET = object()


def rejected(case: dict, expected: Any, got: Any) -> bool:
    """Torch rejects these arguments."""
    return expected is None


def raised(case: dict, expected: Any, got: Any) -> bool:
    """The student's function raised."""
    return got is None


def shape_differs(case: dict, expected: Any, got: Any) -> bool:
    """The student's output has another shape than torch's (or none)."""
    return getattr(got, "shape", None) != getattr(expected, "shape", None)


def not_finite(case: dict, expected: Any, got: Any) -> bool:
    """The student's output holds inf or nan."""
    return isinstance(got, torch.Tensor) and not bool(torch.isfinite(got).all())


@dataclass(frozen=True)
class Arg:
    """Holds when the case's argument ``name`` (``default`` when the case leaves it out) is ``is_``, is not
    ``not_``, is one of ``in_``, or (none of those given) is true. ``"init.momentum"`` reads ``case["init"]``'s."""
    name: str
    is_: Any = _UNSET
    not_: Any = _UNSET
    in_: Any = _UNSET
    default: Any = None

    def __call__(self, case: dict, expected: Any = None, got: Any = None) -> bool:
        *path, last = self.name.split(".")
        for key in path:
            case = case[key]
        v = case.get(last, self.default)
        if self.is_ is not _UNSET:
            return v is None if self.is_ is None else v == self.is_
        if self.not_ is not _UNSET:
            return v != self.not_
        if self.in_ is not _UNSET:
            return v in self.in_
        return bool(v)


@dataclass(frozen=True)
class Not:
    """Holds when ``condition`` does not."""
    condition: Condition

    def __call__(self, case: dict, expected: Any = None, got: Any = None) -> bool:
        return _fields(self.condition, case, expected, got) is None


@dataclass(frozen=True)
class Either:
    """Holds when any of ``conditions`` does (the first one's fields)."""
    conditions: tuple

    def __init__(self, *conditions: Condition) -> None:
        object.__setattr__(self, "conditions", conditions)

    def __call__(self, case: dict, expected: Any = None, got: Any = None) -> dict | None:
        return next((f for f in (_fields(c, case, expected, got) for c in self.conditions) if f is not None), None)


def _fields(condition: Condition | tuple, case: dict, expected: Any, got: Any) -> dict | None:
    """The fields of ``condition`` ({} when it holds with none), or None when it does not hold. A tuple of
    conditions holds when all of them do."""
    if isinstance(condition, tuple):
        out: dict = {}
        for c in condition:
            f = _fields(c, case, expected, got)
            if f is None:
                return None
            out.update(f)
        return out
    result = condition(case, expected, got)
    if isinstance(result, dict):
        return result
    return {} if result else None


Rule = tuple[Condition | tuple, str]  # (condition, text): the text when the condition holds


@dataclass(frozen=True)
class Hint:
    """What to tell a learner whose output differs from torch's: the first text whose condition holds.

    In order: the rules of ``first`` (a mistake that outranks the rest); ``rejected`` when torch rejects the
    arguments; ``raised`` when the student's function raised; ``shape`` when the output's shape differs; the
    rules of ``when`` (by argument, :class:`Arg`, or by kind of mismatch); ``default``. A text left None is
    skipped. Every text is a template marked ``N_``; a condition that returns a dict fills in its fields.
    ``lead`` is said before whichever text is chosen.
    """
    default: str | None = None
    rejected: str | None = None
    raised: str | None = None
    shape: str | None = None
    when: Sequence[Rule] = ()
    first: Sequence[Rule] = ()
    lead: str = ""

    def rules(self) -> list[Rule]:
        """Every (condition, text), in the order they are tried."""
        slots = [(rejected, self.rejected), (raised, self.raised), (shape_differs, self.shape)]
        return [*self.first, *[(c, t) for c, t in slots if t], *self.when,
                *([((lambda case, expected, got: True), self.default)] if self.default else [])]

    def texts(self) -> list[str]:
        return [t for _, t in self.rules()]

    def render(self, case: dict, expected: Any, got: Any) -> str | None:
        for condition, text in self.rules():
            fields = _fields(condition, case, expected, got)
            if fields is not None:
                return (say(self.lead) if self.lead else "") + say(text, **fields)
        return None


def render_hint(hint: Hint | str | Callable | None, case: Any, expected: Any, got: Any) -> str | None:
    """The one renderer of hints: a :class:`Hint`'s chosen text, a plain text (a template marked ``N_``), or
    what a function ``hint(case, expected, got)`` computes (a test's own hint), in the language spoken now."""
    if hint is None:
        return None
    if isinstance(hint, Hint):
        return hint.render(case, expected, got)
    if isinstance(hint, str):
        return say(hint)
    return hint(case, expected, got)


@dataclass
class Example:
    """A worked example: fixed inputs, and the expected result (torch's, from the reference, when omitted)."""
    what: str
    kwargs: dict
    expected: Any = None
    hint: Hint | str | None = None


@dataclass(frozen=True)
class Tensors:
    """The kind of most exercises: a function of tensors with torch's signature, called with each case's keyword
    arguments (:func:`~grader.runtime.cases.rand` markers, or a :class:`~grader.runtime.cases.Call` to call another
    way), once per dtype in ``dtypes``. Outputs, inputs after the call and, with ``grad``, autograd's gradients are
    compared with the reference's; with ``aliasing``, also whether the output is an input (in-place variants),
    worked examples included."""
    dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64)
    grad: bool = True
    aliasing: bool = False
    probe = "call"  # the runtime's own probe (not a field: every function of tensors is run the same way)


@dataclass(frozen=True)
class Probed:
    """An exercise that is not a function of tensors (a module, a training step). ``probe``, a course probe
    (``grader/public/probes_*.py``), runs it on plain-data cases and reports plain data; ``compare(case, expected,
    got) -> [(group, problem or None)]`` judges a case; ``describe(case) -> str`` names it for the learner."""
    probe: str | Callable
    compare: Callable
    describe: Callable[[dict], str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "probe", name_of(self.probe))  # a function is kept as its import path


@dataclass
class Exercise:
    """One graded exercise: its name, points, torch's version (``reference``) and cases; its ``kind`` (a
    :class:`Tensors` function, or :class:`Probed`) says how a case is run and judged.

    ``groups`` maps a group of :data:`GROUPS` (or a probed kind's own) to its points; they add up to ``points``.
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
    hint: Hint | str | Callable[[dict, Any, Any], str | None] | None = None
    kind: Tensors | Probed = field(default_factory=Tensors)
    seed: int = 0
    group_names: dict[str, str] = field(default_factory=dict)  # custom groups' names for feedback (marked N_)
    # What the exercise's text names for its hidden cases (tests/course/test_fairness.py): a regex matching one of the
    # reference's error messages, or an argument form no visible case shows ("kernel_size: 2-tuple",
    # "x: tensor of rank 1", "stride: None", "call: steps"), mapped to the phrase of the text that names it.
    named: dict[str, str] = field(default_factory=dict)

    @property
    def probe(self) -> str:
        """The name of the probe that runs it in the student's process (:mod:`grader.runtime.probes`)."""
        return self.kind.probe

    def group_title(self, group: str) -> str:
        return self.group_names.get(group) or GROUPS.get(group, group)
