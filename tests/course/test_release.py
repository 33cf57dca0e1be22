"""notebooks/ is exactly what `make release` generates from solutions/, and gives nothing away."""
import re
import shutil

import pytest

from course import ROOT, assignments, notebook, tree_digest
from grader import pipeline
from grader.course import Course


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions", root / "solutions")
    before = tree_digest(root / "solutions")
    pipeline.release(Course(root))
    return root, before


def test_committed_release_is_what_release_generates(released):
    root, _ = released
    generated, committed = tree_digest(root / "notebooks"), tree_digest(ROOT / "notebooks")
    assert generated.keys() == committed.keys(), "notebooks/ and solutions/ hold different files: run `make release`"
    stale = [p for p in generated if generated[p] != committed[p]]
    assert not stale, f"notebooks/ is out of date for {stale}: run `make release` and commit notebooks/"


def test_release_leaves_solutions_untouched(released):
    root, before = released
    assert tree_digest(root / "solutions") == before


def block_lines(assignment, kinds=("SOLUTION", "HIDDEN TESTS")):
    """Substantial lines that only the source notebook's solution and/or hidden-test blocks hold."""
    blocks = [b for cell in notebook(assignment).cells for kind in kinds
              for b in re.findall(rf"### BEGIN {kind}\n(.*?)### END {kind}", cell.source, re.S)]
    outside = "\n".join(c.source for c in notebook(assignment).cells)
    for b in blocks:
        outside = outside.replace(b, "")
    return [line.strip() for b in blocks for line in b.splitlines()
            if len(line.strip()) > 12 and not line.strip().startswith("#") and line.strip() not in outside]


@pytest.mark.parametrize("assignment", assignments())
def test_release_has_no_solutions_or_hidden_tests(assignment):
    text = "\n".join(c.source for c in notebook(assignment, "notebooks").cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    leaked = [line for line in block_lines(assignment) if line in text]
    assert not leaked, f"release of {assignment} contains solution or hidden-test lines: {leaked[:3]}"
    assert text.count("raise NotImplementedError") >= 1


@pytest.mark.parametrize("assignment", assignments())
def test_source_cells_have_fixed_ids(assignment):
    ids = [c.get("id") for c in notebook(assignment).cells]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9_-]+", i) for i in ids), "ids are names, not random hashes"
