"""The op guard: fail when a student's code dispatches the torch op it re-implements.

Every torch call, whatever route it takes (``F.max_pool2d``, ``nn.MaxPool2d``,
``torch.ops.aten.max_pool2d_with_indices``, a method on a tensor), ends in an
aten operator that a ``TorchDispatchMode`` sees. The guard compares each
operator's name with a list of banned names.
"""
from __future__ import annotations

from torch.utils._python_dispatch import TorchDispatchMode


class BannedOpError(AssertionError):
    """Raised when guarded code dispatches a banned aten operator."""


def _op_name(func) -> str:
    """``aten.max_pool2d_with_indices.default`` -> ``max_pool2d_with_indices``."""
    return func.overloadpacket.__name__.lstrip("_")


class OpGuard(TorchDispatchMode):
    """Context manager that records and rejects banned aten operators.

    ``banned`` holds name prefixes without leading underscores: ``"max_pool2d"``
    bans ``max_pool2d_with_indices`` and its backward, ``"adaptive_avg_pool2d"``
    bans ``_adaptive_avg_pool2d``. ``what`` names the guarded function in the
    message, ``routes`` says how a student usually reaches the op.

    A student who catches the exception still fails: ``hits`` keeps every
    banned operator seen, and :func:`grader.checker.check` looks at it.
    """

    def __init__(self, banned, what: str = "your function", routes: str = ""):
        super().__init__()
        self.banned = tuple(b.lstrip("_") for b in banned)
        self.what = what
        self.routes = routes
        self.hits: list[str] = []

    def message(self) -> str:
        op = self.hits[0]
        via = f" (reached through {self.routes})" if self.routes else ""
        return (f"{self.what} called torch's own `{op}` operator{via}. This exercise asks "
                f"you to build it yourself from tensor basics (indexing, slicing, unfold, "
                f"reshape, max, mean, arithmetic), so it cannot use that operator.")

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = _op_name(func)
        if any(name.startswith(b) for b in self.banned):
            self.hits.append(name)
            raise BannedOpError(self.message())
        return func(*args, **(kwargs or {}))


def ops_dispatched(fn, *args, **kwargs) -> list[str]:
    """Names of the aten operators ``fn(*args, **kwargs)`` dispatches, in order."""
    seen: list[str] = []

    class _Record(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.append(_op_name(func))
            return func(*args, **(kwargs or {}))

    with _Record():
        fn(*args, **kwargs)
    return seen
