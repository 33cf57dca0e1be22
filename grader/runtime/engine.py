"""Run an exercise's cases through a transport and decide the verdict, group by group.

The same engine serves the learner's visible check (the student's function is called in
the same process) and the trusted grader (it is called in the sandboxed student process,
and only plain data comes back). References always run here, in the process that decides,
through the same probes as the student's function.
"""
from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import wire
from .cases import Call, build
from .compare import difference, format_call
from .messages import Status, language, say, speaking
from .probes import load
from .spec import Exercise, Probed, Tensors, render_hint

# A transport runs ``probe`` on the student's ``exercise`` for each payload and returns the results
# (plain data, decoded), or raises StudentProcessFailure.
Transport = Callable[[str, str, list], list]


class StudentProcessFailure(Exception):
    """The student's process could not answer (died, hung, replied with nonsense); the message says which."""


@dataclass
class Check:
    group: str
    label: str
    call: str
    case: Any
    payload: dict
    expected: dict
    hint: Any = None
    hidden: bool = False  # a hidden case: its inputs stay out of the public message


class _CappedMessage:
    """``message`` holds what the student's code said (exceptions, values): capped whenever it is set."""

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, wire.cap(value) if name in ("message", "public_message") else value)


@dataclass
class GroupResult(_CappedMessage):
    title: str
    points: float
    checks: int = 0
    failed: int = 0
    message: str = ""

    @property
    def earned(self) -> float:
        return self.points if self.checks and not self.failed else 0.0


@dataclass
class Verdict(_CappedMessage):
    """What grading one exercise decided, its messages in the language spoken when it was decided."""
    exercise: str
    points: float
    status: Status
    groups: dict[str, GroupResult] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0
    public_message: str = ""  # ``message`` without a hidden case's inputs ("": the same as ``message``)
    language: str = field(default_factory=language)  # what it says, it says in the language spoken when it was made

    @property
    def score(self) -> float:
        if Status(self.status).scored:
            return round(sum(g.earned for g in self.groups.values()), 6)
        return 0.0

    @classmethod
    def of(cls, ex: Exercise, status: Status, message: str = "") -> Verdict:
        """A verdict for ``ex`` with every point group present and no checks run yet."""
        return cls(ex.name, ex.points, status, {g: GroupResult(say(ex.group_title(g)), p) for g, p in ex.groups.items()},
                   message)

    def table(self) -> str:
        """The score and each group's points: what the test cell shows above the first failure."""
        with speaking(self.language):
            return self._table()

    def _table(self) -> str:
        lines = [say("{exercise}: {score} of {points} points ({status})", exercise=self.exercise,
                     score=f"{self.score:g}", points=f"{self.points:g}", status=say(self.status))]
        width = max([len(g.title) for g in self.groups.values()] or [0])
        for g in self.groups.values():
            state = say(Status.PASS if g.earned else Status.FAIL)
            lines.append(f"  {g.title.ljust(width)}  {g.earned:g} / {g.points:g}  {state}"
                         + (say(" ({failed} of {checks} checks failed)", failed=g.failed, checks=g.checks)
                            if g.failed else ""))
        return "\n".join(lines)

    def feedback(self) -> str:
        """The text the student reads: the table, then the first failure."""
        return self.table() + (f"\n\n{self.message}" if self.message else "")

    def record(self) -> dict:
        return {"exercise": self.exercise, "points": self.points, "score": self.score, "status": str(self.status),
                "message": self.message, "public_message": self.public_message or self.message,
                "seconds": round(self.seconds, 3),
                "groups": {k: {"title": g.title, "points": g.points, "earned": g.earned, "checks": g.checks,
                               "failed": g.failed, "message": g.message} for k, g in self.groups.items()}}


def banned_message(ex: Exercise, op: str) -> str:
    via = say(" (reached through {routes})", routes=ex.routes) if ex.routes else ""
    return say("{name} called torch's own `{op}` operator{via}. This exercise asks you to build it yourself from "
               "tensor basics (indexing, slicing, unfold, reshape, max, mean, arithmetic), so it cannot use that "
               "operator.", name=ex.name, op=op, via=via)


def hidden_seed(seed: int, salt: int) -> int:
    """The seed of a hidden case under the course's secret ``salt`` (0: the seed itself). Learners see the
    visible cases and worked examples, so those never change; hidden inputs seen one term are useless the next."""
    if not salt:
        return seed
    return int.from_bytes(hashlib.blake2b(f"{salt}:{seed}".encode(), digest_size=8).digest(), "big") >> 1


