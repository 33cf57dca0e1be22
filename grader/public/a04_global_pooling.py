"""04_global_pooling: adaptive_avg_pool2d, adaptive_max_pool2d, channel_pool, GAPClassifier, count_parameters.

The public part of the spec, all that a learner's check reads. grader/exercises/a04_global_pooling.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.compare import difference
from grader.runtime.messages import N_, say
from grader.runtime.probes import upstream_for
from grader.runtime.spec import Arg, Example, Exercise, Hint, Not, Probed, shape_differs

from .probes_global_pooling import count_module, describe_module, input_of, module_head

ASSIGNMENT = "04_global_pooling"

X = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
ROW5 = torch.arange(5.0).reshape(1, 1, 1, 5)
NO_POOLING = ("adaptive_avg_pool", "adaptive_max_pool", "avg_pool", "max_pool", "fractional_max_pool")

# Hints are data (grader.runtime.spec.Hint); a condition sees the case, torch's output ``expected`` (None when
# torch rejects the arguments) and the student's output ``got`` (None when the student's function raised).


def torch_rejects(reference, case):
    """Whether torch raises for these arguments (random tensors replaced by zeros of the same shape)."""
    try:
        reference(**{k: torch.zeros(v.shape) if hasattr(v, "build") else v for k, v in case.items()})
    except Exception:
        return True
    return False


def accepted_on_zeros(reference):
    """Torch rejected the case's random tensors but accepts zeros of their shape (computed: it runs torch)."""
    def accepted(case, expected, got):
        return expected is None and not torch_rejects(reference, case)
    return accepted


KEEPS_SIZE = N_("None in output_size keeps the input's size; an int means (out, out)")
REJECTS_SIZE = N_("torch rejects a negative output size and an output_size that is not an int or a pair")
OUTPUT_SHAPE = N_("the output is N×C×out_h×out_w; an int means (out, out) and None keeps the input's size")
BINS = N_("bin i covers rows floor(i*H/out) up to ceil((i+1)*H/out) (excluded); neighbouring bins may overlap")


# ---------------------------------------------------------------------------------------------
# adaptive_avg_pool2d

def reference_adaptive_avg(x, output_size):
    return F.adaptive_avg_pool2d(x, output_size)


ADAPTIVE_HINT = Hint(first=[(accepted_on_zeros(reference_adaptive_avg), KEEPS_SIZE)], rejected=REJECTS_SIZE,
                     shape=OUTPUT_SHAPE, default=BINS)


# ---------------------------------------------------------------------------------------------
# adaptive_max_pool2d

def reference_adaptive_max(x, output_size, return_indices=False):
    return F.adaptive_max_pool2d(x, output_size, return_indices)


def values_of(output):
    return output[0] if isinstance(output, tuple) else output


def values_shape_differ(case, expected, got):
    return shape_differs(case, values_of(expected), values_of(got))


def values_equal(case, expected, got):
    return torch.equal(values_of(got).detach(), values_of(expected).detach())


def is_pair(case, expected, got):
    return isinstance(got, tuple)


INDICES = Arg("return_indices")

MAX_HINT = Hint(
    first=[(accepted_on_zeros(reference_adaptive_max), KEEPS_SIZE)], rejected=REJECTS_SIZE,
    when=[((INDICES, Not(is_pair)), N_("with return_indices=True return the pair (output, indices)")),
          ((Not(INDICES), is_pair), N_("without return_indices return only the output tensor")),
          (values_shape_differ, OUTPUT_SHAPE),
          ((INDICES, values_equal), N_("indices are int64 positions h*W + w in each channel's own H×W map (not "
                                       "inside the bin, not over the whole tensor)"))],
    default=BINS)


# ---------------------------------------------------------------------------------------------
# channel_pool

def reference_channel_pool(x, mode="max"):
    if mode == "max":
        return x.amax(dim=1, keepdim=True)
    if mode == "avg":
        return x.mean(dim=1, keepdim=True)
    raise ValueError(mode)


CHANNEL_HINT = Hint(
    rejected=N_('only mode="max" and mode="avg" exist'),
    shape=N_("reduce over dim=1 (the channels) and keep it: the output is N×1×H×W"),
    default=N_("output[n, 0, h, w] is the max (avg: the mean) of x[n, :, h, w], for every image n; a reshape to "
               "N×(H·W)×C is not a transpose"))


