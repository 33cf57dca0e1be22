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


def test_make_lab_zh_opens_the_chinese_edition_in_chinese():
    import importlib.metadata
    recipe = subprocess.run(["make", "-n", "-s", "-o", ".venv/.installed", "lab-zh"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    assert "--notebook-dir=notebooks-zh" in recipe and "grader/jupyter/student" in recipe, recipe
    assert '{"locale": "zh_CN"}' in recipe and "translation-extension/plugin.jupyterlab-settings" in recipe, recipe
    assert importlib.metadata.version("jupyterlab-language-pack-zh-CN")  # JupyterLab's own Chinese
