"""Fair grading: every requirement a hidden test checks is named in the exercise's text, or shown by a visible case.

COURSE.md promises that "an exercise's text names every requirement its hidden tests check (argument forms,
every ValueError)". For every exercise of every assignment this test runs the reference on all its cases, in this
process, as the grader does (:func:`grader.runtime.engine.checks_of`), and fails when

- (a) errors: a visible or hidden case on which the reference raises (so the student must raise ValueError) has a
  message that no regex of the spec's ``named`` matches;
- (b) forms: a hidden case the reference accepts passes an argument in a form that no visible case, no worked
  example and no default of the signature in the text shows, and that no regex of ``named`` fully matches. A form
  is ``"<argument>: <kind>"``, the kind being ``int``, ``float``, ``bool``, ``None``, the string itself
  (``'valid'``), ``N-tuple`` (``with None`` when it holds one) or ``tensor of rank R``; a
  :class:`~grader.runtime.cases.Call` adds ``call: steps`` or ``call: non_leaf``;
- (c) text: a phrase that ``named`` maps to is missing from the exercise's text in ``solutions/`` or in the
  release in ``notebooks/`` (compared ignoring case and line breaks), or ``named`` holds an entry no case needs.
  The Chinese edition ``notebooks-zh/`` must hold the phrase's Chinese form: the catalog's entry ``named:<exercise>``
  for it (``make translations`` adds one per phrase) gives the words of the Chinese text that say the same, or the
  English itself where it stays English (a docstring); compared ignoring case, spaces and line breaks.

The exercise's text is the markdown since the previous exercise's test cell plus the solution cell without its
solution (the signature and docstring); an exercise with no markdown of its own (06's ``sigmoid_grad``) shares
the text of the exercise before it.

What it cannot see: whether a phrase really describes its condition (a reviewer reads the declaration beside it),
and argument *values* of a known form (a size of 1, a slope above 1) that no kind above distinguishes. Exercises
with a custom probe (04's ``GAPClassifier`` and ``count_parameters``, 07's ``BatchNorm2d``, all of 08) have
plain-data cases with no argument forms: only (a), the errors their reference raises (08's unknown ``norm``),
and (c) are checked for them.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace

import pytest
import torch

from course import PRELUDE, ROOT, assignments, notebook, scratch_course
from grader import translate
from grader.course import Course
from grader.exercises import assignments as specs
from grader.exercises import spec
from grader.runtime import engine
from grader.runtime.cases import Rand, rand
from grader.runtime.engine import checks_of
from grader.runtime.spec import Exercise
from students import students

SOLUTION = re.compile(r"### BEGIN SOLUTION.*?### END SOLUTION", re.S)


def texts(nb) -> dict[str, str]:
    """Exercise name -> its text in notebook ``nb``."""
    out, markdown, previous = {}, [], []
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if c.cell_type == "markdown":
            markdown.append(c.source)
        elif meta.get("solution") and meta.get("grade_id"):
            markdown = markdown or previous
            out[meta["grade_id"]] = "\n".join(markdown + [SOLUTION.sub("", c.source)])
        elif meta.get("grade"):
            previous, markdown = markdown, []
    return out


def kind(v, per_call: bool = False) -> str:
    """The form of an argument value; ``per_call``: a ``steps`` input, whose first dimension counts the calls."""
    if v is None:
        return "None"
    if isinstance(v, (bool, int, float)):
        return type(v).__name__
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (Rand, torch.Tensor)):
        return f"tensor of rank {len(v.shape) - per_call}"
    if isinstance(v, (tuple, list)):
        return f"{len(v)}-tuple" + (" with None" if any(e is None for e in v) else "")
    return type(v).__name__


def forms(check) -> set[str]:
    steps = check.payload.get("steps")
    options = {f"call: {o}" for o in ("steps", "non_leaf") if check.payload.get(o)}
    return {f"{k}: {kind(v, k == steps)}" for k, v in check.case.items()} | options


def signature_forms(name: str, text: str) -> set[str]:
    """The forms of the defaults in the signature the text shows (``stride=None`` names ``stride: None``)."""
    found = re.search(rf"def {name}\((.*?)\):", text, re.S)
    if not found:
        return set()
    args = ast.parse(f"def f({found.group(1)}): pass").body[0].args
    named = args.args[len(args.args) - len(args.defaults):] + args.kwonlyargs
    values = list(args.defaults) + list(args.kw_defaults)
    return {f"{a.arg}: {kind(ast.literal_eval(v))}" for a, v in zip(named, values, strict=True) if v is not None}


def normal(text: str) -> str:
    return " ".join(text.split()).lower()


def chinese(text: str) -> str:
    """Chinese text compared as a reader sees it: line breaks and spaces do not count."""
    return "".join(text.split()).lower()


def unfair(assignment: str, ex: Exercise, text: dict[str, str], zh: dict[tuple[str, str], str] | None = None) -> list[str]:
    """What the exercise's hidden (or visible) tests require that its text does not name: one line each.

    ``text`` maps where the text was read (``solutions``, ``notebooks``, ``notebooks-zh``) to the exercise's text
    there. In the Chinese edition a phrase is its Chinese form, ``zh[(exercise, phrase)]`` (the catalog's
    ``named:<exercise>`` entries, :func:`grader.translate.named_forms`).
    """
    where, problems, used, seen = f"{assignment}/{ex.name}", [], set(), set()
    checks = checks_of(ex, ("examples", "visible", "hidden"))
    shown = set().union(*[forms(c) for c in checks if not c.label.startswith("hidden")],
                        *[signature_forms(ex.name, t) for t in text.values()])
    for c in checks:
        if c.group == "examples":
            continue
        exp = c.expected
        if exp["status"] == "raised":
            message = (exp["message"].splitlines() or [""])[0]
            keys = [k for k in ex.named if re.search(k, message)]
            used.update(keys)
            condition = re.sub(r"'[^']*'|\"[^\"]*\"|-?\d+", "_", message)  # one report per kind of message
            if not keys and condition not in seen:
                seen.add(condition)
                problems.append(f"{where}: {c.label}, {c.call}: the reference raises {exp['type']}({message!r}), so "
                                f"ValueError is required, but the exercise's text does not name this condition (no "
                                f"regex of `named` matches the message)")
        elif ex.probe == "call":
            for form in sorted(forms(c) - shown):
                keys = [k for k in ex.named if re.fullmatch(k, form)]
                used.update(keys)
                if not keys and form not in seen:
                    seen.add(form)
                    problems.append(f"{where}: {c.label}, {c.call}: uses the argument form {form!r}, which no visible "
                                    f"case or worked example shows and the exercise's text does not name (no regex of "
                                    f"`named` matches it)")
    for key, phrase in ex.named.items():
        if key not in used:
            problems.append(f"{where}: `named` declares {key!r}, but no case needs it")
        for place, words in text.items():
            if place.endswith("-zh"):
                form = (zh or {}).get((ex.name, phrase))
                if form is None:
                    problems.append(f"{where}: {phrase!r}, the phrase declared to name {key!r}, has no Chinese form "
                                    f"in the catalog (entry named:{ex.name}): run `make translations`, then translate it")
                elif chinese(form) not in chinese(words):
                    problems.append(f"{where}: the exercise's text in {place}/ does not contain {form!r}, the Chinese "
                                    f"form of {phrase!r}, the phrase declared to name {key!r}")
            elif normal(phrase) not in normal(words):
                problems.append(f"{where}: the exercise's text in {place}/ does not contain {phrase!r}, the phrase "
                                f"declared to name {key!r}")
    return problems


PLACES = ("solutions", "notebooks", "notebooks-zh")


def text_of(assignment: str, name: str, root=ROOT) -> dict[str, str]:
    return {place: texts(notebook(assignment, place, root)).get(name, "") for place in PLACES}


CASES = [(a, n) for a in assignments() for n in specs()[a]]


@pytest.mark.parametrize("assignment,name", CASES)
def test_hidden_tests_require_only_what_the_text_names(assignment, name):
    text = text_of(assignment, name)
    assert all(text.values()), f"{assignment}/{name}: no exercise cell defines it in {[p for p in PLACES if not text[p]]}"
    problems = unfair(assignment, spec(assignment, name), text, translate.named_forms(ROOT, assignment))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------- the checker can fail

def reference_toy(x, k):
    if isinstance(k, int) and k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    return x * (k if isinstance(k, int) else sum(k))


TOY = Exercise("toy", 1, reference_toy, groups={"values": 1}, visible=[dict(x=rand(2, 3), k=2)],
               hidden=[dict(x=rand(2, 3), k=-1), dict(x=rand(2, 3), k=(1, 2))])


def test_an_error_and_a_form_the_text_does_not_name_are_reported():
    problems = unfair("00_toy", TOY, {"solutions": "Write `toy(x, k)`: x times k."})
    assert len(problems) == 2, problems
    error, form = problems
    assert error.startswith("00_toy/toy: hidden case 1 of 4, toy(x=") and "k=-1" in error
    assert "'k must be non-negative, got -1'" in error and "does not name this condition" in error
    assert form.startswith("00_toy/toy: hidden case 3 of 4, toy(x=") and "k=(1, 2)" in form
    assert "'k: 2-tuple'" in form


def test_named_requirements_in_the_text_are_fair():
    fair = replace(TOY, named={"must be non-negative": "a negative k is a ValueError", "k: 2-tuple": "or a pair"})
    text = "Write `toy(x, k)`: x times k, an int or a pair (their sum). A negative k is a ValueError."
    assert unfair("00_toy", fair, {"solutions": text, "notebooks": text}) == []
    problems = unfair("00_toy", replace(fair, named={**fair.named, "k: 5-tuple": "five"}), {"solutions": text})
    assert problems == ["00_toy/toy: `named` declares 'k: 5-tuple', but no case needs it",
                        "00_toy/toy: the exercise's text in solutions/ does not contain 'five', the phrase declared "
                        "to name 'k: 5-tuple'"]


def test_the_batch_norm2d_bug_would_be_caught():
    """07's batch_norm2d once required ValueError for running statistics half given, which its text did not say."""
    ex, text = spec("07_normalization", "batch_norm2d"), text_of("07_normalization", "batch_norm2d")
    key = next(k for k in ex.named if "both be None" in k)
    phrase = ex.named[key]
    pattern = r"\s+".join(map(re.escape, phrase.split()))
    cut = {place: re.sub(pattern, "", words, flags=re.I) for place, words in text.items()}
    zh = translate.named_forms(ROOT, "07_normalization")
    assert unfair("07_normalization", ex, cut, zh) == [
        f"07_normalization/batch_norm2d: the exercise's text in {place}/ does not contain {phrase!r}, the phrase "
        f"declared to name {key!r}" for place in ("solutions", "notebooks")]
    problems = unfair("07_normalization", replace(ex, named={k: p for k, p in ex.named.items() if k != key}), text, zh)
    assert len(problems) == 1 and problems[0].startswith("07_normalization/batch_norm2d: hidden case "), problems
    assert "running_mean=running_mean, running_var=None, training=True" in problems[0]
    assert "'running_mean and running_var must either both be None or neither be None'" in problems[0]


