"""A whole class on `make hub`, in Chromium: one instructor, two students (issue #20's end-to-end test).

- the instructor releases 01_sampling from the command line, as docs/class-hub.md says;
- alice logs in on the hub's page, opens the Assignments tab, fetches, writes `downsample` right and
  `upsample_nearest` wrong, validates, submits, and fetches the feedback that grading on submit wrote: the right
  exercise's points, the wrong one's 0;
- bob submits a notebook whose code tries to read alice's home, the solutions and the hidden specs, and prints what it
  opened: nothing, and his feedback page shows it;
- the instructor collects and runs `make autograde` (the same grades), releases feedback, and alice fetches it.

Screenshots: docs/screenshots/hub_assignments.png (alice's Assignments tab) and hub_feedback.png (her page).
"""
from __future__ import annotations

import csv
import json
import pwd
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from browser import SHOTS, browser_or_skip, chromium_page, shot, type_cell
from classhub import as_user, class_hub, login, server
from course import exercises, graded, opens

pytestmark = pytest.mark.timeout(900)

A = "01_sampling"
POINTS = exercises(A)
USERS = {"fbteacher": "instructor", "fbalice": "student", "fbbob": "student"}
RIGHT = ("def downsample(x, factor):", "return x[..., ::factor, ::factor]")
WRONG = ("def upsample_nearest(x, scale_factor):", "return x")


def feedback_pages(user: str) -> list[Path]:
    return sorted((Path(pwd.getpwnam(user).pw_dir) / A / "feedback").glob(f"*/{A}.html"))