def checks_of(ex: Exercise, kinds: Sequence[str], salt: int = 0) -> list[Check]:
    """Every check of the given kinds (examples, visible, hidden), with the reference's results. ``salt``
    (:func:`grader.trusted.secret.course_secret`) changes the random inputs of the hidden cases only."""
    probe = load(ex.probe)
    out: list[Check] = []
    if "examples" in kinds:
        for i, e in enumerate(ex.examples, start=1):
            payload = example_payload(ex.kind, e.kwargs, list(ex.banned))
            expected = probe(ex.reference, payload, False) if e.expected is None else {"status": "ok", "output": e.expected}
            out.append(Check("examples", say("worked example {i} of {n}", i=i, n=len(ex.examples)), e.what, e.kwargs, payload,
                             expected, e.hint or ex.hint))
    index = 0
    for kind in ("visible", "hidden"):
        if kind in kinds:
            made = case_checks(ex.kind, ex, list(getattr(ex, kind)), kind == "hidden", salt, index)
            index += len(made)
            out += made
    return out


# -- what an exercise's kind decides: how its cases are built and run, and how a result is judged -------------------

@functools.singledispatch
def example_payload(kind, kwargs: dict, banned: list) -> dict:
    """What the probe gets for a worked example."""
    raise TypeError(f"no payload for an exercise of kind {type(kind).__name__}")


@example_payload.register
def _(kind: Tensors, kwargs: dict, banned: list) -> dict:
    return {"kwargs": kwargs, "banned": banned}


@example_payload.register
def _(kind: Probed, kwargs: dict, banned: list) -> dict:
    return {**kwargs, "banned": banned}


@functools.singledispatch
def case_checks(kind, ex: Exercise, cases: list, hidden: bool, salt: int, index: int) -> list[Check]:
    """The checks of ``cases`` (visible or ``hidden``) with the reference's results; ``index``: how many cases came
    before (a case's random inputs are seeded by its place)."""
    raise TypeError(f"no checks for an exercise of kind {type(kind).__name__}")


@case_checks.register
def _(kind: Tensors, ex: Exercise, cases: list, hidden: bool, salt: int, index: int) -> list[Check]:
    probe, out = load(kind.probe), []
    runs = [(c, d) for c in cases for d in kind.dtypes]
    for i, (case, dtype) in enumerate(runs, start=1):
        how = case if isinstance(case, Call) else Call(case)
        seed, upstream = ex.seed * 1_000_003 + index, index
        if hidden:
            seed, upstream = hidden_seed(seed, salt), hidden_seed(upstream, salt)
        kwargs, grads = build(how.kwargs, dtype, seed)
        payload = {"kwargs": kwargs, "grad": grads if kind.grad else [], "upstream_seed": upstream,
                   "banned": list(ex.banned), **how.options()}
        index += 1
        expected = probe(ex.reference, payload, False)
        out.append(Check("", _label(hidden, i, len(runs)), format_call(ex.name, kwargs) + how.note(kwargs),
                         how.kwargs, payload, expected, ex.hint, hidden))
    return out


@case_checks.register
def _(kind: Probed, ex: Exercise, cases: list, hidden: bool, salt: int, index: int) -> list[Check]:
    probe, out = load(kind.probe), []
    for i, case in enumerate(cases, start=1):
        payload = {**case, "banned": list(ex.banned)}
        expected = probe(ex.reference, payload, False)
        call = kind.describe(case) if kind.describe else repr(case)
        out.append(Check("", _label(hidden, i, len(cases)), call, case, payload, expected, ex.hint, hidden))
    return out


@functools.singledispatch
def outcome(kind, ex: Exercise, check: Check, exp: dict, got: dict) -> list[tuple[str, str | None]]:
    """(group, problem or None) for one case."""
    raise TypeError(f"no judge for an exercise of kind {type(kind).__name__}")


@outcome.register
def _(kind: Tensors, ex: Exercise, check: Check, exp: dict, got: dict) -> list[tuple[str, str | None]]:
    return compare_call(check, exp, got, kind.grad, kind.aliasing)


