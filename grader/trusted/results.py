"""One result record per graded submission."""
from __future__ import annotations

import json
from pathlib import Path


def results_dir(root: Path) -> Path:
    """The trusted result records of the course at ``root``, one per graded submission (never mounted in the sandbox)."""
    return Path(root) / ".nbgrader" / "results"


def record(assignment: str, student: str, verdicts, flags: dict, restarts: int = 0, seconds: float = 0.0) -> dict:
    """The structured result of one student's assignment: per exercise points per group, messages, flags, timings.
    Flag lines are the student's code: each is capped, as verdict messages are."""
    from ..runtime.wire import cap
    return {"assignment": assignment, "student": student, "graded": True,
            "score": round(sum(v.score for v in verdicts), 6), "max_score": sum(v.points for v in verdicts),
            "exercises": [v.record() for v in verdicts],
            "integrity_flags": [{"exercise": k, "line": cap(line)} for k, lines in flags.items() for line in lines],
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