# ------------------------------------------------------------------- a requirement a hidden case checks is shown first
#
# COURSE.md: every kind of requirement a hidden case checks has a visible case or a worked example, so that
# `make check` shows it before grading does. The kind checked here for every exercise is the value at exactly 0,
# where torch's derivatives are a convention (ReLU's gradient at 0 is 0, leaky_relu's is the slope): a hidden
# case whose argument holds an exact zero and has its gradient checked needs a visible case that does the same
# (worked examples check values, never gradients), and a hidden case whose fixed-value argument holds an exact
# zero needs a visible case or worked example with one. Other kinds (argument forms, errors) are the tests
# above; argument *values* in general are not checked here (see the module's docstring).


def exact_zero_kinds(check, ex: Exercise) -> set[str]:
    """The exact-zero requirements one check makes: ``gradient at 0 of x``, ``value at 0 of x``."""
    if check.expected.get("status") != "ok" or ex.probe != "call":
        return set()
    kwargs = check.payload.get("kwargs", check.payload)
    out = set()
    for k, v in kwargs.items():
        if not isinstance(v, torch.Tensor) or not v.is_floating_point() or not (v == 0).any():
            continue
        if k in check.payload.get("grad", []):
            out.add(f"gradient at 0 of {k}")
        fixed_values = isinstance(check.case, dict) and isinstance(check.case.get(k), Rand) and hasattr(check.case[k], "values")
        if fixed_values or check.group == "examples":
            out.add(f"value at 0 of {k}")
    return out


