"""The course secret: it salts the random inputs of the hidden cases (:func:`grader.runtime.engine.checks_of`).

It lives with the gradebook in ``.nbgrader/`` (ignored by git, never mounted in the sandbox), so hidden
inputs a student saw in one course copy are useless in another, and every regrade of this one sees the same.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def secret_path(root: Path) -> Path:
    return Path(root) / ".nbgrader" / "course_secret"


def course_secret(root: Path) -> int:
    """The secret of the course at ``root`` as an int; created (128 random bits, owner-only) on first use."""
    path = secret_path(root)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(16) + "\n")
        try:
            os.link(tmp, path)  # whole or not at all; a parallel grader's secret, made just now, wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return int(path.read_text().strip(), 16)
