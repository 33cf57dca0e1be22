"""`make check`: the learner's table of exercises from the visible tests."""
import re
import subprocess
import sys

import nbformat

from course import assignments, exercises, submission
from students import students


def test_check_reports_pass_fail_and_not_attempted(tmp_path):
    expected = {}
    for a in assignments():
        names = list(exercises(a))
        s = students(a)
        answers = {names[0]: s.LOOP[names[0]], names[1]: next(iter(s.WRONG[names[1]].values()))}
        if len(names) > 2:
            answers[names[2]] = s.CHEAT[names[2]]
        folder = tmp_path / a
        folder.mkdir()
        nbformat.write(submission(a, answers), folder / f"{a}.ipynb")
        expected[a] = {n: "pass" if i == 0 else "fail" if i < 3 else "not attempted" for i, n in enumerate(names)}
    proc = subprocess.run([sys.executable, "-m", "grader", "check", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for a, statuses in expected.items():
        for name, status in statuses.items():
            assert re.search(rf"^.*\s{name}\s+\d+\s+{status}\s*$", out, re.M), f"{a}/{name} should be {status}:\n{out}"
    first = list(expected)[0]
    assert f"First failure: {list(expected[first])[1]} in {first}/{first}.ipynb" in out
    assert "from visible tests" in out
