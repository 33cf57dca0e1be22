"""Feedback that shows students every test's failure message but never hidden test code."""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool


class StripTracebacks(Preprocessor):
    """Replace the traceback of every error in a graded test cell by its last line.

    An IPython traceback quotes the source lines around the failing call, which in
    an autograded notebook are hidden tests. ``ename: evalue`` is what the checker
    writes for students, so nothing they need is lost.
    """

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
