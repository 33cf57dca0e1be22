"""The probe of the ``BatchNorm2d`` exercise (see :mod:`grader.runtime.probes` for the protocol).

``batchnorm_module`` runs a plain-data script on a ``BatchNorm2d`` class (the student's,
  or ``torch.nn.BatchNorm2d``): construct it from ``init``, then steps ``to``, ``set``,
  ``train``, ``eval``, ``forward``, ``backward``, ``report``, ``load`` and ``into_torch``
  (load the module's state_dict into a fresh ``nn.BatchNorm2d``), and returns one
  observation per step.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn as nn

from ..runtime.messages import say
from ..runtime.probes import run_guarded, upstream_for

RUNNING = ("running_mean", "running_var", "num_batches_tracked")


# ---------------------------------------------------------------- batchnorm_module

def _plain(v: Any) -> Any:
    return v.detach().clone() if isinstance(v, torch.Tensor) else v


def _failure(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:500]


def batchnorm_module(cls: Callable, payload: dict, guard: bool = True) -> dict:
    """Run ``payload["steps"]`` on ``cls(**payload["init"])``; one observation per step."""

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
                except Exception as e:  # no gradient is an observation
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
                except Exception as e:
                    obs["error"] = _failure(e)
            elif do == "into_torch":
                target = nn.BatchNorm2d(C, **init).to(dtype)
                try:
                    target.load_state_dict(m.state_dict())
                    obs["state"] = {k: _plain(v) for k, v in target.state_dict().items()}
                except NotImplementedError:
                    raise
                except Exception as e:
                    obs["error"] = _failure(e)
            else:
                raise ValueError(f"unknown step {do!r}")
            observations.append(obs)

    failure, _ = run_guarded(script, payload, guard)
    return failure or {"status": "ok", "steps": observations}


def _backward(m: nn.Module, outputs: list, inputs: list, seed: int) -> dict:
    """Gradients of sum_i (output_i * upstream_i) with respect to weight, bias and every forward's input."""

    if not all(isinstance(o, torch.Tensor) for o in outputs):
        raise TypeError(say("forward did not return a tensor"))
    if not any(o.requires_grad for o in outputs):
        raise RuntimeError(say("the outputs are not connected to autograd (avoid .detach(), .data, torch.no_grad())"))
    total = sum((o * upstream_for(o, seed + i)).sum() for i, o in enumerate(outputs) if o.requires_grad)
    params = {n: p for n in ("weight", "bias")
              if isinstance(p := getattr(m, n, None), torch.Tensor) and p.requires_grad}
    grads = torch.autograd.grad(total, [*inputs, *params.values()], allow_unused=True)
    named = dict(zip(params, grads[len(inputs):], strict=True))
    return {"inputs": [_plain(g) for g in grads[:len(inputs)]],
            "weight": _plain(named.get("weight")), "bias": _plain(named.get("bias"))}

