"""The student's side of trusted grading: compute the requested cases and write plain data back.

The trusted grader executes ``serve(request, reply_path)`` in the student's kernel after
the student's cells ran. ``request`` (JSON text) names the exercise, the probe and the
inputs of each case; nothing else of the tests is ever sent. The reply is one JSON file
of plain data (:mod:`grader.runtime.wire`). Whatever student code does to this process
can only change what the reply says about the student's own function.
"""
from __future__ import annotations

import json
import os

from . import wire
from .probes import PROBES


def namespace() -> dict:
    """IPython's ``user_ns`` inside a kernel, else ``__main__``'s globals."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        return shell.user_ns
    import __main__
    return vars(__main__)


def answer(request: dict, ns: dict) -> dict:
    """The reply to one request, given the namespace the student's cells defined."""
    name, probe = request["exercise"], PROBES[request["probe"]]
    fn = ns.get(name)
    if fn is None:
        return {"missing": f"{name} is not defined: its cell did not run or does not define it"}
    results = []
    for payload in request["payloads"]:
        payload = wire.decode(payload)
        try:
            results.append(probe(fn, payload, True))
        except Exception as e:  # noqa: BLE001 (a probe's own failure on odd output is still the student's)
            results.append({"status": "raised", "type": type(e).__name__, "message": str(e)[:2000]})
    return {"results": results}


def serve(request_json: str, reply_path: str) -> None:
    request = json.loads(request_json)
    text = wire.dumps(answer(request, namespace()))
    fd = os.open(reply_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
