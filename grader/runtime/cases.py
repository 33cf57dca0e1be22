"""Case grids: keyword arguments with random tensors built from a seed.

A case is a dict of keyword arguments. Tensor arguments are written as :func:`rand`
markers and built fresh for every case and dtype from a seeded generator, so every
student and every run sees the same numbers.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Rand:
    """A random tensor argument of ``shape``: distinct values in [low, high] (no ties for max)."""
    shape: tuple
    low: float = -3.0
    high: float = 3.0
    grad: bool = True

    def build(self, dtype: torch.dtype, gen: torch.Generator) -> torch.Tensor:
        n = 1
        for s in self.shape:
            n *= s
        # A random permutation of an even grid, plus jitter below the grid step: distinct values.
        step = (self.high - self.low) / max(n, 1)
        perm = torch.randperm(n, generator=gen, dtype=torch.float64)
        jitter = torch.rand(n, generator=gen, dtype=torch.float64) * 0.5 * step
        values = self.low + perm * step + jitter
        return values.reshape(self.shape).to(dtype)

    def __repr__(self) -> str:
        return f"rand{tuple(self.shape)}"


def rand(*shape: int, low: float = -3.0, high: float = 3.0, grad: bool = True) -> Rand:
    """Marker for a random tensor argument, e.g. ``rand(2, 3, 7, 5)``."""
    return Rand(tuple(shape), low, high, grad)


def two(v) -> tuple:
    """An int or a pair argument as the pair (height, width): 3 -> (3, 3), (2, 4) -> (2, 4)."""
    return (v, v) if isinstance(v, int) else tuple(v)


def grid(**axes: Iterable) -> list[dict]:
    """Every combination of the given argument values, in a fixed order.

    ``grid(x=[rand(1, 1, 4, 4)], kernel_size=[1, 2], mode=["max", "avg"])`` gives four cases.
    """
    names = list(axes)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(list(axes[n]) for n in names))]


@dataclass(frozen=True)
class Call:
    """A case that also says how to call: ``non_leaf`` names inputs passed as ``v * 1.0`` (in place on
    a non-leaf, which autograd allows); ``steps`` names an input whose first dimension is a sequence of
    calls, one per ``v[k]`` with the other inputs shared (training steps on the same running statistics),
    the last output counting. A plain dict of keyword arguments is ``Call(kwargs)``."""
    kwargs: dict
    steps: str | None = None
    non_leaf: tuple = ()

    def options(self) -> dict:
        """What the probe needs to call this way (nothing for a plain call)."""
        return {**({"steps": self.steps} if self.steps else {}), **({"non_leaf": list(self.non_leaf)} if self.non_leaf else {})}

    def note(self, kwargs: dict) -> str:
        """How the call differs from a plain one, for the student."""
        text = ""
        if self.non_leaf:
            text += f"  (called on {', '.join(f'{k} * 1.0' for k in self.non_leaf)}, not a leaf)"
        if self.steps:
            k = self.steps
            text += (f"  ({kwargs[k].shape[0]} calls, one per {k}[k], on the same running statistics; "
                     f"the last output counts)")
        return text


def build(case: dict, dtype: torch.dtype, seed: int) -> tuple[dict, list[str]]:
    """The case's keyword arguments with every :class:`Rand` built, and the names that take a gradient."""
    gen = torch.Generator().manual_seed(seed)
    kwargs, grads = {}, []
    for k, v in case.items():
        if isinstance(v, Rand):
            kwargs[k] = v.build(dtype, gen)
            if v.grad:
                grads.append(k)
        else:
            kwargs[k] = v
    return kwargs, grads
