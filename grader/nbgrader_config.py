"""nbgrader configuration of the course.

Pass it as ``--NbGrader.config_file=grader/nbgrader_config`` (no ``.py``), or use
``python -m grader``, which does. ``solutions/`` is the source, ``notebooks/`` the
release; the gradebook lives in ``.nbgrader/`` (ignored by git).
"""
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from grader import feedback_page
from grader.feedback_page import FeedbackPage
from grader.trusted.harness import TrustedExecute
from grader.trusted.limits import CapOutputs, SanitizeOutputs
from grader.trusted.review import ReviewFlags

c = get_config()  # noqa: F821  (traitlets provides it)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "feature-map-layers"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, ".nbgrader", "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "runs", "*.db", "*.po"]  # *.po: translations

# A test cell the student deleted is put back (and run); edited ones are overwritten from the gradebook.
c.OverwriteCells.add_missing_cells = True

# Trusted grading: nbgrader's pipeline with its Execute step replaced. Test cells never run in the
# student's kernel; their verdicts are decided in this process (grader/trusted/harness.py). The stored
# notebook stays small and runs no student script in formgrader or feedback pages (grader/trusted/limits.py);
# a flagged exercise waits in formgrader's manual grading queue (grader/trusted/review.py).
c.Autograde.autograde_preprocessors = [TrustedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       CapOutputs, SanitizeOutputs, SaveAutoGrades, ReviewFlags,
       AssignLatePenalties, CheckCellMetadata]

# Late penalties: off (nbgrader's default plugin takes nothing off). The example policy in grader/late.py
# takes 10% of the score per started day late, at most 50%; it needs the assignment's due date in the
# gradebook and each submission's timestamp.txt (docs/regrades-and-late.md). To use it, uncomment:
# c.AssignLatePenalties.plugin_class = "grader.late.PerDayPenalty"
# c.PerDayPenalty.per_day, c.PerDayPenalty.cap, c.PerDayPenalty.grace = 0.10, 0.50, 0  # fractions; seconds

# Per cell: a hanging exercise fails its own cell and grading goes on.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.shutdown_kernel = "immediate"  # the kernel is thrown away: do not wait for it to exit cleanly

# Feedback: grades and failure messages. Hidden tests are never in a notebook (they are specs in
# grader/exercises), and a test cell's outputs are the trusted verdict with a one-line traceback.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
# nbgrader's feedback page in the notebook's language (grader/feedback_page.py). Set for FeedbackPage, not for
# HTMLExporter: nbgrader sets HTMLExporter's template, and a subclass's settings come first.
c.GenerateFeedback.exporter_class = FeedbackPage
c.FeedbackPage.template_name = "feedback_course"
c.FeedbackPage.extra_template_basedirs = [str(feedback_page.TEMPLATES), str(feedback_page.NBGRADER_TEMPLATES)]
c.ClearHiddenTests.enforce_metadata = False
