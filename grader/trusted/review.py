"""``ReviewFlags``: a flagged exercise waits in formgrader's manual grading queue, so a person sees every flag."""
from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade


class ReviewFlags(NbGraderPreprocessor):
    """Marks the test cells named in ``resources["course_flagged"]`` (grade ids, from the trusted harness)
    "needs manual grade". It runs after nbgrader's SaveAutoGrades, which sets the mark from the score alone.
    A manual score given in formgrader then replaces the flag's 0 (:func:`grader.manual.keep_manual` keeps it)."""

    def preprocess(self, nb, resources):
        flagged = set(resources.get("course_flagged", []))
        ids = [c.metadata.nbgrader.grade_id for c in nb.cells if is_grade(c)]
        ids = [i for i in ids if i in flagged]  # this notebook's only
        if ids:
            info = resources["nbgrader"]
            with Gradebook(info["db_url"]) as gb:
                for grade_id in ids:
                    grade = gb.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
                    grade.needs_manual_grade = True
                gb.db.commit()
        return nb, resources
