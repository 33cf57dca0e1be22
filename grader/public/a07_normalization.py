"""07_normalization: batch_norm2d, instance_norm2d, BatchNorm2d.

The public part of the spec, all that a learner's check reads. grader/exercises/a07_normalization.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.runtime.cases import rand
from grader.runtime.compare import difference
from grader.runtime.messages import N_, say
from grader.runtime.spec import Arg, Either, Example, Exercise, Hint, Not, Probed, Tensors

from .probes_normalization import RUNNING, batchnorm_module

ASSIGNMENT = "07_normalization"

X = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [2.0, 2.0]]],
                  [[[5.0, 6.0], [7.0, 8.0]], [[4.0, 4.0], [6.0, 6.0]]]])
NO_NORM = ("batch_norm", "native_batch_norm", "cudnn_batch_norm", "miopen_batch_norm", "instance_norm",
           "layer_norm", "native_layer_norm", "group_norm", "native_group_norm")
DTYPES = (torch.float32, torch.float64)
MODES = {"train": N_("train"), "eval": N_("eval")}  # a module's mode, as the messages name it


# ---------------------------------------------------------------- batch_norm2d

def reference_batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    return F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)


BN_HINT = Hint(
    when=[(Either(Arg("running_mean", is_=None), Arg("running_var", is_=None)),
           N_("running_mean and running_var may both be None in training (no tracking); evaluation needs them")),
          (Arg("training"), N_("training: normalise with the batch mean and the biased variance over (N, H, W); then, "
                               "under torch.no_grad(), running = (1 - momentum) * running + momentum * batch "
                               "statistic, in place, with the unbiased variance (times n / (n - 1)) for running_var"))],
    default=N_("evaluation: normalise with running_mean and running_var (plus eps inside the square root) and leave "
               "them unchanged"))


def bn_cases(shapes, training, momentum, affine, eps=(1e-5,)):
    """Cases with running stats, weight and bias of the right length for each shape's C."""
    cases = []
    for shape in shapes:
        C = shape[1]
        for t in training:
            for m in (momentum if t else momentum[:1]):   # evaluation does not read momentum
                for a in affine:
                    for e in eps:
                        case = dict(x=rand(*shape), running_mean=rand(C, grad=False),
                                    running_var=rand(C, low=0.5, high=2.0, grad=False), training=t, momentum=m, eps=e)
                        if a in ("weight", "both"):
                            case["weight"] = rand(C, low=0.5, high=2.0)
                        if a == "both":
                            case["bias"] = rand(C)
                        cases.append(case)
    return cases


BN_VISIBLE = bn_cases([(2, 3, 4, 5)], [True, False], [0.1], ["both"])


# ---------------------------------------------------------------- instance_norm2d

def reference_instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    return F.instance_norm(x, weight=weight, bias=bias, eps=eps)


def in_cases(shapes, affine, eps=(1e-5,)):
    cases = []
    for shape in shapes:
        for a in affine:
            for e in eps:
                case = dict(x=rand(*shape), eps=e)
                if a in ("weight", "both"):
                    case["weight"] = rand(shape[1], low=0.5, high=2.0)
                if a == "both":
                    case["bias"] = rand(shape[1])
                cases.append(case)
    return cases


# ---------------------------------------------------------------- BatchNorm2d: scripts for the batchnorm_module probe

def _shape(t: torch.Tensor) -> str:
    return "×".join(str(s) for s in t.shape)


def run_module(steps, N, C, H, W, momentum=0.1, affine=True, track_running_stats=True):
    """Train a fresh module for steps - 1 batches, evaluate on the last one, backward, report."""
    def script(dtype, gen):
        x = rand(steps, N, C, H, W).build(dtype, gen)
        gamma, beta = rand(C, low=0.5, high=2.0).build(dtype, gen), rand(C).build(dtype, gen)
        s = [{"do": "to", "dtype": dtype}]
        if affine:
            s += [{"do": "set", "name": "weight", "value": gamma}, {"do": "set", "name": "bias", "value": beta}]
        s += [{"do": "train"}] + [{"do": "forward", "x": x[k]} for k in range(steps - 1)]
        s += [{"do": "eval"}, {"do": "forward", "x": x[-1]}, {"do": "backward", "seed": 0}, {"do": "report"}]
        return dict(init=dict(num_features=C, momentum=momentum, affine=affine, track_running_stats=track_running_stats),
                    steps=s)
    return script


