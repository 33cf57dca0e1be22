"""Fixtures shared by test files: the class every grading test reads, graded once per session."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from course import assignments, exercises, hand_in, notebook, scratch_course, submission, tree_digest
from grader import pipeline
from grader.course import Course
from students import stand_in_mistake, students

TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """The browser tier is a folder and a marker: every test under tests/browser/ is marked ``browser``."""
    for item in items:
        if TESTS / "browser" in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def mixed_answers(assignment):
    """Answers for the mixed student, and the exercises expected to lose their points.

    The first exercise is right, the second has a known mistake, a third (where there is
    one) calls the torch op it should re-implement, the rest are right.
    """
    names = list(exercises(assignment))
    s = students(assignment)
    answers = {n: s.LOOP[n] for n in names}
    wrong = names[1 % len(names)]
    answers[wrong] = next(iter(s.WRONG[wrong].values()))
    lost = {wrong}
    if len(names) > 2:
        other, source = stand_in_mistake(assignment, avoid={names[0], wrong})
        answers[other] = source
        lost.add(other)
    return answers, lost


@dataclass
class GradedClass:
    root: Path
    before: dict  # digests of solutions/ and submitted/ before grading
    results: list  # grader.jobs.Result, one per submission
    grades: dict  # (student, assignment) -> score, graded submissions only
    printed: list  # what `make autograde` printed


@pytest.fixture(scope="session")
def shared_class(tmp_path_factory) -> GradedClass:
    """For every assignment: the solutions notebook, the blank release, a mixed submission and
    invalid JSON, graded once through the local path (embedded Dask cluster, SQLite, sandbox)."""
    root = scratch_course(tmp_path_factory.mktemp("course"))
    for a in assignments():
        hand_in(root, "perfect", a, notebook(a))
        hand_in(root, "blank", a, notebook(a, "notebooks"))
        hand_in(root, "mixed", a, submission(a, mixed_answers(a)[0]))
        hand_in(root, "broken", a, '{"cells": [')
    before = {part: tree_digest(root / part) for part in ("solutions", "submitted")}
    printed: list = []
    results = pipeline.autograde(Course(root), out=printed.append)
    grades = {(r["student_id"], r["assignment"]): float(r["score"]) for r in Course(root).grades() if r["status"] == "graded"}
    return GradedClass(root, before, results, grades, printed)
