"""06_activations: relu, sigmoid, leaky_relu, relu_grad, sigmoid_grad.

The public part of the spec, all that a learner's check reads. grader/exercises/a06_activations.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from grader.runtime.cases import Rand, grid, rand
from grader.runtime.messages import N_
from grader.runtime.spec import Arg, Example, Exercise, Hint, Tensors, not_finite

ASSIGNMENT = "06_activations"


@dataclass(frozen=True)
class Fixed(Rand):
    """A tensor argument with fixed values (exact zeros, extremes), built in each case's dtype."""
    values: tuple = ()

    def build(self, dtype: torch.dtype, gen: torch.Generator) -> torch.Tensor:
        return torch.tensor(self.values, dtype=torch.float64).to(dtype)

    def __repr__(self) -> str:
        return f"tensor({list(self.values)})"


def fixed(values, grad: bool = True) -> Fixed:
    t = torch.tensor(values, dtype=torch.float64)

    def as_tuple(v):
        return tuple(as_tuple(e) for e in v) if isinstance(v, (list, tuple)) else float(v)

    return Fixed(tuple(t.shape), grad=grad, values=as_tuple(values))


A = torch.arange(-3, 6, dtype=torch.float).reshape(1, 1, 3, 3)

NO_RELU = ("relu", "threshold", "hardtanh")
RELU_ROUTES = "torch.relu, F.relu, nn.ReLU, F.threshold or F.hardtanh"
NO_SIGMOID = ("sigmoid", "log_sigmoid", "tanh", "silu", "softmax", "log_softmax", "softplus", "logit")
SIGMOID_ROUTES = "torch.sigmoid, nn.Sigmoid, torch.special.expit, tanh, softmax, softplus or silu"
NO_LEAKY = ("leaky_relu", "rrelu", "prelu", "relu", "threshold", "elu", "hardtanh")
LEAKY_ROUTES = "F.leaky_relu, nn.LeakyReLU, F.rrelu, F.prelu or F.relu"


# Conditions of the hints (grader.runtime.spec.Hint) on the fixed tensors of some cases.
def x_fixed(case, expected, got):
    return isinstance(case.get("x"), Fixed)


def x_has_zero_with_grad(case, expected, got):
    """The exact zeros where the ReLU gradient is checked."""
    x = case.get("x")
    return isinstance(x, Fixed) and x.grad and 0.0 in torch.tensor(x.values).reshape(-1).tolist()


def x_is_zero(case, expected, got):
    x = case.get("x")
    return isinstance(x, Fixed) and x.values == (0.0,)


def x_has_zero(case, expected, got):
    x = case.get("x")
    return isinstance(x, Fixed) and 0.0 in x.values


# ---------------------------------------------------------------- relu

def reference_relu(x, inplace=False):
    return F.relu(x, inplace=inplace)


RELU_HINT = Hint(
    when=[(Arg("inplace"),
           N_("with inplace=True write the result into x (x[...] = ..., masked_fill_, mul_) and return x itself")),
          (x_has_zero_with_grad, N_("x holds exact zeros: torch's ReLU gradient at 0 is 0 (clamp(min=0), max(x, 0) "
                                    "and x * (x >= 0) give 1 or 0.5 there)"))],
    default=N_("relu(x) is x where x > 0 and 0 elsewhere; its gradient is 1 where x > 0 and 0 elsewhere, 0 at x = 0 "
               "too"))


# Exact zeros, with the gradient checked: torch's ReLU gradient at 0 is 0 (clamp and max give 1 or 0.5), a
# requirement the hidden cases check, so `make check` shows it first.
RELU_VISIBLE = [dict(x=rand(2, 3, 4, 5)), dict(x=fixed([[0.0, 1.0], [-1.0, 0.0]]))]


# ---------------------------------------------------------------- sigmoid

SIGMOID_HINT = Hint(
    when=[(not_finite, N_("exp(-x) overflows for large negative x and exp(x) for large positive x (also in the branch "
                          "torch.where does not pick, whose gradient is then nan): compute only e = exp(-|x|)")),
          (x_is_zero, N_("the gradient at x = 0 is 0.25: autograd gives x.abs() the derivative 0 at 0, so compute -|x| "
                         "as torch.where(x >= 0, -x, x)")),
          (x_has_zero, N_("x holds 0 and values of ±1000: a nan gradient means exp(x) or exp(-x) overflowed, even in "
                          "the branch torch.where does not pick (compute only e = exp(-|x|)); a gradient of 0 instead "
                          "of 0.25 at x = 0 comes from x.abs(), whose derivative autograd takes as 0 there: compute -|x| "
                          "as torch.where(x >= 0, -x, x)"))],
    default=N_("sigmoid(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0, with e = exp(-|x|)"))


# ---------------------------------------------------------------- leaky_relu

def reference_leaky_relu(x, negative_slope=0.01):
    return F.leaky_relu(x, negative_slope)


def slope_outside(case, expected, got):
    """A negative_slope outside [0, 1], which the text names."""
    slope = case.get("negative_slope", 0.01)
    return {"slope": slope} if slope > 1 or slope < 0 else None


