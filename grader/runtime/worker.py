"""The student's side of trusted grading: a fresh process per exercise, forked from a warm one.

The trusted harness starts this module once per notebook (``python -I -m grader.runtime.worker``,
in the grading sandbox, with a cleared environment) and talks to it over stdin/stdout in frames
(8-byte length, then JSON). The worker first imports torch and the grading runtime and binds
every function it uses later, then runs the release's own cells that the exercises need (trusted
code: identical to the release), and answers one request per exercise:

- it forks; the child has run only trusted code so far;
- the child turns the op guard on, decodes the case inputs, then runs the student's cells that
  this exercise needs (each already checked against the course's Python subset), computes every
  case with the probe under the guard, encodes the reply with the functions bound at import and
  writes it to a pipe of its own, then exits;
- the worker waits at most ``timeout`` seconds, kills a child that overruns, and relays the reply.

So one exercise's code can never change another's process, a student's patch of ``json`` or
``torch.Tensor.detach`` is never called by the grader, and what comes back is plain data whose
tensors are exactly ``torch.Tensor`` (never a subclass), read with base-class functions.
"""
from __future__ import annotations

import base64
import json
import os
import select
import signal
import sys

import torch

from . import wire
from .guard import BannedOpError, OpGuard
from .probes import PROBES, load, quiet

MAX_REPLY = wire.MAX_BYTES