def scripts(makers, start=0, seed=0):
    """One payload per script maker and dtype, from a seeded generator as the engine builds call cases."""
    out, index = [], start
    for make in makers:
        for dtype in DTYPES:
            case = make(dtype, torch.Generator().manual_seed(seed * 1_000_003 + index))
            for step in case["steps"]:
                if step["do"] == "backward":
                    step["seed"] = index
            out.append(case)
            index += 1
    return out


def describe_module(case):
    init = dict(case["init"])
    args = [str(init.pop("num_features"))] + [f"{k}={v!r}" for k, v in init.items()]
    dtype = next((str(s["dtype"]).removeprefix("torch.") for s in case["steps"] if s["do"] == "to"), None)
    parts, mode = [], "train"
    for s in case["steps"]:
        do = s["do"]
        if do in ("train", "eval"):
            mode = do
        elif do == "set":
            parts.append(f"{s['name']} = [{', '.join(f'{v:.4g}' for v in s['value'].tolist())}]")
        elif do == "forward":
            parts.append(say("{mode}: forward on a {shape} batch", mode=say(MODES[mode]), shape=_shape(s["x"])))
        elif do == "backward":
            parts.append(say("backward through every output (weight, bias and inputs)"))
        elif do == "report":
            parts.append(say("state_dict, parameters and running statistics"))
        elif do == "load":
            st = s["state"]
            parts.append(say("load_state_dict(the state_dict of nn.BatchNorm2d({n}) after {batches} batches)",
                             n=len(st["weight"]), batches=int(st["num_batches_tracked"])))
        elif do == "into_torch":
            parts.append(f"nn.BatchNorm2d({args[0]}).load_state_dict(yours.state_dict())")
    return f"BatchNorm2d({', '.join(args)})" + (f".to(torch.{dtype})" if dtype else "") + ": " + "; ".join(parts)


def loads(case, expected, got):
    """The script loads a state_dict (into the student's module or from it into torch's)."""
    return any(s["do"] in ("load", "into_torch") for s in case["steps"])


MODULE_HINT = Hint(
    lead=N_("this case runs the steps listed above on a fresh module. "),
    when=[(Arg("init.momentum", is_=None, default=0.1),
           N_("momentum=None: add 1 to num_batches_tracked, then use 1 / num_batches_tracked as the momentum")),
          (Not(Arg("init.track_running_stats", default=True)),
           N_("track_running_stats=False: running_mean, running_var and num_batches_tracked are None; batch "
              "statistics always")),
          (loads, N_("load_state_dict must find weight, bias, running_mean, running_var and num_batches_tracked under "
                     "torch's names; momentum=None continues the average from the loaded num_batches_tracked"))],
    default=N_("training: batch statistics (biased variance) and an in-place update of the buffers (unbiased "
               "variance); eval: the running statistics; parameters and buffers registered under torch's names"))


def _keys_problem(what, expected, got):
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    text = say("{what} are {got}, nn.BatchNorm2d's are {expected}", what=what, got=got, expected=expected)
    if any(k in RUNNING for k in missing):
        text += say("; register {names} with self.register_buffer (a plain tensor attribute is not in state_dict)",
                    names=", ".join(k for k in missing if k in RUNNING))
    elif extra and set(extra) <= {"weight", "bias"}:
        text += say("; with affine=False register weight and bias as None (self.register_parameter(name, None))")
    elif extra and set(extra) <= set(RUNNING):
        text += say("; with track_running_stats=False register the buffers as None (self.register_buffer(name, None))")
    return text


