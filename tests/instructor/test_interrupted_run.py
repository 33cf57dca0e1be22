"""A manual grade survives an interrupted `make autograde` (issue 19, item 2).

nbgrader puts a cell with a manual score back in formgrader's "needs manual grade" queue whenever it
grades it again; the course clears that mark where the work is unchanged. A run killed half-way used to
lose the snapshot that says so: the next run saw the re-flagged grades as they were "before" and left
them in the queue for good. The snapshot is now on disk before grading starts.
"""
import pytest
from nbgrader.api import Gradebook

from course import hand_in, notebook, scratch_course
from grader import cluster, manual, pipeline
from grader.course import Course

pytestmark = pytest.mark.slow  # grades one notebook twice

A = "05_padding_layers"


def grade(root):
    return pipeline.autograde(Course(root), [A], out=lambda *_: None,
                              runner=cluster.Dask(workers=1), sandboxed=False, time_limit=300)


def test_manual_grade_survives_an_interrupted_run(tmp_path):
    root = scratch_course(tmp_path)
    hand_in(root, "ada", A, notebook(A))
    assert all(r.graded for r in grade(root))
    with Gradebook(Course(root).db_url) as gb:  # a grader gives a manual score in formgrader
        g = gb.find_grade("test_pad2d", A, A, "ada")
        g.manual_score, g.needs_manual_grade = 1.0, False
        gb.db.commit()
    # a run that is killed after its snapshot and after nbgrader graded ada again, before it wrote back
    manual.durable_snapshot(Course(root), [A])
    with Gradebook(Course(root).db_url) as gb:
        gb.find_grade("test_pad2d", A, A, "ada").needs_manual_grade = True  # what nbgrader's SaveAutoGrades does
        gb.db.commit()
    assert (root / ".nbgrader" / manual.PENDING).exists()
    assert all(r.graded for r in grade(root))  # the next run, in full
    with Gradebook(Course(root).db_url) as gb:
        g = gb.find_grade("test_pad2d", A, A, "ada")
        assert g.manual_score == 1.0 and not g.needs_manual_grade
    assert not (root / ".nbgrader" / manual.PENDING).exists()
