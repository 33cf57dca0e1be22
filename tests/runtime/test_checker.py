"""Unit tests of the engine that compares a student's function with torch's, and of the op guard.

``check`` below grades a throw-away exercise spec in this process, through the wire format
both ways, exactly as the learner's visible check does; the trusted grader uses the same
engine with the student's process at the other end of the wire.
"""
import re

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader import BannedOpError, OpGuard, assert_same, grid, rand
from grader.runtime import engine
from grader.runtime.cases import Rand
from grader.runtime.compare import side_by_side
from grader.runtime.spec import Exercise, Tensors

GROUPS = {"values": 1.0, "gradients": 1.0, "errors": 1.0}


def check(fn, reference, cases, dtypes=(torch.float32, torch.float64), banned=(), hint=None, grad=True):
    """Grade ``fn`` on ``cases`` as hidden cases; raise AssertionError with the first failure."""
    name = getattr(fn, "__name__", "fn")
    name = "fn" if name == "<lambda>" else name
    ex = Exercise(name, 3, reference, GROUPS, hidden=cases, banned=banned, hint=hint, kind=Tensors(dtypes=dtypes, grad=grad))
    verdict = engine.run(ex, engine.local_transport(lambda _: fn), kinds=("hidden",))
    if verdict.status == "not attempted":
        raise NotImplementedError(verdict.message)
    if verdict.message:
        raise AssertionError(verdict.message)


def ref_avg(x, k):
    return F.avg_pool2d(x, k)


def mine_avg(x, k):
    return x.unfold(2, k, k).unfold(3, k, k).mean(dim=(-2, -1))


CASES = grid(x=[rand(1, 1, 4, 4), rand(2, 3, 5, 7)], k=[1, 2])


def test_grid_is_every_combination_in_order():
    cases = grid(a=[1, 2], b=["x", "y", "z"])
    assert len(cases) == 6
    assert cases[0] == {"a": 1, "b": "x"} and cases[-1] == {"a": 2, "b": "z"}


def test_random_tensors_are_deterministic_and_distinct():
    def gen():
        return torch.Generator().manual_seed(5)

    a = Rand((3, 4, 5)).build(torch.float64, gen())
    b = Rand((3, 4, 5)).build(torch.float64, gen())
    assert torch.equal(a, b)
    assert a.unique().numel() == a.numel(), "ties would make max pooling's gradient ambiguous"
    assert a.min() >= -3 and a.max() <= 3
    assert Rand((2,)).build(torch.float32, gen()).dtype == torch.float32


def test_correct_function_passes():
    assert check(mine_avg, ref_avg, CASES, banned=("avg_pool",)) is None


def test_points_are_split_over_groups():
    def no_grad(x, k):
        return mine_avg(x, k).detach()
    ex = Exercise("pool", 3, ref_avg, GROUPS, hidden=CASES + [dict(x=rand(1, 1, 2, 2), k=3)])
    verdict = engine.run(ex, engine.local_transport(lambda _: no_grad), kinds=("hidden",))
    assert verdict.status == "partial" and verdict.score == 1.0  # values right; no gradient; no ValueError
    assert verdict.groups["values"].earned == 1 and verdict.groups["gradients"].earned == 0
    assert "not connected to autograd" in verdict.groups["gradients"].message
    assert "torch rejects these arguments" in verdict.groups["errors"].message
    assert re.search(r"values\s+1 / 1\s+pass", verdict.feedback())


def test_calling_the_banned_op_scores_zero_whatever_the_groups():
    ex = Exercise("pool", 3, ref_avg, GROUPS, hidden=CASES, banned=("avg_pool",))
    verdict = engine.run(ex, engine.local_transport(lambda _: ref_avg), kinds=("hidden",))
    assert verdict.status == "banned" and verdict.score == 0 and "called torch's own `avg_pool2d`" in verdict.message


def test_a_student_process_that_cannot_answer_fails_the_exercise_with_the_reason():
    def dead(name, probe, payloads):
        raise engine.StudentProcessFailure("the student's process died while computing pool's cases")
    verdict = engine.run(Exercise("pool", 3, ref_avg, GROUPS, hidden=CASES), dead, kinds=("hidden",))
    assert verdict.status == "error" and verdict.score == 0 and "died" in verdict.message
    short = engine.run(Exercise("pool", 3, ref_avg, GROUPS, hidden=CASES), lambda *a: [], kinds=("hidden",))
    assert short.status == "error" and "wrong length" in short.message
    junk = engine.run(Exercise("pool", 3, ref_avg, GROUPS, hidden=CASES), lambda n, p, ps: [{"status": 7}] * len(ps),
                      kinds=("hidden",))
    assert junk.status == "fail" and "malformed" in junk.message


def test_wrong_values_name_case_call_position_and_both_values():
    def off(x, k):
        return mine_avg(x, k) + (x.shape[-1] == 7) * 0.5
    with pytest.raises(AssertionError) as e:
        check(off, ref_avg, CASES)
    msg = str(e.value)
    assert "off failed hidden case 5 of 8" in msg
    assert "off(x=x, k=1)  where x is a float32 tensor of shape (2, 3, 5, 7)" in msg
    assert "first at index (0, 0, 0, 0)" in msg and "torch gives" in msg and "you give" in msg
    assert "torch[0, 0]:" in msg and "yours[0, 0]:" in msg  # small slices side by side


