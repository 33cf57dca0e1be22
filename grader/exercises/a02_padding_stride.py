"""02_padding_stride, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a02_padding_stride`, which the learner's check reads."""
import random

from grader.public.a02_padding_stride import ASSIGNMENT
from grader.public.a02_padding_stride import EXERCISES as PUBLIC
from grader.runtime.cases import grid, rand, two

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


SIZE_REJECTED = [
    dict(size=5, kernel_size=0), dict(size=5, kernel_size=2, stride=0), dict(size=5, kernel_size=2, dilation=0),
    dict(size=5, kernel_size=2, padding=-1), dict(size=5, kernel_size=3, padding=2),
    dict(size=9, kernel_size=2, padding=2, dilation=3), dict(size=2, kernel_size=3),
    dict(size=4, kernel_size=3, dilation=2), dict(size=(5, 5), kernel_size=(2, 3), padding=(0, 2)),
    dict(size=(5, 1), kernel_size=2), dict(size=(6, 6), kernel_size=2, stride=(1, 0))]


def windows_touch_input(case):
    """False when some window would see only padding (possible with dilation on tiny inputs, where torch
    itself returns -inf and a bad index); True for every other case, including those torch rejects."""
    k, p, d = two(case["kernel_size"]), two(case.get("padding", 0)), two(case.get("dilation", 1))
    s = two(case.get("stride") or case["kernel_size"])
    for n, kk, ss, pp, dd in zip(case["x"].shape[2:], k, s, p, d, strict=False):
        if min(kk, ss, dd) < 1 or pp < 0 or 2 * pp > kk:
            return True
        span = n + 2 * pp - dd * (kk - 1) - 1
        out = (span + ss - 1) // ss + 1 if case.get("ceil_mode") else span // ss + 1
        out -= bool(case.get("ceil_mode") and (out - 1) * ss >= n + pp)
        if any(all(not 0 <= i * ss - pp + j * dd < n for j in range(kk)) for i in range(out)):
            return False
    return True


def max_hidden():
    cases = grid(x=[rand(1, 1, 1, 1)], kernel_size=[1], stride=[None, 2])
    cases += grid(x=[rand(2, 3, 5, 7)], kernel_size=[2, (2, 3)], stride=[None, (3, 2)], padding=[0, 1])
    cases += grid(x=[rand(1, 2, 4, 5)], kernel_size=[(2, 3)], stride=[1], padding=[0, 1])
    cases += grid(x=[rand(1, 2, 6, 5)], kernel_size=[3], stride=[2, 3], padding=[1], ceil_mode=[False, True])
    cases += grid(x=[rand(1, 2, 6, 5)], kernel_size=[(3, 2)], stride=[2], padding=[1], ceil_mode=[True])
    cases += grid(x=[rand(1, 1, 5, 5)], kernel_size=[2], stride=[2, 3], padding=[0, 1], ceil_mode=[True])
    cases += grid(x=[rand(1, 2, 7, 6)], kernel_size=[3], stride=[2], padding=[1], dilation=[2, (1, 3)],
                  ceil_mode=[False, True])
    cases += grid(x=[rand(1, 2, 7, 6)], kernel_size=[(2, 3)], stride=[2], padding=[1], dilation=[2], ceil_mode=[True])
    cases += grid(x=[rand(2, 1, 5, 6)], kernel_size=[2], stride=[1], dilation=[2, 3])
    cases += [dict(x=rand(1, 1, 6, 6), kernel_size=4, stride=2, padding=2),
              dict(x=rand(1, 2, 4, 5), kernel_size=(4, 2), stride=(1, 2), padding=(2, 1), ceil_mode=True),
              dict(x=rand(1, 1, 2, 2), kernel_size=3, stride=2, ceil_mode=True)]
    cases += [dict(x=rand(1, 1, 4, 4), kernel_size=0), dict(x=rand(1, 1, 4, 4), kernel_size=2, stride=0),
              dict(x=rand(1, 1, 4, 4), kernel_size=2, padding=-1), dict(x=rand(1, 1, 4, 4), kernel_size=3, padding=2),
              dict(x=rand(1, 1, 9, 9), kernel_size=2, padding=2, dilation=3),
              dict(x=rand(1, 1, 4, 4), kernel_size=2, dilation=0),
              dict(x=rand(1, 1, 2, 2), kernel_size=3), dict(x=rand(1, 1, 4, 4), kernel_size=(2, 5)),
              dict(x=rand(1, 1, 5, 5), kernel_size=(4, 2), padding=(2, 2))]
    # a window that sees only padding has no reference: torch gives -inf at an index outside x; its backward can crash
    return [c for c in cases if windows_touch_input(c)]


