"""The class hub for the tests that need one (tests/instructor/test_hub.py, tests/browser/test_browser_hub.py):
accounts, a course the instructor owns, `make hub`'s start and stop, a student's HTTP session."""
from __future__ import annotations

import contextlib
import csv
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from course import ROOT


def as_user(user: str, *cmd, cwd: Path | str = "/", env: dict | None = None) -> subprocess.CompletedProcess:
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return subprocess.run([runuser, "-u", user, "--", *map(str, cmd)], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": pwd.getpwnam(user).pw_dir, **(env or {})})


@contextlib.contextmanager
def class_hub(users: dict[str, str]):
    """A hub of ``users`` (name -> role) on a copy of this checkout that the instructor owns; yields what the tests
    read (hub, course, settings, passwords, requests, started). Stops it and removes the accounts afterwards."""
    import requests
    if os.geteuid() != 0:
        pytest.fail("the class hub test creates system accounts: run it as root (CI does)")
    from grader import hub as hubs
    from grader.course import Course
    base = Path(tempfile.mkdtemp(prefix="class-hub-", dir="/tmp"))  # pytest's own folder is root's alone
    base.chmod(0o755)
    course = base / "course"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (course / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, course / name)
    roster = base / "roster.csv"
    roster.write_text("username,role\n" + "".join(f"{u},{r}\n" for u, r in users.items()))
    folder = base / "state"
    for user in users:  # leftovers of an interrupted run on this machine
        subprocess.run(["userdel", "-r", user], capture_output=True)
    h = hubs.Hub(folder)
    folder.mkdir()
    try:
        created = hubs.accounts(hubs.read_roster(roster), h, out=lambda *_: None)
        assert sorted(created) == sorted(users)
        instructor = next(u for u, role in users.items() if role == "instructor")
        subprocess.run(["chown", "-R", f"{instructor}:", str(course)], check=True)
        start = time.monotonic()
        hubs.start(roster, Course(course), folder, port=free_port(), out=lambda *_: None)
        settings = h.read()
        passwords = {r["username"]: r["password"] for r in csv.DictReader(open(h.passwords))}
        yield dict(hub=h, course=course, settings=settings, passwords=passwords, requests=requests,
                   started=time.monotonic() - start)
    finally:
        hubs.stop(folder, out=lambda *_: None)
        for user in users:
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
            subprocess.run(["userdel", "-r", user], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def login(hub, user: str):
    """A browser's session: the login form with the account's password; returns the session once the server is up."""
    requests, url = hub["requests"], hub["settings"]["url"]
    s = requests.Session()
    s.get(f"{url}/hub/login", timeout=30)
    r = s.post(f"{url}/hub/login", data={"username": user, "password": hub["passwords"][user],
                                         "_xsrf": s.cookies.get("_xsrf")}, timeout=60)
    assert r.status_code == 200, r.text[:500]
    admin = {"Authorization": f"token {hub['settings']['api_token']}"}
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        info = requests.get(f"{url}/hub/api/users/{user}", headers=admin, timeout=30).json()
        if info.get("servers", {}).get("", {}).get("ready"):
            break
        time.sleep(1)
    else:
        pytest.fail(f"{user}'s server did not start: see {hub['hub'].log}")
    token = requests.post(f"{url}/hub/api/users/{user}/tokens", headers=admin, json={"note": "test"}, timeout=30).json()["token"]
    s.headers["Authorization"] = f"token {token}"
    return s


def server(hub, user: str, path: str) -> str:
    return f"{hub['settings']['url']}/user/{user}/{path}"


def submit(exchange: Path, name: str, nb=None) -> Path:
    """A submission as nbgrader's submit leaves it in the exchange's ``inbound/``: the folder ``name``
    (``student+assignment+timestamp+random``) with the notebook ``nb`` (``{}`` when None), timestamp.txt and
    submission_secret.txt."""
    folder = exchange / "inbound" / name
    folder.mkdir(parents=True)
    path = folder / f"{name.split('+')[1]}.ipynb"
    if nb is None:
        path.write_text("{}")
    else:
        nbformat.write(nb, path)
    (folder / "timestamp.txt").write_text(name.split("+")[2])
    (folder / "submission_secret.txt").write_text("s3cret-" + name)
    return folder
