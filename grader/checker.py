"""The reference checker: run a student's function and torch's on the same cases.

A case is a dict of keyword arguments. Tensor arguments are written as
:func:`rand` markers and built fresh for every case and dtype from a seeded
generator, so every student and every run sees the same numbers. For each case
:func:`check` compares the outputs (shape, dtype, values) and, through
autograd, the gradients with respect to every random tensor, and raises an
``AssertionError`` whose message names the case, the call, the first position
that differs, expected versus got, and a hint where one fits.
"""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import torch

from .guard import BannedOpError, OpGuard

TOLERANCES = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-9, 1e-9)}  # (rtol, atol)
SMALL = 12  # print whole slices side by side when both sides are at most this many rows/columns


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


def grid(**axes: Iterable) -> list[dict]:
    """Every combination of the given argument values, in a fixed order.

    ``grid(x=[rand(1, 1, 4, 4)], kernel_size=[1, 2], mode=["max", "avg"])`` gives four cases.
    """
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(list(axes[n]) for n in names))]


# ---------------------------------------------------------------------------------------------
# Describing values and differences for people.

def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"{str(value.dtype).replace('torch.', '')} tensor of shape {tuple(value.shape)}"
    return repr(value)


def format_call(name: str, kwargs: dict) -> str:
    parts = [f"{k}={k}" if isinstance(v, (torch.Tensor, Rand)) else f"{k}={v!r}" for k, v in kwargs.items()]
    tensors = [f"{k} is a {describe(v)}" for k, v in kwargs.items() if isinstance(v, torch.Tensor)]
    call = f"{name}({', '.join(parts)})"
    return call + (f"  where {', '.join(tensors)}" if tensors else "")


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _matrix_lines(m: torch.Tensor) -> list[str]:
    if m.dim() == 0:
        return [_fmt(m.item())]
    if m.dim() == 1:
        m = m.unsqueeze(0)
    cells = [[_fmt(v) for v in row.tolist()] for row in m]
    width = max(len(c) for row in cells for c in row)
    return ["[" + " ".join(c.rjust(width) for c in row) + "]" for row in cells]


def side_by_side(columns: Sequence[tuple[str, torch.Tensor]]) -> str:
    """Small matrices printed next to each other under their titles."""
    blocks = [[title] + _matrix_lines(t.detach().cpu().double()) for title, t in columns]
    widths = [max(len(line) for line in b) for b in blocks]
    height = max(len(b) for b in blocks)
    rows = []
    for i in range(height):
        rows.append("    " + "   ".join((b[i] if i < len(b) else "").ljust(w) for b, w in zip(blocks, widths)).rstrip())
    return "\n".join(rows)


def _slice_at(t: torch.Tensor, index: tuple) -> tuple[torch.Tensor, str]:
    """The last-two-dims slice of ``t`` that contains ``index``, and how to name it."""
    if t.dim() <= 2:
        return t, ""
    lead = index[: t.dim() - 2]
    return t[lead], "[" + ", ".join(str(i) for i in lead) + "]"


def tensor_difference(expected: torch.Tensor, got: Any, what: str) -> str | None:
    """Why ``got`` is not ``expected`` (shape, dtype, values), or None when they match."""
    if not isinstance(got, torch.Tensor):
        return f"{what}: expected a tensor, got {type(got).__name__} {got!r}"
    if tuple(got.shape) != tuple(expected.shape):
        return f"{what}: shape is {tuple(got.shape)}, torch gives {tuple(expected.shape)}"
    if got.dtype != expected.dtype:
        return (f"{what}: dtype is {got.dtype}, torch gives {expected.dtype} "
                f"(keep the input's dtype: create new tensors with dtype=x.dtype)")
    if expected.is_floating_point():
        rtol, atol = TOLERANCES.get(expected.dtype, (1e-5, 1e-5))
        close = torch.isclose(got.detach(), expected.detach(), rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = got == expected
    if bool(close.all()):
        return None
    bad = (~close).nonzero()
    first = tuple(int(i) for i in bad[0])
    e, g = expected[first].item(), got[first].item()
    lines = [f"{what}: values differ, first at index {first}: torch gives {_fmt(e)}, you give {_fmt(g)} "
             f"({len(bad)} of {expected.numel()} elements differ)"]
    if expected.numel() and not torch.isfinite(got.detach()).all() and torch.isfinite(expected.detach()).all():
        lines.append("    your result has inf or nan where torch's is finite")
    e_slice, where = _slice_at(expected, first)
    if e_slice.dim() <= 2 and max(e_slice.shape or (1,)) <= SMALL:
        g_slice, _ = _slice_at(got, first)
        lines.append(side_by_side([(f"torch{where}:", e_slice), (f"yours{where}:", g_slice)]))
    return "\n".join(lines)


def difference(expected: Any, got: Any, what: str = "output") -> str | None:
    """Why ``got`` is not ``expected``, for tensors, numbers and tuples of them; None if equal."""
    if isinstance(expected, torch.Tensor):
        return tensor_difference(expected, got, what)
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"{what}: expected {type(expected).__name__} of {len(expected)} items {expected!r}, got {got!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            d = difference(e, g, f"{what}[{i}]")
            if d:
                return d
        return None
    if type(got) is not type(expected) or got != expected:
        return f"{what}: expected {expected!r} ({type(expected).__name__}), got {got!r} ({type(got).__name__})"
    return None


def assert_same(got: Any, expected: Any, what: str = "output") -> None:
    """Visible-test assertion: raise with a side-by-side message when ``got`` is not ``expected``."""
    d = difference(expected, got, what)
    if d:
        raise AssertionError(d)


# ---------------------------------------------------------------------------------------------
# Running cases.

def _first_tensor(out: Any) -> torch.Tensor | None:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)) and out and isinstance(out[0], torch.Tensor):
        return out[0]
    return None


