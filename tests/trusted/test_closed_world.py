"""The closed world, tried as a determined student would: 06_activations through the real sandboxed `make autograde`.

Every attack wraps a WRONG ``relu`` (0.5 where x <= 0; worth nothing) or calls torch's own ReLU,
using a door the course's Python subset closes (an allow-list: :mod:`grader.runtime.subset`), or a
route the op guard still sees inside the subset. Each must lose ``relu``'s points (flagged, banned
or wrong), the other exercises must keep theirs (a fresh process per exercise: nothing one cell
does reaches another exercise's process), and no hidden-spec line may reach the feedback.
The honest idioms at the end (a self-check cell with ``getattr``, ``%load_ext autoreload``,
``import numpy as np`` in the setup cell...) must keep full marks and raise no flag that costs points.

Every attack outside the subset is checked against the trusted scan here (milliseconds each); the
attacks only a run can catch, a few flagged ones and the honest work go through `make autograde`
(half a minute of CI per notebook of three).
"""
from __future__ import annotations

import html
import json
import os
import re

import nbformat
import pytest

from course import ROOT, exercises, graded, hand_in, notebook, scratch_course, spec_lines
from grader import cluster, pipeline
from grader.course import Course
from grader.runtime import subset
from grader.trusted import sandbox, scan

pytestmark = pytest.mark.slow  # grades a whole class through the sandbox (make test-fast skips it)

A = "06_activations"
POINTS = exercises(A)
ANSWERS = {n: graded(notebook(A), n).source for n in POINTS}
WRONG = "def relu(x, inplace=False):\n    return torch.where(x > 0, x, torch.full_like(x, 0.5))\n"
CALLS = "def relu(x, inplace=False):\n    return F.relu(x)\n"
SUBSET = "outside the course's Python subset"

