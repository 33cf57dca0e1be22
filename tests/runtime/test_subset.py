"""The course's Python subset (an allow-list), the plan of which cells each exercise runs, and the worker.

Fast: no class is graded here (tests/trusted/test_closed_world.py and tests/trusted/test_trusted.py do that through
the sandboxed `make autograde`).
"""
from __future__ import annotations

import nbformat
import pytest

from course import PRELUDE, graded, notebook
from grader.runtime import subset, visible, wire
from grader.runtime.cells import python_of
from grader.trusted import scan
from grader.trusted.harness import GradingWorker

# Outside the subset: every door the review and we found, none of them a name on a deny-list.
FLAGGED = {
    "sys.modules": "import sys\nsys.modules['grader'] = None",
    "builtins": "import builtins\nbuiltins.print = None",
    "__builtins__": "__builtins__['len'] = None",
    "get_ipython": "ip = get_ipython()",
    "threading": "import threading",
    "logging.threading": "import logging\nt = logging.threading.Thread",
    "os.system": "import os\nos.system('ls')",
    "shell": "!ls",
    "exec": "exec('x = 1')",
    "eval": "eval('1')",
    "compile": "code = compile('1', 'f', 'eval')",
    "__import__": "m = __import__('torch')",
    "importlib": "import importlib",
    "pkgutil": "import pkgutil\npkgutil.resolve_name('grader.runtime.guard')",
    "getattr": "getattr(torch, name)",
    "setattr": "setattr(torch, 'relu', None)",
    "vars": "vars(F)['relu']",
    "globals": "globals()['F']",
    "open": "open('helper.py', 'w')",
    "breakpoint": "breakpoint()",
    "attrgetter": "import operator\noperator.attrgetter('utils._python_dispatch')(torch)",
    "methodcaller": "from operator import methodcaller",
    "private module": "from torch.utils._python_dispatch import _pop_mode",
    "private attribute": "torch._C._set_dispatch_mode(None)",
    "no_dispatch": "from torch.utils._mode_utils import no_dispatch",
    "torch.library": "lib = torch.library.Library('mine', 'DEF')",
    "torch.utils": "torch.utils.hooks",
    "torch.utils alone": "u = torch.utils",
    "from torch import utils": "from torch import utils\nutils.hooks",
    "instance of a class not its own": "s = slice(1)\ns._x",
    "__class__ beyond the name": "c = self.__class__.__bases__",
    "torch.ops": "torch.ops.aten.relu(x)",
    "torch.compile": "f = torch.compile(g)",
    "torch.load": "torch.load('x.pt', weights_only=False)",
    "module hook": "nn.modules.module.register_module_forward_hook(h)",
    "tensor subclass": "class T(torch.Tensor):\n    pass",
    "parameter subclass": "class P(nn.Parameter):\n    pass",
    "dict subclass": "class D(dict):\n    pass",
    "metaclass": "class M(nn.Module, metaclass=Meta):\n    pass",
    "type() builds a class": "T = type('T', (torch.Tensor,), {})",
    "__torch_function__": "class M(nn.Module):\n    def __torch_function__(cls, *a):\n        pass",
    "monkeypatch torch": "torch.Tensor.detach = lambda self: self",
    "monkeypatch via alias": "T = torch.Tensor\nT.detach = lambda self: self",
    "monkeypatch F": "F.relu = lambda x: x",
    "monkeypatch a parameter": "def f(x):\n    x.shape = None",
    "item of a module": "F.__dict__['relu'] = None",
    "__class__": "x.__class__ = torch.Tensor",
    "frames": "g = (i for i in [1])\nf = g.gi_frame.f_back",
    "traceback frames": "try:\n    1 / 0\nexcept Exception as e:\n    e.__traceback__.tb_frame",
    "json": "import json\njson.dumps = None",
    "numpy's ctypes": "import numpy as np\nnp.ctypeslib",
    "sys beyond stdout": "import sys\nsys.settrace(None)",
    "grader beyond check": "import grader\ngrader.runtime",
    "cell magic": "%%writefile helper.py\nx = 1",
    "unknown magic": "%run helper.py",
    "magic result": "files = !ls",
    "future flag": "from __future__ import barry_as_FLUFL",
    "not Python": "def relu(x):\n    return x if 1 <> 2 else x",
    "nested too deep": "y = " + "-" * 3000 + "1",
    "relative import": "from . import helper",
    "star import": "from torch import *",
    "autocall": "/getattr torch _C",
    "pattern reads a dunder": "match x:\n    case object(__class__=c):\n        pass",
    "string.Formatter": "import string\nstring.Formatter().get_field('0.__init__', [x], {})",
    "get_type_hints": "import typing\ntyping.get_type_hints(f)",
    "DataLoader workers": "from torch.utils.data import DataLoader\nDataLoader(d, num_workers=1)",
    "switch_backend": "import matplotlib.pyplot as plt\nplt.switch_backend('module://helper')",
}

