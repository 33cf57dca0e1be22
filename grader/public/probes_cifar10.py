"""Probes of the cifar10 exercises that are not a function of tensors (see :mod:`grader.runtime.probes`).

- ``cnn``: calls ``fn(norm)`` (``fn()`` when the payload names no norm) and describes the network it
  returns: its layers and their settings, its parameter count, its output on a seeded input, and its
  outputs and state in train and eval mode once every entry of its state has fixed values.
- ``train_epoch``: builds a small BatchNorm network, a loader over seeded random data, an optimizer
  and a SummaryWriter in a temporary folder, calls ``fn`` for each epoch of the payload, and reports
  what it returned, the ``loss/train`` records TensorBoard reads back, and the final weights.
- ``log_activations``: builds a small network from a plain-data description, calls ``fn`` for each
  step of the payload, and reports the model after (mode, state, gradients, hooks) and the histograms
  and images TensorBoard reads back.

Every probe runs with torch's RNG forked (the caller's RNG is left as it was) and one thread, so that
the student's process and the trusted grader compute the same numbers.
"""
from __future__ import annotations

import contextlib
import io
import math
import tempfile
import zlib
from collections import OrderedDict
from typing import Any

import torch
import torch.nn as nn

from ..runtime.probes import quiet, run_guarded

REPR_LIMIT = 300


@contextlib.contextmanager
def isolated():
    """torch's RNG forked and one thread, both restored afterwards."""
    threads = torch.get_num_threads()
    with torch.random.fork_rng(devices=[]):
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(threads)


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as e:  # the student's object is data
        text = f"<{type(value).__name__} whose repr raised {type(e).__name__}>"
    return text if len(text) <= REPR_LIMIT else text[:REPR_LIMIT] + "…"


def _plain(value: Any) -> Any:
    """Module settings as plain data: numbers, strings, None and tuples of them; anything else as its repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return _repr(value)


def _pair(value: Any) -> Any:
    """2 and (2, 2) are the same kernel size, output size, ..."""
    return (value, value) if isinstance(value, int) and not isinstance(value, bool) else value


def _error(failure: dict) -> str:
    return f"{failure.get('type')}: {failure.get('message')}"


# ----------------------------------------------------------------------------------------------- make_cnn

# The settings reported for each of torch's layer classes (by class name).
ATTRIBUTES = {"Conv2d": ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups"],
              "BatchNorm2d": ["num_features", "eps", "momentum", "affine", "track_running_stats"],
              "InstanceNorm2d": ["num_features", "eps", "affine", "track_running_stats"],
              "Linear": ["in_features", "out_features"], "AdaptiveAvgPool2d": ["output_size"],
              "MaxPool2d": ["kernel_size", "stride", "padding", "dilation", "ceil_mode"]}
CNN_INPUTS = [(4, 3, 32, 32), (1, 3, 32, 32), (3, 3, 17, 23)]


def _layer(name: str, module: Any) -> dict:
    kind = type(module)
    out = {"name": str(name), "type": f"{kind.__module__}.{kind.__qualname__}", "type_name": kind.__name__,
           "repr": _repr(module), "attrs": {}}
    if kind.__module__.startswith("torch.nn.") and kind.__name__ in ATTRIBUTES:
        for attr in ATTRIBUTES[kind.__name__]:
            out["attrs"][attr] = _plain(_pair(getattr(module, attr, None)))
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            out["attrs"]["bias"] = module.bias is not None
    return out


def fixed_values(name: str, like: torch.Tensor) -> torch.Tensor:
    """Values for the state entry ``name``, from its name and shape alone (so the same in any network).

    Weights of convolutions and linear layers in ±1/sqrt(fan_in), norm scales in [0.5, 1.5], biases and
    running means in [-0.5, 0.5], running variances in [0.5, 2], counters 10.
    """
    if not like.is_floating_point():
        return torch.full(like.shape, 10, dtype=like.dtype)
    gen = torch.Generator().manual_seed(zlib.crc32(f"{name}{tuple(like.shape)}".encode()))
    u = torch.rand(like.shape, generator=gen, dtype=torch.float64)
    if name.endswith("running_var"):
        values = 0.5 + 1.5 * u
    elif like.dim() >= 2:
        bound = 1 / math.sqrt(max(1, like[0].numel()))
        values = (2 * u - 1) * bound
    elif name.endswith("weight"):
        values = 0.5 + u
    else:
        values = u - 0.5
    return values.to(like.dtype)


def cnn(fn: Any, payload: dict, guard: bool = True) -> dict:
    """``fn(payload["norm"])`` (``fn()`` without a norm): a description of the network as plain data.

    Observations: ``type_name``, ``is_module``, ``is_sequential``; for a module ``children`` (name, class,
    repr and settings of each direct submodule, in order), ``parameters`` (their number),
    ``output_shape`` on a seeded 2×3×32×32 input (or ``output_error``), ``state_shapes``, and ``runs``:
    with every state entry set by :func:`fixed_values`, for train then eval mode and each input of
    :data:`CNN_INPUTS`, the output (or ``error``) and the buffers (running statistics) after the forward pass,
    only when ``payload["forward"]``; ``shares_parameters`` whether a second call returns a network with any
    of the same parameters.
    """
    args = (payload["norm"],) if "norm" in payload else ()
    with isolated():
        failure, model = run_guarded(fn, payload, guard, *args)
        if failure:
            return failure
        result: dict = {"status": "ok", "type_name": type(model).__name__, "is_module": isinstance(model, nn.Module),
                        "is_sequential": isinstance(model, nn.Sequential)}
        if not isinstance(model, nn.Module):
            return result
        failure, second = run_guarded(fn, payload, guard, *args)
        if failure and failure["status"] != "raised":
            return failure
        if isinstance(second, nn.Module):
            result["shares_parameters"] = bool({id(p) for p in model.parameters()} & {id(p) for p in second.parameters()})
        result["children"] = [_layer(name, m) for name, m in model.named_children()]
        result["parameters"] = int(sum(p.numel() for p in model.parameters()))
        x = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
        failure, out = run_guarded(lambda: model(x), payload, guard)
        if failure and failure["status"] != "raised":
            return failure
        if failure:
            result["output_error"] = _error(failure)
        else:
            result["output_shape"] = tuple(int(s) for s in out.shape) if isinstance(out, torch.Tensor) else _repr(out)
        state = model.state_dict()
        result["state_shapes"] = [(str(k), tuple(int(s) for s in v.shape)) for k, v in state.items()]
        if not payload.get("forward"):
            return result
        parameters = {k for k, _ in model.named_parameters()}
        with torch.no_grad():
            for k, v in state.items():
                v.copy_(fixed_values(k, v))
        runs = []
        for mode in ("train", "eval"):
            model.train(mode == "train")
            for shape in CNN_INPUTS:
                x = torch.randn(shape, generator=torch.Generator().manual_seed(sum(shape)))
                failure, out = run_guarded(_no_grad, payload, guard, model, x)
                if failure and failure["status"] != "raised":
                    return failure
                run: dict = {"mode": mode, "shape": shape}
                runs.append(run)
                if failure:
                    run["error"] = _error(failure)
                    break
                run["output"] = out.detach().clone() if isinstance(out, torch.Tensor) else _repr(out)
                run["buffers"] = {str(k): v.detach().clone() for k, v in model.state_dict().items() if k not in parameters}
            if runs and "error" in runs[-1]:
                break
        result["runs"] = runs
    return result


def _no_grad(model, x):
    with torch.no_grad():
        return model(x)


# -------------------------------------------------------------------------------------------- train_epoch

OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam}


def tiny_problem(n: int, batch_size: int, seed: int):
    """A small BatchNorm network and a loader of n random 3×6×6 images with labels in 0..4."""
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))
    g = torch.Generator().manual_seed(seed)
    data = TensorDataset(torch.randn(n, 3, 6, 6, generator=g), torch.randint(0, 5, (n,), generator=g))
    return model, DataLoader(data, batch_size=batch_size)


def read_events(folder: str):
    """TensorBoard's own reader on ``folder``, every record kept."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with quiet():
        acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "images": 0})
        acc.Reload()
    return acc


