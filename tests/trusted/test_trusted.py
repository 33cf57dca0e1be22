"""Trusted grading, tried as a student would: a class of attacks on the grader through `make autograde`.

Every row is one student's 01_sampling hand-in. The attacks wrap a WRONG ``downsample``
(worth 0 points) in tricks that used to buy full marks when the tests ran in the student's
kernel: patching the grader, ``sys.modules``, builtins, IPython's transformers, hooks and
``run_cell``, tensor subclasses, threads, code built at run time, poisoned torch functions,
forged output. Each must leave ``downsample`` at 0 while the other exercises keep their
points, and no line of the hidden tests may appear anywhere in the student's feedback. A
correct ``downsample`` that warns, writes to stderr and prints 10 MB keeps full marks.

Most attacks step outside the course's Python subset: the trusted scan flags them before any of
the student's code runs, and that is checked here on every one of them (milliseconds each). A
few of those, and every attack that only the run itself can catch, go through the real sandboxed
`make autograde` (half a minute of CI per notebook).
"""
from __future__ import annotations

import html
import json

import pytest

from course import ROOT, exercises, graded, hand_in, notebook, scratch_course, spec_lines, submission
from grader import cluster, pipeline
from grader.course import Course
from grader.runtime import subset
from grader.trusted import sandbox, scan

pytestmark = pytest.mark.slow  # grades a whole class through the sandbox (make test-fast skips it)

A = "01_sampling"
POINTS = exercises(A)
FULL = sum(POINTS.values())
ANSWERS = {n: graded(notebook(A), n).source for n in POINTS}
WRONG = "def downsample(x, factor):\n    return x[:, :, 1::factor, 1::factor]\n"
RIGHT = "def downsample(x, factor):\n    return x[:, :, ::factor, ::factor]\n"
SPEC = ROOT / "grader" / "exercises" / "a01_sampling.py"
SUBSET = "outside the course's Python subset"

# student -> (downsample cell, points expected for downsample, words expected in its message)
ATTACKS = {
    # the five from the review
    "patches_grader_check": ("import grader\ngrader.check = lambda *a, **k: None\ngrader.assert_same = lambda *a, **k: None\n"
                             + WRONG, 0, SUBSET),
    "fake_grader_module": ("import sys, types\nfake = types.ModuleType('grader')\nfake.check = lambda *a, **k: None\n"
                           "sys.modules['grader'] = fake\n" + WRONG, 0, SUBSET),
    "hooks_import": ("import builtins\n_real = builtins.__import__\n"
                     "builtins.__import__ = "
                     "lambda name, *a, **k: _real('types') if name.startswith('grader') else _real(name, *a, **k)\n"
                     + WRONG, 0, SUBSET),
    "input_transformer": ("get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n" + WRONG, 0,
                          SUBSET),
    "wraps_run_cell": ("_ip = get_ipython()\n_orig = _ip.run_cell\n_ip.run_cell = lambda *a, **k: _orig('pass')\n" + WRONG, 0,
                       SUBSET),
    "patches_difference": ("import grader.runtime.compare as c\nc.difference = lambda *a, **k: None\n" + WRONG, 0,
                           SUBSET),
    "prints_cells_correct": ("get_ipython().events.register('pre_run_cell', lambda info: print(info.raw_cell))\n" + RIGHT, 0,
                             SUBSET),
    # ten more of our own
    "tensor_subclass": ("import torch\nclass Agree(torch.Tensor):\n    @classmethod\n"
                        "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
                        "        return True if func.__name__ in ('allclose', 'equal', 'isclose') "
                        "else super().__torch_function__(func, types, args, kwargs or {})\n"
                        "def downsample(x, factor):\n    return x[:, :, 1::factor, 1::factor].as_subclass(Agree)\n", 0,
                        SUBSET),
    "thread_calls_op": ("import threading, torch.nn.functional as F\ndef downsample(x, factor):\n    out = []\n"
                        "    t = threading.Thread(target=lambda: out.append(F.max_pool2d(x, 1, factor)))\n"
                        "    t.start(); t.join()\n"
                        "    return out[0]\n", 0, SUBSET),
    "exec_decoded": ("import base64\nexec(base64.b64decode(" + repr(__import__("base64").b64encode(WRONG.encode()).decode())
                     + ").decode())\n", 0, SUBSET),
    "computed_getattr": ("import torch\n_c = getattr(torch, '_' + 'C')\n" + WRONG, 0, SUBSET),
    "pops_dispatch_mode": ("from torch.utils._python_dispatch import _pop_mode\nimport torch.nn.functional as F\n"
                           "def downsample(x, factor):\n    return F.max_pool2d(x, 1, factor)\n", 0, SUBSET),
    "poisons_torch": ("import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
                      "torch.isclose = lambda a, b, **k: torch.ones_like(a, dtype=torch.bool)\n"
                      "torch.Tensor.__eq__ = lambda a, b: True\n" + WRONG, 0, SUBSET),
    "patches_json": ("import json\n_loads = json.loads\n"
                     "json.loads = "
                     "lambda s, *a, **k: {**_loads(s, *a, **k), 'payloads': []} if 'payloads' in s else _loads(s, *a, **k)\n"
                     + WRONG, 0, SUBSET),
    "exits_during_grading": ("def downsample(x, factor):\n    raise SystemExit(0)\n", 0, "SystemExit"),
    "forges_verdict": ("def downsample(x, factor):\n    print('downsample: 2 of 2 points (pass)')\n"
                       "    return x[:, :, 1::factor, 1::factor]\n", 0, "values differ"),
    "returns_agreeable_object": ("class Yes:\n    def __eq__(self, other):\n        return True\n"
                                 "def downsample(x, factor):\n    return Yes()\n", 0, "expected a tensor"),
    "huge_reply": ("import torch\ndef downsample(x, factor):\n    return torch.zeros(2_000_000)\n", 0, "reply"),
    "leaks_stack": ("import traceback\ndef downsample(x, factor):\n"
                    "    raise RuntimeError(''.join(traceback.format_stack()))\n", 0, SUBSET),
    "reads_spec": (f"import os\nSEEN = os.path.exists({str(SPEC)!r})\n"
                   "def downsample(x, factor):\n    assert not SEEN, 'the sandbox let me read the exercise specs'\n"
                   "    return x[:, :, ::factor, ::factor]\n", 0, SUBSET),
    # fair verdicts
    # a student id as long as an email address: the kernel's sockets must still fit a UNIX socket path
    "first_middle_last_name_at_department_university_example_edu": (RIGHT, POINTS["downsample"], None),
    "warns_and_prints": ("import sys, warnings\ndef downsample(x, factor):\n"
                         "    warnings.warn('a warning from a correct function')\n"
                         "    print('to stderr', file=sys.stderr)\n    return x[:, :, ::factor, ::factor]\n"
                         "print('x' * 10_000_000)\n", POINTS["downsample"], None),
}


