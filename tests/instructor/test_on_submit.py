"""The class hub's pieces that need no hub: the roster, grading on submit's rules and pages, the owner-checked collect.

(The hub itself, end to end with real accounts, is tests/instructor/test_hub.py.)"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from classhub import submit
from grader import hub
from grader.course import Course
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


def a_verdict_and_its_page(wrong, kinds=("hidden",)):
    """Grade ``wrong`` as upsample_nearest on ``kinds``; the record and the feedback page nbgrader's own HTML exporter
    renders from the test cell's outputs (as GenerateFeedback does)."""
    import nbformat
    from nbconvert import HTMLExporter

    from grader.exercises import spec
    from grader.runtime import engine
    from grader.trusted import results
    from grader.trusted.harness import verdict_outputs
    verdict = engine.run(spec("01_sampling", "upsample_nearest"), engine.local_transport(lambda _: wrong), kinds)
    cell = nbformat.v4.new_code_cell("check('upsample_nearest')")
    cell.outputs = verdict_outputs(verdict)
    page, _ = HTMLExporter(template_name="classic").from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    return verdict, results.record("01_sampling", "alice", [verdict], {}), page


def off_by_one_row(x, scale_factor):
    """upsample_nearest that drops its output's last row (a plausible slip: range(H * scale - 1))."""
    out = x.repeat_interleave(scale_factor, dim=-2).repeat_interleave(scale_factor, dim=-1)
    return out[..., :-1, :]


def test_a_hidden_failure_has_a_public_message_without_the_cases_inputs():
    verdict, record, _ = a_verdict_and_its_page(off_by_one_row)
    call = verdict.message.splitlines()[1].strip()
    assert verdict.message.startswith("upsample_nearest failed hidden case") and call.startswith("upsample_nearest(")
    (e,) = record["exercises"]
    assert call not in e["public_message"] and "hidden case" in e["public_message"]
    assert "releases feedback" in e["public_message"]
    assert verdict.message.splitlines()[2] in e["public_message"]  # what went wrong is still said


def test_a_visible_failure_is_public_as_it_is():
    verdict, record, _ = a_verdict_and_its_page(off_by_one_row, kinds=("visible",))
    assert "visible case" in verdict.message and record["exercises"][0]["public_message"] == verdict.message


def test_on_submit_pages_leave_hidden_inputs_out_unless_the_instructor_allows_them():
    assert hub.OnSubmit(config=base_config()).hidden_inputs is False
    verdict, record, page = a_verdict_and_its_page(off_by_one_row)
    call = verdict.message.splitlines()[1].strip()
    assert call.split("(")[0] in page and "failed hidden case" in page
    public = hub.without_hidden_inputs(page, record)
    assert call not in public and "releases feedback" in public and "failed hidden case" in public
    assert public.count("<pre>") == page.count("<pre>")  # the same page, the message replaced
    messages = hub.messages_page(record)
    assert call not in messages and "releases feedback" in messages and "0 / " in messages
    assert call in hub.messages_page(record, hidden_inputs=True)
    # a page that does not hold the message as recorded: the messages page, never the inputs
    assert hub.without_hidden_inputs(page.replace("failed hidden", "FAILED hidden"), record) == messages


def fake_exchange(tmp_path: Path):
    course, exchange = tmp_path / "course", tmp_path / "exchange" / "feature-map-layers"
    (course / "notebooks" / "01_sampling").mkdir(parents=True)
    (exchange / "inbound").mkdir(parents=True)
    return course, exchange


def test_a_folder_that_names_someone_else_is_ignored(tmp_path):
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    course, exchange = fake_exchange(tmp_path)
    submit(exchange, f"{me}+01_sampling+2026-12-04 10:00:00.000000 UTC+a")
    submit(exchange, "someone_else+01_sampling+2026-12-04 10:00:01.000000 UTC+b")
    submit(exchange, f"{me}+99_unknown+2026-12-04 10:00:02.000000 UTC+c")
    g = hub.SubmitGrader(Course(course), exchange, tmp_path / "state.json", out=lambda *_: None)
    new = g.new()
    assert [(s.student, s.assignment) for s in new] == [(me, "01_sampling")]
    assert {k.split("+")[0]: v["status"] for k, v in g.state.items()} == {"someone_else": "ignored", me: "ignored"}
    assert [s.folder.name for s in g.new()] == [new[0].folder.name]  # not graded yet: still new, the others not


def test_attempts_and_cool_down_refuse_with_a_page_that_says_why(tmp_path):
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    course, exchange = fake_exchange(tmp_path)
    g = hub.SubmitGrader(Course(course), exchange, tmp_path / "state.json", out=lambda *_: None)
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
    assert hub.SubmitGrader(Course(course), exchange, state, out=lambda *_: None).new() == []


def test_every_page_says_the_due_date_and_whether_the_submission_is_late(tmp_path):
    from datetime import datetime

    from nbgrader.api import Gradebook

    course, exchange = fake_exchange(tmp_path)
    assert hub.due_note(Course(course), "01_sampling", "2026-12-04 10:00:00.000000 UTC") == "01_sampling has no due date."
    Course(course).gradebook_path.parent.mkdir(parents=True)
    with Gradebook(Course(course).db_url) as gb:
        gb.update_or_create_assignment("01_sampling", duedate=datetime(2026, 12, 4, 12, 0))
    on_time = hub.due_note(Course(course), "01_sampling", "2026-12-04 11:59:00.000000 UTC")
    assert on_time == "01_sampling is due 2026-12-04 12:00 UTC: this submission is on time."
    late = hub.due_note(Course(course), "01_sampling", "2026-12-04 14:00:00.000000 UTC")
    assert late.startswith("01_sampling is due 2026-12-04 12:00 UTC: this submission is 2.0 hours late.")
    import pwd
    me = pwd.getpwuid(os.getuid()).pw_name
    g = hub.SubmitGrader(Course(course), exchange, tmp_path / "state.json", out=lambda *_: None)
    stamp = "2026-12-04 11:00:00.000000 UTC"
    sub = hub.Submission(submit(exchange, f"{me}+01_sampling+{stamp}+a"), me, "01_sampling", stamp)
    g._answer(sub, hub.points_page({"assignment": "01_sampling", "score": 1.0, "max_score": 2.0, "exercises": []}))
    (page,) = (exchange / "feedback").glob("*.html")
    assert "this submission is on time" in page.read_text()