def _returned(value: Any) -> dict:
    out = {"type": type(value).__name__, "is_float": isinstance(value, float), "repr": _repr(value), "value": None}
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out["value"] = float(value)
        elif isinstance(value, torch.Tensor) and value.numel() == 1:
            out["value"] = float(value.detach().reshape(()).double())
    except Exception:
        pass
    return out


def train_epoch(fn: Any, payload: dict, guard: bool = True) -> dict:
    """``fn(model, loader, optimizer, writer, epoch)`` for every epoch of ``payload["epochs"]``.

    The payload: ``n`` images in batches of ``batch_size`` (from ``seed``, which also seeds the network),
    ``optimizer`` (a name of :data:`OPTIMIZERS`) with its ``settings``; with ``eval_first`` the model is put in
    eval mode before every epoch, as evaluating between epochs leaves it. Observations: ``returned`` (type,
    repr and value of each epoch's result), ``error`` (the epoch that raised, and what), ``logged``
    ((step, value) of every ``loss/train`` record), ``scalar_tags``, ``state`` (the final state_dict).
    """
    from torch.utils.tensorboard import SummaryWriter

    with isolated():
        model, loader = tiny_problem(int(payload["n"]), int(payload["batch_size"]), int(payload["seed"]))
        optimizer = OPTIMIZERS[payload["optimizer"]](model.parameters(), **dict(payload.get("settings", {})))
        returned, error = [], None
        with tempfile.TemporaryDirectory(prefix="train_epoch-") as folder:
            with quiet():
                writer = SummaryWriter(folder)
            try:
                for epoch in payload["epochs"]:
                    if payload.get("eval_first"):
                        model.eval()
                    failure, value = run_guarded(fn, payload, guard, model, loader, optimizer, writer, int(epoch))
                    if failure and failure["status"] != "raised":
                        return failure
                    if failure:
                        error = {"epoch": int(epoch), "type": failure["type"], "message": failure["message"]}
                        break
                    returned.append(_returned(value))
            finally:
                with quiet():
                    writer.close()
            acc = read_events(folder)
            tags = sorted(acc.Tags()["scalars"])
            logged = [(int(e.step), float(e.value)) for e in acc.Scalars("loss/train")] if "loss/train" in tags else []
        return {"status": "ok", "returned": returned, "error": error, "logged": logged, "scalar_tags": tags,
                "state": {str(k): v.detach().clone() for k, v in model.state_dict().items()}}


