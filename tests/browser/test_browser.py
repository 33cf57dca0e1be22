"""The learner's JupyterLab, driven in a real browser: ``make test-browser``.

JupyterLab starts as ``make lab`` starts it (student mode: nbgrader's Validate button, no
formgrader or create-assignment), on a copy of ``notebooks/01_sampling`` in a temporary folder,
bound to 127.0.0.1 on a free port with a token and temporary config, runtime and settings
folders. Chromium (Debian's, ``make browser`` installs it), driven by Playwright, then does what a
learner does: open the notebook, run all cells (every test cell stops on NotImplementedError),
type a solution into the first exercise, run its test (it passes), run the progress cell (the
table shows it), press Validate (the other three exercises are reported failing, and the written
answers still empty). Screenshots of
each step go to ``docs/screenshots/`` (the README's walk-through uses them).

Without Chromium or Playwright the test is skipped, unless ``COURSE_BROWSER_TEST=required``
(``make test-browser`` and CI set it), when it fails instead (``tests/browser.py``).
"""
from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from browser import ASSIGNMENT, ROOT, SHOTS, Lab, Steps, browser_or_skip, chromium_page, shot, type_cell
from grader.runtime.cells import is_test_cell, is_written_answer

SOLUTION = ("def downsample(x, factor):", "return x[..., ::factor, ::factor]")
PROGRESS_CELL = f'from grader.runtime.progress import show as show_progress; show_progress("{ASSIGNMENT}")'
pytestmark = pytest.mark.timeout(420)