def avg_hidden():
    cases = [dict(x=rand(1, 1, 1, 1), kernel_size=1)]
    cases += grid(x=[rand(2, 3, 5, 7)], kernel_size=[2, (2, 3)], stride=[None], padding=[0, 1],
                  count_include_pad=[True, False])
    cases += grid(x=[rand(2, 3, 5, 7)], kernel_size=[(2, 3)], stride=[(1, 2)], padding=[1],
                  count_include_pad=[True, False])
    cases += grid(x=[rand(1, 2, 5, 5)], kernel_size=[2, 3], stride=[2, 3], padding=[1], ceil_mode=[True],
                  count_include_pad=[True, False])
    cases += grid(x=[rand(2, 1, 5, 6)], kernel_size=[3], stride=[2], padding=[0, 1], ceil_mode=[False, True],
                  divisor_override=[3])
    cases += [dict(x=rand(1, 2, 6, 5), kernel_size=(3, 2), padding=1, ceil_mode=True, count_include_pad=False,
                   divisor_override=7),
              dict(x=rand(1, 1, 6, 6), kernel_size=4, stride=2, padding=2, ceil_mode=True),
              dict(x=rand(1, 2, 4, 5), kernel_size=(4, 2), stride=(1, 2), padding=(2, 1), count_include_pad=False),
              dict(x=rand(1, 1, 2, 2), kernel_size=3, stride=2, ceil_mode=True)]
    cases += [dict(x=rand(1, 1, 4, 4), kernel_size=0), dict(x=rand(1, 1, 4, 4), kernel_size=2, stride=0),
              dict(x=rand(1, 1, 4, 4), kernel_size=2, padding=-1), dict(x=rand(1, 1, 4, 4), kernel_size=3, padding=2),
              dict(x=rand(1, 1, 4, 4), kernel_size=2, divisor_override=0), dict(x=rand(1, 1, 2, 2), kernel_size=3),
              dict(x=rand(1, 1, 4, 4), kernel_size=(3, 2), padding=(1, 2))]
    return cases


def receptive_hidden():
    """Random stacks of 1-4 layers (the same every run), stacks of one kind of layer, and one bad value per stack."""
    rng = random.Random(2)
    stacks = [[(rng.randint(1, 5), rng.randint(1, 3), rng.randint(0, 2), rng.randint(1, 2))
               for _ in range(rng.randint(1, 4))] for _ in range(24)]
    stacks += [[], [(2, 2, 0, 1)] * 4, [(3, 1, 1, 1)] * 5, [(1, 2, 0, 1), (1, 1, 0, 3)], [(4, 1, 3, 1)], [(3, 3, 0, 2)] * 2]
    bad = [[(0, 1, 0, 1)], [(3, 0, 1, 1)], [(3, 1, -1, 1)], [(3, 1, 1, 0)], [(3, 1, 1, 1), (2, 2, 0, 1), (3, 0, 1, 1)],
           [(2, 2, 0, 1), (3, 1, -2, 1)]]
    return [dict(layers=layers) for layers in stacks + bad]


EXERCISES = with_hidden(PUBLIC, {
    "pool_output_size": dict(
        hidden=grid(size=[1, 2, 3, 4, 5, 6, 7, 10, 28], kernel_size=[1, 2, 3, 4, 5], stride=[None, 1, 2, 3],
                    padding=[0, 1, 2], dilation=[1, 2, 3], ceil_mode=[False, True])
        + grid(size=[(4, 4), (5, 9), 6], kernel_size=[(2, 4), 3, (1, 3)], stride=[None, (2, 3), (1, 2)],
               padding=[(1, 2), 0, (0, 1)], dilation=[1, (2, 1)], ceil_mode=[False, True])
        + SIZE_REJECTED,
        named={"Output size is too small": "or no window at all",
               "pad should be (at most half|smaller than or equal to half)": "padding more than half the kernel",
               "stride should not be zero|dilation should be greater than zero": "a kernel, stride or dilation below 1",
               "pad must be non-negative": "negative padding",
               "dilation: 2-tuple": "any of `size`, `kernel_size`, `stride`, `padding`, `dilation` is a pair"}),
    "max_pool2d": dict(
        hidden=max_hidden(),
        named={"stride should not be zero|dilation should be greater than zero": "a kernel, stride or dilation below 1",
               "pad must be non-negative": "negative padding",
               "pad should be (at most half|smaller than or equal to half)": "padding more than half of `kernel_size`",
               "Output size is too small": "an input too small for one window"}),
    "avg_pool2d": dict(
        hidden=avg_hidden(),
        named={"stride should not be zero": "a kernel or stride below 1",
               "pad must be non-negative": "negative padding",
               "pad should be at most half": "padding more than half of `kernel_size`",
               "Output size is too small": "an input too small for one window",
               "divisor must be not zero": "0 is rejected by torch: raise `ValueError`",
               "(stride|padding): 2-tuple": "kernel_size, stride (None = kernel_size), padding: int or (h, w)"}),
    "receptive_field": dict(
        hidden=receptive_hidden(),
        named={"must be at least 1": "a kernel_size, stride or dilation below 1",
               "padding must not be negative": "a negative padding",
               "layers: [0-9]+-tuple": "any number of layers"}),
})