X2 = torch.cat((X, X + 1), dim=1)

# ---------------------------------------------------------------------------------------------
# GAPClassifier: the ``module_head`` probe builds GAPClassifier(in_channels, num_classes) with torch's RNG at seed 0,
# reports its parameters and, for an input, the logits, the input's gradient and one SGD step.
# The logits and the gradient are compared with the mean over H and W followed by the linear map
# of the student's own weight and bias (so any initialisation passes).

COUNT_HINT = N_("a GAP head has one weight per (channel, class) and one bias per class, in_channels·num_classes + "
                "num_classes, whatever H and W are (no Linear over the flattened map)")
LOGIT_HINT = N_("logits = mean of x over H and W, then weight·mean + bias: no max, no sum, no softmax or activation")
TRAIN_HINT = N_("keep the logits connected to the layer's weight and bias (no .detach(), no torch.no_grad())")
NO_WINDOWS = ("avg_pool", "max_pool", "adaptive_max_pool", "fractional_max_pool", "lp_pool")


class ReferenceGAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        return self.fc(x.mean(dim=(2, 3)))


def head(in_channels, num_classes, x=None, dtype="float32", seed=0, train=False):
    case = {"args": [in_channels, num_classes]}
    if x is not None:
        case.update(x=list(x), dtype=dtype, seed=seed)
    if train:
        case["train"] = {"classes": num_classes}
    return case


def describe_head(case):
    c, k = case["args"]
    text = f"GAPClassifier(in_channels={c}, num_classes={k})"
    if "x" not in case:
        return text
    text += "(x)  " + say("where x is a {dtype} tensor of shape {shape}", dtype=case["dtype"], shape=tuple(case["x"]))
    return text + (say(", then one SGD step (lr 0.1) on the cross-entropy") if case.get("train") else "")


def _with_hint(problem, hint):
    return problem and f"{problem}\n  " + say("hint: {hint}", hint=say(hint))


def _layer(case, got):
    """(weight as num_classes×in_channels, bias) of the student's head, or why there is no such pair."""
    c, k = case["args"]
    weights = got.get("weights")
    if not isinstance(weights, dict) or not all(isinstance(w, torch.Tensor) for w in weights.values()):
        return None, say("the parameters of your head could not be read ({error})",
                         error=got.get("parameters_error", say("no values")))
    w = [p for p in weights.values() if p.dim() >= 2 and p.numel() == c * k]
    b = [p for p in weights.values() if p.dim() == 1 and p.numel() == k]
    if len(w) != 1 or len(b) != 1:
        have = ", ".join(f"{n} {tuple(p.shape)}" for n, p in weights.items()) or say("none")
        return None, say("GAPClassifier needs exactly one weight of num_classes×in_channels (nn.Linear or a 1×1 "
                         "nn.Conv2d) and one bias of num_classes; your parameters: {have}", have=have)
    return (w[0].reshape(k, c), b[0]), None


def compare_head(case, expected, got):
    c, k = case["args"]
    out = []
    # The parameter count, from the shapes the head has right after it is built.
    params = got.get("parameters") or []
    lazy = [p["name"] for p in params if p.get("shape") is None]
    if got.get("parameters_error") and not params:
        problem = say("reading its parameters failed: {error}", error=got["parameters_error"])
    elif lazy:
        problem = say("parameter `{name}` has no shape when GAPClassifier({c}, {k}) is built (a lazy layer takes "
                      "its size from the first input): the head needs in_channels·num_classes + num_classes = "
                      "{n} parameters from the start", name=lazy[0], c=c, k=k, n=c * k + k)
    else:
        n = 0
        for p in params:
            size = 1
            for s in p["shape"]:
                size *= int(s)
            n += size
        want = c * k + k
        problem = None if n == want else say(
            "GAPClassifier({c}, {k}) has {n} parameters; a GAP head has in_channels·num_classes + num_classes = "
            "{want}", c=c, k=k, n=n, want=want)
    out.append(("parameters", _with_hint(problem, COUNT_HINT)))
    if "x" in case:
        out += _compare_logits(case, got)
    if case.get("train"):
        if "train_error" in got:
            problem = say("the training step failed: {error}", error=got["train_error"])
        elif "forward_error" in got:
            problem = say("the forward pass raised {error}", error=got["forward_error"])
        else:
            mine, torchs = tuple(got.get("trains") or ()), tuple(expected.get("trains") or (True, True))
            problem = None if mine == torchs else say(
                "one SGD step (lr 0.1) on the cross-entropy: every parameter got a gradient: {grads}, the loss went "
                "down: {lower} (torch's head: {torch_grads}, {torch_lower})", grads=mine[0] if mine else "?",
                lower=mine[1] if len(mine) > 1 else "?", torch_grads=torchs[0], torch_lower=torchs[1])
        out.append(("training", _with_hint(problem, TRAIN_HINT)))
    return out