# Inside the subset: what honest students write.
CLEAN = {
    "setup": PRELUDE,
    "generator": "def f(model):\n    return sum(p.numel() for m in model.modules() for p in m.parameters(recurse=False))",
    "module": "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
              "        self._cache = {}\n    def forward(self, x):\n        self._cache['x'] = x\n        return self.fc(x)",
    "magics": "%matplotlib inline\n%load_ext autoreload\n%autoreload 2\nimport math",
    "time magic": "%time y = torch.ones(3)\n%timeit -n 1 -r 1 torch.ones(3)",
    "time cell": "%%time\ny = torch.ones(3)",
    "grader": "from grader import check\nfrom grader.data import cifar10",
    "hook": "model.register_forward_hook(lambda m, i, o: None)",
    "stderr": "import sys, warnings\nprint('x', file=sys.stderr)\nwarnings.warn('careful')",
    "display": "from IPython.display import display\ndisplay(torch.ones(2))",
    "numpy": "import numpy as np\nk = np.array([1.0, 2.0])",
    "itertools": "import itertools, math, functools, operator\n"
                 "idx = list(itertools.product(range(2), range(3)))\nn = functools.reduce(operator.mul, [2, 3])\n"
                 "m = math.ceil(2.5)",
    "autograd function": "class R(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                         "        ctx.save_for_backward(x)\n        ctx.slope = 0.1\n        return x.clamp(min=0)\n"
                         "    @staticmethod\n    def backward(ctx, g):\n        (x,) = ctx.saved_tensors\n"
                         "        return g * (x > 0)",
    "no_grad": "def f(m, v):\n    with torch.no_grad():\n        m.mul_(0.9).add_(v)",
    "requires_grad": "t = torch.zeros(3)\nt.requires_grad = True",
    "as_strided": "y = x.as_strided((2, 2), (1, 1))\nz = x.unfold(2, 2, 2)",
    "exception class": "class ShapeError(ValueError):\n    pass\nraise ShapeError('bad')",
    "type name": "msg = f'got {type(x).__name__}'",
    "dunder init": "class A:\n    def __init__(self):\n        self.n = 0\n    def __len__(self):\n        return self.n",
    "help": "torch.nn.functional.relu?",
    "hasattr": "ok = hasattr(x, 'shape')",
    "dataloader": "from torch.utils.data import Dataset, TensorDataset\nfrom torch.utils.tensorboard import SummaryWriter",
    "annotations": "from __future__ import annotations\ndef f(x: torch.Tensor) -> torch.Tensor:\n    return x",
    "setitem": "outputs = {}\nhook = lambda m, i, o: outputs.__setitem__('a', o)",
    "torch.utils.data by attribute": "data = torch.utils.data.TensorDataset(torch.ones(2))",
    "own instance": "class _Rule:\n    def _source(self):\n        return 1\nrule = _Rule()\nrule._source()",
    "main guard": "if __name__ == '__main__':\n    print(id(1))",
    "gradcheck": "ok = torch.autograd.gradcheck(torch.sin, (torch.ones(2, dtype=torch.float64, requires_grad=True),))",
}


def findings(source: str) -> list:
    return subset.notebook_findings([PRELUDE, source])[1]


@pytest.mark.parametrize("what", list(FLAGGED))
def test_outside_the_subset(what):
    assert findings(FLAGGED[what]), FLAGGED[what]


@pytest.mark.parametrize("what", list(CLEAN))
def test_inside_the_subset(what):
    assert findings(CLEAN[what]) == [], [str(f) for f in findings(CLEAN[what])]


@pytest.mark.parametrize("assignment", sorted(p.name for p in (notebook.__globals__["ROOT"] / "solutions").iterdir()))
def test_the_course_solutions_are_inside(assignment):
    nb = notebook(assignment)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            assert findings(cell.source) == [], (cell.metadata.nbgrader.grade_id, [str(f) for f in findings(cell.source)])


def test_magics_keep_line_numbers():
    code, problems = python_of("%time y = f(x)\n%matplotlib inline\nz = 1\n!ls")
    assert code.split("\n") == ["y = f(x)", "", "z = 1", ""] and [p[0] for p in problems] == [4]