@outcome.register
def _(kind: Probed, ex: Exercise, check: Check, exp: dict, got: dict) -> list[tuple[str, str | None]]:
    if got["status"] == "raised" and exp["status"] != "raised":
        return [(g, raised(got)) for g in ex.groups if g != "examples"]
    return kind.compare(check.case, exp, got)


def _label(hidden: bool, i: int, n: int) -> str:
    return say("hidden case {i} of {n}", i=i, n=n) if hidden else say("visible case {i} of {n}", i=i, n=n)


def raised(got: dict) -> str:
    """What the student's function raised, as the messages say it."""
    return say("raised {type}: {message}", type=got["type"], message=got["message"])


def _hint(check: Check, expected: Any = None, got: Any = None) -> str | None:
    try:
        return render_hint(check.hint, check.case, expected, got)
    except Exception:  # a hint must never hide the failure
        return None


def compare_call(check: Check, exp: dict, got: dict, grad: bool, aliasing: bool = False) -> list[tuple[str, str | None]]:
    """(group, problem or None) for one case of a function of tensors.

    With ``aliasing`` a worked example is compared as fully as any case, and the output must be the
    same input object as torch's (or a new tensor where torch's is) with no input joining the graph.
    """
    if aliasing:
        results = compare_call(Check("", "", "", check.case, check.payload, exp), exp, got, grad)
        if exp["status"] == "ok" and got["status"] == "ok":
            results.append(("values", aliasing_problem(exp, got)))
        return results
    if check.group == "examples":
        if got["status"] == "raised":
            return [("examples", raised(got))]
        return [("examples", difference(exp["output"], got.get("output")))]
    if exp["status"] == "raised":  # torch rejects these arguments: ValueError with a message is required
        why = say("torch rejects these arguments ({type}: {message})", type=exp["type"],
                  message=exp["message"].splitlines()[0] if exp["message"] else "")
        if got["status"] == "raised" and got["type"] == "ValueError":
            return [("errors", None if got["message"].strip() else
                     say("raised ValueError without a message: say what is wrong with the arguments"))]
        if got["status"] == "raised":
            return [("errors", raised(got) + "\n  " + say("{why}; raise ValueError with a message instead", why=why))]
        return [("errors", say("returned a result, but {why}; raise ValueError with a message", why=why))]
    wants_grad = grad and "grads" in exp
    if got["status"] == "raised":
        problem = (say("raised ValueError({message}) but torch accepts these arguments", message=got["message"])
                   if got["type"] == "ValueError" else raised(got))
        return [("values", problem)] + ([("gradients", problem)] if wants_grad else [])
    results: list[tuple[str, str | None]] = []
    problem = None
    before = check.payload["kwargs"]
    for k, after_ref in exp["inputs_after"].items():  # inputs must end as torch leaves them
        mine = got.get("inputs_after", {}).get(k)
        if mine is None or difference(after_ref, mine) is None:
            continue
        if difference(after_ref, before[k].detach()) is None:
            problem = say("changed its input `{k}` in place; compute a new tensor instead", k=k)
        else:
            problem = difference(after_ref, mine, say("`{k}` after the call (torch updates it in place)", k=k))
        break
    results.append(("values", problem or difference(exp["output"], got.get("output"))))
    if wants_grad:
        if got.get("connected") is False:
            p = say("the output is not connected to autograd, so no gradient reaches the input: avoid .detach(), "
                    ".data, .item(), numpy and torch.no_grad() inside the function")
        elif "grad_error" in got:
            p = say("computing the gradient through your function failed: {error}", error=got["grad_error"])
        elif not isinstance(got.get("grads"), dict):
            p = say("no gradient came back (the output is not a floating-point tensor)")
        else:
            p = None
            for k, g_ref in exp["grads"].items():
                g = got["grads"].get(k)
                if g is None:
                    p = say("no gradient reaches `{k}`", k=k)
                else:
                    p = difference(g_ref, g, say("gradient with respect to `{k}`", k=k))
                if p:
                    break
        results.append(("gradients", p))
    return results