def _build(case: dict, dtype: torch.dtype, seed: int) -> tuple[dict, dict, list[str]]:
    """Two independent copies of the case's arguments, and the names of those that take a gradient."""
    gen = torch.Generator().manual_seed(seed)
    mine, theirs, grads = {}, {}, []
    for k, v in case.items():
        if isinstance(v, Rand):
            t = v.build(dtype, gen)
            mine[k] = t.clone().requires_grad_(v.grad)
            theirs[k] = t.clone().requires_grad_(v.grad)
            if v.grad:
                grads.append(k)
        else:
            mine[k], theirs[k] = v, v
    return mine, theirs, grads


def _one_thread(fn: Callable) -> Callable:
    """Run ``fn`` on one torch thread. The cases are tiny, so threads only add overhead; on a
    machine whose cores are busy, waking torch's thread pool made ops like batch_norm 50 times slower."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)
    return wrapper


@_one_thread
def check(fn: Callable, reference: Callable, cases: Sequence[dict], *,
          dtypes: Sequence[torch.dtype] = (torch.float32, torch.float64),
          banned: Sequence[str] = (), routes: str = "", grad: bool = True,
          label: str = "hidden", hint: Callable[[dict, Any, Any], str | None] | str | None = None,
          seed: int = 0) -> None:
    """Compare ``fn`` with ``reference`` on every case and dtype; raise AssertionError on the first failure.

    ``reference`` takes the same keyword arguments. When it raises (torch rejects the
    arguments) ``fn`` must raise ``ValueError`` with a message. ``banned`` lists aten
    operator names ``fn`` may not dispatch (see :class:`grader.guard.OpGuard`).
    Returns None: a number left as a test cell's last value would read as partial credit.
    """
    name = getattr(fn, "__name__", "your function")
    runs = [(case, dtype) for case in cases for dtype in dtypes]
    for i, (case, dtype) in enumerate(runs):
        mine, theirs, grad_args = _build(case, dtype, seed * 1_000_003 + i)
        header = f"{name} failed {label} case {i + 1} of {len(runs)}:\n    {format_call(name, mine)}"

        def fail(problem: str, expected=None, got=None, hinted: bool = True) -> None:
            extra = None if not hinted else hint(case, expected, got) if callable(hint) else hint
            msg = f"{header}\n  {problem}" + (f"\n  hint: {extra}" if extra else "")
            raise AssertionError(msg)

        try:
            expected = reference(**theirs)
            rejected = None
        except Exception as e:  # torch rejects these arguments
            rejected = e
        originals = {k: v.detach().clone() for k, v in mine.items() if isinstance(v, torch.Tensor)}
        guard = OpGuard(banned, what=name, routes=routes)
        try:
            with guard:
                got = fn(**mine)
        except BannedOpError:
            fail(guard.message(), hinted=False)
        except NotImplementedError:
            raise
        except ValueError as e:
            if rejected is not None and str(e):
                continue
            if rejected is not None:
                fail("raised ValueError without a message: say what is wrong with the arguments")
            fail(f"raised ValueError({e}) but torch accepts these arguments")
        except Exception as e:
            if rejected is not None:
                fail(f"raised {type(e).__name__}: {e}\n  torch rejects these arguments "
                     f"({type(rejected).__name__}: {str(rejected).splitlines()[0]}); raise ValueError with a message instead")
            fail(f"raised {type(e).__name__}: {e}")
        if guard.hits:
            fail(guard.message(), hinted=False)
        if rejected is not None:
            fail(f"returned a result, but torch rejects these arguments "
                 f"({type(rejected).__name__}: {str(rejected).splitlines()[0]}); raise ValueError with a message")
        # Inputs must end as torch leaves them: untouched, or updated in place (running stats, inplace=True).
        for k, before in originals.items():
            if torch.equal(mine[k].detach(), theirs[k].detach()):
                continue
            if torch.equal(theirs[k].detach(), before):
                fail(f"changed its input `{k}` in place; compute a new tensor instead")
            problem = difference(theirs[k].detach(), mine[k].detach(), f"`{k}` after the call (torch updates it in place)")
            if problem:  # equal within the tolerances: float updates (running statistics) need not be bit-exact
                fail(problem)
        problem = difference(expected, got)
        if problem:
            fail(problem, expected, got)

        out_expected, out_got = _first_tensor(expected), _first_tensor(got)
        if not (grad and grad_args and out_expected is not None and out_expected.is_floating_point()
                and out_expected.requires_grad):
            continue
        if not out_got.requires_grad:
            fail("the output is not connected to autograd, so no gradient reaches the input: "
                 "avoid .detach(), .data, .item(), numpy and torch.no_grad() inside the function")
        upstream = torch.randn(out_expected.shape, generator=torch.Generator().manual_seed(i),
                               dtype=torch.float64).to(out_expected.dtype)
        (out_expected * upstream).sum().backward()
        try:
            with guard:
                (out_got * upstream).sum().backward()
        except BannedOpError:
            fail(guard.message(), hinted=False)
        for k in grad_args:
            if mine[k].grad is None:
                fail(f"no gradient reaches `{k}`")
            problem = difference(theirs[k].grad, mine[k].grad, f"gradient with respect to `{k}`")
            if problem:
                fail(problem, theirs[k].grad, mine[k].grad)