def test_release_lines_are_never_flagged():
    release = ["import os\nimport torch"]
    assert subset.notebook_findings(["import os\nimport torch\nimport numpy as np"], release) == [[]]
    assert [f.text for f in subset.notebook_findings(["import os\nimport sys\nsys.modules"], release)[0]] == ["sys.modules"]


def exercise_cell(name, source):
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": name}})


def test_the_plan_runs_only_what_an_exercise_needs():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(PRELUDE + "import os"),  # the release's setup cell
        nbformat.v4.new_code_cell("import torch\nimport gc\ngc.collect()"),  # a student's experiment: it imports torch too
        nbformat.v4.new_code_cell("def helper(x):\n    return torch.clamp(x, min=0)"),
        exercise_cell("relu", "def relu(x, inplace=False):\n    return helper(x)"),
        exercise_cell("sigmoid", "import json\ndef sigmoid(x):\n    return 1 / (1 + torch.exp(-x))"),
        nbformat.v4.new_code_cell("check('relu', relu)", metadata={"nbgrader": {"grade": True, "grade_id": "test_relu"}}),
    ])
    plan = scan.plan(nb, [PRELUDE + "import os"], ["relu", "sigmoid"])
    # torch's last binding is the experiment's `import torch`: that statement is needed, never the experiment
    assert plan.needs == {"relu": [2, 3], "sigmoid": [4]}
    assert plan.imports == {"relu": ["import torch"], "sigmoid": ["import torch"]}
    assert plan.setup() == [] and plan.student_cells("relu") == [2, 3]
    assert plan.flagged("relu") == []
    assert [f.text for f in plan.flagged("sigmoid")] == ["import json"]
    flags = plan.flags()
    assert list(flags) == ["sigmoid", scan.NO_EXERCISE]
    assert "no points depend on it" in flags[scan.NO_EXERCISE][0]


def test_the_learner_hears_it_first_with_the_graders_words():
    history = ["", PRELUDE, "import operator\ndef relu(x, inplace=False):\n    return operator.attrgetter('relu')(F)(x)"]
    found = visible.subset_findings("relu", history)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PRELUDE), exercise_cell("relu", history[2])])
    assert subset.message("relu", found) == subset.message("relu", scan.plan(nb, [PRELUDE], ["relu"]).flagged("relu"))
    assert "outside the course's Python subset" in subset.message("relu", found)


def test_check_in_a_kernel_stops_on_code_outside_the_subset():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    try:
        shell.run_cell(PRELUDE, store_history=True)
        shell.run_cell("import json\n" + graded(notebook("06_activations"), "relu").source, store_history=True)
        result = shell.run_cell("from grader import check\ncheck('relu', relu)", store_history=True)
        assert isinstance(result.error_in_exec, AssertionError)
        assert "outside the course's Python subset: import json" in str(result.error_in_exec)
        shell.run_cell(graded(notebook("06_activations"), "relu").source, store_history=True)
        assert shell.run_cell("check('relu', relu)", store_history=True).error_in_exec is None
    finally:
        InteractiveShell.clear_instance()


# -- the worker: one fresh process per exercise ----------------------------------------------------

def worker_for(cells: list[str], names: list[str]):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PRELUDE)]
                                  + [exercise_cell(n, s) if n else nbformat.v4.new_code_cell(s)
                                     for n, s in zip(names, cells, strict=True)])
    plan = scan.plan(nb, [PRELUDE], [n for n in names if n])
    return GradingWorker(plan, sandboxed=False, timings={"worker_start": 0.0}, timeout=10)


def ask(worker, name, payloads):
    from grader.runtime.engine import StudentProcessFailure
    try:
        return worker.transport(name, "call", payloads)
    except StudentProcessFailure as e:
        return str(e)


def test_worker_reads_only_exact_tensors_and_keeps_exercises_apart():
    x = wire.decode(wire.encode(__import__("torch").tensor([-1.0, 2.0])))
    w = worker_for([
        "LEAK = []\ndef relu(x, inplace=False):\n    LEAK.append(1)\n    return nn.Parameter(x.clamp(min=0))",
        "def sigmoid(x):\n    return torch.ones(len(LEAK))",
        "def hang(x):\n    while True:\n        pass",
        "def dies(x):\n    raise SystemExit(3)",
    ], ["relu", "sigmoid", "hang", "dies"])
    try:
        relu = ask(w, "relu", [{"kwargs": {"x": x}, "banned": ["relu"]}])
        assert relu[0]["status"] == "ok" and repr(relu[0]["output"]) == "<Parameter object>"
        sigmoid = ask(w, "sigmoid", [{"kwargs": {"x": x}, "banned": ["sigmoid"]}])
        # sigmoid needs relu's cell (for LEAK), which runs afresh in its own process: relu's calls never happened there
        assert sigmoid[0]["status"] == "ok" and tuple(sigmoid[0]["output"].shape) == (0,)
        w.timeout = 2
        assert "ran longer than 2 s" in ask(w, "hang", [{"kwargs": {"x": x}, "banned": []}])
        assert ask(w, "dies", [{"kwargs": {"x": x}, "banned": []}])[0]["type"] == "SystemExit"
        again = ask(w, "relu", [{"kwargs": {"x": x}, "banned": ["relu"]}])  # the worker itself lives on
        assert again[0]["status"] == "ok"
    finally:
        w.close()