def _compare_logits(case, got):
    if "forward_error" in got:
        problem = say("the forward pass raised {error}", error=got["forward_error"])
        return [("values", problem), ("gradients", problem)]
    layer, problem = _layer(case, got)
    if problem:
        return [("values", problem), ("gradients", problem)]
    weight, bias = layer
    x = input_of(case).requires_grad_(True)
    logits = x.mean(dim=(2, 3)) @ weight.T + bias
    values = _with_hint(difference(logits.detach(), got.get("output"), say("logits")), LOGIT_HINT)
    if got.get("connected") is False:
        grad = say("the output is not connected to autograd, so no gradient reaches the input: avoid .detach(), "
                   ".data, .item(), numpy and torch.no_grad() inside the function")
    elif "grad_error" in got:
        grad = say("computing the gradient through your function failed: {error}", error=got["grad_error"])
    elif not isinstance(got.get("output"), torch.Tensor) or tuple(got["output"].shape) != tuple(logits.shape):
        grad = say("the gradient cannot be checked: the logits should have shape {shape}", shape=tuple(logits.shape))
    elif got.get("grad_x") is None:
        grad = say("no gradient reaches `{k}`", k="x")
    else:
        (logits * upstream_for(logits, int(case.get("seed", 0)))).sum().backward()
        grad = difference(x.grad, got["grad_x"], say("gradient with respect to `{k}`", k="x"))
    return [("values", values), ("gradients", grad)]


# ---------------------------------------------------------------------------------------------
# count_parameters: the ``count_module`` probe builds a module from a plain-data description and
# reports count_parameters(module).

def layer(name, *args, **kwargs):
    return {"layer": name, "args": list(args), "kwargs": kwargs}


def seq(*children, **extra):
    return {"layer": "Sequential", "children": list(children), **extra}


def module(spec):
    return {"module": spec}