def test_a_class_on_the_hub(tmp_path):
    from playwright.sync_api import expect
    browser_or_skip()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with class_hub(USERS) as hub:
        h, course, settings = hub["hub"], hub["course"], hub["settings"]
        url = settings["url"]
        instructor = dict(cwd=course, env={"JUPYTER_CONFIG_PATH": settings["instructor_config"],
                                           "PATH": f"{h.env('instructor') / 'bin'}:/usr/bin:/bin"})
        nbgrader = h.env("instructor") / "bin" / "nbgrader"
        p = as_user("fbteacher", nbgrader, "release_assignment", A, **instructor)
        assert p.returncode == 0, p.stdout + p.stderr

        with chromium_page(tmp_path / "chromium-profile") as page:
            page.goto(f"{url}/hub/login")
            page.locator("#username_input").fill("fbalice")
            page.locator("#password_input").fill(hub["passwords"]["fbalice"])
            page.locator("#login_submit").click()
            expect(page.locator(".lm-MenuBar-item", has_text="Nbgrader")).to_be_visible(timeout=180_000)

            page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()
            page.get_by_role("menuitem", name=re.compile("Assignment List")).click()
            released = page.locator("#released_assignments_list")
            expect(released).to_contain_text(A, timeout=60_000)
            released.get_by_role("button", name="Fetch").click()
            fetched = page.locator("#fetched_assignments_list")
            expect(fetched).to_contain_text(A, timeout=60_000)

            page.goto(f"{url}/user/fbalice/lab/tree/{A}/{A}.ipynb")
            nb = page.locator(".jp-NotebookPanel")
            cells = nb.locator(".jp-CodeCell")
            expect(cells.first).to_be_visible(timeout=120_000)
            type_cell(page, cells.filter(has_text=RIGHT[0]), RIGHT)
            type_cell(page, cells.filter(has_text=WRONG[0]), WRONG)
            page.keyboard.press("Control+s")
            expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=30_000)
            saved = json.loads(as_user("fbalice", "cat", Path(pwd.getpwnam("fbalice").pw_dir) / A / f"{A}.ipynb").stdout)
            assert RIGHT[1] in "".join("".join(c["source"]) for c in saved["cells"])

            nb.locator(".validate-button jp-button, .validate-button button").first.click()
            expect(page.locator("#validation-message")).to_be_visible(timeout=180_000)
            page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()

            page.locator(".lm-MenuBar-item", has_text="Nbgrader").click()  # the tab, restored or opened again
            page.get_by_role("menuitem", name=re.compile("Assignment List")).click()
            expect(page.locator("#fetched_assignments_list")).to_contain_text(A, timeout=60_000)
            page.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
            submitted = page.locator("#submitted_assignments_list")
            expect(submitted).to_contain_text(A, timeout=60_000)
            start = time.monotonic()
            while time.monotonic() - start < 240 and not feedback_pages("fbalice"):
                button = submitted.get_by_role("button", name="Fetch Feedback")
                if button.count() and button.first.is_enabled():
                    button.first.click()
                time.sleep(3)
            latency = time.monotonic() - start
            assert feedback_pages("fbalice"), f"no feedback {latency:.0f} s after Submit"
            expect(submitted).to_contain_text("view feedback", timeout=60_000)
            news = page.get_by_role("button", name="No", exact=True)  # JupyterLab's news question, if it asks
            if news.count():
                news.first.click()
            shot(page, "hub_assignments")

            (page_path,) = feedback_pages("fbalice")
            relative = page_path.relative_to(pwd.getpwnam("fbalice").pw_dir)
            page.goto(f"{url}/user/fbalice/files/{relative}")
            text = page.locator("body").inner_text(timeout=60_000)
            assert "downsample" in text and "upsample_nearest" in text, text[:2000]
            shot(page, "hub_feedback")
        print(f"\n  grading on submit: alice's feedback fetched {latency:.0f} s after Submit")

        bob = login(hub, "fbbob")
        query = {"course_id": settings["course_id"], "assignment_id": A}
        assert bob.post(server(hub, "fbbob", "assignments/fetch"), params=query, timeout=120).status_code == 200
        path = f"api/contents/{A}/{A}.ipynb"
        mine = nbformat.from_dict(bob.get(server(hub, "fbbob", path), timeout=60).json()["content"])
        targets = [f"{pwd.getpwnam('fbalice').pw_dir}/{A}/{A}.ipynb", str(course / "solutions" / A / f"{A}.ipynb"),
                   str(course / "grader" / "exercises" / "a01_sampling.py")]
        graded(mine, "downsample").source = opens(targets) + "\n" + "\n    ".join(RIGHT)
        assert bob.put(server(hub, "fbbob", path), json={"type": "notebook", "format": "json", "content": mine},
                       timeout=60).status_code == 200
        time.sleep(1.1)
        assert bob.post(server(hub, "fbbob", "assignments/submit"), params=query, timeout=120).status_code == 200
        start = time.monotonic()
        while time.monotonic() - start < 240 and not feedback_pages("fbbob"):
            bob.post(server(hub, "fbbob", "assignments/fetch_feedback"), params=query, timeout=120)
            time.sleep(3)
        (bobs,) = feedback_pages("fbbob")
        assert "SEEN []" in bobs.read_text(), "bob's code opened something it should not have"

        with open(course / "reports" / "grades.csv", newline="") as f:
            on_submit = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == A}
        assert float(on_submit["fbalice"]["score"]) == POINTS["downsample"], on_submit["fbalice"]
        for step in ("collect", None, "release_feedback"):
            if step is None:
                proc = subprocess.run([sys.executable, "-m", "grader", "--root", str(course), "autograde", A],
                                      capture_output=True, text=True, timeout=600, cwd=course)
                assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
                continue
            p = as_user("fbteacher", nbgrader, step, A, **instructor)
            assert p.returncode == 0, p.stdout + p.stderr
        with open(course / "reports" / "grades.csv", newline="") as f:
            final = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == A}
        assert {s: final[s]["score"] for s in ("fbalice", "fbbob")} == {s: on_submit[s]["score"] for s in ("fbalice", "fbbob")}
        alice = login(hub, "fbalice")
        assert alice.post(server(hub, "fbalice", "assignments/fetch_feedback"), params=query, timeout=120).status_code == 200
    for name in ("hub_assignments", "hub_feedback"):
        assert 5_000 < (SHOTS / f"{name}.png").stat().st_size < 400_000, name