# student -> (relu cell, [extra cells put after the setup cell], words expected in relu's message, or None for full marks)
ATTACKS = {
    # the review's attacks
    "tensor_subclass_detach": ("class Agree(torch.Tensor):\n    def detach(self):\n"
                               "        return torch.relu(self.as_subclass(torch.Tensor))\n"
                               "def relu(x, inplace=False):\n"
                               "    return torch.where(x > 0, x, torch.full_like(x, 0.5)).as_subclass(Agree)\n",
                               [], SUBSET),
    "patches_tensor_detach": ("_detach = torch.Tensor.detach\n"
                              "torch.Tensor.detach = lambda self: torch.relu(_detach(self))\n" + WRONG,
                              [], SUBSET),
    "patches_tensor_detach_alias": ("T = torch.Tensor\nT.detach = lambda self: self.abs()\n" + WRONG, [], SUBSET),
    "wraps_json": ("import json\n_dumps = json.dumps\njson.dumps = lambda obj, *a, **k: _dumps(obj, *a, **k)\n" + WRONG,
                   [], SUBSET),
    "attrgetter_dispatch_mode": ("import operator\ndef relu(x, inplace=False):\n"
                                 "    mode = operator.attrgetter('utils._python_dispatch._get_current_dispatch_mode')(torch)()\n"
                                 "    if mode is not None:\n        mode.banned = ()\n    return F.relu(x)\n", [], SUBSET),
    "no_dispatch": ("from torch.utils._mode_utils import no_dispatch\ndef relu(x, inplace=False):\n"
                    "    with no_dispatch():\n        return F.relu(x)\n", [], SUBSET),
    "own_library_op": ("lib = torch.library.Library('mine', 'DEF')\nlib.define('myrelu(Tensor x) -> Tensor')\n"
                       "lib.impl('myrelu', lambda x: F.relu(x), 'CompositeExplicitAutograd')\n"
                       "def relu(x, inplace=False):\n    return torch.ops.mine.myrelu(x)\n", [], SUBSET),
    "logging_thread": ("import logging\ndef relu(x, inplace=False):\n    out = []\n"
                       "    t = logging.threading.Thread(target=lambda: out.append(F.relu(x)))\n    t.start(); t.join()\n"
                       "    return out[0]\n", [], SUBSET),
    "pkgutil_rewrites_guard": ("import pkgutil\nguard = pkgutil.resolve_name('grader.runtime.guard')\n"
                               "guard.OpGuard.__torch_dispatch__ = "
                               "lambda self, func, types, args=(), kwargs=None: func(*args, **(kwargs or {}))\n"
                               + CALLS, [], SUBSET),
    "cell_magic_time": ("%%time\n" + CALLS, [], "called torch's own"),
    "future_flag": ("def relu(x, inplace=False):\n    return x if 1 <> 2 else x\n", ["from __future__ import barry_as_FLUFL"],
                    SUBSET),
    "helper_module": ("with open('helper.py', 'w') as f:\n    f.write('import torch\\nrelu = torch.relu\\n')\n"
                      "from helper import relu\n", [], SUBSET),
    "json_request_hook": ("import json\n_loads = json.loads\nSEEN = []\n"
                          "json.loads = lambda s, *a, **k: SEEN.append(s) or _loads(s, *a, **k)\n" + WRONG, [], SUBSET),
    "nested_minus": ("def relu(x, inplace=False):\n    return x * (" + "-" * 3000 + "1)\n", [], SUBSET),
    "writes_notebook_beside_itself": (WRONG, ["with open('zz_notes.ipynb', 'w') as f:\n    f.write('{}')"], "values differ"),
    "huge_message": ("def relu(x, inplace=False):\n    raise RuntimeError('x' * 40_000_000)\n", ["print('x' * 40_000_000)"],
                     "RuntimeError"),
    "reads_environment": (WRONG, ["import os\nprint('URL=' + os.environ.get('COURSE_TEST_SECRET', 'none'))"], "values differ"),
    "script_output": (WRONG, ["from IPython.display import HTML, display\ndisplay(HTML('<b>hi</b><script>alert(1)</script>'))"],
                      "values differ"),
    # ours: doors without an underscore, and routes the guard must still see inside the subset
    "type_builds_subclass": ("T = type('T', (torch.Tensor,), {})\n" + WRONG, [], SUBSET),
    "metaclass": ("class Meta(type):\n    pass\nclass Fake(metaclass=Meta):\n    pass\n" + WRONG, [], SUBSET),
    "sets_class": ("def relu(x, inplace=False):\n    out = x.clone()\n    out.__class__ = torch.Tensor\n    return F.relu(out)\n",
                   [], SUBSET),
    "torch_ops_aten": ("def relu(x, inplace=False):\n    return torch.ops.aten.relu(x)\n", [], SUBSET),
    "torch_compile": ("relu = torch.compile(lambda x, inplace=False: F.relu(x))\n", [], SUBSET),
    "sys_modules": ("import sys\nsys.modules['grader.runtime.guard'] = None\n" + CALLS, [], SUBSET),
    "vars_of_torch": ("def relu(x, inplace=False):\n    return vars(F)['relu'](x)\n", [], SUBSET),
    "generator_frame": ("def relu(x, inplace=False):\n    g = (i for i in [1])\n    frame = g.gi_frame.f_back\n"
                        "    return F.relu(x)\n",
                        [], SUBSET),
    "traceback_frame": ("def relu(x, inplace=False):\n    try:\n        1 / 0\n    except ZeroDivisionError as e:\n"
                        "        e.__traceback__.tb_frame.f_globals['F'] = F\n    return F.relu(x)\n", [], SUBSET),
    "dunder_dict": ("def relu(x, inplace=False):\n    return F.__dict__['relu'](x)\n", [], SUBSET),
    "globals_door": ("def relu(x, inplace=False):\n    return globals()['F'].relu(x)\n", [], SUBSET),
    "builtins_door": ("def relu(x, inplace=False):\n    return __builtins__['getattr'](F, 'relu')(x)\n", [], SUBSET),
    "writefile_magic": ("%%writefile helper.py\nimport torch\nrelu = torch.relu\n", [], SUBSET),
    "shell_escape": ("!pip install nothing\n" + WRONG, [], SUBSET),
    "torch_utils_hooks": ("handle = torch.nn.modules.module.register_module_forward_hook(lambda m, i, o: o)\n" + WRONG,
                          [], SUBSET),
    "autograd_function_calls_op": ("class R(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                                   "        return F.relu(x)\n    @staticmethod\n    def backward(ctx, g):\n        return g\n"
                                   "def relu(x, inplace=False):\n    return R.apply(x)\n", [], "called torch's own"),
    "hook_calls_op": ("def relu(x, inplace=False):\n    out = torch.where(x > 0, x, torch.zeros_like(x))\n"
                      "    if out.requires_grad:\n        out.register_hook(lambda g: F.relu(g))\n    return out\n", [],
                      "called torch's own"),
    "module_calls_op": ("def relu(x, inplace=False):\n    return nn.ReLU()(x)\n", [], "called torch's own"),
    "returns_parameter": ("def relu(x, inplace=False):\n    return nn.Parameter(x.clamp(min=0))\n", [], "Parameter"),
    "exits_process": ("import sys\ndef relu(x, inplace=False):\n    raise SystemExit(0)\n", [], "SystemExit"),
    "loops_at_definition": ("while True:\n    pass\n" + WRONG, [], "ran longer than"),
    # honest work: full marks, whatever else the notebook holds
    "honest_self_check": (ANSWERS["relu"], ["import gc\ngc.collect()\nname = 'relu'\nprint(getattr(torch, name))"], None),
    "honest_autoreload": (ANSWERS["relu"], ["%load_ext autoreload\n%autoreload 2"], None),
    "honest_check_call": (ANSWERS["relu"] + "\n\nfrom grader import check\ncheck('relu', relu)\n", [], None),
    "honest_display": ("from IPython.display import display\n" + ANSWERS["relu"], [], None),
}


