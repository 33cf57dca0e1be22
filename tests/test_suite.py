"""The test suite's own rules: shared helpers live in helper modules (course.py, browser.py, classhub.py,
students/), never in a test module that another imports (its tests would be collected twice); test modules live in
the folder of what they test, mirroring grader/'s layers."""
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


TIERS = {
    "runtime": "the learner's side: the engine, check, messages, the subset, progress, the explorers",
    "trusted": "trusted grading, tried as a student would attack it",
    "course": "the course itself: exercises and their specs, fairness, prose, releases, editions, data",
    "instructor": "the instructor's tools: autograde, regrade, export, similarity, the kit, the book, the hub",
    "browser": "the browser tier (make test-browser)",
}


def test_every_test_module_lives_in_its_tier():
    misplaced = [str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")
                 if p.parent.name not in TIERS and p != Path(__file__).resolve()]
    assert not misplaced, f"put each in one of tests/{{{','.join(TIERS)}}}/: {misplaced}"
    assert all(list((TESTS / tier).glob("test_*.py")) for tier in TIERS), "a tier without tests"
