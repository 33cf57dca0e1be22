"""Probes of the global_pooling exercises that are not a function of tensors (see :mod:`grader.runtime.probes`).

- ``module_head``: builds ``fn(*payload["args"])`` (a classifier head such as ``GAPClassifier``) with
  torch's RNG seeded, reports its parameters, and, for an input described in the payload, the
  forward output, the input's gradient and the effect of one SGD step.
- ``count_module``: builds a standard module from a plain-data layer description (only the
  ``torch.nn`` classes of :data:`LAYERS`) and reports ``fn(module)``.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..runtime.cases import Rand
from ..runtime.messages import say
from ..runtime.probes import run_guarded, upstream_for

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def input_of(payload: dict) -> torch.Tensor:
    """The case's input: distinct values in [-3, 3] of ``payload["x"]`` (a shape) from ``payload["seed"]``."""
    gen = torch.Generator().manual_seed(int(payload.get("seed", 0)))
    return Rand(tuple(int(s) for s in payload["x"])).build(DTYPES[payload.get("dtype", "float32")], gen)


def _seeded(build, *args, **kwargs):
    """``build(*args, **kwargs)`` with torch's RNG at seed 0, leaving the caller's RNG as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return build(*args, **kwargs)


def _parameters(model: Any) -> tuple[list, dict | None]:
    """(name, shape or None when not initialized, requires_grad) of each parameter, or why they could not be read."""
    out = []
    try:
        for name, p in model.named_parameters():
            shape = None if isinstance(p, nn.parameter.UninitializedParameter) else [int(s) for s in p.shape]
            out.append({"name": str(name), "shape": shape, "requires_grad": bool(p.requires_grad)})
    except Exception as e:  # the student's module is data
        return out, {"error": f"{type(e).__name__}: {e}"}
    return out, None


def module_head(fn: Any, payload: dict, guard: bool = True) -> dict:
    """Build ``fn(*payload["args"], **payload["kwargs"])``, list its parameters; with ``payload["x"]``
    (a shape, with ``dtype`` and ``seed``): output, input gradient, and with ``payload["train"] =
    {"classes": k}`` one training step on targets ``arange(N) % k``.

    Observations: ``parameters`` (name, shape, requires_grad), ``parameters_error``; with an input
    ``output``, ``connected``, ``grad_x`` (or ``grad_error``), ``weights`` (name -> values after the
    forward); with ``train``: ``trains`` = (every parameter got a nonzero gradient, one SGD step of
    size 0.1 lowered the cross-entropy on the batch), or ``train_error``. ``forward_error`` when the
    forward pass raised.
    """
    failure, model = run_guarded(_seeded, payload, guard, fn, *payload.get("args", ()), **payload.get("kwargs", {}))
    if failure:
        return failure
    result: dict = {"status": "ok"}
    result["parameters"], error = _parameters(model)
    if error:
        result["parameters_error"] = error["error"]
    if "x" not in payload:
        return result
    dtype = DTYPES[payload.get("dtype", "float32")]
    x = input_of(payload).requires_grad_(True)
    failure, out = run_guarded(lambda: model.to(dtype)(x), payload, guard)
    if failure and failure["status"] != "raised":
        return failure
    if failure:
        result["forward_error"] = f"{failure['type']}: {failure['message']}"
        return result
    result["output"] = out
    if isinstance(out, torch.Tensor) and out.is_floating_point():
        result["connected"] = bool(out.requires_grad)
        if out.requires_grad:
            up = upstream_for(out, int(payload.get("seed", 0)))
            failure, _ = run_guarded(lambda: (out * up).sum().backward(), payload, guard)
            if failure and failure["status"] != "raised":
                return failure
            if failure:
                result["grad_error"] = f"{failure['type']}: {failure['message']}"
            else:
                result["grad_x"] = x.grad
    try:
        result["weights"] = {str(n): p.detach().clone() for n, p in model.named_parameters()}
    except Exception as e:
        result["parameters_error"] = f"{type(e).__name__}: {e}"
    if payload.get("train"):
        k = int(payload["train"]["classes"])
        failure, trains = run_guarded(_train_step, payload, guard, model, x.detach(), k)
        if failure and failure["status"] != "raised":
            return failure
        if failure:
            result["train_error"] = f"{failure['type']}: {failure['message']}"
        else:
            result["trains"] = trains
    return result


def _train_step(model: nn.Module, x: torch.Tensor, k: int) -> tuple[bool, bool]:
    params = list(model.parameters())
    for p in params:
        p.grad = None
    target = torch.arange(x.shape[0]) % k
    loss = F.cross_entropy(model(x), target)
    loss.backward()
    got_grad = all(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in params)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= 0.1 * p.grad
    return got_grad, bool(F.cross_entropy(model(x), target) < loss.detach())


# ---------------------------------------------------------------------------------------------
# count_module: standard modules from plain data


class Scale(nn.Module):
    """A module of its own: one parameter ``gain`` (3×1×1) and one buffer ``calls``."""

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(3, 1, 1))
        self.register_buffer("calls", torch.zeros(()))

    def forward(self, x):
        return x * self.gain


LAYERS = {"Conv2d": nn.Conv2d, "Linear": nn.Linear, "ReLU": nn.ReLU, "BatchNorm2d": nn.BatchNorm2d,
          "AdaptiveAvgPool2d": nn.AdaptiveAvgPool2d, "Flatten": nn.Flatten, "Sequential": nn.Sequential,
          "Scale": Scale}
ARGUMENT_TYPES = (bool, int, float, tuple)


def build_module(spec: dict, named: dict | None = None) -> nn.Module:
    """A module from its description.

    ``{"layer": "Conv2d", "args": [3, 16, 3], "kwargs": {"bias": False}}``; a ``Sequential`` has
    ``"children"``; ``"name"`` registers the module for later ``{"same_as": name}`` (a shared layer);
    ``"frozen"`` is True (the whole module) or a list of parameter names that get ``requires_grad=False``.
    """
    named = {} if named is None else named
    if "same_as" in spec:
        return named[spec["same_as"]]
    cls = LAYERS[spec["layer"]]  # KeyError for a layer outside the allowlist
    args = list(spec.get("args", ()))
    kwargs = dict(spec.get("kwargs", {}))
    for v in args + list(kwargs.values()):
        if not isinstance(v, ARGUMENT_TYPES):
            raise TypeError(f"layer argument {v!r} is not a number or a tuple")
    if cls is nn.Sequential:
        module = nn.Sequential(*(build_module(c, named) for c in spec.get("children", ())))
    else:
        module = cls(*args, **kwargs)
    frozen = spec.get("frozen")
    if frozen is True:
        module.requires_grad_(False)
    elif frozen:
        for name in frozen:
            module.get_parameter(name).requires_grad_(False)
    if "name" in spec:
        named[spec["name"]] = module
    return module


def count_module(fn: Any, payload: dict, guard: bool = True) -> dict:
    """``fn(module)`` for the module ``payload["module"]`` describes (see :func:`build_module`)."""
    module = _seeded(build_module, payload["module"])
    failure, out = run_guarded(fn, payload, guard, module)
    if failure:
        return failure
    return {"status": "ok", "output": out}


def render(spec: dict, defined: dict | None = None) -> str:
    """The description as the Python a student would write, e.g. ``nn.Conv2d(3, 16, 3, bias=False)``."""
    defined = {} if defined is None else defined
    if "same_as" in spec:
        return spec["same_as"]
    args = [repr(a) for a in spec.get("args", ())] + [f"{k}={v!r}" for k, v in spec.get("kwargs", {}).items()]
    if spec["layer"] == "Sequential":
        args = [render(c, defined) for c in spec.get("children", ())]
    text = ("" if spec["layer"] == "Scale" else "nn.") + f"{spec['layer']}({', '.join(args)})"
    frozen = spec.get("frozen")
    if frozen is True:
        text += ".requires_grad_(False)"
    elif frozen:
        text += " " + say("with {names} frozen (requires_grad=False)", names=", ".join(frozen))
    if "name" in spec:
        defined[spec["name"]] = text
        return spec["name"]
    return text


def _uses(spec: dict, layer: str) -> bool:
    return spec.get("layer") == layer or any(_uses(c, layer) for c in spec.get("children", ()))


def describe_module(spec: dict, call: str = "count_parameters") -> str:
    """``call(<the module as Python>)``, then what its shared layers and own modules are."""
    defined: dict = {}
    text = f"{call}({render(spec, defined)})"
    notes = [f"{k} = {v}" for k, v in defined.items()]
    if _uses(spec, "Scale"):
        notes.append(say("Scale is a module with an nn.Parameter `gain` of 3×1×1 and a buffer `calls`"))
    return text + ("  " + say("where {notes}", notes="; ".join(notes)) if notes else "")

