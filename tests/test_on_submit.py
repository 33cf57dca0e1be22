"""The class hub's pieces that need no hub: the roster, grading on submit's rules and pages, the owner-checked collect.

(The hub itself, end to end with real accounts, is tests/test_hub.py.)"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from grader import hub
from grader.jobs import base_config


def roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def test_roster_reads_members_and_skips_comments(tmp_path):
    members = hub.read_roster(roster(tmp_path, "username,role\n# the class of 2027\nteacher,instructor\nalice, Student\n"))
    assert members == [hub.Member("teacher", "instructor"), hub.Member("alice", "student")]


@pytest.mark.parametrize("text, words", [
    ("name,role\nalice,student\n", "header `username,role`"),
    ("username,role\nAlice Smith,student\nteacher,instructor\n", "cannot be a system account"),
    ("username,role\nalice,ta\nteacher,instructor\n", "write student or instructor"),
    ("username,role\nalice,student\nalice,student\nteacher,instructor\n", "listed twice"),
    ("username,role\nalice,student\n", "no instructor"),
])
def test_roster_mistakes_say_what_to_write(tmp_path, text, words):
    with pytest.raises(hub.HubError) as e:
        hub.read_roster(roster(tmp_path, text))
    assert words in str(e.value)


def test_inbound_names_are_parsed_as_nbgrader_writes_them():
    assert hub._parse("alice+01_sampling+2026-12-04 10:00:00.000000 UTC+AbC") == \
        ("alice", "01_sampling", "2026-12-04 10:00:00.000000 UTC")
    assert hub._parse("alice+01_sampling+2026-12-04 10:00:00.000000 UTC") == \
        ("alice", "01_sampling", "2026-12-04 10:00:00.000000 UTC")
    assert hub._parse("alice+01_sampling") is None and hub._parse("+01_sampling+x") is None


def test_on_submit_settings_come_from_the_course_config_and_default_to_full_feedback():
    settings = hub.OnSubmit(config=base_config())
    assert (settings.feedback, settings.cooldown, settings.max_attempts) == ("full", 0.0, 0)


def test_the_points_page_shows_points_and_nothing_of_the_tests():
    record = {"assignment": "01_sampling", "score": 2.0, "max_score": 5.0,
              "exercises": [{"exercise": "downsample", "score": 2.0, "points": 2.0, "message": "SECRET hidden input"},
                            {"exercise": "pool2d", "score": 0.0, "points": 3.0, "message": "values differ at x=SECRET"}]}
    page = hub.points_page(record)
    assert "2 of 5 points" in page and "downsample" in page and "0 / 3" in page
    assert "SECRET" not in page


def fake_exchange(tmp_path: Path):
    course, exchange = tmp_path / "course", tmp_path / "exchange" / "feature-map-layers"
    (course / "notebooks" / "01_sampling").mkdir(parents=True)
    (exchange / "inbound").mkdir(parents=True)
    return course, exchange


def submit(exchange: Path, name: str) -> Path:
    folder = exchange / "inbound" / name
    folder.mkdir()
    (folder / "01_sampling.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text(name.split("+")[2])
    (folder / "submission_secret.txt").write_text("s3cret-" + name)
    return folder


def test_a_folder_that_names_someone_else_is_ignored(tmp_path):
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    course, exchange = fake_exchange(tmp_path)
    submit(exchange, f"{me}+01_sampling+2026-12-04 10:00:00.000000 UTC+a")
    submit(exchange, "someone_else+01_sampling+2026-12-04 10:00:01.000000 UTC+b")
    submit(exchange, f"{me}+99_unknown+2026-12-04 10:00:02.000000 UTC+c")
    g = hub.SubmitGrader(course, exchange, tmp_path / "state.json", out=lambda *_: None)
    new = g.new()
    assert [(s.student, s.assignment) for s in new] == [(me, "01_sampling")]
    assert {k.split("+")[0]: v["status"] for k, v in g.state.items()} == {"someone_else": "ignored", me: "ignored"}
    assert [s.folder.name for s in g.new()] == [new[0].folder.name]  # not graded yet: still new, the others not


def test_attempts_and_cool_down_refuse_with_a_page_that_says_why(tmp_path):
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    course, exchange = fake_exchange(tmp_path)
    g = hub.SubmitGrader(course, exchange, tmp_path / "state.json", out=lambda *_: None)
    g.settings.max_attempts, g.settings.cooldown = 2, 600
    sub = hub.Submission(submit(exchange, f"{me}+01_sampling+2026-12-04 10:00:00.000000 UTC+a"), me, "01_sampling",
                         "2026-12-04 10:00:00.000000 UTC")
    assert g.allowed(sub) is None
    g.state["earlier"] = {"status": "graded", "student": me, "assignment": "01_sampling", "at": time.time() - 60}
    assert "submit again in 540 s" in g.allowed(sub)
    g.state["earlier"]["at"] = time.time() - 3600
    assert g.allowed(sub) is None
    g.state["earliest"] = {"status": "graded", "student": me, "assignment": "01_sampling", "at": time.time() - 7200}
    assert "the most this course grades on submit" in g.allowed(sub)
    g.state = {k: v for k, v in g.state.items() if not k.startswith("earl")}
    g._answer(sub, hub._page("01_sampling: not graded on submit", "<p>why</p>"))
    (page,) = (exchange / "feedback").glob("*.html")
    from nbgrader.utils import notebook_hash
    secret = (sub.folder / "submission_secret.txt").read_text()
    assert page.name == notebook_hash(secret=secret, notebook_id="01_sampling") + ".html"
    assert oct(page.stat().st_mode & 0o777) == "0o644" and oct((exchange / "feedback").stat().st_mode & 0o777) == "0o711"


def test_the_service_state_survives_a_restart(tmp_path):
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    course, exchange = fake_exchange(tmp_path)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({f"{me}+01_sampling+2026-12-04 10:00:00.000000 UTC+a": {"status": "graded"}}))
    submit(exchange, f"{me}+01_sampling+2026-12-04 10:00:00.000000 UTC+a")
    assert hub.SubmitGrader(course, exchange, state, out=lambda *_: None).new() == []


def test_every_page_says_the_due_date_and_whether_the_submission_is_late(tmp_path):
    from datetime import datetime

    from nbgrader.api import Gradebook

    from grader import pipeline
    course, exchange = fake_exchange(tmp_path)
    assert hub.due_note(course, "01_sampling", "2026-12-04 10:00:00.000000 UTC") == "01_sampling has no due date."
    pipeline.gradebook_path(course).parent.mkdir(parents=True)
    with Gradebook(pipeline.db_url(course)) as gb:
        gb.update_or_create_assignment("01_sampling", duedate=datetime(2026, 12, 4, 12, 0))
    on_time = hub.due_note(course, "01_sampling", "2026-12-04 11:59:00.000000 UTC")
    assert on_time == "01_sampling is due 2026-12-04 12:00 UTC: this submission is on time."
    late = hub.due_note(course, "01_sampling", "2026-12-04 14:00:00.000000 UTC")
    assert late.startswith("01_sampling is due 2026-12-04 12:00 UTC: this submission is 2.0 hours late.")
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    g = hub.SubmitGrader(course, exchange, tmp_path / "state.json", out=lambda *_: None)
    stamp = "2026-12-04 11:00:00.000000 UTC"
    sub = hub.Submission(submit(exchange, f"{me}+01_sampling+{stamp}+a"), me, "01_sampling", stamp)
    g._answer(sub, hub.points_page({"assignment": "01_sampling", "score": 1.0, "max_score": 2.0, "exercises": []}))
    (page,) = (exchange / "feedback").glob("*.html")
    assert "this submission is on time" in page.read_text()