def unshown_zero_kinds(ex: Exercise) -> list[str]:
    checks = checks_of(ex, ("examples", "visible", "hidden"))
    shown = set().union(*[exact_zero_kinds(c, ex) for c in checks if not c.label.startswith("hidden")])
    missing = {}
    for c in checks:
        if c.label.startswith("hidden"):
            for k in exact_zero_kinds(c, ex) - shown:
                missing.setdefault(k, f"{c.label}, {c.call}")
    return [f"{ex.name}: {where} checks the {k}, which no visible case (or worked example, for a value) "
            f"does: `make check` would not show it" for k, where in missing.items()]


@pytest.mark.parametrize("assignment,name", CASES)
def test_every_exact_zero_requirement_has_a_visible_case(assignment, name):
    problems = unshown_zero_kinds(spec(assignment, name))
    assert not problems, "\n".join(problems)


def test_the_exact_zero_check_would_have_caught_relu():
    """06's relu had zeros (and the gradient there) in hidden cases only: a clamp relu lost points at grading."""
    ex = spec("06_activations", "relu")
    without = replace(ex, visible=[v for v in ex.visible if not hasattr(v.get("x"), "values")])
    (problem,) = unshown_zero_kinds(without)
    assert problem.startswith("relu: hidden case ") and "checks the gradient at 0 of x" in problem


