"""Probes of the activation and normalization exercises that the plain ``call`` probe cannot see.

Two probes (see :mod:`grader.runtime.probes` for the protocol):

- ``call_more``: the ``call`` probe, plus two observations and two ways of calling.
  It reports ``output_is`` (the name of the input the output *is*, the same object:
  ``relu(x, inplace=True)`` returns ``x`` itself) and ``joined_graph`` (inputs that were
  not asked for a gradient but require one after the call: running statistics updated
  without ``torch.no_grad()``). ``payload["non_leaf"]`` names inputs passed as ``v * 1.0``
  (in place on a non-leaf, which autograd allows); ``payload["steps"]`` names an input whose
  first dimension is a sequence of steps: the function is called once per ``v[k]`` with the
  other inputs shared (several training steps on the same running statistics), and the
  last output is reported. :func:`call_payloads` builds its payloads from case grids,
  :func:`compare_more` compares its observations (engine's rules, then the two extra ones).
- ``batchnorm_module``: runs a plain-data script on a ``BatchNorm2d`` class (the student's,
  or ``torch.nn.BatchNorm2d``): construct it from ``init``, then steps ``to``, ``set``,
  ``train``, ``eval``, ``forward``, ``backward``, ``report``, ``load`` and ``into_torch``
  (load the module's state_dict into a fresh ``nn.BatchNorm2d``), and returns one
  observation per step.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
import torch.nn as nn

from .cases import build

# .probes imports this module while it registers the probes: import from it inside the functions.

RUNNING = ("running_mean", "running_var", "num_batches_tracked")


# ---------------------------------------------------------------- call_more

def call_more(fn: Callable, payload: dict, guard: bool = True) -> dict:
    """``call`` with ``output_is`` and ``joined_graph``, optionally on non-leaf inputs or over steps."""
    from .probes import call

    steps = payload.get("steps")
    non_leaf = tuple(payload.get("non_leaf", ()))
    seen: dict = {}

    def runner(**kwargs):
        seen["inputs"] = dict(kwargs)
        kwargs = {k: v * 1.0 if k in non_leaf and isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
        if steps:
            out = None
            for k in range(kwargs[steps].shape[0]):
                out = fn(**{**kwargs, steps: kwargs[steps][k]})
        else:
            out = fn(**kwargs)
        seen["output_is"] = next((k for k, v in kwargs.items() if isinstance(v, torch.Tensor) and out is v), None)
        return out

    result = call(runner, payload, guard)
    if result["status"] != "ok":
        return result
    wanted = set(payload.get("grad", ()))
    result["output_is"] = seen.get("output_is")
    result["joined_graph"] = sorted(k for k, v in seen.get("inputs", {}).items()
                                    if isinstance(v, torch.Tensor) and k not in wanted and v.requires_grad)
    return result


def more(kwargs: dict, steps: str | None = None, non_leaf: Sequence[str] = ()) -> dict:
    """A ``call_more`` case: keyword arguments (with ``rand`` markers) and how to call."""
    case: dict = {"kwargs": kwargs}
    if steps:
        case["steps"] = steps
    if non_leaf:
        case["non_leaf"] = list(non_leaf)
    return case


def call_payloads(cases: Sequence[dict], dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64),
                  start: int = 0, seed: int = 0, grad: bool = True) -> list[dict]:
    """``call_more`` payloads from cases (kwargs dicts or :func:`more`), one per case and dtype.

    Tensors are built from the markers as the engine builds ``call`` cases, index ``start`` on.
    """
    out = []
    index = start
    for case in cases:
        case = case if "kwargs" in case and isinstance(case["kwargs"], dict) else more(case)
        for dtype in dtypes:
            kwargs, grads = build(case["kwargs"], dtype, seed * 1_000_003 + index)
            out.append({**case, "kwargs": kwargs, "grad": grads if grad else [], "upstream_seed": index})
            index += 1
    return out


def describe_more(name: str) -> Callable[[dict], str]:
    """The one line that names a ``call_more`` case for the student."""
    from .compare import format_call

    def describe(case: dict) -> str:
        text = format_call(name, case["kwargs"])
        if case.get("non_leaf"):
            text += f"  (called on {', '.join(f'{k} * 1.0' for k in case['non_leaf'])}, not a leaf)"
        if case.get("steps"):
            k = case["steps"]
            text += (f"  ({case['kwargs'][k].shape[0]} calls, one per {k}[k], on the same running statistics; "
                     f"the last output counts)")
        return text

    return describe


def compare_more(case: dict, expected: dict, got: dict) -> list[tuple[str, str | None]]:
    """The engine's comparison of a call, then ``joined_graph`` and ``output_is``."""
    from .engine import Check, compare_call

    check = Check("", "", "", case, case, expected)
    out = compare_call(check, expected, got, True)
    if expected["status"] != "ok" or got["status"] != "ok":
        return out
    problem = None
    joined = [k for k in got.get("joined_graph", []) if k not in expected.get("joined_graph", [])]
    if joined:
        names = " and ".join(f"`{k}`" for k in joined)
        problem = (f"{names} joined the autograd graph (requires_grad is True after the call): update "
                   f"{'them' if len(joined) > 1 else 'it'} under torch.no_grad(), running statistics are not part of the graph")
    elif got.get("output_is") != expected.get("output_is"):
        mine, torch_is = got.get("output_is"), expected.get("output_is")
        if torch_is:
            problem = (f"returned a new tensor, but torch returns `{torch_is}` itself: change `{torch_is}` in place "
                       f"and return it (`out is {torch_is}`)")
        else:
            problem = f"returned its input `{mine}` itself; torch returns a new tensor here"
    out.append(("values", problem))
    return out


