"""`make hub`, end to end: a class of one instructor and two students on a real JupyterHub, as root.

The instructor's course is a copy of this checkout that the instructor owns. The hub creates the accounts, builds the
learner and instructor environments, starts JupyterHub with its proxy; then, over HTTP as a browser would:

- alice logs in with her password (PAM) and gets a server that runs as alice; she fetches 01_sampling in her
  Assignments tab, writes one exercise right and one wrong, and submits;
- bob, in his own account, cannot read alice's home, the instructor's solutions or the hidden specs, cannot import
  them, and forges a submission in alice's name: collect ignores it (its folder is bob's);
- within about a minute of alice's submit, grading on submit (the hub's service) has graded it and alice's
  "Fetch Feedback" brings her the page, with her right exercise's points;
- the instructor collects and grades with `python -m grader autograde` as root: alice gets exactly the right
  exercise's points, every file of the course still belongs to the instructor, and alice fetches her feedback;
- `make hub-stop` ends the hub, its proxy and every user's server.
"""
from __future__ import annotations

import csv
import os
import pwd
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from classhub import as_user, class_hub, login, server
from course import exercises, graded, notebook
from students import students

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

A = "01_sampling"
POINTS = exercises(A)
USERS = {"fmteacher": "instructor", "fmalice": "student", "fmbob": "student"}


@pytest.fixture(scope="module")
def hub():
    with class_hub(USERS) as h:
        yield h


def answers_for_alice():
    names = list(POINTS)
    right, wrong = names[0], names[1]
    return {right: graded(notebook(A), right).source, wrong: next(iter(students(A).WRONG[wrong].values()))}, right


@pytest.fixture(scope="module")
def class_run(hub):
    """Release, alice's fetch and submit, bob's forgery, collect, autograde, feedback: what the tests read."""
    h, course, settings = hub["hub"], hub["course"], hub["settings"]
    instructor = dict(cwd=course, env={"JUPYTER_CONFIG_PATH": settings["instructor_config"],
                                       "PATH": f"{h.env('instructor') / 'bin'}:/usr/bin:/bin"})
    nbgrader = h.env("instructor") / "bin" / "nbgrader"
    p = as_user("fmteacher", nbgrader, "release_assignment", A, **instructor)
    assert p.returncode == 0, p.stdout + p.stderr

    alice = login(hub, "fmalice")
    query = {"course_id": settings["course_id"], "assignment_id": A}
    r = alice.post(server(hub, "fmalice", "assignments/fetch"), params=query, timeout=120)
    assert r.status_code == 200, r.text[:500]
    path = f"api/contents/{A}/{A}.ipynb"
    model = alice.get(server(hub, "fmalice", path), timeout=60).json()
    nb = nbformat.from_dict(model["content"])
    chosen, right = answers_for_alice()
    for name, source in chosen.items():
        graded(nb, name).source = source.strip("\n")
    r = alice.put(server(hub, "fmalice", path), json={"type": "notebook", "format": "json", "content": nb}, timeout=60)
    assert r.status_code == 200, r.text[:500]
    time.sleep(1.1)  # nbgrader's timestamps have one-second steps
    r = alice.post(server(hub, "fmalice", "assignments/submit"), params=query, timeout=120)
    assert r.status_code == 200 and "success\": false" not in r.text, r.text[:500]
    submitted = time.monotonic()
    pages = Path(pwd.getpwnam("fmalice").pw_dir) / A / "feedback"
    while time.monotonic() - submitted < 240 and not list(pages.glob(f"*/{A}.html")):
        alice.post(server(hub, "fmalice", "assignments/fetch_feedback"), params=query, timeout=120)
        time.sleep(2)
    on_submit = [p.read_text() for p in pages.glob(f"*/{A}.html")]
    latency = time.monotonic() - submitted

    inbound = Path(settings["exchange"]) / settings["course_id"] / "inbound"
    forged = inbound / f"fmalice+{A}+2099-01-01 00:00:00.000000 UTC+forged"
    blank = nbformat.writes(notebook(A, "notebooks"))
    script = (f"import os; os.mkdir({str(forged)!r}); open(os.path.join({str(forged)!r}, {A + '.ipynb'!r}), 'w').write("
              f"{blank!r}); open(os.path.join({str(forged)!r}, 'timestamp.txt'), 'w').write('2099-01-01 00:00:00.000000 UTC')")
    p = as_user("fmbob", h.python("learner"), "-c", script)
    forged_made = p.returncode == 0

    with open(course / "reports" / "grades.csv", newline="") as f:  # what grading on submit wrote
        on_submit_grades = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    p = as_user("fmteacher", nbgrader, "collect", A, **instructor)
    assert p.returncode == 0, p.stdout + p.stderr
    collect_log = p.stdout + p.stderr
    collected = (course / "submitted" / "fmalice" / A / "timestamp.txt").read_text()
    proc = subprocess.run([sys.executable, "-m", "grader", "--root", str(course), "autograde", A],
                          capture_output=True, text=True, timeout=600, cwd=course)
    with open(course / "reports" / "grades.csv", newline="") as f:
        grades = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    p = as_user("fmteacher", nbgrader, "release_feedback", A, **instructor)
    assert p.returncode == 0, p.stdout + p.stderr
    r = alice.post(server(hub, "fmalice", "assignments/fetch_feedback"), params=query, timeout=120)
    return dict(autograde=proc, grades=grades, right=right, collected=collected, forged_made=forged_made,
                collect_log=collect_log, feedback=r, on_submit=on_submit, latency=latency,
                on_submit_grades=on_submit_grades)