# ---------------------------------------------------------------------------------------- log_activations

NORMS = {"batch": nn.BatchNorm2d, "instance": lambda c: nn.InstanceNorm2d(c, affine=True),
         "identity": lambda c: nn.Identity()}


def small_net(norm1: str, norm2: str) -> nn.Sequential:
    return nn.Sequential(OrderedDict(conv1=nn.Conv2d(3, 4, 3, padding=1), norm1=NORMS[norm1](4), relu1=nn.ReLU(),
                                     pool1=nn.MaxPool2d(2), conv2=nn.Conv2d(4, 6, 3, padding=1), norm2=NORMS[norm2](6),
                                     relu2=nn.ReLU(), gap=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(),
                                     fc=nn.Linear(6, 3)))


def activations_problem(payload: dict) -> tuple[nn.Module, torch.Tensor]:
    """The payload's network (``norms``, built after ``torch.manual_seed(seed)``; with ``stats``, trained-looking
    norm parameters and running statistics, so that eval and train mode differ) in mode ``training``, and its
    images: ``randn(images)`` from ``image_seed``, times 1.5, plus 0.3."""
    torch.manual_seed(int(payload["seed"]))
    model = small_net(*payload["norms"])
    if payload.get("stats"):
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)):
                    nn.init.uniform_(m.weight, 0.5, 2.0)
                    nn.init.uniform_(m.bias, -1.0, 1.0)
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
                    m.num_batches_tracked.fill_(10)
    model.train(bool(payload["training"]))
    shape = tuple(int(s) for s in payload["images"])
    images = torch.randn(shape, generator=torch.Generator().manual_seed(int(payload["image_seed"]))) * 1.5 + 0.3
    return model, images


def _pixels(event) -> torch.Tensor:
    import numpy as np
    from PIL import Image

    return torch.from_numpy(np.array(Image.open(io.BytesIO(event.encoded_image_string))))


def log_activations(fn: Any, payload: dict, guard: bool = True) -> dict:
    """``fn(writer, model, images, step)`` for every step of ``payload["steps"]`` (one writer for all).

    Observations: ``error`` (the step that raised, and what); the model after: ``training``, ``changed``
    (state entries that differ from before), ``grads`` (whether any parameter has a gradient),
    ``hooks_left`` (submodules with forward hooks); TensorBoard's view: ``histogram_tags``, ``image_tags``,
    ``histograms`` (tag -> step, num, min, max, sum, sum_squares of each record) and ``images`` (step,
    width, height and decoded pixels of each ``images/input`` record).
    """
    from torch.utils.tensorboard import SummaryWriter

    with isolated():
        model, images = activations_problem(payload)
        before = {k: v.detach().clone() for k, v in model.state_dict().items()}
        error = None
        with tempfile.TemporaryDirectory(prefix="log_activations-") as folder:
            with quiet():
                writer = SummaryWriter(folder)
            try:
                for step in payload["steps"]:
                    failure, _ = run_guarded(fn, payload, guard, writer, model, images, int(step))
                    if failure and failure["status"] != "raised":
                        return failure
                    if failure:
                        error = {"step": int(step), "type": failure["type"], "message": failure["message"]}
                        break
            finally:
                with quiet():
                    writer.close()
            acc = read_events(folder)
            tags = acc.Tags()
            histograms = {}
            for tag in sorted(tags["histograms"]):
                histograms[str(tag)] = [
                    {"step": int(h.step), "num": float(h.histogram_value.num), "min": float(h.histogram_value.min),
                     "max": float(h.histogram_value.max), "sum": float(h.histogram_value.sum),
                     "sum_squares": float(h.histogram_value.sum_squares)} for h in acc.Histograms(tag)]
            logged_images = []
            if "images/input" in tags["images"]:
                logged_images = [{"step": int(e.step), "width": int(e.width), "height": int(e.height),
                                  "pixels": _pixels(e)} for e in acc.Images("images/input")]
        after = model.state_dict()
        return {"status": "ok", "error": error, "training": bool(model.training),
                "changed": [str(k) for k, v in after.items() if k not in before or not torch.equal(v, before[k])],
                "grads": any(p.grad is not None for p in model.parameters()),
                "hooks_left": [str(n) for n, m in model.named_modules() if m._forward_hooks or m._forward_pre_hooks],
                "histogram_tags": sorted(str(t) for t in tags["histograms"]),
                "image_tags": [str(t) for t in tags["images"]],
                "histograms": histograms, "images": logged_images}

