"""06_activations, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a06_activations`, which the learner's check reads."""
from grader.public.a06_activations import ASSIGNMENT, fixed
from grader.public.a06_activations import EXERCISES as PUBLIC
from grader.runtime.cases import Call, grid, rand

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


# Exact zeros of both signs and values too small to matter: where the derivatives at 0 differ.
ZEROS = [fixed([-2.0, -0.0, 0.0, 1e-30, -1e-30, 3.0, 0.0]), fixed([[0.0, 1.0], [-1.0, 0.0]])]
EXTREMES = fixed([-1000.0, -745.0, -100.0, -89.0, -88.0, -30.0, 0.0, 30.0, 88.0, 89.0, 100.0, 745.0, 1000.0])


RELU_HIDDEN = (
    grid(x=[rand(1), rand(2, 3, 4, 5), rand(7, 1, 3), rand(4, 9, low=-1e4, high=1e4)], inplace=[False])
    + grid(x=[rand(1, grad=False), rand(2, 3, 4, 5, grad=False), rand(4, 9, low=-1e4, high=1e4, grad=False)],
           inplace=[True])
    # relu(x, inplace=True) returns x itself
    + [dict(x=rand(2, 3, grad=False), inplace=True), dict(x=rand(1, 1, 4, 4, grad=False), inplace=True)]
    # in place on a non-leaf, which autograd allows: the gradient still reaches x
    + [Call(dict(x=rand(3, 5), inplace=True), non_leaf=("x",)),
       Call(dict(x=rand(2, 2, 3, 3), inplace=True), non_leaf=("x",))]
    + [dict(x=z) for z in ZEROS])


EXERCISES = with_hidden(PUBLIC, {
    "relu": dict(
        hidden=RELU_HIDDEN,
        named={r"x: tensor of rank \d": "for a tensor of any shape", "call: non_leaf": "also when `x` is not a leaf"}),
    "sigmoid": dict(
        hidden=[dict(x=x) for x in [rand(1), rand(2, 3, 2, 5), rand(5, 1, 7, low=-30, high=30),
                                    rand(4, 25, low=-1000, high=1000), rand(2, 30, low=-120, high=120),
                                    rand(40, low=-800, high=-600), rand(40, low=600, high=800), EXTREMES]],
        named={r"x: tensor of rank \d": "for any shape and dtype"}),
    "leaky_relu": dict(
        hidden=([dict(x=rand(1)), dict(x=rand(3, 7))]
                + grid(x=[rand(1), rand(2, 3, 2, 3), rand(4, 9, low=-1e4, high=1e4)],
                       negative_slope=[0.0, 0.01, 0.3, 1.0, 2.5, -0.5])
                + grid(x=ZEROS[:1], negative_slope=[0.01, 0.2, 2.5, -0.5])),
        named={r"x: tensor of rank \d": "x: any shape"}),
    "relu_grad": dict(
        hidden=[dict(x=rand(1)), dict(x=rand(3, 1, 7)), dict(x=rand(4, 9, low=-1e4, high=1e4)),
                dict(x=ZEROS[0]), dict(x=fixed([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))],
        named={r"x: tensor of rank \d": "Both take x of any shape"}),
    "sigmoid_grad": dict(
        hidden=[dict(x=rand(1)), dict(x=rand(5, 1, 7, low=-30, high=30)), dict(x=rand(4, 25, low=-1000, high=1000)),
                dict(x=rand(50, low=-800, high=-600)), dict(x=rand(50, low=600, high=800)), dict(x=EXTREMES)],
        named={r"x: tensor of rank \d": "Both take x of any shape"}),
})
