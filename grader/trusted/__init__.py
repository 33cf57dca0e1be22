"""Trusted grading: decide scores in a process that never runs student code.

- :mod:`.harness`: the nbgrader preprocessor that runs the student's cells in the
  sandboxed kernel, asks it for the inputs of each case, and writes the verdicts;
- :mod:`.scan`: the static scan of submitted cells for tampering with the grader;
- :mod:`.results`: one structured result record per graded submission.

Specs come from :mod:`grader.exercises`; comparisons and probes from :mod:`grader.runtime`,
run here with a torch the student never touched.
"""
