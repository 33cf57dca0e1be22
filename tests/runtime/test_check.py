"""`make check`: the learner's table of exercises from the visible tests."""
import re
import subprocess
import sys

import nbformat
import pytest

from course import assignments, exercises, submission
from students import students

pytestmark = pytest.mark.slow  # runs notebooks in kernels (make test-fast skips it)
# Three notebooks: the table's logic is the same for all eight, and every notebook's visible tests already run
# in a kernel in test_autograde (the solutions and the blank release); each one here costs CI 20 s.
CHECKED = ["01_sampling", "04_global_pooling", "07_normalization"]


def test_check_reports_pass_fail_and_not_attempted(tmp_path):
    expected = {}
    for a in [a for a in CHECKED if a in assignments()] or assignments()[:1]:
        names = list(exercises(a))
        s = students(a)
        answers, status = {}, {n: "not attempted" for n in names}
        if len(names) > 1:
            answers[names[0]], status[names[0]] = s.LOOP[names[0]], "pass"
        wrong = names[1 % len(names)]
        answers[wrong], status[wrong] = next(iter(s.WRONG[wrong].values())), "fail"
        if len(names) > 2:  # a function that raises fails any visible test
            answers[names[2]] = f"def {names[2]}(*args, **kwargs):\n    raise RuntimeError('broken on purpose')\n"
            status[names[2]] = "fail"
        folder = tmp_path / a
        folder.mkdir()
        nbformat.write(submission(a, answers), folder / f"{a}.ipynb")
        expected[a] = status
    proc = subprocess.run([sys.executable, "-m", "grader", "check", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for a, statuses in expected.items():
        for name, status in statuses.items():
            assert re.search(rf"^.*\s{name}\s+\d+\s+{status}\s*$", out, re.M), f"{a}/{name} should be {status}:\n{out}"
    first = list(expected)[0]
    first_failure = next(n for n, st in expected[first].items() if st == "fail")
    assert f"First failure: {first_failure} in {first}/{first}.ipynb" in out
    assert "from visible tests" in out