def test_worker_guard_sees_the_op_anywhere_in_the_probe():
    x = wire.decode(wire.encode(__import__("torch").tensor([-1.0, 2.0], dtype=__import__("torch").float64)))
    w = worker_for(["def relu(x, inplace=False):\n    out = x * (x > 0)\n"
                    "    if out.requires_grad:\n        out.register_hook(lambda g: F.relu(g))\n    return out"], ["relu"])
    try:
        got = ask(w, "relu", [{"kwargs": {"x": x}, "grad": ["x"], "upstream_seed": 0, "banned": ["relu"]}])
        assert got[0] == {"status": "banned", "op": "relu"}
    finally:
        w.close()


def test_worker_environment_is_cleared(monkeypatch):
    monkeypatch.setenv("GRADEBOOK_URL", "postgresql://user:password@host/db")
    x = wire.decode(wire.encode(__import__("torch").tensor([1.0])))
    # a release cell may read the environment (08's does): it sees the cleared one
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(PRELUDE + "import os\nURL = os.environ.get('GRADEBOOK_URL')"),
        exercise_cell("relu", "def relu(x, inplace=False):\n    return x if URL is None else x * 0")])
    release = [nb.cells[0].source]
    w = GradingWorker(scan.plan(nb, release, ["relu"]), sandboxed=False, timings={"worker_start": 0.0}, timeout=10)
    try:
        got = ask(w, "relu", [{"kwargs": {"x": x}, "banned": []}])
        assert got[0]["output"].tolist() == [1.0]
    finally:
        w.close()


@pytest.mark.parametrize("assignment", sorted(p.name for p in (notebook.__globals__["ROOT"] / "solutions").iterdir()))
def test_every_notebook_states_the_subset_in_its_introduction(assignment):
    import re
    nb = notebook(assignment, "notebooks")
    (cell,) = [c for c in nb.cells if c.get("id") == "subset"]
    assert nb.cells.index(cell) < min(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
    imports = cell.source.split("**imports**")[1].split("\n- ")[0]
    named = set(re.findall(r"`([\w.]+)`", imports)) - {"sys.stdout", "sys.stderr"}
    assert named and named <= set(subset.IMPORTS), named - set(subset.IMPORTS)
    for door in ("getattr", "setattr", "vars", "globals", "exec", "eval", "compile", "open", "__import__"):
        assert f"`{door}`" in cell.source and findings(f"{door}"), door


def test_the_learners_release_digests_are_current():
    from grader import pipeline
    from grader.course import Course
    from grader.runtime.cells import RELEASE_FILE
    root = notebook.__globals__["ROOT"]
    committed = (root / "grader" / "runtime" / RELEASE_FILE).read_text()
    assert committed == pipeline.release_digests_json(Course(root)), \
        "run `make release` and commit grader/runtime/release_cells.json"


@pytest.mark.parametrize("assignment", sorted(p.name for p in (notebook.__globals__["ROOT"] / "solutions").iterdir()))
def test_the_progress_cell_takes_no_name_the_notebook_uses(assignment):
    from grader.runtime.cells import Cell
    cells = [Cell.read(i, c.source) for i, c in enumerate(notebook(assignment, "notebooks").cells) if c.cell_type == "code"]
    (progress,) = [c for c in cells if "grader.runtime.progress" in c.source]
    others = set().union(*(c.binds | c.uses for c in cells if c is not progress))
    assert not progress.binds & others, progress.binds & others


def test_worker_stops_a_reply_past_its_limit():
    x = wire.decode(wire.encode(__import__("torch").tensor([1.0])))
    w = worker_for(["def relu(x, inplace=False):\n    return torch.zeros(4_000_000)"], ["relu"])
    try:
        got = ask(w, "relu", [{"kwargs": {"x": x}, "banned": []}] * 6)
        assert "more than the 64 MiB a reply may hold" in got, got
    finally:
        w.close()
