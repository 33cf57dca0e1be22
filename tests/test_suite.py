"""The test suite's own rules: shared helpers live in helper modules (course.py, browser.py, classhub.py,
students/), never in a test module that another imports (its tests would be collected twice)."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_another():
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(TESTS)} imports {n}" for n in names if n.split(".")[0].startswith("test_")]
    assert not found, "\n".join(found)
