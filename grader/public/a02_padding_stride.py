"""02_padding_stride: pool_output_size, max_pool2d, avg_pool2d, receptive_field.

The public part of the spec, all that a learner's check reads. grader/exercises/a02_padding_stride.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.messages import N_
from grader.runtime.spec import Arg, Example, Exercise, Hint, Not, Tensors

ASSIGNMENT = "02_padding_stride"

X = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
ONES = torch.ones(1, 1, 4, 4)

# Hints are data (grader.runtime.spec.Hint); a condition sees the case, torch's output ``expected`` (None when
# torch rejects the arguments) and the student's output ``got`` (None when the student's function raised).


# ---------------------------------------------------------------------------------------------
# pool_output_size

def reference_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    pairs = any(isinstance(a, tuple) for a in (size, kernel_size, stride, padding, dilation))
    h, w = size if isinstance(size, tuple) else (size, size)
    y = F.max_pool2d(torch.zeros(1, 1, h, w), kernel_size, stride, padding, dilation, ceil_mode)
    return tuple(y.shape[-2:]) if pairs else y.shape[-1]


def ints(case, expected, got):
    """Both outputs are single sizes (not pairs)."""
    return isinstance(expected, int) and isinstance(got, int)


def one_too_many(case, expected, got):
    return got == expected + 1


NOT_DILATED = Arg("dilation", not_=1, default=1)

SIZE_HINT = Hint(
    rejected=N_("torch rejects kernel_size, stride or dilation below 1, negative padding, padding above "
                "kernel_size // 2, and sizes too small for one window"),
    raised=N_("stride=None means stride = kernel_size; an int argument counts for both height and width"),
    when=[((ints, Arg("ceil_mode"), one_too_many),
           N_("with ceil_mode the last window must start inside the input or the left padding: "
              "(out - 1) * stride < size + padding")),
          ((ints, NOT_DILATED), N_("a dilated window spans dilation * (kernel_size - 1) + 1 cells")),
          ((ints, Arg("stride", is_=None)), N_("stride=None means stride = kernel_size"))],
    default=N_("out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1 (ceil with ceil_mode)"))


# ---------------------------------------------------------------------------------------------
# max_pool2d

def reference_max(x, **kwargs):
    return F.max_pool2d(x, **kwargs)


MAX_HINT = Hint(
    rejected=N_("torch rejects kernel_size, stride or dilation below 1, negative padding, padding above "
                "kernel_size // 2, and inputs too small for one window"),
    raised=N_("stride=None means stride = kernel_size; every argument but ceil_mode may be an int or a pair"),
    shape=N_("out = floor((H + 2p - d(k - 1) - 1) / s) + 1; stride=None means stride = kernel_size; with ceil_mode "
             "round up, but drop a last window that would start at or after H + p"),
    when=[(NOT_DILATED, N_("a dilated window takes every d-th element: rows start, start + d, ..., start + d(k - 1)")),
          (Arg("padding", not_=0, default=0), N_("pad with -inf, not 0: a padded cell must never be the maximum"))],
    default=N_("each output is the maximum over its own window (height kernel_size[0], width kernel_size[1])"))


# ---------------------------------------------------------------------------------------------
# avg_pool2d

def reference_avg(x, **kwargs):
    return F.avg_pool2d(x, **kwargs)


AVG_HINT = Hint(
    rejected=N_("torch rejects kernel_size or stride below 1, negative padding, padding above kernel_size // 2, "
                "divisor_override=0, and inputs too small for one window"),
    raised=N_("stride=None means stride = kernel_size; kernel_size, stride and padding may be ints or pairs"),
    shape=N_("out = floor((H + 2p - k) / s) + 1; stride=None means stride = kernel_size; with ceil_mode round up, "
             "but drop a last window that would start at or after H + p"),
    when=[(Arg("divisor_override"), N_("with divisor_override every window's sum is divided by divisor_override")),
          (Arg("ceil_mode"), N_("cells of a ceil_mode window that lie beyond the padding never count in the divisor")),
          (Not(Arg("count_include_pad", default=True)),
           N_("count_include_pad=False: divide by the number of the window's cells inside the input"))],
    default=N_("count_include_pad=True: divide by the number of the window's cells inside the padded input"))


EXERCISES = [
    Exercise(
        "pool_output_size", 2, reference_output_size, groups={"examples": 0.5, "values": 1, "errors": 0.5},
        examples=[
            Example("pool_output_size(4, 3): nn.MaxPool2d(3) on 4×4 has ONE window",
                    dict(size=4, kernel_size=3), 1),
            Example("pool_output_size(4, 3, stride=2, padding=1)", dict(size=4, kernel_size=3, stride=2, padding=1), 2),
            Example("pool_output_size((4, 4), (2, 4), stride=(2, 3), padding=(1, 2))",
                    dict(size=(4, 4), kernel_size=(2, 4), stride=(2, 3), padding=(1, 2)), (3, 2)),
            Example("pool_output_size(28, 2)", dict(size=28, kernel_size=2), 14),
            Example("pool_output_size(4, 2, stride=1, dilation=2)", dict(size=4, kernel_size=2, stride=1, dilation=2), 2),
            Example("pool_output_size(5, 2, stride=2, ceil_mode=True)",
                    dict(size=5, kernel_size=2, stride=2, ceil_mode=True), 3),
            Example("pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True): a 4th window would start in the padding",
                    dict(size=5, kernel_size=2, stride=2, padding=1, ceil_mode=True), 3)],
        visible=grid(size=[7], kernel_size=[3], stride=[None, 2], padding=[1], dilation=[1, 2], ceil_mode=[False, True]),
        banned=("max_pool", "avg_pool", "adaptive_", "fractional_max_pool"),
        routes="F.max_pool2d / F.avg_pool2d or nn.MaxPool2d / nn.AvgPool2d on a tensor of zeros",
        hint=SIZE_HINT, kind=Tensors(dtypes=(torch.float32,), grad=False)),
    Exercise(
        "max_pool2d", 3, reference_max, groups={"examples": 0.75, "values": 1.5, "gradients": 0.25, "errors": 0.5},
        examples=[
            Example("max_pool2d(X, 3) (stride defaults to 3: one window)", dict(x=X, kernel_size=3),
                    torch.tensor([[[[10.0]]]])),
            Example("max_pool2d(X, 3, padding=1, stride=2)", dict(x=X, kernel_size=3, padding=1, stride=2),
                    torch.tensor([[[[5.0, 7.0], [13.0, 15.0]]]])),
            Example("max_pool2d(X, (2, 4), padding=(1, 2), stride=(2, 3))",
                    dict(x=X, kernel_size=(2, 4), padding=(1, 2), stride=(2, 3)),
                    torch.tensor([[[[1.0, 3.0], [9.0, 11.0], [13.0, 15.0]]]])),
            Example("max_pool2d(X - 20, 3, padding=1, stride=2) (max pooling pads with -inf, not 0)",
                    dict(x=X - 20, kernel_size=3, padding=1, stride=2),
                    torch.tensor([[[[-15.0, -13.0], [-7.0, -5.0]]]])),
            Example("max_pool2d(X, 2, stride=1, dilation=2)", dict(x=X, kernel_size=2, stride=1, dilation=2),
                    torch.tensor([[[[10.0, 11.0], [14.0, 15.0]]]]))],
        visible=[dict(x=rand(2, 3, 5, 6), kernel_size=3, stride=2, padding=1),
                 dict(x=rand(1, 2, 6, 5), kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), dilation=(2, 1),
                      ceil_mode=True)],
        banned=("max_pool", "adaptive_max_pool", "fractional_max_pool"), routes="F.max_pool2d or nn.MaxPool2d",
        hint=MAX_HINT),
    Exercise(
        "avg_pool2d", 3, reference_avg, groups={"examples": 0.75, "values": 1.5, "gradients": 0.25, "errors": 0.5},
        examples=[
            Example("avg_pool2d(X, 2)", dict(x=X, kernel_size=2), torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]])),
            Example("avg_pool2d(ones, 3, stride=2, padding=1)", dict(x=ONES, kernel_size=3, stride=2, padding=1),
                    torch.tensor([[[[4 / 9, 6 / 9], [6 / 9, 1.0]]]])),
            Example("avg_pool2d(ones, 3, stride=2, padding=1, count_include_pad=False)",
                    dict(x=ONES, kernel_size=3, stride=2, padding=1, count_include_pad=False), torch.ones(1, 1, 2, 2)),
            Example("avg_pool2d(ones, 3, stride=2, padding=1, divisor_override=2)",
                    dict(x=ONES, kernel_size=3, stride=2, padding=1, divisor_override=2),
                    torch.tensor([[[[2.0, 3.0], [3.0, 4.5]]]])),
            Example("avg_pool2d(ones 5×5, 2, ceil_mode=True): cells beyond the padding are not counted",
                    dict(x=torch.ones(1, 1, 5, 5), kernel_size=2, ceil_mode=True), torch.ones(1, 1, 3, 3)),
            Example("avg_pool2d on the AvgPool2d article's 1×3×12×12 input, kernel (2, 2): 1×3×6×6",
                    dict(x=torch.linspace(0, 1, 3 * 12 * 12).reshape(1, 3, 12, 12), kernel_size=(2, 2)))],
        visible=grid(x=[rand(2, 3, 5, 6)], kernel_size=[3], stride=[2], padding=[1], ceil_mode=[False, True],
                     count_include_pad=[True, False]),
        banned=("avg_pool", "adaptive_avg_pool", "max_pool"), routes="F.avg_pool2d or nn.AvgPool2d",
        hint=AVG_HINT),
]


# ---------------------------------------------------------------------------------------------
# receptive_field

def check_layers(layers):
    """ValueError unless every (kernel_size, stride, padding, dilation) of ``layers`` is in range."""
    for i, layer in enumerate(layers):
        kernel_size, stride, padding, dilation = layer
        if min(kernel_size, stride, dilation) < 1:
            raise ValueError(f"layer {i}: kernel_size, stride and dilation must be at least 1, got {layer}")
        if padding < 0:
            raise ValueError(f"layer {i}: padding must not be negative, got {layer}")


def reference_receptive_field(layers):
    """(size, jump, start) of a stack of 1-D layers, measured by a gradient probe, not computed by a formula.

    Every layer becomes ``F.conv1d`` with a kernel of ones (so every input a window covers gets a nonzero
    gradient) on an input of ones long enough that outputs m and m + 1 see no border. Their nonzero
    gradients span [a, b] and [a + jump, b + jump]: size = b - a + 1, start = a - m * jump.
    """
    check_layers(layers)
    jump, span = 1, 0  # bounds: jump is the product of the strides, span bounds size and -start
    for k, s, p, d in layers:
        span += (d * (k - 1) + p) * jump
        jump *= s
    m = span // jump + 2
    n = 2 * span + (m + 3) * jump + 1
    x = torch.ones(2, 1, n, dtype=torch.float64, requires_grad=True)  # two copies: output m of one, m + 1 of the other
    y = x
    for k, s, p, d in layers:
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
    (y[0, 0, m] + y[1, 0, m + 1]).backward()
    (a, b), (a2, _) = [(int(seen.min()), int(seen.max())) for seen in (g.nonzero()[:, 0] for g in x.grad[:, 0])]
    return b - a + 1, a2 - a, a - m * (a2 - a)


def not_a_triple(case, expected, got):
    return not isinstance(got, (tuple, list)) or len(got) != 3


def differs_at(i):
    """The student's item ``i`` of (size, jump, start) is not torch's."""
    def differs(case, expected, got):
        return got[i] != expected[i]
    return differs


def dilated(case, expected, got):
    return any(d != 1 for *_, d in case["layers"])


RECEPTIVE_HINT = Hint(
    rejected=N_("raise ValueError for a kernel_size, stride or dilation below 1, or a negative padding"),
    when=[(not_a_triple, N_("return a tuple (size, jump, start) of ints; no layers at all gives (1, 1, 0)")),
          (differs_at(1), N_("jump is the product of the strides of all the layers")),
          ((differs_at(0), dilated), N_("a dilated kernel spans dilation * (kernel_size - 1) + 1 inputs of its layer")),
          (differs_at(0), N_("each layer adds dilation * (kernel_size - 1) * jump to size, with the jump of the "
                             "layers before it"))],
    default=N_("each layer moves start left by padding * jump, with the jump of the layers before it"))


RESNET_STEM = [(7, 2, 3, 1), (3, 2, 1, 1)]  # torchvision's ResNet-18: conv1, then maxpool (article 000's MaxPool2d(3, 2, 1))

EXERCISES.append(Exercise(
    "receptive_field", 2, reference_receptive_field, groups={"examples": 0.5, "values": 1, "errors": 0.5},
    examples=[
        Example("receptive_field([]): no layer, each output is its own input", dict(layers=[]), (1, 1, 0)),
        Example("receptive_field([(3, 1, 1, 1)]): one 3×3 layer, padding 1", dict(layers=[(3, 1, 1, 1)]), (3, 1, -1)),
        Example("receptive_field([(3, 1, 1, 1)] * 3): three of them", dict(layers=[(3, 1, 1, 1)] * 3), (7, 1, -3)),
        Example("receptive_field([(7, 2, 3, 1), (3, 2, 1, 1)]): ResNet-18's stem, conv then max pooling",
                dict(layers=RESNET_STEM), (11, 4, -5)),
        Example("receptive_field([(3, 1, 2, 2)]): dilation 2 spans 5 inputs", dict(layers=[(3, 1, 2, 2)]), (5, 1, -2))],
    visible=[dict(layers=[(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1)]), dict(layers=[(3, 2, 1, 2), (5, 3, 2, 1)]),
             dict(layers=[(2, 2, 0, 1), (3, 1, 0, 0)])],
    banned=("conv", "max_pool", "avg_pool", "unfold"),
    routes="building the layers with F.conv1d, nn.Conv1d or a pooling layer and reading their gradients",
    hint=RECEPTIVE_HINT, kind=Tensors(dtypes=(torch.float32,), grad=False)))
