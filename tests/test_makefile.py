"""`make help` is made from the Makefile's own "## " comments: every workflow is listed, none by hand."""
import re
import subprocess

from course import ROOT


def test_every_target_has_a_line_in_make_help():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    listed = re.findall(r"^make (\S+) +\S", out, re.M)
    first_names = [line.split(":")[0].split()[0] for line in (ROOT / "Makefile").read_text().splitlines()
                   if re.match(r"^[a-z][a-z -]*:(?!=)", line)]
    assert listed == first_names, f"targets without a '## ' comment: {sorted(set(first_names) - set(listed))}"
    for name in ("lab", "autograde", "hub", "kit", "test", "help"):
        assert name in listed
    assert len(listed) >= 25