# ---------------------------------------------------------------- batchnorm_module

def _plain(v: Any) -> Any:
    return v.detach().clone() if isinstance(v, torch.Tensor) else v


def _failure(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:500]


def batchnorm_module(cls: Callable, payload: dict, guard: bool = True) -> dict:
    """Run ``payload["steps"]`` on ``cls(**payload["init"])``; one observation per step."""
    from .probes import run_guarded

    init = dict(payload["init"])
    C = init.pop("num_features")
    observations: list[dict] = []

    def script() -> None:
        m = cls(C, **init)
        dtype = torch.float32
        outputs: list = []
        inputs: list[torch.Tensor] = []
        for step in payload["steps"]:
            do = step["do"]
            obs: dict = {"do": do}
            if do == "to":
                dtype = step["dtype"]
                m = m.to(dtype)
            elif do == "set":
                with torch.no_grad():
                    getattr(m, step["name"]).copy_(step["value"])
            elif do == "train":
                m.train()
            elif do == "eval":
                m.eval()
            elif do == "forward":
                x = step["x"].detach().clone().requires_grad_(True)
                before = x.detach().clone()
                out = m(x)
                outputs.append(out)
                inputs.append(x)
                obs.update(output=_plain(out), input_changed=not torch.equal(x.detach(), before))
            elif do == "backward":
                try:
                    obs.update(_backward(m, outputs, inputs, step["seed"]))
                except NotImplementedError:
                    raise
                except Exception as e:  # noqa: BLE001 (no gradient is an observation)
                    obs["error"] = _failure(e)
            elif do == "report":
                state = m.state_dict()
                obs.update(keys=sorted(state), parameters=sorted(n for n, _ in m.named_parameters()),
                           state={k: _plain(v) for k, v in state.items()},
                           buffers={n: _plain(getattr(m, n, None)) for n in RUNNING})
            elif do == "load":
                try:
                    m.load_state_dict(step["state"])
                except NotImplementedError:
                    raise
                except Exception as e:  # noqa: BLE001
                    obs["error"] = _failure(e)
            elif do == "into_torch":
                target = nn.BatchNorm2d(C, **init).to(dtype)
                try:
                    target.load_state_dict(m.state_dict())
                    obs["state"] = {k: _plain(v) for k, v in target.state_dict().items()}
                except NotImplementedError:
                    raise
                except Exception as e:  # noqa: BLE001
                    obs["error"] = _failure(e)
            else:
                raise ValueError(f"unknown step {do!r}")
            observations.append(obs)

    failure, _ = run_guarded(script, payload, guard)
    return failure or {"status": "ok", "steps": observations}


def _backward(m: nn.Module, outputs: list, inputs: list, seed: int) -> dict:
    """Gradients of sum_i (output_i * upstream_i) with respect to weight, bias and every forward's input."""
    from .probes import upstream_for

    if not all(isinstance(o, torch.Tensor) for o in outputs):
        raise TypeError("forward did not return a tensor")
    if not any(o.requires_grad for o in outputs):
        raise RuntimeError("the outputs are not connected to autograd (avoid .detach(), .data, torch.no_grad())")
    total = sum((o * upstream_for(o, seed + i)).sum() for i, o in enumerate(outputs) if o.requires_grad)
    params = {n: p for n in ("weight", "bias")
              if isinstance(p := getattr(m, n, None), torch.Tensor) and p.requires_grad}
    grads = torch.autograd.grad(total, [*inputs, *params.values()], allow_unused=True)
    named = dict(zip(params, grads[len(inputs):]))
    return {"inputs": [_plain(g) for g in grads[:len(inputs)]],
            "weight": _plain(named.get("weight")), "bias": _plain(named.get("bias"))}


PROBES: dict = {"call_more": call_more, "batchnorm_module": batchnorm_module}