LEAKY_HINT = Hint(
    when=[(slope_outside, N_("with negative_slope={slope}, max(x, slope * x) is not leaky_relu: decide by the sign of "
                             "x")),
          (x_fixed, N_("x holds exact zeros: torch's leaky_relu gradient at 0 is the slope (it tests x > 0)"))],
    default=N_("x where x > 0, negative_slope * x elsewhere; the gradient at exactly 0 is the slope (torch tests "
               "x > 0)"))


# ---------------------------------------------------------------- relu_grad, sigmoid_grad

def reference_relu_grad(x):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.relu(x).sum(), x)
    return g


RELU_GRAD_HINT = Hint(
    when=[(x_fixed, N_("x holds exact zeros: torch's ReLU gradient at 0 is 0"))],
    default=N_("1.0 where x > 0, 0.0 elsewhere (also at x = 0), in x's dtype"))


def reference_sigmoid_grad(x):
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.sigmoid(x).sum(), x)
    return g


SIGMOID_GRAD_HINT = Hint(
    when=[(not_finite, N_("exp(x) or exp(-x) overflows to inf for large |x|, and inf / inf is nan: build it from "
                          "e = exp(-|x|)"))],
    default=N_("the derivative of the sigmoid is sigmoid(x) * (1 - sigmoid(x))"))


EXERCISES = [
    Exercise(
        "relu", 2, reference_relu, groups={"examples": 0.5, "values": 1, "gradients": 0.5},
        kind=Tensors(aliasing=True),
        examples=[Example("relu(A) with A = arange(-3, 6) as 1×1×3×3 (the article's nn.ReLU()); A must stay unchanged",
                          dict(x=A)),
                  Example("relu(B, inplace=True) with B = arange(-3, 6): B changed in place and returned itself",
                          dict(x=A.clone(), inplace=True))],
        visible=RELU_VISIBLE,
        banned=NO_RELU, routes=RELU_ROUTES, hint=RELU_HINT),
    Exercise(
        "sigmoid", 3, torch.sigmoid, groups={"examples": 0.75, "values": 1.5, "gradients": 0.75},
        examples=[Example("sigmoid(A) with A = arange(-3, 6) (the article's nn.Sigmoid())", dict(x=A),
                          torch.tensor([[[[0.0474259, 0.1192029, 0.2689414], [0.5, 0.7310586, 0.8807971],
                                          [0.9525741, 0.9820138, 0.9933071]]]])),
                  Example("sigmoid of [-1000, -100, 0, 100, 1000]",
                          dict(x=torch.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0])),
                          torch.tensor([0.0, 0.0, 0.5, 1.0, 1.0]))],
        # The gradient at x = 0 (0.25) was a worked example; gradients are checked on cases.
        visible=[dict(x=rand(2, 3, 4, 5)), dict(x=rand(6, low=-1000, high=1000)), dict(x=fixed([0.0]))],
        banned=NO_SIGMOID, routes=SIGMOID_ROUTES, hint=SIGMOID_HINT),
    Exercise(
        "leaky_relu", 2, reference_leaky_relu, groups={"examples": 0.5, "values": 1, "gradients": 0.5},
        examples=[Example("leaky_relu(A) with A = arange(-3, 6)", dict(x=A),
                          torch.tensor([[[[-0.03, -0.02, -0.01], [0.0, 1, 2], [3, 4, 5]]]])),
                  Example("leaky_relu(A, 0.2): first row [-0.6, -0.4, -0.2]", dict(x=A, negative_slope=0.2),
                          torch.tensor([[[[-0.6, -0.4, -0.2], [0.0, 1, 2], [3, 4, 5]]]]))],
        # exact zeros, with the gradient checked: the slope at 0 (torch tests x > 0), as the hidden cases check
        visible=grid(x=[rand(2, 3, 4, 5)], negative_slope=[0.01, 0.2]) + [dict(x=fixed([-2.0, 0.0, 3.0]), negative_slope=0.2)],
        banned=NO_LEAKY, routes=LEAKY_ROUTES, hint=LEAKY_HINT),
    Exercise(
        "relu_grad", 2, reference_relu_grad, groups={"examples": 0.5, "values": 1.5}, kind=Tensors(grad=False),
        examples=[Example("relu_grad(A) with A = arange(-3, 6): 0 at x = 0", dict(x=A),
                          torch.tensor([[[[0.0, 0, 0], [0, 1, 1], [1, 1, 1]]]]))],
        visible=[dict(x=rand(2, 3, 4, 5))],
        banned=NO_RELU, routes=RELU_ROUTES, hint=RELU_GRAD_HINT),
    Exercise(
        "sigmoid_grad", 2, reference_sigmoid_grad, groups={"examples": 0.5, "values": 1.5}, kind=Tensors(grad=False),
        examples=[Example("sigmoid_grad at 0, 1, 2", dict(x=torch.tensor([0.0, 1.0, 2.0])),
                          torch.tensor([0.25, 0.1966119, 0.1049936])),
                  Example("sigmoid_grad at -1000 and 1000", dict(x=torch.tensor([-1000.0, 1000.0])),
                          torch.tensor([0.0, 0.0]))],
        visible=[dict(x=rand(2, 3, 4, 5))],
        banned=NO_SIGMOID, routes=SIGMOID_ROUTES, hint=SIGMOID_GRAD_HINT),
]