# The flagged attacks graded end to end as well: the report test reads the first; the second is a right answer.
GRADED = {"patches_grader_check", "prints_cells_correct", "poisons_torch",
          *(student for student, (_, _, words) in ATTACKS.items() if words != SUBSET)}


# Each exercise is graded in a fresh process that ran only the cells it needs: no attack on one
# exercise reaches the others (the last round's sabotage of the shared kernel cost every exercise).
SABOTAGE: set = set()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if sandbox.probe():
        pytest.fail(f"the grading sandbox cannot start here: {sandbox.probe()} (run `make sandbox`)")
    root = scratch_course(tmp_path_factory.mktemp("course"))
    for student in sorted(GRADED):
        hand_in(root, student, A, submission(A, {**ANSWERS, "downsample": ATTACKS[student][0]}))
    jobs = pipeline.autograde(Course(root), [A], out=lambda *_: None,
                              runner=cluster.Dask(workers=2), time_limit=240, cell_timeout=30)
    return dict(root=root, jobs={j.student: j for j in jobs}, grades={r["student_id"]: r for r in Course(root).grades()})


@pytest.mark.parametrize("student", [s for s, (_, _, words) in ATTACKS.items() if words == SUBSET])
def test_attack_is_flagged_by_the_scan(student):
    """What grading does with a flagged exercise (0 points, the message, nothing of it run) is checked end
    to end on the attacks in GRADED; that the scan flags each attack, and nothing else, here."""
    nb = submission(A, {**ANSWERS, "downsample": ATTACKS[student][0]})
    plan = scan.plan(nb, scan.release_sources(ROOT, A), list(POINTS))
    assert plan.flagged("downsample"), f"{student}: the scan let it through"
    assert SUBSET in subset.message("downsample", plan.flagged("downsample"))
    assert [n for n in POINTS if n != "downsample" and plan.flagged(n)] == []


@pytest.mark.parametrize("student", sorted(GRADED))
def test_attack(graded, student):
    source, points, words = ATTACKS[student]
    job = graded["jobs"][student]
    assert job.graded, job.reason
    record = json.loads((pipeline.results_dir(graded["root"]) / A / f"{student}.json").read_text())
    by_name = {e["exercise"]: e for e in record["exercises"]}
    assert by_name["downsample"]["score"] == points, by_name["downsample"]
    if words:
        assert words in by_name["downsample"]["message"], by_name["downsample"]["message"]
    others = FULL - POINTS["downsample"]
    if student in SABOTAGE:
        assert float(graded["grades"][student]["score"]) <= others
    else:
        for name in POINTS:
            if name != "downsample":
                assert by_name[name]["score"] == POINTS[name], (name, by_name[name])
        assert float(graded["grades"][student]["score"]) == others + points
    feedback = "\n".join(p.read_text(errors="replace") for p in (graded["root"] / "feedback" / student).rglob("*")
                         if p.is_file())
    assert feedback, "every graded student gets feedback"
    leaked = [line for line in spec_lines(A) if line in feedback or html.escape(line) in feedback]
    assert not leaked, f"hidden test lines in {student}'s feedback: {leaked[:3]}"


def test_flags_are_listed_for_the_instructor(graded):
    report = (graded["root"] / "reports" / "class_report.md").read_text()
    assert "## Integrity flags" in report
    assert "patches_grader_check / 01_sampling / downsample: `grader.check = lambda" in report
    assert "warns_and_prints" not in report.split("## Integrity flags")[1].split("##")[0]
