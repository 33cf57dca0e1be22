"""Probes: run one function on one case's inputs and report what happened as plain data.

The same probe runs the student's function in the student's process and torch's
reference in the trusted grader, so both sides are observed the same way. A probe
takes ``(fn, payload, guard)``: ``payload`` holds the case's inputs (and the banned
operators), ``guard`` whether to run ``fn`` under the :class:`~grader.runtime.guard.OpGuard`.
It returns a dict of plain data (see :mod:`grader.runtime.wire`) with ``status``:

- ``ok``: it returned; the probe's observations follow;
- ``raised``: it raised ``type`` with ``message``;
- ``banned``: it dispatched the banned operator ``op``;
- ``not_implemented``: it still raises ``NotImplementedError`` (the release's stub).

Exercises that are not a function of tensors (modules, training loops) bring their own probe, a
function in the course's public specs (``grader/public/probes_*.py``) that the spec names; it is
known here by its import path, ``"module:function"`` (:func:`name_of`), so this package imports no
course content. The trusted grader only ever sees the plain data a probe returns.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import warnings
from collections.abc import Callable
from typing import Any

import torch

from .guard import BannedOpError, OpGuard

MESSAGE_LIMIT = 2000


class _Sink(io.TextIOBase):
    def write(self, s: str) -> int:
        return len(s)


@contextlib.contextmanager
def quiet():
    """Whatever the code prints or warns goes nowhere: output never decides a verdict."""
    with contextlib.redirect_stdout(_Sink()), contextlib.redirect_stderr(_Sink()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def first_tensor(out: Any) -> torch.Tensor | None:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def upstream_for(t: torch.Tensor, seed: int) -> torch.Tensor:
    """The gradient fed back into an output: fixed random numbers of its shape."""
    return torch.randn(t.shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64).to(t.dtype)


def raised(e: BaseException) -> dict:
    """A student's exception as data; a subclass of ValueError (``class ShapeError(ValueError)``) is a ValueError."""
    kind = "ValueError" if isinstance(e, ValueError) else type(e).__name__
    return {"status": "raised", "type": kind, "message": str(e)[:MESSAGE_LIMIT]}


def guarded(payload: dict, guard: bool, what: str = "your function"):
    return OpGuard(payload.get("banned", ()), what=what) if guard else contextlib.nullcontext()


def run_guarded(fn: Callable, payload: dict, guard: bool, *args, **kwargs) -> tuple[dict | None, Any]:
    """``fn(*args, **kwargs)`` quietly under the guard: (failure result or None, return value)."""
    g = guarded(payload, guard)
    try:
        with quiet(), g:
            out = fn(*args, **kwargs)
    except BannedOpError:
        return {"status": "banned", "op": g.hits[0]}, None
    except NotImplementedError:
        return {"status": "not_implemented"}, None
    except Exception as e:  # the student's error is data
        if guard and g.hits:
            return {"status": "banned", "op": g.hits[0]}, None
        return raised(e), None
    if guard and g.hits:  # the student caught the guard's exception
        return {"status": "banned", "op": g.hits[0]}, None
    return None, out


def call(fn: Callable, payload: dict, guard: bool = True) -> dict:
    """``fn(**payload["kwargs"])``: its output, every tensor input after the call, and gradients.

    ``payload["grad"]`` names the inputs that require a gradient; with ``upstream_seed``
    the output's first tensor is multiplied by :func:`upstream_for` and summed, and the
    gradient of every such input is reported (``grads``), or why there is none. Also
    reported: ``output_is``, the input the output *is* (``relu(x, inplace=True)`` returns
    ``x`` itself), and ``joined_graph``, inputs not asked for a gradient that require one
    after the call. ``non_leaf`` and ``steps`` call as :class:`~grader.runtime.cases.Call` says.
    """
    kwargs = {k: v.detach().clone() if isinstance(v, torch.Tensor) else v for k, v in payload["kwargs"].items()}
    for k in payload.get("grad", ()):
        kwargs[k].requires_grad_(True)
    non_leaf, steps = payload.get("non_leaf", ()), payload.get("steps")
    args = {k: v * 1.0 if k in non_leaf and isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}

    def invoke():
        if not steps:
            return fn(**args)
        out = None
        for k in range(args[steps].shape[0]):
            out = fn(**{**args, steps: args[steps][k]})
        return out

    failure, out = run_guarded(invoke, payload, guard)
    if failure:
        return failure
    tensors = {k: v for k, v in kwargs.items() if isinstance(v, torch.Tensor)}
    result = {"status": "ok", "output": out, "inputs_after": {k: v.detach() for k, v in tensors.items()},
              "output_is": next((k for k, v in args.items() if isinstance(v, torch.Tensor) and out is v), None),
              "joined_graph": sorted(k for k, v in tensors.items() if k not in payload.get("grad", ()) and v.requires_grad)}
    seed = payload.get("upstream_seed")
    t = first_tensor(out)
    if seed is None or not payload.get("grad") or t is None or not t.is_floating_point():
        return result
    if not t.requires_grad:
        result["connected"] = False
        return result
    failure, _ = run_guarded(lambda: (t * upstream_for(t, seed)).sum().backward(), payload, guard)
    if failure:
        if failure["status"] == "banned":
            return failure
        result["grad_error"] = f"{failure.get('type')}: {failure.get('message')}"
        return result
    result["grads"] = {k: kwargs[k].grad for k in payload["grad"]}
    return result


Probe = Callable[[Callable, dict, bool], dict]
PROBES: dict[str, Probe] = {"call": call}  # every probe this process has loaded, by name


def name_of(probe: str | Probe) -> str:
    """A probe's name: ``"call"``, or a course probe's import path ``"module:function"``."""
    return probe if isinstance(probe, str) else f"{probe.__module__}:{probe.__qualname__}"


def load(name: str) -> Probe:
    """The probe ``name``, imported on first use. The student's process loads every probe its exercises need
    before any student code runs (:func:`grader.runtime.worker.main`), and afterwards only looks them up."""
    if name not in PROBES:
        module, _, function = name.partition(":")
        if not module.startswith("grader.") or not function:
            raise KeyError(f"no probe {name!r}: a probe is 'call' or 'grader.<module>:<function>'")
        PROBES[name] = getattr(importlib.import_module(module), function)
    return PROBES[name]
