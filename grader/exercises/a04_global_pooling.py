"""04_global_pooling, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a04_global_pooling`, which the learner's check reads."""
from grader.public.a04_global_pooling import ASSIGNMENT, head, layer, module, seq
from grader.public.a04_global_pooling import EXERCISES as PUBLIC
from grader.runtime.cases import grid, rand

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


# Output sizes torch rejects, for both adaptive poolings.
REJECTED = [dict(x=rand(1, 2, 4, 4), output_size=-1), dict(x=rand(1, 2, 4, 4), output_size=(2, -3)),
            dict(x=rand(1, 2, 4, 4), output_size=(2, 2, 2))]


SHARED = {**layer("Linear", 6, 6), "name": "shared"}
COUNTED = [
    layer("Conv2d", 3, 16, 3, bias=False), layer("Conv2d", 16, 32, (3, 5)), layer("ReLU"), seq(),
    layer("BatchNorm2d", 8), layer("BatchNorm2d", 8, affine=False),
    seq(SHARED, layer("ReLU"), {"same_as": "shared"}),
    seq({**layer("Conv2d", 3, 8, 3), "frozen": True}, layer("ReLU"), layer("Conv2d", 8, 4, 1)),
    {**layer("Linear", 5, 2), "frozen": ["bias"]},
    layer("Scale"),
    seq(layer("Conv2d", 3, 4, 3), layer("BatchNorm2d", 4), layer("Scale")),
    seq(layer("Conv2d", 512, 10, 1), layer("AdaptiveAvgPool2d", 1), layer("Flatten")),
]


EXERCISES = with_hidden(PUBLIC, {
    "adaptive_avg_pool2d": dict(
        hidden=grid(x=[rand(1, 1, 1, 1), rand(2, 3, 5, 7), rand(1, 2, 6, 4)],
                    output_size=[1, 2, 3, (2, 3), (3, 1), (None, 2), (4, None), (7, 5)])
        + [dict(x=rand(1, 1, 3, 3), output_size=5), dict(x=rand(2, 1, 9, 2), output_size=(4, 3))] + REJECTED,
        named={"elements of output_size must be greater than or equal to 0": "a negative output size",
               "output_size must be 2": "a tuple that is not a pair",
               "output_size: 2-tuple with None": "in which `None` means \"keep the input's size\""}),
    "adaptive_max_pool2d": dict(
        hidden=grid(x=[rand(1, 1, 1, 1), rand(2, 3, 5, 7), rand(1, 2, 6, 4)],
                    output_size=[1, 3, (2, 3), (3, 1), (None, 2), (7, 5)], return_indices=[False, True])
        + [dict(x=rand(1, 1, 3, 3), output_size=5, return_indices=True),
           dict(x=rand(2, 1, 9, 2), output_size=(4, 3), return_indices=True),
           dict(x=rand(1, 2, 4, 4), output_size=-1), dict(x=rand(1, 2, 4, 4), output_size=(2, -3), return_indices=True),
           dict(x=rand(1, 2, 4, 4), output_size=(2, 2, 2))],
        named={"negative dimension": "a negative output size",
               r"output_size.size\(\) must be 2": "a tuple that is not a pair",
               "output_size: (int|2-tuple with None)": "output_size: int or (out_h, out_w), None = keep that size"}),
    "channel_pool": dict(
        hidden=grid(x=[rand(1, 1, 1, 1), rand(1, 8, 4, 4), rand(2, 8, 4, 4), rand(3, 5, 2, 7), rand(2, 2, 6, 1)],
                    mode=["max", "avg"])
        + [dict(x=rand(2, 3, 4, 4), mode="mean"), dict(x=rand(2, 3, 4, 4), mode="min")],
        named={"^(mean|min)$": "Any other mode raises `ValueError`"}),  # the reference raises ValueError(mode)
    "GAPClassifier": dict(
        hidden=[head(c, k) for c in (2, 16, 512) for k in (2, 7, 100)]
        + [head(c, k, x, dtype, seed=10 + i)
           for i, (x, c, k) in enumerate([((1, 4, 1, 1), 4, 3), ((2, 6, 7, 7), 6, 10), ((3, 5, 2, 9), 5, 2),
                                          ((2, 16, 4, 3), 16, 5)])
           for dtype in ("float32", "float64")]
        + [head(8, 3, (4, 8, 5, 5), dtype, seed=20, train=True) for dtype in ("float32", "float64")]),
    "count_parameters": dict(
        hidden=[module(m) for m in COUNTED]),
})