def _binder():
    """The functions the child uses after student code ran, bound now, out of that code's reach."""
    Tensor, Size, dtype_type = torch.Tensor, torch.Size, torch.dtype
    detach, numpy_of, view = torch.Tensor.detach, torch.Tensor.numpy, torch.Tensor.view
    dtype_of, shape_of = torch.Tensor.dtype.__get__, torch.Tensor.shape.__get__
    layout_of, device_of = torch.Tensor.layout.__get__, torch.Tensor.device.__get__
    contiguous, cpu = torch.Tensor.contiguous, torch.Tensor.cpu
    strided, int16, bfloat16 = torch.strided, torch.int16, torch.bfloat16
    import numpy
    tobytes = numpy.ndarray.tobytes
    b64 = base64.b64encode
    names = {d: str(d).removeprefix("torch.") for d in wire.DTYPES.values()}
    quote = json.encoder.encode_basestring_ascii
    float_repr, int_repr = float.__repr__, int.__repr__
    isfinite = __import__("math").isfinite
    type_, list_, dict_, tuple_, str_, int_, float_, bool_ = type, list, dict, tuple, str, int, float, bool

    def tensor(t) -> str:
        t = detach(t)
        if device_of(t).type != "cpu":
            t = cpu(t)
        dt = dtype_of(t)
        name = names.get(dt)
        if name is None or layout_of(t) != strided:
            return '{"__object__":' + quote(f"{dt} tensor") + "}"
        shape = list_(shape_of(t))
        raw = tobytes(numpy_of(contiguous(view(t, int16) if dt == bfloat16 else t)))
        return ('{"__tensor__":[' + quote(name) + ",[" + ",".join(int_repr(s) for s in shape) + "],"
                + quote(b64(raw).decode("ascii")) + "]}")

    def encode(value, depth: int = 0) -> str:
        """JSON text of ``value`` in :mod:`wire`'s format, by type identity: a subclass is an opaque object."""
        t = type_(value)
        if depth > wire.MAX_DEPTH:
            return '{"__object__":"nesting too deep"}'
        if t is type(None):
            return "null"
        if t is bool_:
            return "true" if value else "false"
        if t is int_:
            return int_repr(value) if -(2 ** 63) <= value < 2 ** 63 else '{"__object__":"huge int"}'
        if t is float_:
            return float_repr(value) if isfinite(value) else '{"__float__":' + quote(float_repr(value)) + "}"
        if t is str_:
            return quote(value[:MAX_REPLY // 4])
        if t is Tensor:
            return tensor(value)
        if t is Size:
            return '{"__tuple__":[' + ",".join(int_repr(int_(v)) for v in tuple_.__iter__(value)) + "]}"
        if t is dtype_type:
            return '{"__dtype__":' + quote(names.get(value, "unknown")) + "}"
        if t is tuple_:
            return '{"__tuple__":[' + ",".join(encode(v, depth + 1) for v in tuple_.__iter__(value)) + "]}"
        if t is list_:
            return "[" + ",".join(encode(v, depth + 1) for v in list_.__iter__(value)) + "]"
        if t is dict_ and all(type_(k) is str_ for k in dict_.keys(value)):
            items = [("[" + quote(k) + "," + encode(v, depth + 1) + "]") for k, v in dict_.items(value)]
            return '{"__dict__":[' + ",".join(items) + "]}"
        return '{"__object__":' + quote(type.__dict__["__name__"].__get__(t)[:100]) + "}"

    return encode


ENCODE = _binder()
_write, _read, _close, _fork, _exit, _pipe = os.write, os.read, os.close, os.fork, os._exit, os.pipe
_waitpid, _kill, _select, _dup2 = os.waitpid, os.kill, select.select, os.dup2
_loads, _dumps = json.loads, json.dumps


def send(fd: int, data: bytes) -> None:
    data = len(data).to_bytes(8, "big") + data
    while data:
        n = _write(fd, data[:1 << 20])
        data = data[n:]


def receive(fd: int, limit: int = MAX_REPLY, deadline: float | None = None) -> bytes | None:
    """One frame from ``fd``; None at end of file; raises TimeoutError past ``deadline`` (time.monotonic)."""
    import time
    head = b""
    body = None
    size = 8
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not _select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = _read(fd, min(size - len(head if body is None else body), 1 << 20))
        if not chunk:
            return None
        if body is None:
            head += chunk
            if len(head) == 8:
                size = int.from_bytes(head, "big")
                if size > limit:
                    raise ValueError(f"a reply of {size} bytes is larger than the {limit} allowed")
                body = b""
                if size == 0:
                    return body
        else:
            body += chunk
            if len(body) == size:
                return body


def run_cells(sources: list[str], ns: dict, names: list[str]) -> list[str]:
    """Execute cells in ``ns`` quietly; the errors, as one line each."""
    errors = []
    for source, name in zip(sources, names, strict=False):
        try:
            with quiet():
                exec(compile(source, name, "exec", dont_inherit=True), ns)
        except BaseException as e:  # a cell's failure is the student's, reported, never fatal
            errors.append(f"{name}: {type(e).__name__}: {str(e)[:300]}")
    return errors


def answer(request: dict, ns: dict) -> str:
    """The child's work: guard on, inputs decoded, the student's cells run, the cases computed, JSON out."""
    banned = request.get("banned", [])
    probe = PROBES.get(request["probe"])  # loaded at setup: nothing is imported after student code ran
    if probe is None:
        return ENCODE({"failure": f"could not be graded: the grader did not load the probe {request['probe']}"})
    with OpGuard(banned):
        payloads = [wire.decode(p) for p in request["payloads"]]
        errors = run_cells(request["cells"], ns, request["names"])
    fn = ns.get(request["exercise"])
    if fn is None:
        why = f"; your cell raised {errors[-1].split(': ', 1)[1]}" if errors else ""
        return ENCODE({"missing": f"{request['exercise']} is not defined: its cell did not run or does not define it{why}"})
    results, size = [], 0
    for payload in payloads:
        guard = OpGuard(banned)
        try:
            with guard:
                result = probe(fn, payload, True)
        except BannedOpError:
            result = None
        except BaseException as e:  # a probe's own failure on odd output is still the student's
            result = {"status": "raised", "type": type(e).__name__, "message": str(e)[:2000]}
        if guard.hits:  # a banned op anywhere in the probe (a module's state_dict, a tensor hook...)
            result = {"status": "banned", "op": guard.hits[0]}
        results.append(ENCODE(result))
        size += len(results[-1])
        if size > MAX_REPLY:  # stop early: the rest would be thrown away
            return ENCODE({"failure": f"returned more than the {MAX_REPLY >> 20} MiB a reply may hold"})
    return '{"__dict__":[["results",[' + ",".join(results) + "]]]}"


def child(request: dict, ns: dict, reply_fd: int) -> None:
    try:
        text = answer(request, ns)
    except BaseException as e:
        text = ENCODE({"missing": f"grading {request.get('exercise')} failed in your process: "
                                  f"{type(e).__name__}: {str(e)[:300]}"})
    try:
        send(reply_fd, text.encode("utf-8", "replace"))
    finally:
        _exit(0)


def serve_one(request: dict, ns: dict, channels: tuple[int, int]) -> bytes:
    """Fork, let the child answer ``request``, return its reply (or a failure) as JSON bytes."""
    import time
    r, w = _pipe()
    pid = _fork()
    if pid == 0:
        _close(r)
        for fd in channels:  # the child never talks to the harness
            _close(fd)
        child(request, ns, w)
    _close(w)
    timeout = float(request.get("timeout", 60))
    try:
        try:
            data = receive(r, MAX_REPLY, time.monotonic() + timeout)
        except TimeoutError:
            data = ENCODE({"failure": f"ran longer than {timeout:g} s (an endless loop?)"}).encode()
        except ValueError as e:
            data = ENCODE({"failure": f"sent a reply too large to read ({e})"}).encode()  # never from our child
        if data is None:
            data = ENCODE({"failure": "killed its process (os._exit, a crash, or out of memory)"}).encode()
    finally:
        _close(r)
        try:
            _kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _waitpid(pid, 0)
    return data


def warm_up() -> None:
    """Pay once, here, what the first guarded call costs (torch imports its compiler's wrappers, about 2 s),
    not once per forked child."""
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    with quiet(), OpGuard(["no_such_op"]):
        (x * 2).sum().backward()


def main() -> None:
    """Serve frames on stdin/stdout until end of file; the student's output goes nowhere."""
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        _dup2(devnull, fd)
    import matplotlib
    matplotlib.use("Agg")
    warm_up()
    ns: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    while True:
        frame = receive(proto_in, 256 * 2**20)
        if frame is None:
            return
        request = _loads(frame)
        if "setup" in request:
            for name in request.get("probes", []):  # the course's probes, before any student code runs
                load(name)
            errors = run_cells(request["setup"], ns, request["names"])
            send(proto_out, _dumps({"ready": True, "errors": errors}).encode())
        else:
            send(proto_out, serve_one(request, ns, (proto_in, proto_out)))


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    main()