# Flagged attacks that are graded end to end all the same: the flag test reads the first; the others change
# what the student's kernel does with the notebook (a subclass, a parser flag, a cell that does not parse).
FLAGGED_AND_GRADED = {"patches_tensor_detach", "tensor_subclass_detach", "future_flag", "nested_minus"}
SLOTS = ["relu", "sigmoid", "leaky_relu"]  # an attack on each of three exercises per notebook: fewer notebooks to grade
RETARGET = {
    "sigmoid": {"def relu(x, inplace=False)": "def sigmoid(x)", "lambda x, inplace=False:": "lambda x:",
                "F.relu": "torch.sigmoid", "torch.relu": "torch.sigmoid", "nn.ReLU()": "nn.Sigmoid()",
                "aten.relu": "aten.sigmoid", "'relu'": "'sigmoid'", "import relu": "import sigmoid", "relu = ": "sigmoid = "},
    "leaky_relu": {"def relu(x, inplace=False)": "def leaky_relu(x, negative_slope=0.01)",
                   "lambda x, inplace=False:": "lambda x, negative_slope=0.01:", "F.relu": "F.leaky_relu",
                   "torch.relu": "F.leaky_relu", "nn.ReLU()": "nn.LeakyReLU()", "aten.relu": "aten.leaky_relu",
                   "'relu'": "'leaky_relu'", "import relu": "import leaky_relu", "relu = ": "leaky_relu = "},
}


def retarget(source: str, name: str) -> str:
    """An attack written on ``relu``, aimed at exercise ``name`` instead."""
    if name == "relu":
        return source
    table = RETARGET[name]
    return re.sub("|".join(map(re.escape, sorted(table, key=len, reverse=True))), lambda m: table[m.group(0)], source)


def classes() -> dict[str, dict[str, str]]:
    """Student -> {exercise: attack}: the attacks, three to a notebook; the honest work, one notebook."""
    attacks = [a for a, (_, _, words) in ATTACKS.items() if words not in (None, SUBSET) or a in FLAGGED_AND_GRADED]
    out = {f"attacks_{i // len(SLOTS):02d}": {} for i in range(len(attacks))}
    for i, attack in enumerate(attacks):
        out[f"attacks_{i // len(SLOTS):02d}"][SLOTS[i % len(SLOTS)]] = attack
    out["honest"] = {"relu": "honest_check_call"}
    return out


def submission_for(slots: dict[str, str]):
    nb = notebook(A, "notebooks")
    for name, source in ANSWERS.items():
        graded(nb, name).source = source
    extra = []
    for name, attack in slots.items():
        relu, cells, _ = ATTACKS[attack]
        graded(nb, name).source = retarget(relu, name)
        extra += cells
    if any(ATTACKS[a][2] is None for a in slots.values()):  # the honest notebook: every honest extra cell
        extra = [c for a, (_, cells, words) in ATTACKS.items() if words is None for c in cells]
        graded(nb, "sigmoid").source = ATTACKS["honest_display"][0].replace(ANSWERS["relu"], ANSWERS["sigmoid"])
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    for k, source in enumerate(extra, start=1):
        nb.cells.insert(setup + k, nbformat.v4.new_code_cell(source))
    return nb


