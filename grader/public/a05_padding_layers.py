"""05_padding_layers: pad2d.

The public part of the spec, all that a learner's check reads. grader/exercises/a05_padding_layers.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.messages import N_
from grader.runtime.spec import Arg, Example, Exercise, Hint, Not

ASSIGNMENT = "05_padding_layers"

A = torch.arange(9, dtype=torch.float).reshape(1, 1, 3, 3)
MODES = ("constant", "reflect", "replicate", "circular")


def reference_pad2d(x, padding, mode="constant", value=0.0):
    try:
        return F.pad(x, (padding,) * 4 if isinstance(padding, int) else padding, mode=mode, value=value)
    except NotImplementedError as e:  # an unknown mode; a probe reads NotImplementedError as "not attempted"
        raise ValueError(str(e)) from None


# Hints are data (grader.runtime.spec.Hint); a condition sees the case, torch's output ``expected`` (None when
# torch rejects the arguments) and the student's output ``got`` (None when the student's function raised).
def _sizes(case):
    """(left, right, top, bottom) of the padding and the input's (H, W)."""
    padding = case["padding"]
    return ((padding,) * 4 if isinstance(padding, int) else tuple(padding)), tuple(case["x"].shape[2:])


def reflect_too_wide(case, expected, got):
    """Computed from two arguments: reflection padding at least the input's size."""
    (left, right, top, bottom), (H, W) = _sizes(case)
    return case.get("mode") == "reflect" and (max(left, right) >= W or max(top, bottom) >= H)


def circular_too_wide(case, expected, got):
    """Computed from two arguments: circular padding larger than the input."""
    (left, right, top, bottom), (H, W) = _sizes(case)
    return case.get("mode") == "circular" and (max(left, right) > W or max(top, bottom) > H)


def mode(name):
    return Arg("mode", is_=name, default="constant")


PAD2D_HINT = Hint(
    first=[(Not(Arg("mode", in_=MODES, default="constant")),
            N_("the modes are constant, reflect, replicate and circular; any other mode is a ValueError")),
           ((Not(mode("constant")), Arg("value", not_=0, default=0.0)),
            N_("only constant mode takes a fill value: a nonzero value with another mode is a ValueError")),
           (reflect_too_wide,
            N_("reflection padding must be smaller than the input in that dimension (ValueError otherwise)")),
           (circular_too_wide,
            N_("circular padding may be at most the input size in that dimension (ValueError otherwise)"))],
    shape=N_("padding is (left, right, top, bottom): left and right widen W, top and bottom add rows to H"),
    when=[(mode("reflect"),
           N_("reflect mirrors at the edge pixel without repeating it: [0 1 2] padded by 2 is [2 1 | 0 1 2 | 1 0]")),
          (mode("replicate"), N_("replicate copies the nearest edge pixel")),
          (mode("circular"), N_("circular wraps around: the left padding comes from the right end of the row, the top "
                                "from the bottom")),
          (mode("constant"), N_("constant mode fills the border with `value` and keeps x in the middle"))])


NO_PAD = ("constant_pad", "reflection_pad", "replication_pad", "pad")
ROUTES = "F.pad or the nn.*Pad2d layers"


EXERCISES = [
    Exercise(
        "pad2d", 3, reference_pad2d, groups={"examples": 0.75, "values": 1.25, "gradients": 0.5, "errors": 0.5},
        examples=[
            Example('pad2d(A, 2, mode="reflect") (the article\'s ReflectionPad2d(2)), A = arange(9) as 1×1×3×3',
                    dict(x=A, padding=2, mode="reflect"),
                    torch.tensor([[[[8.0, 7, 6, 7, 8, 7, 6], [5, 4, 3, 4, 5, 4, 3], [2, 1, 0, 1, 2, 1, 0],
                                    [5, 4, 3, 4, 5, 4, 3], [8, 7, 6, 7, 8, 7, 6], [5, 4, 3, 4, 5, 4, 3],
                                    [2, 1, 0, 1, 2, 1, 0]]]])),
            Example('pad2d(A, 2, mode="replicate") (the article\'s ReplicationPad2d(2))',
                    dict(x=A, padding=2, mode="replicate"),
                    torch.tensor([[[[0.0, 0, 0, 1, 2, 2, 2], [0, 0, 0, 1, 2, 2, 2], [0, 0, 0, 1, 2, 2, 2],
                                    [3, 3, 3, 4, 5, 5, 5], [6, 6, 6, 7, 8, 8, 8], [6, 6, 6, 7, 8, 8, 8],
                                    [6, 6, 6, 7, 8, 8, 8]]]])),
            Example('pad2d(A, (1, 0, 2, 0), mode="reflect")', dict(x=A, padding=(1, 0, 2, 0), mode="reflect"),
                    torch.tensor([[[[7.0, 6, 7, 8], [4, 3, 4, 5], [1, 0, 1, 2], [4, 3, 4, 5], [7, 6, 7, 8]]]])),
            Example('pad2d(A, 1, mode="circular"): its first row is [8, 6, 7, 8, 6]',
                    dict(x=A, padding=1, mode="circular")),
            Example("pad2d(A, (0, 1, 1, 0), value=3.5)", dict(x=A, padding=(0, 1, 1, 0), value=3.5),
                    torch.tensor([[[[3.5, 3.5, 3.5, 3.5], [0, 1, 2, 3.5], [3, 4, 5, 3.5], [6, 7, 8, 3.5]]]])),
        ],
        visible=grid(x=[rand(2, 3, 4, 5)], padding=[(2, 1, 0, 3)], mode=list(MODES)),
        banned=NO_PAD, routes=ROUTES, hint=PAD2D_HINT),
]
