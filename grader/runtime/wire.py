"""Plain data between the student's process and the trusted grader: JSON, never pickle.

Tensors travel as dtype + shape + raw bytes (base64); numbers, strings, None, lists,
tuples and string-keyed dicts as themselves; any other object as its type name only.
:func:`loads` bounds and validates everything it reads, so a reply that is huge,
malformed or hostile is a :class:`WireError`, never an object and never a crash.
"""
from __future__ import annotations

import base64
import json
import math
from typing import Any

import torch

MAX_BYTES = 64 * 2**20  # one reply, all cases of one exercise
MAX_DEPTH = 32
MAX_CHARS = 4000  # one message from the student's side, as stored and shown
DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.uint8, torch.int8, torch.int16,
    torch.int32, torch.int64, torch.bool)}


class WireError(ValueError):
    """Data that is not what the protocol allows."""


def cap(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a visible mark: a student's message never fills a record or a page."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters cut)"


def _short(value: Any) -> str:
    return cap(repr(value), 100)


class Opaque:
    """Stands for an object that is not plain data (a module, a generator, ...): only its type name came back."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and other.type_name == self.type_name


def _tensor(t: torch.Tensor) -> dict:
    t = t.detach().to("cpu").as_subclass(torch.Tensor)
    name = str(t.dtype).removeprefix("torch.")
    if name not in DTYPES or t.layout != torch.strided:
        return {"__object__": f"{name} tensor"}
    raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()  # C order, any strides
    return {"__tensor__": [name, list(t.shape), base64.b64encode(raw).decode("ascii")]}


def encode(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON-ready plain data."""
    if depth > MAX_DEPTH:
        return {"__object__": "nesting too deep"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"__float__": repr(float(value))}
    if isinstance(value, torch.Tensor):
        return _tensor(value)
    if isinstance(value, torch.Size):
        return {"__tuple__": [int(v) for v in value]}
    if isinstance(value, torch.dtype):
        return {"__dtype__": str(value).removeprefix("torch.")}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": [[k, encode(v, depth + 1)] for k, v in value.items()]}
    return {"__object__": type(value).__name__}


def dumps(value: Any) -> str:
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def _decode_tensor(spec: Any) -> torch.Tensor:
    if not (isinstance(spec, list) and len(spec) == 3 and isinstance(spec[0], str) and isinstance(spec[1], list)
            and isinstance(spec[2], str)):
        raise WireError("malformed tensor")
    name, shape, data = spec
    if name not in DTYPES:
        raise WireError(f"tensor dtype {_short(name)} is not allowed")
    if len(shape) > 16 or not all(type(s) is int and 0 <= s for s in shape):
        raise WireError(f"bad tensor shape {_short(shape)}")
    dtype = DTYPES[name]
    numel = math.prod(shape)
    size = numel * dtype.itemsize
    # Empty dimensions count as 1: a shape like [0, 2**62, 2**62] holds nothing, but torch cannot even stride it.
    if math.prod(max(s, 1) for s in shape) * dtype.itemsize > MAX_BYTES:
        raise WireError("tensor too large")
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise WireError("tensor data is not base64") from None
    if len(raw) != size:
        raise WireError(f"tensor of shape {tuple(shape)} and dtype {name} needs {size} bytes, got {len(raw)}")
    if not numel:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape).clone()


def decode(data: Any, depth: int = 0) -> Any:
    """Plain data back to values: tensors, tuples, dicts; :class:`Opaque` for anything else."""
    if depth > MAX_DEPTH:
        raise WireError("nesting too deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise WireError("malformed value")
    (tag, v), = data.items()
    if tag == "__tensor__":
        return _decode_tensor(v)
    if tag == "__tuple__" and isinstance(v, list):
        return tuple(decode(x, depth + 1) for x in v)
    if tag == "__dict__" and isinstance(v, list):
        out = {}
        for item in v:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise WireError("malformed dict")
            out[item[0]] = decode(item[1], depth + 1)
        return out
    if tag == "__float__" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag == "__dtype__" and v in DTYPES:
        return DTYPES[v]
    if tag == "__object__" and isinstance(v, str):
        return Opaque(v[:100])
    raise WireError(f"unknown tag {_short(tag)}")


def loads(text: str | bytes) -> Any:
    """Parse and decode at most :data:`MAX_BYTES`; WireError for anything else, whatever goes wrong
    (RecursionError, OverflowError, MemoryError, torch's own errors on absurd data)."""
    if len(text) > MAX_BYTES:
        raise WireError(f"reply of {len(text)} bytes is larger than the {MAX_BYTES} allowed")
    try:
        data = json.loads(text)
    except Exception as e:  # ValueError, RecursionError, MemoryError: all the reply's fault
        raise WireError(f"reply is not JSON ({cap(e, 100)})") from None
    try:
        return decode(data)
    except WireError:
        raise
    except Exception as e:  # a reply the checks above did not foresee is still only a bad reply
        raise WireError(f"reply could not be decoded ({type(e).__name__}: {cap(e, 100)})") from None