ZERO_MISTAKES = [(n, what) for n, mistakes in students("06_activations").WRONG.items() for what in mistakes
                 if "at x = 0" in what]


@pytest.mark.parametrize("name,what", ZERO_MISTAKES)
def test_a_wrong_gradient_at_zero_fails_a_visible_check_first(name, what):
    """The learner's `make check` (worked examples and visible cases) shows the mistake that grading would charge."""
    assert len(ZERO_MISTAKES) >= 5
    with pytest.raises(AssertionError, match=rf"{name} failed (visible case|worked example) \d+ of \d+"):
        run_visible("06_activations", name, students("06_activations").WRONG[name][what])


def run_visible(assignment: str, name: str, source: str):
    """The exercise's visible check, as `make check` runs it: worked examples and visible cases only."""
    namespace: dict = {"__name__": "__main__"}
    exec(compile(PRELUDE + source, f"<{name} submission>", "exec"), namespace)
    verdict = engine.run(spec(assignment, name), engine.local_transport(namespace.__getitem__), ("examples", "visible"))
    if verdict.status != "pass":
        raise AssertionError(verdict.message)
    return verdict


# ------------------------------------------------------------------------------------------- hints name the mistake


def test_the_pool2d_hint_for_stride_1_names_overlapping_windows():
    """A stride-1 pool2d gives (H - kh + 1) × (W - kw + 1) outputs: the hint says the windows overlap, not that some
    do not fit."""
    with pytest.raises(AssertionError) as caught:
        run_visible("01_sampling", "pool2d", students("01_sampling").WRONG["pool2d"]["stride 1 (overlapping windows)"])
    hint = next(line for line in str(caught.value).splitlines() if line.strip().startswith("hint:"))
    assert "overlap" in hint and "stride 1" in hint and "(2, 2)" in hint and "3×3" in hint, hint
    assert "does not fit" not in hint
    with pytest.raises(AssertionError) as caught:  # a partial window kept at the edge still gets the other hint
        run_visible("01_sampling", "pool2d", students("01_sampling").WRONG["pool2d"]["keeps partial windows at the edge"])
    assert "does not fit wholly inside the input" in str(caught.value)


def test_a_chinese_exercise_text_that_drops_a_required_phrase_is_unfair(tmp_path):
    """Fairness holds in both editions: the Chinese text must say what the English says (issue 23). Drop the
    Chinese words for one requirement from a scratch catalog, release, and the check names it."""
    root = scratch_course(tmp_path)
    a, name = "02_padding_stride", "max_pool2d"
    ex, zh = spec(a, name), translate.named_forms(root, a)
    phrase = "padding more than half of `kernel_size`"
    key = next(k for k, p in ex.named.items() if p == phrase)
    form = zh[(name, phrase)]
    assert unfair(a, ex, {"notebooks-zh": text_of(a, name)["notebooks-zh"]}, zh) == []
    path = translate.catalog_path(root, a)
    catalog = translate.read(path)
    entry = next(m for m in catalog if m.context == "ex-max-text")
    assert form in entry.string
    entry.string = entry.string.replace(form, "填充太多")  # the translator shortened the requirement away
    translate.write(path, catalog)
    translate.release(Course(root), [a])
    assert unfair(a, ex, {"notebooks-zh": text_of(a, name, root)["notebooks-zh"]}, zh) == [
        f"{a}/{name}: the exercise's text in notebooks-zh/ does not contain {form!r}, the Chinese form of {phrase!r}, "
        f"the phrase declared to name {key!r}"]
    assert unfair(a, ex, {"notebooks-zh": text_of(a, name)["notebooks-zh"]}, {}) == [
        f"{a}/{name}: {p!r}, the phrase declared to name {k!r}, has no Chinese form in the catalog (entry "
        f"named:{name}): run `make translations`, then translate it" for k, p in ex.named.items()]
