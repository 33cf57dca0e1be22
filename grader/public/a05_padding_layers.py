"""05_padding_layers: pad2d.

The public part of the spec, all that a learner's check reads. grader/exercises/a05_padding_layers.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.spec import Example, Exercise

ASSIGNMENT = "05_padding_layers"

A = torch.arange(9, dtype=torch.float).reshape(1, 1, 3, 3)
MODES = ("constant", "reflect", "replicate", "circular")


def reference_pad2d(x, padding, mode="constant", value=0.0):
    try:
        return F.pad(x, (padding,) * 4 if isinstance(padding, int) else padding, mode=mode, value=value)
    except NotImplementedError as e:  # an unknown mode; a probe reads NotImplementedError as "not attempted"
        raise ValueError(str(e)) from None


# A hint is called with torch's output as ``expected`` (None when torch rejects the arguments)
# and the student's output as ``got`` (None when the student's function raised).
def pad2d_hint(case, expected, got):
    mode, value = case.get("mode", "constant"), case.get("value", 0.0)
    left, right, top, bottom = (case["padding"],) * 4 if isinstance(case["padding"], int) else case["padding"]
    H, W = case["x"].shape[2:]
    if mode not in MODES:
        return "the modes are constant, reflect, replicate and circular; any other mode is a ValueError"
    if mode != "constant" and value != 0:
        return "only constant mode takes a fill value: a nonzero value with another mode is a ValueError"
    if mode == "reflect" and (max(left, right) >= W or max(top, bottom) >= H):
        return "reflection padding must be smaller than the input in that dimension (ValueError otherwise)"
    if mode == "circular" and (max(left, right) > W or max(top, bottom) > H):
        return "circular padding may be at most the input size in that dimension (ValueError otherwise)"
    if getattr(got, "shape", None) != getattr(expected, "shape", None):
        return "padding is (left, right, top, bottom): left and right widen W, top and bottom add rows to H"
    return {"reflect": "reflect mirrors at the edge pixel without repeating it: [0 1 2] padded by 2 is [2 1 | 0 1 2 | 1 0]",
            "replicate": "replicate copies the nearest edge pixel",
            "circular": "circular wraps around: the left padding comes from the right end of the row, the top from the bottom",
            "constant": "constant mode fills the border with `value` and keeps x in the middle"}.get(mode)


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
        banned=NO_PAD, routes=ROUTES, hint=pad2d_hint),
]
