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
