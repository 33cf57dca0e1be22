"""Grading a written answer by hand in formgrader, driven in Chromium: ``make test-browser``.

One student's ``01_sampling`` (every exercise right, the written answers in the student's own words)
is autograded through ``make autograde``'s pipeline in a scratch course. JupyterLab then starts as
``make lab-instructor`` starts it, on that course, and the instructor: opens formgrader from the
Nbgrader menu, opens the assignment's gradebook (the written answers wait for a grader), opens the
submission, scores one written answer, and sees the total change; graded again, the score stays. The
screenshots of each step go to ``docs/screenshots/formgrader_*.png`` for ``docs/manual-grading.md``.
"""
from __future__ import annotations

import re
import time

import nbformat
import pytest

from browser import ROOT, Lab, Steps, browser_or_skip, chromium_page, shot
from course import graded, notebook, scratch_course, written
from grader import cluster, pipeline
from grader.course import Course

A = "01_sampling"
MINE = ("Max pooling keeps the largest value of each window, so a feature that moves by one pixel inside the window "
        "still gives the same output.")

pytestmark = pytest.mark.timeout(420)


@pytest.fixture
def instructor_lab(tmp_path):
    browser_or_skip()
    course = scratch_course(tmp_path / "course")
    nb = notebook(A)  # every exercise right ...
    for grade_id in written(A):  # ... and the written answers in the student's words
        graded(nb, grade_id).source = MINE
    (course / "submitted" / "alice" / A).mkdir(parents=True)
    nbformat.write(nb, course / "submitted" / "alice" / A / f"{A}.ipynb")
    (job,) = pipeline.autograde(Course(course), [A], runner=cluster.Dask(workers=1), out=lambda *_: None)
    assert job.graded, job.reason
    # What `make lab-instructor` reads (grader/jupyter/instructor), with the scratch course as the root.
    config = tmp_path / "course-config"
    config.mkdir(parents=True)
    (config / "nbgrader_config.py").write_text(
        f"load_subconfig('nbgrader_config.py', path={str(ROOT / 'grader')!r})\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {Course(course).db_url!r}\n")
    server = Lab(tmp_path, mode="instructor", root=course, config=config)
    try:
        yield server, course
    finally:
        server.stop()


def _scores(page) -> tuple[str, str, bool]:
    """Overall, written score and 'needs manual grade' (a tick) of the one submission in the gradebook table."""
    row = page.locator("tbody tr").first
    return (row.locator(".score").inner_text().strip(), row.locator(".written-score").inner_text().strip(),
            row.locator(".needs-manual-grade .glyphicon").count() > 0)


def test_instructor_grades_a_written_answer_in_formgrader(instructor_lab):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    lab, course = instructor_lab
    answers = written(A)
    first = next(iter(answers))
    total = Course(course).grades()[0]
    auto, maximum = float(total["score"]), float(total["max_score"])
    assert total["written"] == f"{len(answers)} of {len(answers)} to grade by hand", total
    started = time.monotonic()
    print()
    with chromium_page(lab.tmp / "chromium-profile") as page:
        step = Steps(page, lab)

        with step("open formgrader from JupyterLab's Nbgrader menu"):
            page.goto(f"{lab.url}/lab?token={lab.token}")
            menu = page.locator(".lm-MenuBar-item", has_text="Nbgrader")
            expect(menu).to_be_visible(timeout=90_000)
            menu.click()
            page.get_by_role("menuitem", name=re.compile("Formgrader")).click()
            frame = page.frame_locator("iframe").first
            expect(frame.get_by_text("Manage Assignments").first).to_be_visible(timeout=60_000)
            expect(frame.locator("tbody tr", has_text=A).first).to_be_visible(timeout=60_000)  # the table has loaded
            shot(page, "formgrader_01_open")

        gradebook = f"{lab.url}/formgrader/gradebook/{A}/{A}"
        with step("the gradebook: the written answers wait for a grader"):
            page.goto(gradebook)
            expect(page.locator("tbody tr .score").first).to_have_text(re.compile(r"\d"), timeout=60_000)
            overall, written_score, needs = _scores(page)
            assert overall == f"{auto:g} / {maximum:g}", overall
            assert written_score.startswith("0 / "), written_score
            assert needs, "the submission is marked as needing manual grading"
            shot(page, "formgrader_02_gradebook")

        with step("open the submission: the student's written answer and its score box"):
            page.locator("tbody tr a").filter(has_text=re.compile("Submission")).first.click()
            box = page.locator(f"input.score#{first}")
            expect(box).to_be_visible(timeout=60_000)
            expect(page.get_by_text(MINE).first).to_be_visible()
            box.evaluate("el => el.closest('.nbgrader_cell, .cell, div').scrollIntoView({block: 'center'})")
            page.wait_for_timeout(300)
            shot(page, "formgrader_03_answer")

        with step("score the written answer"):
            box.fill(f"{answers[first]:g}")
            box.press("Tab")  # formgrader saves on change
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with Gradebook(Course(course).db_url) as gb:
                    if gb.find_grade(first, A, A, "alice").manual_score == answers[first]:
                        break
                time.sleep(0.5)
            else:
                raise AssertionError("formgrader did not save the score")
            shot(page, "formgrader_04_scored")

        with step("the gradebook's total has changed"):
            page.goto(gradebook)
            expect(page.locator("tbody tr .score").first).to_have_text(
                f"{auto + answers[first]:g} / {maximum:g}", timeout=60_000)
            shot(page, "formgrader_05_total")
    with Gradebook(Course(course).db_url) as gb:
        assert gb.find_submission(A, "alice").score == pytest.approx(auto + answers[first])
    # Graded again (make autograde): the hand-given score stays, and no longer waits for a grader.
    (job,) = pipeline.autograde(Course(course), [A], runner=cluster.Dask(workers=1), out=lambda *_: None)
    assert job.graded, job.reason
    with Gradebook(Course(course).db_url) as gb:
        grade = gb.find_grade(first, A, A, "alice")
        assert grade.manual_score == answers[first] and not grade.needs_manual_grade
        assert gb.find_submission(A, "alice").score == pytest.approx(auto + answers[first])
    assert Course(course).grades()[0]["written"] == f"{len(answers) - 1} of {len(answers)} to grade by hand"
    print(f"  formgrader walkthrough: {time.monotonic() - started:.0f} s")
