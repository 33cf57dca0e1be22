"""The trusted side's own defences: the wire format and verdicts in nbgrader (the subset: tests/runtime/test_subset.py)."""

import nbformat
import pytest
import torch
from nbgrader.utils import determine_grade

from grader.runtime import wire
from grader.runtime.engine import GroupResult, Verdict
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


def test_the_kernel_runs_the_students_cells_the_solutions_and_what_they_need_not_the_other_teaching_cells():
    """Grading's kernel runs only for the feedback page's outputs: a teaching cell none of the student's cells
    needs (a figure) is not run; one that binds a name a student cell reads is, with the imports it needs."""
    from grader.trusted import scan
    release = ["import torch\nimport matplotlib.pyplot as plt",            # 0 setup
               "x = torch.arange(16.).reshape(1, 1, 4, 4)",                # 1 teaching: binds x
               "plt.imshow(x[0, 0]); plt.show()",                          # 2 teaching: a figure
               "def pool(x):\n    raise NotImplementedError",              # 3 solution stub
               "def shift(x):\n    raise NotImplementedError",             # 4 solution stub
               "y = torch.zeros(3)\nprint(y)"]                             # 5 teaching: nobody reads y
    sources = [release[0], release[1], release[2], "def pool(x):\n    return x[..., ::2, ::2]", release[4],
               release[5], "print(pool(x).shape)"]                        # 6: the student's own cell reads x
    def notebook(solutions: bool):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
        for k in (3, 4):
            nb.cells[k].metadata["nbgrader"] = {"solution": solutions, "grade": False, "grade_id": ["pool", "shift"][k - 3]}
        nb.cells.insert(0, nbformat.v4.new_markdown_cell("# Pooling"))  # notebook indexes are one past the positions
        return nb

    assert scan.plan(notebook(True), release, ["pool", "shift"]).kernel_cells() == [1, 2, 4, 5, 7]
    # without the solution marks: the student's cells and what they need, the stub left alone
    assert scan.plan(notebook(False), release, ["pool", "shift"]).kernel_cells() == [1, 2, 4, 7]