def test_the_hub_starts_and_students_log_in_with_their_password(hub):
    requests, url = hub["requests"], hub["settings"]["url"]
    s = requests.Session()
    s.get(f"{url}/hub/login", timeout=30)
    r = s.post(f"{url}/hub/login", data={"username": "fmalice", "password": "not-her-password",
                                         "_xsrf": s.cookies.get("_xsrf")}, timeout=60)
    assert r.status_code == 403
    mode = hub["passwords"] and os.stat(hub["hub"].passwords).st_mode & 0o777
    assert mode == 0o600, "the passwords file is root's alone"
    assert os.stat(hub["course"]).st_mode & 0o077 == 0, "the course folder is the instructor's alone"
    print(f"make hub: {hub['started']:.0f} s to a running hub (accounts, kit, environments, proxy)")


def test_a_students_server_runs_as_the_student_on_the_learner_kit(hub, class_run):
    procs = subprocess.run(["ps", "-ww", "-o", "user=,args=", "-u", "fmalice"], capture_output=True, text=True).stdout
    assert "jupyterhub.singleuser" in procs and str(hub["hub"].python("learner")) in procs, procs


def test_a_student_cannot_read_or_import_what_is_not_theirs(hub, class_run):
    course, h = hub["course"], hub["hub"]
    targets = [pwd.getpwnam("fmalice").pw_dir + f"/{A}/{A}.ipynb", course / "solutions" / A / f"{A}.ipynb",
               course / "grader" / "exercises" / "a01_sampling.py", course / ".nbgrader" / "gradebook.db"]
    script = ("import sys\nseen = []\nfor p in sys.argv[1:]:\n    try:\n        open(p).read(1)\n        seen.append(p)\n"
              "    except OSError:\n        pass\nprint('SEEN', seen)")
    p = as_user("fmbob", h.python("learner"), "-c", script, *targets)
    assert p.stdout.strip() == "SEEN []", p.stdout + p.stderr
    p = as_user("fmbob", h.python("learner"), "-c", "import grader.exercises")
    assert "ModuleNotFoundError" in p.stderr, p.stdout + p.stderr
    p = as_user("fmbob", h.python("learner"), "-c", "from grader import check; import grader.public; print('kit ok')")
    assert p.stdout.strip() == "kit ok", p.stderr


def test_a_forged_submission_is_not_collected(class_run):
    assert class_run["forged_made"], "bob could not even write in inbound/: the test did not try the forgery"
    assert "2099" not in class_run["collected"], "bob's forgery was collected as alice's submission"


def test_what_alice_submitted_is_graded_and_the_course_stays_the_instructors(hub, class_run):
    proc = class_run["autograde"]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    row = class_run["grades"][("fmalice", A)]
    assert row["status"] == "graded" and float(row["score"]) == POINTS[class_run["right"]], row
    owner = pwd.getpwnam("fmteacher").pw_uid
    others = [p for p in hub["course"].rglob("*") if p.lstat().st_uid != owner]
    assert not others, f"files the instructor no longer owns after `sudo make autograde`: {others[:5]}"


def test_alice_fetches_her_feedback(hub, class_run):
    assert class_run["feedback"].status_code == 200, class_run["feedback"].text[:500]
    pages = list((Path(pwd.getpwnam("fmalice").pw_dir) / A / "feedback").glob(f"*/{A}.html"))
    assert len(pages) == 1, pages
    assert pages[0].stat().st_uid == pwd.getpwnam("fmalice").pw_uid


def test_hub_stop_ends_every_process_it_started(hub, class_run):
    from grader import hub as hubs
    assert hubs.stop(hub["hub"].folder, out=lambda *_: None)
    time.sleep(2)
    left = subprocess.run(["ps", "-ww", "-o", "pid=,user=,args=", "-u", ",".join(USERS)], capture_output=True, text=True).stdout
    assert not left.strip(), f"processes of the class left after hub-stop: {left}"
    assert "configurable-http-proxy" not in subprocess.run(["ps", "-ww", "-eo", "args="], capture_output=True, text=True).stdout


def test_grading_on_submit_answers_within_a_minute_or_two(class_run):
    assert class_run["on_submit"], f"no feedback {class_run['latency']:.0f} s after submitting"
    page = class_run["on_submit"][0]
    assert class_run["right"] in page
    assert f"{A} has no due date." in page  # the line every on-submit page starts with
    row = class_run["on_submit_grades"][("fmalice", A)]
    assert row["status"] == "graded" and float(row["score"]) == POINTS[class_run["right"]], row
    print(f"grading on submit: feedback fetched {class_run['latency']:.0f} s after submitting")


def test_make_autograde_gives_the_same_grade_as_on_submit(class_run):
    assert class_run["grades"][("fmalice", A)]["score"] == class_run["on_submit_grades"][("fmalice", A)]["score"]