def _state_problem(expected, got, what):
    if not isinstance(got, dict) or sorted(got) != sorted(expected):
        return _keys_problem(say("the keys of {what}", what=what), sorted(expected),
                             sorted(got) if isinstance(got, dict) else got)
    for k, v in expected.items():
        p = difference(v, got[k], f"{what}['{k}']")
        if p:
            return p
    return None


def _buffer_problem(name, expected, got):
    if expected is None:
        return None if got is None else say("`{name}` is a tensor; with track_running_stats=False it is None",
                                            name=name)
    if not isinstance(got, torch.Tensor):
        return say("`{name}` is {got}; nn.BatchNorm2d keeps it as a buffer tensor", name=name, got=repr(got))
    if got.dtype != expected.dtype:
        return say("`{name}` is {got} after .to({expected}), which torch's buffers follow: register it with "
                   "self.register_buffer (a plain tensor attribute stays where it was)", name=name, got=got.dtype,
                   expected=expected.dtype)
    return difference(expected, got, f"`{name}`")


def module_compare(case, expected, got):
    """(group, problem) for one script: values, gradients, running statistics, state_dict."""
    found: dict = {}

    def note(group, problem):
        if found.get(group) is None:
            found[group] = problem

    mine = got.get("steps")
    if not isinstance(mine, list) or len(mine) != len(expected["steps"]):
        return [(g, say("the module's observations are incomplete")) for g in ("values", "state_dict")]
    forward, mode = 0, "train"
    for step, e, g in zip(case["steps"], expected["steps"], mine, strict=True):
        do = step["do"]
        if not isinstance(g, dict):
            g = {}
        if do in ("train", "eval"):
            mode = do
        elif do == "forward":
            forward += 1
            if g.get("input_changed"):
                note("values", say("forward {i} ({mode} mode) changed its input x in place; compute a new tensor",
                                   i=forward, mode=say(MODES[mode])))
            else:
                note("values", difference(e["output"], g.get("output"), say("output of forward {i} ({mode} mode)",
                                                                            i=forward, mode=say(MODES[mode]))))
        elif do == "backward":
            if "error" in g:
                note("gradients", say("the gradient through your outputs failed: {error}", error=g["error"]))
                continue
            p = None
            for name in ("weight", "bias"):
                if e[name] is None and g.get(name) is not None:
                    p = say("`{name}` has a gradient, but torch's module has no {name} here (affine=False)", name=name)
                elif e[name] is not None and g.get(name) is None:
                    p = say("no gradient reaches `{name}`: make it an nn.Parameter used in forward", name=name)
                elif e[name] is not None:
                    p = difference(e[name], g[name], say("gradient with respect to `{k}`", k=name))
                if p:
                    break
            if not p:
                ins = g.get("inputs") or []
                for i, ge in enumerate(e["inputs"]):
                    gi = ins[i] if i < len(ins) else None
                    if gi is None:
                        p = say("no gradient reaches the input of forward {i}", i=i + 1)
                    else:
                        p = difference(ge, gi, say("gradient with respect to the input of forward {i}", i=i + 1))
                    if p:
                        break
            note("gradients", p)
        elif do == "report":
            if g.get("keys") != e["keys"]:
                note("state_dict", _keys_problem(say("the keys of {what}", what="state_dict()"), e["keys"],
                                                 g.get("keys")))
            elif g.get("parameters") != e["parameters"]:
                note("state_dict", _keys_problem(say("the parameters"), e["parameters"], g.get("parameters")))
            else:
                note("state_dict", _state_problem(e["state"], g.get("state"), "state_dict()"))
            buffers = g.get("buffers") if isinstance(g.get("buffers"), dict) else {}
            p = None
            for name in RUNNING:
                p = _buffer_problem(name, e["buffers"][name], buffers.get(name))
                if p:
                    break
            note("running", p)
        elif do == "load":
            if "error" in g and "error" not in e:
                note("state_dict", say("load_state_dict(the state_dict of nn.BatchNorm2d) failed: {error}",
                                       error=g["error"]))
            else:
                note("state_dict", None)
        elif do == "into_torch":
            if "error" in g:
                note("state_dict", say("nn.BatchNorm2d.load_state_dict(yours.state_dict()) failed: {error}",
                                       error=g["error"]))
            else:
                note("state_dict", _state_problem(e["state"], g.get("state"),
                                                  say("nn.BatchNorm2d's state_dict() after loading yours")))
    return list(found.items())


