"""The trusted side's own defences: the wire format, the reply file, the static scan, verdicts in nbgrader."""
import json
import os

import nbformat
import pytest
import torch
from nbgrader.utils import determine_grade

from grader.runtime import wire
from grader.runtime.engine import GroupResult, Verdict
from grader.trusted import results, scan
from grader.trusted.harness import verdict_outputs


def test_plain_data_round_trips():
    value = {"t": torch.arange(6.0).reshape(2, 3)[:, ::2], "i": torch.tensor([1, 2]), "b": torch.tensor(True),
             "h": torch.ones(2, dtype=torch.bfloat16), "e": torch.empty(0, 3), "n": (1, 2.5, float("inf"), None, "s"),
             "size": torch.Size([2, 3]), "dtype": torch.float64, "nan": float("nan")}
    back = wire.loads(wire.dumps(value))
    assert torch.equal(back["t"], value["t"]) and back["t"].dtype == torch.float32
    assert torch.equal(back["i"], value["i"]) and back["b"].item() is True and back["h"].dtype == torch.bfloat16
    assert back["e"].shape == (0, 3) and back["n"] == (1, 2.5, float("inf"), None, "s")
    assert back["size"] == (2, 3) and back["dtype"] is torch.float64 and back["nan"] != back["nan"]


def test_objects_come_back_as_their_type_name_only():
    class Liar:
        def __eq__(self, other):
            return True
    back = wire.loads(wire.dumps([Liar(), torch.nn.ReLU()]))
    assert [repr(b) for b in back] == ["<Liar object>", "<ReLU object>"]
    assert back[0] != torch.tensor(1.0)


@pytest.mark.parametrize("text,words", [
    ('{"__tensor__": ["float32", [2], "AAAA"]}', "needs 8 bytes"),
    ('{"__tensor__": ["complex64", [1], ""]}', "not allowed"),
    ('{"__tensor__": ["float32", [-1], ""]}', "bad tensor shape"),
    ('{"__tensor__": ["float32", [100000, 100000, 100], ""]}', "too large"),
    ('{"__pickle__": "gASV"}', "unknown tag"),
    ('{"a": 1, "b": 2}', "malformed"),
    ('[' * 100 + ']' * 100, "nesting"),
    ('not json', "not JSON"),
])
def test_malformed_replies_are_wire_errors(text, words):
    with pytest.raises(wire.WireError, match=words):
        wire.loads(text)


def test_reply_file_is_bounded_and_never_followed(tmp_path):
    with pytest.raises(wire.WireError, match="no reply"):
        results.read_reply(tmp_path / "missing.json")
    secret = tmp_path / "secret.json"
    secret.write_text('{"__dict__": []}')
    link = tmp_path / "link.json"
    os.symlink(secret, link)
    with pytest.raises(wire.WireError, match="cannot be opened"):
        results.read_reply(link)
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(wire.WireError, match="not a plain file"):
        results.read_reply(tmp_path / "dir.json")
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(wire.MAX_BYTES + 1)
    with pytest.raises(wire.WireError, match="more than"):
        results.read_reply(big)
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"__dict__": [["results", []]]}))
    assert results.read_reply(ok) == {"results": []} and not ok.exists()


FLAGGED = [
    "import sys\nsys.modules['grader'] = None",
    "import builtins\nbuiltins.print = None",
    "__builtins__['len'] = None",
    "get_ipython().events.register('pre_run_cell', print)",
    "ip = get_ipython()",
    "import threading",
    "from concurrent.futures import ThreadPoolExecutor",
    "import subprocess",
    "import os\nos.system('ls')",
    "!ls",
    "exec('x = 1')",
    "eval('1')",
    "code = compile('1', 'f', 'eval')",
    "m = __import__('torch')",
    "import importlib",
    "getattr(torch, name)",
    "getattr(torch, '_C')",
    "from torch.utils._python_dispatch import _pop_mode",
    "torch._C._set_dispatch_mode(None)",
    "class T(torch.Tensor):\n    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):\n        pass",
    "import grader.runtime.guard as g",
    "from grader import check",
    "f.__globals__['x'] = 1",
    "import ctypes",
    "import signal",
]
CLEAN = [
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F",
    "def f(model):\n    return sum(p.numel() for m in model.modules() for p in m.parameters(recurse=False))",
    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)",
    "%matplotlib inline\nimport math",
    "getattr(nn, 'ReLU')()",
    "from grader.data import cifar10",
    "x.register_forward_hook(lambda m, i, o: None)",
]


@pytest.mark.parametrize("source", FLAGGED)
def test_scan_flags_hiding_from_the_grader(source):
    assert scan.findings(source), source


@pytest.mark.parametrize("source", CLEAN)
def test_scan_leaves_ordinary_code_alone(source):
    assert scan.findings(source) == []


def test_flags_land_on_the_exercise_or_on_every_exercise():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import threading  # released", metadata={}),
        nbformat.v4.new_code_cell("def relu(x):\n    exec('y = 1')\n    return x",
                                  metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "relu"}}),
        nbformat.v4.new_code_cell("import signal", metadata={}),
        nbformat.v4.new_code_cell("import subprocess", metadata={"nbgrader": {"grade": True, "grade_id": "test_relu"}}),
    ])
    flags = scan.scan_notebook(nb, released={"import threading  # released"})
    assert flags == {"relu": ["exec('y = 1')  (runs code built at run time)"],
                     "*": ["import signal  (changes signal handling)"]}


@pytest.mark.parametrize("status,score,expected", [("pass", 3, 3), ("partial", 1.5, 1.5), ("fail", 0, 0)])
def test_nbgrader_records_the_trusted_verdict(status, score, expected):
    groups = {"values": GroupResult("values", 1.5), "gradients": GroupResult("gradients", 1.5)}
    for g, r in groups.items():
        r.checks = 1
        r.failed = int(status == "fail" or (status == "partial" and g == "gradients"))
    verdict = Verdict("relu", 3, status, groups, "" if status == "pass" else "relu failed hidden case 1 of 2: ...")
    assert verdict.score == score
    cell = nbformat.v4.new_code_cell("check('relu', relu)", metadata={"nbgrader": {"grade": True, "points": 3,
                                                                                    "grade_id": "test_relu"}})
    cell.outputs = verdict_outputs(verdict)
    assert determine_grade(cell) == (expected, 3)
