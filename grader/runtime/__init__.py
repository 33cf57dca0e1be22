"""The learner runtime: everything that runs in a learner's kernel or the sandboxed student process.

- :mod:`.cases` (random tensor arguments, grids), :mod:`.compare` (differences for people),
  :mod:`.guard` (the op guard), :mod:`.probes` and :mod:`.wire` (running a case and
  reporting it as plain data), :mod:`.engine` (cases to a verdict), :mod:`.spec`
  (an exercise as data), :mod:`.visible` (the test cells' ``check``), :mod:`.cells` and
  :mod:`.subset` (the course's Python subset, an allow-list), :mod:`.worker` (the student's side of
  trusted grading: one fresh process per exercise), :mod:`.progress` (``make check``, the progress cell).

Nothing here imports :mod:`grader.trusted` or the instructor tools.
"""