EXAMPLES_BN = [
    Example("BatchNorm2d(3): state_dict() has nn.BatchNorm2d(3)'s keys",
            dict(init=dict(num_features=3), steps=[{"do": "report"}])),
    Example("BatchNorm2d(3, affine=False) has no parameters",
            dict(init=dict(num_features=3, affine=False), steps=[{"do": "report"}])),
    Example("BatchNorm2d(2, momentum=None) after one step on X: running_mean is the batch mean [4.5, 3.0], "
            "num_batches_tracked is 1",
            dict(init=dict(num_features=2, momentum=None), steps=[{"do": "forward", "x": X}, {"do": "report"}])),
]
MODULE_VISIBLE = [run_module(3, 2, 3, 2, 2)]


EXERCISES = [
    Exercise(
        "batch_norm2d", 3, reference_batch_norm2d,
        groups={"examples": 0.75, "values": 1.25, "gradients": 0.5, "errors": 0.5},
        kind=Tensors(aliasing=True),
        examples=[Example("batch_norm2d(X, rm, rv, training=True) with rm = zeros(2), rv = ones(2): channel 0 is "
                          "(1, ..., 8 - 4.5) / sqrt(5.25 + eps); rm becomes 0.9 * 0 + 0.1 * mean = [0.45, 0.3], "
                          "rv 0.9 * 1 + 0.1 * unbiased var = [1.5, 1.4714]",
                          dict(x=X, running_mean=torch.zeros(2), running_var=torch.ones(2), training=True)),
                  Example("batch_norm2d(X, [4, 3], [4, 1], training=False): evaluation uses the running statistics",
                          dict(x=X, running_mean=torch.tensor([4.0, 3.0]), running_var=torch.tensor([4.0, 1.0]),
                          training=False))],
        visible=BN_VISIBLE,
        banned=NO_NORM, routes="F.batch_norm, nn.BatchNorm2d or another normalization layer", hint=BN_HINT),
    Exercise(
        "instance_norm2d", 2, reference_instance_norm2d,
        groups={"examples": 0.5, "values": 0.75, "gradients": 0.5, "errors": 0.25},
        examples=[Example("instance_norm2d(X): [0, 0] is ([1, 2, 3, 4] - 2.5) / sqrt(1.25 + eps), the mean and biased "
                          "variance of that one map; [1, 1] is [[-1, -1], [1, 1]] / sqrt(1 + eps)", dict(x=X))],
        visible=in_cases([(2, 3, 4, 5)], ["none", "both"]),
        banned=NO_NORM, routes="F.instance_norm, nn.InstanceNorm2d or another normalization layer",
        hint=N_("one mean and biased variance per sample and channel, over (H, W) only; eps inside the square root")),
    Exercise(
        "BatchNorm2d", 3, nn.BatchNorm2d,
        groups={"examples": 0.75, "values": 1, "gradients": 0.25, "running": 0.5, "state_dict": 0.5},
        group_names={"values": N_("outputs in training and evaluation"),
                     "running": N_("running statistics (running_mean, running_var, num_batches_tracked)"),
                     "state_dict": N_("parameters, buffers and state_dict (loads into nn.BatchNorm2d and back)")},
        kind=Probed(probe=batchnorm_module, compare=module_compare, describe=describe_module), examples=EXAMPLES_BN,
        visible=scripts(MODULE_VISIBLE),
        banned=NO_NORM, routes="nn.BatchNorm2d, F.batch_norm or another normalization layer", hint=MODULE_HINT),
]
