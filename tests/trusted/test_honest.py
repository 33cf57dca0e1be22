"""No false positives on honest work (issue 18, item 3).

Every submission in ``tests/students/honest.py`` is correct and written the way an honest learner
might write it. Each must stay inside the course's Python subset (no finding, neither in the
notebook-wide check nor in the learner's ``check``) and must get full marks on every worked
example, visible and hidden case.

An honest idiom that the subset (or the grading) rejects today is a false positive to fix in
``grader/``: its cases are marked ``xfail(strict=True)`` below, keyed by a snippet of the source,
so that the mark has to go once the fix lands.
"""
import pytest

from course import PRELUDE, assignments, exercises, run_exercise
from grader.runtime import subset, visible
from grader.runtime.cells import Cell
from students.honest import HONEST, sources

# Honest idioms the subset (or the grading) rejected until it was fixed: a snippet that identifies the source
# -> why. Empty: every honest source passes. A new false positive goes here, xfail(strict=True), until fixed.
SUBSET_FALSE_POSITIVES: dict = {}
GRADING_FALSE_POSITIVES: dict = {}
# Exercises whose grading takes more than a few seconds (none today: the 08 ones run in about a second).
SLOW: set = set()


def _marks(source: str, table: dict) -> list:
    return [pytest.mark.xfail(strict=True, reason=why) for snippet, why in table.items() if snippet in source]


def _params(table: dict, slow: bool = False) -> list:
    out = []
    for assignment, name, i, source in sources():
        marks = _marks(source, table)
        if slow and (assignment, name) in SLOW:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(assignment, name, source, id=f"{assignment}-{name}-{i}", marks=marks))
    return out


@pytest.mark.parametrize("assignment,name,source", _params(SUBSET_FALSE_POSITIVES))
def test_honest_source_is_inside_the_subset(assignment, name, source):
    found = subset.notebook_findings([PRELUDE, source])[1]
    assert found == [], f"{assignment} {name}: honest code flagged:\n" + "\n".join(f"  {f}" for f in found)
    learner = visible.subset_findings(name, [PRELUDE, source])
    assert learner == [], f"{assignment} {name}: the learner's check flags:\n" + "\n".join(f"  {f}" for f in learner)


@pytest.mark.parametrize("assignment,name,source", _params(GRADING_FALSE_POSITIVES, slow=True))
def test_honest_source_gets_full_marks(assignment, name, source):
    verdict = run_exercise(assignment, name, source)
    assert verdict.status == "pass"


def test_enough_honest_sources_over_every_assignment():
    found = sources()
    assert len(found) >= 24, f"only {len(found)} honest sources"
    assert set(HONEST) == set(assignments()), "every assignment has honest sources, and only those"
    for assignment, by_name in HONEST.items():
        names = exercises(assignment)
        assert set(by_name) <= set(names), f"{assignment}: {set(by_name) - set(names)} are not its exercises"
        assert sum(len(v) for v in by_name.values()) >= 2, f"{assignment}: fewer than two honest sources"
        for name, srcs in by_name.items():
            assert len(srcs) >= 2, f"{assignment} {name}: fewer than two honest sources"


@pytest.mark.parametrize("assignment,name,source", [p.values for p in _params({})],
                         ids=[p.id for p in _params({})])
def test_honest_source_defines_its_exercise(assignment, name, source):
    cell = Cell.read(1, source)
    assert not cell.error, cell.error
    assert name in cell.binds, f"{assignment}: the cell does not define {name}"


def test_every_known_false_positive_is_still_in_the_set():  # a fixed one must leave the tables
    every = "\n".join(src for *_, src in sources())
    stale = [snippet for snippet in (*SUBSET_FALSE_POSITIVES, *GRADING_FALSE_POSITIVES) if snippet not in every]
    assert not stale, f"xfail marks that match no honest source: {stale}"