def aliasing_problem(exp: dict, got: dict) -> str | None:
    """Why the output's identity or the inputs' autograd state differs from torch's, or None."""
    joined = [k for k in got.get("joined_graph", []) if k not in exp.get("joined_graph", [])]
    if joined:
        names = say(" and ").join(f"`{k}`" for k in joined)
        if len(joined) > 1:
            return say("{names} joined the autograd graph (requires_grad is True after the call): update them under "
                       "torch.no_grad(), running statistics are not part of the graph", names=names)
        return say("{names} joined the autograd graph (requires_grad is True after the call): update it under "
                   "torch.no_grad(), running statistics are not part of the graph", names=names)
    mine, torch_is = got.get("output_is"), exp.get("output_is")
    if mine == torch_is:
        return None
    if torch_is:
        return say("returned a new tensor, but torch returns `{k}` itself: change `{k}` in place and return it "
                   "(`out is {k}`)", k=torch_is)
    return say("returned its input `{k}` itself; torch returns a new tensor here", k=mine)


def _well_formed(got: Any) -> bool:
    return isinstance(got, dict) and got.get("status") in ("ok", "raised", "banned", "not_implemented") and (
        got["status"] != "raised" or (isinstance(got.get("type"), str) and isinstance(got.get("message"), str))) and (
        got["status"] != "banned" or isinstance(got.get("op"), str))


def judge(ex: Exercise, checks: list[Check], results: list) -> Verdict:
    """The verdict from the student's results (plain data, one per check)."""
    verdict = Verdict.of(ex, Status.PASS)
    groups = verdict.groups
    first = public = ""
    for check, got in zip(checks, results, strict=True):
        if not _well_formed(got):
            got = {"status": "raised", "type": "ProtocolError", "message": say("the reply for this case is malformed")}
        if got["status"] == "banned":
            verdict.status, verdict.message = Status.BANNED, banned_message(ex, got["op"])
            return verdict
        if got["status"] == "not_implemented":
            verdict.status, verdict.message = Status.NOT_ATTEMPTED, say("{name} still raises NotImplementedError",
                                                                         name=ex.name)
            return verdict
        exp = check.expected
        try:
            found = outcome(ex.kind, ex, check, exp, got)
        except Exception as e:  # odd data from the student: their failure, never the grader's
            found = [(g, say("the result could not be compared ({type}: {error})", type=type(e).__name__, error=e))
                     for g in ex.groups]
        for group, problem in found:
            group = check.group or group
            g = groups.setdefault(group, GroupResult(say(ex.group_title(group)), 0.0))
            g.checks += 1
            if problem:
                g.failed += 1
                hint = _hint(check, exp.get("output"), got.get("output"))
                tail = f"\n  {problem}" + ("\n  " + say("hint: {hint}", hint=hint) if hint else "")
                message = say("{name} failed {label}:", name=ex.name, label=check.label) + f"\n    {check.call}{tail}"
                g.message = g.message or message
                if not first:
                    first = message
                    public = (say("{name} failed {label} (its inputs are shown when your instructor releases feedback):",
                                  name=ex.name, label=check.label) + tail) if check.hidden else message
    verdict.message, verdict.public_message = first, public
    earned = sum(g.earned for g in groups.values())
    verdict.status = Status.PASS if not first else (Status.PARTIAL if earned else Status.FAIL)
    return verdict


def run(ex: Exercise, transport: Transport, kinds: Sequence[str] = ("examples", "visible", "hidden"),
        salt: int = 0) -> Verdict:
    """Grade ``ex`` on the cases of ``kinds`` through ``transport`` (``salt``: see :func:`checks_of`)."""
    start = time.perf_counter()
    checks = checks_of(ex, kinds, salt)
    try:
        results = transport(ex.name, ex.probe, [c.payload for c in checks])
        if not isinstance(results, list) or len(results) != len(checks):
            raise StudentProcessFailure(say("the student's process sent back a reply of the wrong length"))
    except StudentProcessFailure as e:
        verdict = Verdict.of(ex, Status.ERROR, str(e))
    else:
        try:
            verdict = judge(ex, checks, results)
        except Exception as e:  # a reply nothing foresaw fails its exercise, never the notebook
            verdict = Verdict.of(ex, Status.ERROR, say("the reply could not be judged: {type}: {error}",
                                                        type=type(e).__name__, error=e))
    verdict.seconds = time.perf_counter() - start
    return verdict


def local_transport(lookup: Callable[[str], Any]) -> Transport:
    """Call the function ``lookup(name)`` in this process, through the wire format both ways."""
    def transport(name: str, probe: str, payloads: list) -> list:
        fn = lookup(name)
        out = []
        for p in payloads:
            result = load(probe)(fn, wire.decode(wire.encode(p)), True)
            out.append(wire.decode(wire.encode(result)))
        return out
    return transport
