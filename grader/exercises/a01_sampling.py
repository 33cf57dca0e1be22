"""01_sampling, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a01_sampling`, which the learner's check reads."""
from grader.public.a01_sampling import ASSIGNMENT
from grader.public.a01_sampling import EXERCISES as PUBLIC
from grader.runtime.cases import grid, rand

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


def window_fits(case):
    k = case["kernel_size"]
    kh, kw = (k, k) if isinstance(k, int) else k
    return kh <= case["x"].shape[2] and kw <= case["x"].shape[3]


EXERCISES = with_hidden(PUBLIC, {
    "downsample": dict(
        hidden=grid(x=[rand(1, 1, 1, 1), rand(1, 1, 4, 4), rand(2, 3, 5, 7), rand(1, 2, 9, 1), rand(3, 1, 6, 11)],
                    factor=[1, 2, 3, 4])),
    "pool2d": dict(
        hidden=[c for c in grid(x=[rand(1, 1, 1, 1), rand(1, 1, 4, 4), rand(2, 3, 7, 5), rand(1, 2, 9, 8),
                                   rand(3, 1, 3, 10)],
                                kernel_size=[1, 2, 3, (1, 2), (3, 2)], mode=["max", "avg"]) if window_fits(c)],
        named={"kernel_size: 2-tuple": "`kernel_size` is an int or a pair `(kh, kw)`"}),
    "upsample_nearest": dict(
        hidden=grid(x=[rand(1, 1, 1, 1), rand(2, 3, 2, 3), rand(1, 2, 5, 1), rand(3, 1, 4, 4)], scale_factor=[1, 2, 3, 4])),
    "upsample_bilinear": dict(
        hidden=grid(x=[rand(1, 1, 1, 1), rand(2, 3, 4, 5), rand(1, 2, 7, 3)],
                    size=[1, 6, (2, 9), (9, 2), (4, 5)], align_corners=[False, True])),
})
