"""The similarity report as JupyterLab's Markdown preview shows it, in Chromium: ``make test-browser``.

A scratch course gets the original pool2d, its renamed and reordered copies, three independent
solutions and one cell too short to compare; ``python -m grader similarity`` writes
``reports/similarity.md``; JupyterLab opens it with the Markdown Preview. The test checks what an
instructor sees: the summary table, each pair's two cells side by side in one table, every line of
code there (a blank line in a cell must not end the HTML block), the shared lines in bold, the
too-short list behind a disclosure. The screenshot goes to ``docs/screenshots/similarity_report.png``
for ``docs/similarity.md``.
"""
from __future__ import annotations

import time

import pytest

from browser import Lab, browser_or_skip, chromium_page, shot
from course import hand_in, scratch_course, submission
from grader import similarity
from grader.course import Course
from students.similarity import sources

A = "01_sampling"
SHORT = 'def pool2d(x, kernel_size, mode="max"):\n    return x.unfold(2, 2, 2).unfold(3, 2, 2).amax((-2, -1))'

pytestmark = pytest.mark.timeout(420)


@pytest.fixture
def lab_on_report(tmp_path):
    browser_or_skip()
    course = scratch_course(tmp_path / "course")
    cells = sources("pool2d")
    for student in ("original", "renamed", "reordered", "independent02", "independent06", "independent14"):
        hand_in(course, student, A, submission(A, {"pool2d": cells[student]}))
    hand_in(course, "terse", A, submission(A, {"pool2d": SHORT}))
    similarity.run(Course(course), [A], progress=False, out=lambda line: None)
    server = Lab(tmp_path / "lab", root=course)
    try:
        yield server, course
    finally:
        server.stop()


def test_the_report_renders_in_jupyterlab(lab_on_report):
    from playwright.sync_api import expect

    lab, course = lab_on_report
    code = sources("pool2d")
    started = time.monotonic()
    with chromium_page(lab.tmp / "chromium-profile", width=1400, height=1000) as page:
        page.goto(f"{lab.url}/lab?token={lab.token}")
        page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=90_000)
        page.evaluate("""() => window.jupyterapp.commands.execute('docmanager:open',
                         {path: 'reports/similarity.md', factory: 'Markdown Preview'})""")
        view = page.locator(".jp-RenderedMarkdown").first
        expect(view.locator("h1")).to_contain_text("Similarity report")
        expect(view.locator("strong").first).to_contain_text("leads to review, never verdicts")
        summary = view.locator("table").first
        expect(summary.locator("tr", has_text="pool2d")).to_contain_text("6")  # compared
        pairs = view.locator("table:has(pre)")
        expect(pairs).to_have_count(3)
        first = pairs.first
        expect(first.locator("pre")).to_have_count(2)
        heading = view.locator("h4").first.inner_text()
        assert heading.startswith("original and renamed"), heading
        for pre, student in zip(first.locator("pre").all(), ("original", "renamed"), strict=True):
            shown = pre.inner_text()
            for line in code[student].splitlines():
                assert line.rstrip() in shown, f"{student}'s line {line!r} is not in the rendered report"
            assert pre.locator("b").count() >= 5, "shared lines are bold"
        details = view.locator("details")
        expect(details).to_have_count(1)
        expect(details.locator("summary")).to_contain_text("Too short to compare (1)")
        view.locator("h3", has_text="pool2d").evaluate("e => e.scrollIntoView({block: 'start'})")
        time.sleep(0.5)
        shot(page, "similarity_report")
    print(f"\nreport rendered and checked in {time.monotonic() - started:.1f} s")