def test_a_chinese_submission_gets_its_pages_in_chinese(tmp_path):
    """The service's own pages (points, refusals, the due date) speak the submitted notebook's language."""
    import pwd

    import nbformat
    me = pwd.getpwuid(os.getuid()).pw_name
    course, exchange = fake_exchange(tmp_path)
    g = hub.SubmitGrader(Course(course), exchange, tmp_path / "state.json", out=lambda *_: None)
    g.settings.cooldown = 600
    zh = nbformat.v4.new_notebook(metadata={"course": {"language": "zh-CN"}})
    stamp = "2026-12-04 11:00:00.000000 UTC"
    chinese = hub.Submission(submit(exchange, f"{me}+01_sampling+{stamp}+a", zh), me, "01_sampling", stamp)
    english = hub.Submission(submit(exchange, f"{me}+01_sampling+{stamp}+b"), me, "01_sampling", stamp)
    assert (chinese.language, english.language) == ("zh-CN", "en")
    record = {"assignment": "01_sampling", "score": 1.0, "max_score": 2.0,
              "exercises": [{"exercise": "pool2d", "score": 1.0, "points": 2.0, "message": "m", "public_message": "m"}]}
    g.state["earlier"] = {"status": "graded", "student": me, "assignment": "01_sampling", "at": time.time() - 60}
    from grader.runtime.messages import speaking
    with speaking(chinese.language):
        assert "01_sampling：2 分中得 1 分" in hub.messages_page(record) and "提交时已评分" in hub.messages_page(record)
        assert "请在 540 秒后再提交" in g.allowed(chinese) and hub.due_note(Course(course), "01_sampling", stamp) == \
            "01_sampling 没有截止时间。"
    assert "1 of 2 points" in hub.messages_page(record) and "submit again in 540 s" in g.allowed(english)
    g._respond(chinese, None)  # not graded: the page says so in Chinese, with the due date
    (page,) = (exchange / "feedback").glob("*.html")
    assert "01_sampling：未评分" in page.read_text() and "无法为它评分" in page.read_text()


SKIPS_FACTOR_ONE = '''
def upsample_nearest(x, scale_factor):
    if scale_factor == 1:
        raise ValueError("scale_factor must be at least 2")
    return x.repeat_interleave(scale_factor, dim=-2).repeat_interleave(scale_factor, dim=-1)
'''  # passes the visible cases (factors 2 and 3), fails the hidden ones with factor 1


@pytest.mark.slow  # grades three submissions through the sandbox
def test_the_service_answers_each_student_on_its_own_workers_without_hidden_inputs(tmp_path, monkeypatch):
    import psutil

    from course import notebook, scratch_course, submission
    from grader.trusted import sandbox
    from students import students
    if sandbox.probe():
        pytest.fail(f"the grading sandbox cannot start here: {sandbox.probe()} (run `make sandbox`)")
    monkeypatch.setattr(hub, "_owner", lambda path: path.name.split("+")[0])  # no system users here (test_hub has them)

    def workers():  # Dask's worker processes (multiprocessing's resource tracker is not one)
        return [p for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]

    course = scratch_course(tmp_path / "course")
    exchange = tmp_path / "exchange" / "feature-map-layers"
    answers = {n: s for n, s in students("01_sampling").LOOP.items()}
    bob = submission("01_sampling", {**answers, "upsample_nearest": SKIPS_FACTOR_ONE})
    pages: dict[str, str] = {}
    g = hub.SubmitGrader(Course(course), exchange, tmp_path / "state.json", out=lambda *_: None)
    answer = g._answer

    def keep(sub, page, nb=None):
        answer(sub, page, nb)
        pages[sub.student] = page

    g._answer = keep
    try:
        submit(exchange, "alice+01_sampling+2026-12-05 10:00:00.000000 UTC+a", notebook("01_sampling"))
        submit(exchange, "bob+01_sampling+2026-12-05 10:00:01.000000 UTC+b", bob)
        g.run_once()
        address = g.workers()
        assert workers(), "the service's workers stopped after its first pass"
        submit(exchange, "alice+01_sampling+2026-12-05 10:05:00.000000 UTC+c", notebook("01_sampling"))
        g.run_once()
        assert g.workers() == address  # the second pass used the same workers
    finally:
        g.close()
    assert not workers(), "close() left the service's workers running"
    assert [v["status"] for v in g.state.values()] == ["graded"] * 3
    assert "failed hidden case" in pages["bob"] and "releases feedback" in pages["bob"], pages["bob"][-3000:]
    assert "scale_factor=1)" not in pages["bob"]  # the hidden case's inputs
    assert "failed hidden case" not in pages["alice"] and "failed visible case" not in pages["alice"]
    assert "upsample_bilinear" in pages["alice"]
    rec = json.loads((course / ".nbgrader" / "results" / "01_sampling" / "bob.json").read_text())
    (e,) = [e for e in rec["exercises"] if e["exercise"] == "upsample_nearest"]
    assert "scale_factor=1)" in e["message"] and "scale_factor=1)" not in e["public_message"]  # the instructor's
    assert len(list((exchange / "feedback").glob("*.html"))) == 3