def _make_lab_recipe() -> str:
    """What ``make lab`` runs (dry run)."""
    return subprocess.run(["make", "-n", "-s", "-o", ".venv/.installed", "lab"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def lab(tmp_path):
    browser_or_skip()
    server = Lab(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_make_lab_starts_student_mode():
    recipe = _make_lab_recipe()
    assert "grader/jupyter/student" in recipe and "--notebook-dir=notebooks" in recipe, recipe
    assert "--ServerApp.ip=127.0.0.1" in recipe, recipe


def test_learner_works_an_exercise_in_jupyterlab(lab):
    from playwright.sync_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print()
    # Student mode on the server: validation is there, the formgrader is not.
    assert lab.status("/formgrader") == 404
    assert lab.status(f"/assignments/validate?path={ASSIGNMENT}/{ASSIGNMENT}.ipynb") != 404

    with chromium_page(lab.tmp / "chromium-profile") as page:
        step = Steps(page, lab)
        nb = page.locator(".jp-NotebookPanel")
        code_cells = nb.locator(".jp-CodeCell")
        test_cells = code_cells.filter(has_text="from grader import")

        with step("open the notebook, kernel idle"):
            page.goto(f"{lab.url}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?token={lab.token}")
            expect(code_cells.first).to_be_visible(timeout=90_000)
            idle = nb.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            expect(idle).to_have_count(1, timeout=90_000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=90_000)
            expect(nb.locator(".validate-button")).to_be_visible()
            shot(page, "01_notebook")

        with step("student mode in the page: Validate, no formgrader, no create-assignment"):
            plugins = page.evaluate("""() => Object.fromEntries([
                'formgrader', 'create-assignment', 'course-list', 'validate-assignment'].map(
                n => [n, window.jupyterapp.hasPlugin('@jupyter/nbgrader:' + n)]))""")
            assert plugins == {"formgrader": False, "create-assignment": False, "course-list": False,
                               "validate-assignment": True}, plugins
            expect(page.locator(".lm-MenuBar-item", has_text="Nbgrader")).to_have_count(0)

        with step("run all cells: the test cells stop on NotImplementedError"):
            page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
            page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
            # JupyterLab's Run All stops at the first error, except in cells tagged raises-exception.
            expect(test_cells.first.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=150_000)
            expect(idle).to_have_count(1, timeout=150_000)  # idle once no cell is scheduled
            ran = [i for i in range(test_cells.count()) if re.search(r"\d", _prompt(test_cells.nth(i)))]
            assert test_cells.count() >= 4 and ran[:1] == [0], (test_cells.count(), ran)
            for i in ran:
                expect(test_cells.nth(i).locator(".jp-OutputArea")).to_contain_text("NotImplementedError")
            ran_all = len(ran) == test_cells.count()
            assert ran_all == _tagged_raises_exception(lab), "Run All should stop at untagged failing test cells only"
            print(f"    Run All ran {len(ran)} of {test_cells.count()} test cells")
            _scroll_to_top(page, nb.locator(".jp-MarkdownCell", has_text="Exercise 1"))
            shot(page, "02_not_implemented")

        solution = code_cells.filter(has_text=SOLUTION[0])
        test = test_cells.filter(has_text='check("downsample", downsample)')
        with step("type a solution into the downsample cell"):
            type_cell(page, solution, SOLUTION)
            editor = solution.locator(".cm-content")
            expect(editor).to_have_text(re.compile(r"^def downsample\(x, factor\):\s+return x\[\.\.\., ::factor, ::factor\]$"))

        with step("run it and its test cell: the test passes"):
            before = _prompt(test)
            page.keyboard.press("Shift+Enter")  # runs the solution, selects the test cell
            page.keyboard.press("Shift+Enter")  # runs the test cell
            _wait_for_new_prompt(page, test, before)
            expect(idle).to_have_count(1, timeout=120_000)
            expect(test.locator(".jp-OutputArea")).not_to_contain_text("Error")
            expect(test.locator(".jp-OutputArea")).not_to_contain_text("Traceback")
            _scroll_to_top(page, nb.locator(".jp-MarkdownCell", has_text="Exercise 1"))
            shot(page, "03_test_passes")

        with step("the progress cell prints this notebook's table"):
            progress = code_cells.filter(has_text="grader.runtime.progress")
            if progress.count() == 0:  # until the notebooks end with it: add it as a learner would
                code_cells.last.locator(".cm-content").click()
                page.keyboard.press("Escape")
                page.keyboard.press("b")
                page.keyboard.press("Enter")
                page.keyboard.type(PROGRESS_CELL)
            else:
                progress.last.locator(".cm-content").click()
            progress = code_cells.filter(has_text="grader.runtime.progress").last
            before = _prompt(progress)
            page.keyboard.press("Shift+Enter")
            _wait_for_new_prompt(page, progress, before)
            expect(idle).to_have_count(1, timeout=120_000)
            out = progress.locator(".jp-OutputArea")
            expect(out).to_contain_text("points from visible tests", timeout=120_000)
            table = out.inner_text()
            assert re.search(r"downsample\s+2\s+pass", table), table
            others = "not attempted" if ran_all else "(not attempted|not run)"  # not run: cell not run yet
            for name in ("pool2d", "upsample_nearest", "upsample_bilinear"):
                assert re.search(rf"{name}\s+\d+\s+{others}", table), table
            assert "2 of 10 points" in table, table
            _scroll_to_bottom(page, out)
            shot(page, "04_progress")

        with step("press Validate: the other three exercises are reported, downsample is not"):
            nb.locator(".validate-button jp-button, .validate-button button").first.click()
            result = page.locator("#validation-message")
            expect(result).to_be_visible(timeout=180_000)
            text = result.inner_text()
            assert "validation-failed" in (result.get_attribute("class") or ""), text
            failed = result.locator("p", has_text="The following cell failed:")
            unanswered = text.count("You did not provide a response.")  # nbgrader lists empty answer cells too
            assert unanswered == _written_answers(lab) and failed.count() == 3 + unanswered, text
            assert 'check("downsample", downsample)' not in text and 'check("pool2d", pool2d)' in text, text
            assert "NotImplementedError" in text, text
            result.locator(".jp-RenderedText").nth(1).evaluate("el => el.scrollIntoView({block: 'start'})")
            shot(page, "05_validate")
            page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
            expect(result).to_have_count(0)
    total = time.monotonic() - started
    print(f"  browser test: {total:.0f} s; screenshots in {SHOTS}")
    for name in ("01_notebook", "02_not_implemented", "03_test_passes", "04_progress", "05_validate"):
        assert 10_000 < (SHOTS / f"{name}.png").stat().st_size < 200_000, name


def _written_answers(lab: Lab) -> int:
    """How many written answers (manually graded markdown cells) the release has."""
    nb = json.loads((lab.root / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    return sum(is_written_answer(c) for c in nb["cells"])


def _tagged_raises_exception(lab: Lab) -> bool:
    """Whether the release's test cells carry the raises-exception tag (Run All then goes past them)."""
    nb = json.loads((lab.root / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    tests = [c for c in nb["cells"] if is_test_cell(c)]
    return all("raises-exception" in c["metadata"].get("tags", []) for c in tests)


def _prompt(cell) -> str:
    return cell.locator(".jp-InputPrompt").inner_text()


def _wait_for_new_prompt(page, cell, before: str, timeout: float = 120_000):
    """Until the cell has run again: a new execution count in its prompt."""
    page.wait_for_function("""([el, before]) => /\\[\\d+\\]/.test(el.textContent) && el.textContent !== before""",
                           arg=[cell.locator(".jp-InputPrompt").element_handle(), before], timeout=timeout)


def _scroll_to_top(page, locator):
    locator.first.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def _scroll_to_bottom(page, locator):
    locator.first.evaluate("el => el.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
