"""The feedback page a student reads: nbgrader's own (its template ``feedback/index.html.j2``), in the language of
the student's notebook.

nbgrader renders feedback with the exporter its ``GenerateFeedback`` is configured with (``exporter_class``, an
extension point). :class:`FeedbackPage` is nbconvert's HTML exporter with the course's template
``grader/templates/feedback_course``: it extends nbgrader's page and says each of its words through the course's
message catalog (the ``say`` filter, :func:`grader.runtime.messages.say_filter`). nbgrader's template folder is on
its search path, so the course's template can name the page it extends. Formgrader's "Generate feedback" button asks
for nbgrader's own template by name, and gets it.
"""
from __future__ import annotations

from pathlib import Path

import nbgrader
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from traitlets import default

from .runtime.messages import say_filter

TEMPLATES = Path(__file__).resolve().parent / "templates"
NBGRADER_TEMPLATES = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"


class FeedbackPage(HTMLExporter):
    """nbgrader's feedback page in the notebook's language (``metadata.course.language``)."""

    @default("template_paths")
    def _template_paths_and_nbgraders(self) -> list[str]:
        return TemplateExporter._template_paths.func(self) + [str(NBGRADER_TEMPLATES)]

    @default("filters")
    def _course_filters(self) -> dict:
        return {"say": say_filter}
