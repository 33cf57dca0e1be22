"""One result record per graded submission, and reading the student's reply file safely."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path


def read_reply(path: Path):
    """The reply file's plain data (at most :data:`wire.MAX_BYTES`), then the file is removed.

    A link, a folder, a missing, huge or malformed file raises :class:`wire.WireError`.
    """
    from ..runtime import wire  # torch: only where replies are read, not in every instructor command
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise wire.WireError("no reply (the student's process did not run the grader's request)") from None
    except OSError as e:
        raise wire.WireError(f"the reply cannot be opened ({e.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise wire.WireError("the reply is not a plain file")
        if info.st_size > wire.MAX_BYTES:
            raise wire.WireError(f"the reply is {info.st_size} bytes, more than the {wire.MAX_BYTES} allowed")
        with os.fdopen(fd, "rb", closefd=False) as f:
            text = f.read(wire.MAX_BYTES + 1)
    finally:
        os.close(fd)
        try:
            os.unlink(path)
        except OSError:
            pass
    return wire.loads(text)


def results_dir(root: Path) -> Path:
    """The trusted result records of the course at ``root``, one per graded submission (never mounted in the sandbox)."""
    return Path(root) / ".nbgrader" / "results"


def record(assignment: str, student: str, verdicts, flags: dict, restarts: int = 0, seconds: float = 0.0) -> dict:
    """The structured result of one student's assignment: per exercise points per group, messages, flags, timings."""
    return {"assignment": assignment, "student": student, "graded": True,
            "score": round(sum(v.score for v in verdicts), 6), "max_score": sum(v.points for v in verdicts),
            "exercises": [v.record() for v in verdicts],
            "integrity_flags": [{"exercise": k, "line": line} for k, lines in flags.items() for line in lines],
            "fresh_processes": restarts, "seconds": round(seconds, 3)}


def path(folder: Path, assignment: str, student: str) -> Path:
    return Path(folder) / assignment / f"{student}.json"


def write(folder: Path, rec: dict) -> Path:
    p = path(folder, rec["assignment"], rec["student"])
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(rec, indent=1))
    return p


def read(folder: Path, assignment: str, student: str) -> dict | None:
    p = path(folder, assignment, student)
    return json.loads(p.read_text()) if p.exists() else None