def test_wrong_shape_and_hint():
    def cropped(x, k):
        return mine_avg(x, k)[..., :1, :]
    with pytest.raises(AssertionError, match=r"shape is \(1, 1, 1, 4\), torch gives \(1, 1, 4, 4\)(.|\n)*hint: H"):
        check(cropped, ref_avg, CASES, hint=lambda case, expected, got: "H stays")


def test_wrong_dtype_is_reported():
    with pytest.raises(AssertionError, match="dtype is torch.float32, torch gives torch.float64"):
        check(lambda x, k: mine_avg(x, k).float(), ref_avg, CASES, dtypes=(torch.float64,))


def test_wrong_gradient_is_reported():
    class Doubled(torch.autograd.Function):
        @staticmethod
        def forward(ctx, y):
            return y.clone()

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    with pytest.raises(AssertionError, match="gradient with respect to `x`: values differ"):
        check(lambda x, k: Doubled.apply(mine_avg(x, k)), ref_avg, CASES)


def test_detached_output_is_reported():
    with pytest.raises(AssertionError, match="not connected to autograd"):
        check(lambda x, k: mine_avg(x, k).detach(), ref_avg, CASES)


def test_changing_the_input_in_place_is_reported():
    def scribble(x, k):
        y = mine_avg(x, k)
        x.data.mul_(2)
        return y
    with pytest.raises(AssertionError, match="changed its input `x` in place"):
        check(scribble, ref_avg, CASES)


def test_exceptions_become_assertions_with_the_call_but_not_implemented_passes_through():
    def broken(x, k):
        raise IndexError("oops")
    with pytest.raises(AssertionError, match="raised IndexError: oops"):
        check(broken, ref_avg, CASES)

    def stub(x, k):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        check(stub, ref_avg, CASES)


def raising(exc):
    def fn(x, k):
        raise exc
    return fn


def test_arguments_torch_rejects_must_raise_value_error_with_a_message():
    bad = [dict(x=rand(1, 1, 2, 2), k=3)]  # window larger than the input: torch raises RuntimeError
    check(raising(ValueError("kernel_size 3 is larger than the input width 2")), ref_avg, bad)
    with pytest.raises(AssertionError, match="returned a result, but torch rejects these arguments"):
        check(lambda x, k: torch.zeros(1, 1, 0, 0), ref_avg, bad)
    with pytest.raises(AssertionError, match="raised RuntimeError: x(.|\n)*raise ValueError with a message instead"):
        check(raising(RuntimeError("x")), ref_avg, bad)
    with pytest.raises(AssertionError, match="raised ValueError without a message"):
        check(raising(ValueError()), ref_avg, bad)
    with pytest.raises(AssertionError, match="but torch accepts these arguments"):
        check(raising(ValueError("no")), ref_avg, CASES)


def test_assert_same_compares_tensors_numbers_and_tuples():
    assert_same(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
    assert_same((1, (2, 3)), (1, (2, 3)))
    with pytest.raises(AssertionError, match=r"out\[1\]\[0\]: expected 2 \(int\), got 2.0 \(float\)"):
        assert_same((1, (2.0, 3)), (1, (2, 3)), "out")
    with pytest.raises(AssertionError, match="values differ"):
        assert_same(torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]))


def test_side_by_side_aligns_columns():
    text = side_by_side([("a:", torch.tensor([[1.0, 10.0]])), ("b:", torch.tensor([[2.0, 3.0]]))])
    assert text.splitlines()[1].split() == ["[", "1", "10]", "[2", "3]"]


# ---- the op guard ------------------------------------------------------------------------------

@pytest.mark.parametrize("route", [
    lambda x: F.max_pool2d(x, 2),
    lambda x: nn.MaxPool2d(2)(x),
    lambda x: torch.ops.aten.max_pool2d_with_indices(x, [2, 2]),
    lambda x: torch.max_pool2d(x, 2),
    lambda x: F.max_pool1d(x.flatten(2), 2),
])
def test_guard_catches_every_route_to_max_pooling(route):
    x = torch.randn(1, 2, 4, 4, requires_grad=True)
    with pytest.raises(BannedOpError, match="called torch's own `max_pool"):
        with OpGuard(["max_pool"], what="pool2d"):
            route(x)


def test_guard_allows_tensor_basics_and_other_ops():
    x = torch.randn(1, 2, 4, 4, requires_grad=True)
    with OpGuard(["max_pool", "avg_pool"]) as guard:
        y = x.unfold(2, 2, 2).unfold(3, 2, 2).amax(dim=(-2, -1)) + F.relu(x)[..., ::2, ::2]
        y.sum().backward()
    assert guard.hits == []


def test_guard_remembers_a_banned_op_even_when_the_error_is_swallowed():
    def sneaky(x):
        try:
            return F.avg_pool2d(x, 1)
        except Exception:
            return x.clone()
    with pytest.raises(AssertionError, match="sneaky called torch's own `avg_pool2d`"):
        check(sneaky, lambda x: x.clone(), [dict(x=rand(1, 1, 2, 2))], banned=("avg_pool",))


def test_inputs_must_end_as_torch_leaves_them():
    def relu_(x):
        return F.relu(x, inplace=True)

    def mine_relu_(x):
        return x.clamp_(min=0)

    def copy_relu(x):
        return x.clamp(min=0)

    cases = [dict(x=rand(2, 3, grad=False))]
    check(mine_relu_, relu_, cases)
    with pytest.raises(AssertionError, match="`x` after the call \\(torch updates it in place\\): values differ"):
        check(copy_relu, relu_, cases)
    with pytest.raises(AssertionError, match="changed its input `x` in place"):
        check(mine_relu_, lambda x: F.relu(x), cases)
