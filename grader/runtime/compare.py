"""Why a result differs from torch's, written for people: shape, dtype, the first differing value.

:func:`difference` returns None when two results match, else a message naming what
differs, expected versus got, and small slices of both side by side.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .messages import say

TOLERANCES = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-9, 1e-9)}  # (rtol, atol)
SMALL = 12  # print whole slices side by side when both sides are at most this many rows/columns

def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return say("{dtype} tensor of shape {shape}", dtype=str(value.dtype).replace("torch.", ""), shape=tuple(value.shape))
    return repr(value)


def format_call(name: str, kwargs: dict) -> str:
    parts = [f"{k}={k}" if isinstance(v, torch.Tensor) else f"{k}={v!r}" for k, v in kwargs.items()]
    tensors = [say("{k} is a {what}", k=k, what=describe(v)) for k, v in kwargs.items() if isinstance(v, torch.Tensor)]
    call = f"{name}({', '.join(parts)})"
    return call + ("  " + say("where {tensors}", tensors=", ".join(tensors)) if tensors else "")


def _fmt(v: float) -> str:
    return f"{v:.4g}"


def distinct(e: float, g: float) -> tuple[str, str]:
    """``e`` and ``g`` printed with as many digits as it takes to tell them apart (4 at least)."""
    for digits in range(4, 18):
        a, b = f"{e:.{digits}g}", f"{g:.{digits}g}"
        if a != b:
            return a, b
    return repr(e), repr(g)


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
        rows.append("    " + "   ".join((b[i] if i < len(b) else "").ljust(w)
                                        for b, w in zip(blocks, widths, strict=True)).rstrip())
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
        return say("{what}: expected a tensor, got {type} {got}", what=what, type=type(got).__name__, got=repr(got))
    if tuple(got.shape) != tuple(expected.shape):
        return say("{what}: shape is {got}, torch gives {expected}", what=what, got=tuple(got.shape),
                   expected=tuple(expected.shape))
    if got.dtype != expected.dtype:
        return say("{what}: dtype is {got}, torch gives {expected} (keep the input's dtype: create new tensors with "
                   "dtype=x.dtype)", what=what, got=got.dtype, expected=expected.dtype)
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
    shown_e, shown_g = distinct(e, g) if isinstance(e, float) and isinstance(g, float) else (_fmt(e), _fmt(g))
    lines = [say("{what}: values differ, first at index {first}: torch gives {expected}, you give {got} ({bad} of {n} "
                 "elements differ)", what=what, first=first, expected=shown_e, got=shown_g, bad=len(bad), n=expected.numel())]
    if expected.dtype == torch.float64 and abs(e - g) <= 2e-6 * max(1.0, abs(e)):
        lines.append("    " + say("the difference is at float32's precision: your result looks computed in float32 "
                                  "somewhere (torch.arange, torch.tensor and torch.zeros give float32 unless you pass "
                                  "dtype=x.dtype)"))
    if expected.numel() and not torch.isfinite(got.detach()).all() and torch.isfinite(expected.detach()).all():
        lines.append("    " + say("your result has inf or nan where torch's is finite"))
    e_slice, where = _slice_at(expected, first)
    if e_slice.dim() <= 2 and max(e_slice.shape or (1,)) <= SMALL:
        g_slice, _ = _slice_at(got, first)
        lines.append(side_by_side([(say("torch{where}:", where=where), e_slice), (say("yours{where}:", where=where), g_slice)]))
    return "\n".join(lines)


def difference(expected: Any, got: Any, what: str | None = None) -> str | None:
    """Why ``got`` is not ``expected``, for tensors, numbers and tuples of them; None if equal. ``what``: what is
    compared (default: the output)."""
    what = say("output") if what is None else what
    if isinstance(expected, torch.Tensor):
        return tensor_difference(expected, got, what)
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return say("{what}: expected {type} of {n} items {expected}, got {got}", what=what, type=type(expected).__name__,
                       n=len(expected), expected=repr(expected), got=repr(got))
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            d = difference(e, g, f"{what}[{i}]")
            if d:
                return d
        return None
    if type(got) is not type(expected) or got != expected:
        return say("{what}: expected {expected} ({expected_type}), got {got} ({got_type})", what=what,
                   expected=repr(expected), expected_type=type(expected).__name__, got=repr(got), got_type=type(got).__name__)
    return None


def assert_same(got: Any, expected: Any, what: str | None = None) -> None:
    """Visible-test assertion: raise with a side-by-side message when ``got`` is not ``expected``."""
    d = difference(expected, got, what)
    if d:
        raise AssertionError(d)