def reference_count(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


EXERCISES = [
    Exercise(
        "adaptive_avg_pool2d", 2, reference_adaptive_avg,
        groups={"examples": 0.5, "values": 1, "gradients": 0.25, "errors": 0.25},
        examples=[Example("adaptive_avg_pool2d(X, 2) with X = arange(16) as 1×1×4×4", dict(x=X, output_size=2),
                          torch.tensor([[[[2.5, 4.5], [10.5, 12.5]]]])),
                  Example("adaptive_avg_pool2d(arange(5) as 1×1×1×5, (1, 3)) (bins [0, 2), [1, 4), [3, 5))",
                          dict(x=ROW5, output_size=(1, 3)), torch.tensor([[[[0.5, 2.0, 3.5]]]])),
                  Example("global average pooling of 1×8×4×4: adaptive_avg_pool2d(ones(1, 8, 4, 4), (1, 1)) is "
                          "1×8×1×1", dict(x=torch.ones(1, 8, 4, 4), output_size=(1, 1)))],
        visible=grid(x=[rand(2, 3, 5, 7)], output_size=[(2, 3), 1]),
        banned=NO_POOLING, routes="F.adaptive_avg_pool2d or nn.AdaptiveAvgPool2d", hint=ADAPTIVE_HINT),
    Exercise(
        "adaptive_max_pool2d", 3, reference_adaptive_max,
        groups={"examples": 0.75, "values": 1.5, "gradients": 0.5, "errors": 0.25},
        examples=[Example("adaptive_max_pool2d(X, (3, 2)) with X = arange(16) as 1×1×4×4",
                          dict(x=X, output_size=(3, 2)), torch.tensor([[[[5.0, 7.0], [9.0, 11.0], [13.0, 15.0]]]])),
                  Example("adaptive_max_pool2d(-X, (3, 2), return_indices=True): indices [[0, 2], [4, 6], [8, 10]] "
                          "(positions h·W + w in the 4×4 map)",
                          dict(x=-X, output_size=(3, 2), return_indices=True),
                          (-torch.tensor([[[[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]]]]),
                           torch.tensor([[[[0, 2], [4, 6], [8, 10]]]]))),
                  Example("adaptive_max_pool2d(arange(5) as 1×1×1×5, (1, 3))", dict(x=ROW5, output_size=(1, 3)),
                          torch.tensor([[[[1.0, 3.0, 4.0]]]]))],
        visible=grid(x=[rand(2, 3, 5, 7)], output_size=[(2, 3)], return_indices=[False, True]),
        banned=NO_POOLING, routes="F.adaptive_max_pool2d or nn.AdaptiveMaxPool2d", hint=MAX_HINT),
    Exercise(
        "channel_pool", 2, reference_channel_pool,
        groups={"examples": 0.5, "values": 1, "gradients": 0.25, "errors": 0.25},
        examples=[Example("channel_pool(cat((X, X + 1), dim=1))", dict(x=X2), X + 1),
                  Example('channel_pool(cat((X, X + 1), dim=1), mode="avg")', dict(x=X2, mode="avg"), X + 0.5),
                  Example("channel_pool on a batch of 2: 2×8×4×4 → 2×1×4×4",
                          dict(x=torch.randn(2, 8, 4, 4, generator=torch.Generator().manual_seed(0))))],
        visible=grid(x=[rand(2, 3, 4, 5)], mode=["max", "avg"]),
        banned=("max_pool", "avg_pool", "adaptive_", "fractional_max_pool", "lp_pool"),
        routes="F.max_pool1d / F.max_pool3d / F.avg_pool1d or their nn layers", hint=CHANNEL_HINT),
    Exercise(
        "GAPClassifier", 3, ReferenceGAPClassifier, groups={"parameters": 1, "values": 1, "gradients": 0.5, "training": 0.5},
        group_names={"parameters": N_("parameter count (in_channels·num_classes + num_classes)"),
                     "values": N_("logits (mean over H and W, then your layer's linear map)"),
                     "gradients": N_("gradient with respect to the input"),
                     "training": N_("one SGD step lowers the loss")},
        visible=[head(512, 10)]
        + [head(6, 3, (2, 6, 4, 5), dtype, seed=1) for dtype in ("float32", "float64")]
        + [head(6, 3, (3, 6, 4, 4), dtype, seed=2, train=True) for dtype in ("float32", "float64")],
        banned=NO_WINDOWS, routes="nn.AvgPool2d / F.avg_pool2d with the whole map as window, or a max pooling",
        kind=Probed(probe=module_head, compare=compare_head, describe=describe_head)),
    Exercise(
        "count_parameters", 2, reference_count,
        groups={"examples": 0.5, "values": 1.5}, group_names={"values": N_("parameter counts")},
        examples=[Example("count_parameters(nn.Conv2d(1, 64, 3))", module(layer("Conv2d", 1, 64, 3)), 640),
                  Example("count_parameters(flatten + Linear(512·7·7, 10))",
                          module(seq(layer("Flatten"), layer("Linear", 512 * 7 * 7, 10))), 250890),
                  Example("count_parameters(GAP + Linear(512, 10))",
                          module(seq(layer("AdaptiveAvgPool2d", 1), layer("Flatten"), layer("Linear", 512, 10))), 5130)],
        visible=[module(layer("Linear", 3, 4)), module(layer("BatchNorm2d", 8))],
        banned=("cat", "stack"), routes="torch.nn.utils.parameters_to_vector or torch.cat",
        hint=N_("count p.numel() for every p in module.parameters() with p.requires_grad; parameters() already "
                "lists a shared layer once; buffers (running_mean, ...) are not parameters"),
        kind=Probed(probe=count_module,
                    compare=lambda case, expected, got: [("values", difference(expected["output"], got.get("output")))],
                    describe=lambda case: describe_module(case["module"]))),
]
