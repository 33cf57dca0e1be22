"""05_padding_layers, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a05_padding_layers`, which the learner's check reads."""
from grader.public.a05_padding_layers import ASSIGNMENT
from grader.public.a05_padding_layers import EXERCISES as PUBLIC
from grader.runtime.cases import grid, rand

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


SHAPES = [rand(1, 1, 1, 1), rand(1, 1, 3, 3), rand(2, 3, 4, 3), rand(1, 2, 5, 2), rand(2, 1, 1, 4)]
PADDINGS = [2, (1, 0, 0, 0), (0, 2, 1, 0), (2, 1, 3, 1), (4, 3, 0, 1)]


EXERCISES = with_hidden(PUBLIC, {
    "pad2d": dict(
        hidden=(grid(x=SHAPES, padding=PADDINGS, mode=["constant"], value=[-1.5])
                + grid(x=SHAPES[1:3], padding=PADDINGS, mode=["constant"])
                + grid(x=SHAPES, padding=PADDINGS, mode=["reflect", "replicate", "circular"])
                + grid(x=[rand(1, 2, 3, 3)], padding=[1], mode=["reflect", "replicate", "circular"], value=[1.0])
                + grid(x=[rand(1, 2, 3, 3)], padding=[1], mode=["symmetric", "zeros"])),
        named={"Padding size should be less than": "reflection padding not smaller than the input",
               "wrapping around more than once": "circular padding larger than the input",
               "doesn't take in value argument": 'a nonzero `value` with a mode other than `"constant"`',
               "Unrecognised padding mode": "an unknown mode"}),
})