def numpy_in_setup():
    nb = notebook(A, "notebooks")
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.source = "import numpy as np\n" + cell.source
    for name, source in ANSWERS.items():
        graded(nb, name).source = source
    return nb


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    if sandbox.probe():
        pytest.fail(f"the grading sandbox cannot start here: {sandbox.probe()} (run `make sandbox`)")
    root = scratch_course(tmp_path_factory.mktemp("course"))
    for student, slots in classes().items():
        hand_in(root, student, A, submission_for(slots))
    hand_in(root, "honest_numpy_setup", A, numpy_in_setup())
    # a secret in the grader's environment, as docs/scaling.md's GRADEBOOK_URL=postgresql://user:password@...
    os.environ["COURSE_TEST_SECRET"] = "user:password@db"
    try:
        jobs = pipeline.autograde(Course(root), [A], out=lambda *_: None,
                                  runner=cluster.Dask(workers=2), time_limit=300, cell_timeout=20)
    finally:
        os.environ.pop("COURSE_TEST_SECRET")
    records = {s: json.loads(p.read_text()) for s in [*classes(), "honest_numpy_setup"]
               if (p := pipeline.results_dir(root) / A / f"{s}.json").exists()}
    where = {attack: (student, name) for student, slots in classes().items() for name, attack in slots.items()}
    return dict(root=root, jobs={j.student: j for j in jobs}, records=records, where=where)


def feedback_of(root, student) -> str:
    return "\n".join(p.read_text(errors="replace") for p in (root / "feedback" / student).rglob("*") if p.is_file())


@pytest.mark.parametrize("attack", [a for a, (_, _, words) in ATTACKS.items() if words == SUBSET])
@pytest.mark.parametrize("name", SLOTS)
def test_attack_is_flagged_by_the_scan(attack, name):
    """Grading a flagged exercise (0 points, the message, none of it run) is checked end to end on
    FLAGGED_AND_GRADED; that the scan flags each attack on each exercise, and no other exercise, here."""
    plan = scan.plan(submission_for({name: attack}), scan.release_sources(ROOT, A), list(POINTS))
    assert plan.flagged(name), f"{attack} on {name}: the scan let it through"
    assert SUBSET in subset.message(name, plan.flagged(name))
    assert [n for n in POINTS if n != name and plan.flagged(n)] == []


@pytest.mark.parametrize("attack", [a for student, slots in classes().items() if student != "honest" for a in slots.values()])
def test_attack(graded_class, attack):
    student, name = graded_class["where"][attack]
    words = ATTACKS[attack][2]
    job = graded_class["jobs"][student]
    assert job.graded, job.reason
    by_name = {e["exercise"]: e for e in graded_class["records"][student]["exercises"]}
    assert by_name[name]["score"] == 0, by_name[name]
    assert words in by_name[name]["message"], by_name[name]["message"][:500]
    assert len(by_name[name]["message"]) <= 5000
    for other in POINTS:  # one exercise's code never reaches another's process
        if other not in classes()[student]:
            assert by_name[other]["score"] == POINTS[other], (other, by_name[other]["message"][:500])


@pytest.mark.parametrize("student", [*classes(), "honest_numpy_setup"])
def test_feedback_shows_no_hidden_test_no_secret_no_script(graded_class, student):
    feedback = feedback_of(graded_class["root"], student)
    assert feedback, "every graded student gets feedback"
    leaked = [line for line in spec_lines(A) if line in feedback or html.escape(line) in feedback]
    assert not leaked, f"hidden test lines in {student}'s feedback: {leaked[:3]}"
    assert "password" not in feedback  # the kernel's environment is cleared
    assert "<script>alert" not in feedback


@pytest.mark.parametrize("student", ["honest", "honest_numpy_setup"])
def test_honest_work_keeps_full_marks(graded_class, student):
    record = graded_class["records"][student]
    assert record["score"] == sum(POINTS.values()), [(e["exercise"], e["message"][:300]) for e in record["exercises"]]
    assert all(f["exercise"] == "(no exercise)" for f in record["integrity_flags"]), record["integrity_flags"]


def test_flags_name_the_line_and_the_reason(graded_class):
    student, name = graded_class["where"]["patches_tensor_detach"]
    message = {e["exercise"]: e for e in graded_class["records"][student]["exercises"]}[name]["message"]
    assert retarget("torch.Tensor.detach = lambda self: torch.relu(_detach(self))", name) in message
    assert "changes an object your code did not create" in message
    report = (graded_class["root"] / "reports" / "class_report.md").read_text()
    assert f"{student} / 06_activations / {name}" in report


def test_only_the_submitted_notebook_comes_back(graded_class):
    folder = graded_class["root"] / "autograded" / graded_class["where"]["writes_notebook_beside_itself"][0] / A
    assert not (folder / "zz_notes.ipynb").exists()
    assert (graded_class["root"] / "reports" / "grades.csv").exists()


def test_huge_outputs_are_capped(graded_class):
    path = graded_class["root"] / "autograded" / graded_class["where"]["huge_message"][0] / A / f"{A}.ipynb"
    assert path.stat().st_size < 5 * 2**20
