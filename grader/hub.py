"""A class JupyterHub on one machine: ``make hub ROSTER=roster.csv`` and ``make hub-stop`` (docs/class-hub.md).

What :func:`start` sets up, as root, under one folder (``HUB_DIR``, default ``/srv/feature-map-hub``):

- **accounts** from the roster (``username,role``; role ``student`` or ``instructor``): each one a real system
  user, created with a random password (written once to ``passwords.csv``, readable by root alone; an existing
  account keeps its password). JupyterHub's own PAM authenticator checks those passwords, and its
  LocalProcessSpawner starts each user's server as that user, so the operating system keeps one student out of
  another's home, and out of the course folder, which :func:`start` makes private to its owner (an instructor);
- **two environments**, both made from the course's ``.venv`` by hard links (no second download of torch), on an
  interpreter every user may run: ``envs/learner`` holds the third-party packages and the learner kit's wheel
  (``make kit``: the runtime and the public specs, no solution, no hidden case, no grading code); ``envs/instructor``
  the same packages and the course's own ``grader`` package;
- **nbgrader's exchange** in ``exchange/``, with nbgrader's own permissions (released assignments readable by all;
  ``inbound/`` writable, not listable; each submission in a folder named with a random string). Who handed a
  submission in is the owner of its folder, not the name it carries: :class:`OwnerCheckedCollect` collects only
  folders owned by the student they name;
- **the proxy**, configurable-http-proxy from npm (pinned below), in ``proxy/``;
- ``hub.json``, which ``grader/jupyter/hub/jupyterhub_config.py`` reads; JupyterHub runs in the background and
  logs to ``jupyterhub.log``;
- **grading on submit**: a JupyterHub service (:func:`serve`, as root) that grades each new submission in the
  exchange with the same sandboxed, trusted pipeline as ``make autograde``, then puts the student's feedback where
  the Assignments tab's "Fetch Feedback" finds it (:class:`OnSubmit` says what the page shows).
"""
from __future__ import annotations

import contextlib
import csv
import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect, groupby
from traitlets import Bool, Enum, Float, Int
from traitlets.config import Configurable

from . import ROOT
from .course import Course, CourseError
from .runtime.messages import language_of, say, speaking

PROXY = "configurable-http-proxy@5.3.0"
DEFAULT_FOLDER = Path("/srv/feature-map-hub")
CONFIG = Path(__file__).resolve().parent / "jupyter" / "hub" / "jupyterhub_config.py"
ROLES = ("student", "instructor")
NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")  # what useradd accepts everywhere (Debian's NAME_REGEX)


class HubError(CourseError):
    """Something ``make hub`` cannot do, said as what to do about it."""


@dataclass(frozen=True)
class Member:
    name: str
    role: str


def read_roster(path: Path) -> list[Member]:
    """The roster: a CSV file with a header ``username,role``; ``#`` starts a comment line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise HubError(f"cannot read the roster {path}: {e.strerror}") from None
    rows = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(rows)
    if not reader.fieldnames or [f.strip().lower() for f in reader.fieldnames] != ["username", "role"]:
        raise HubError(f"{path}: the first line must be the header `username,role` (found {rows[:1]})")
    members, seen = [], set()
    for n, row in enumerate(reader, start=2):
        name, role = (row.get(k, "") or "" for k in reader.fieldnames)
        name, role = name.strip(), role.strip().lower()
        if not NAME.match(name):
            raise HubError(f"{path}, line {n}: {name!r} cannot be a system account: use lowercase letters, digits, "
                           f"'_' and '-', starting with a letter, at most 32 characters")
        if role not in ROLES:
            raise HubError(f"{path}, line {n}: role {role!r} for {name}: write student or instructor")
        if name in seen:
            raise HubError(f"{path}, line {n}: {name} is listed twice")
        seen.add(name)
        members.append(Member(name, role))
    if not any(m.role == "instructor" for m in members):
        raise HubError(f"{path}: no instructor: add the account that owns the course folder, e.g. `teacher,instructor`")
    return members


@dataclass
class Hub:
    """The hub's folder and what lives in it."""
    folder: Path

    @property
    def settings(self) -> Path:
        return self.folder / "hub.json"

    @property
    def exchange(self) -> Path:
        return self.folder / "exchange"

    @property
    def passwords(self) -> Path:
        return self.folder / "passwords.csv"

    @property
    def pid_file(self) -> Path:
        return self.folder / "jupyterhub.pid"

    @property
    def log(self) -> Path:
        return self.folder / "jupyterhub.log"

    def env(self, name: str) -> Path:
        return self.folder / "envs" / name

    def python(self, name: str) -> Path:
        return self.env(name) / "bin" / "python"

    def read(self) -> dict:
        return json.loads(self.settings.read_text())

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None


def _require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise HubError(f"{what} needs root: it creates system accounts and starts servers as them. Run "
                       f"`sudo make hub ROSTER=...` (the course folder stays yours)")


def shared_interpreter() -> Path:
    """A Python of this version that every user may run (tried as ``nobody``): this environment's base, else the system's."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base = Path(getattr(sys, "_base_executable", sys.executable))
    for c in (base, Path(f"/usr/bin/python{version}"), Path(f"/usr/local/bin/python{version}")):
        if c.exists() and subprocess.run(["runuser", "-u", "nobody", "--", str(c), "-I", "-c", "import json, sqlite3, ssl"],
                                         capture_output=True, cwd="/").returncode == 0:
            return c
    raise HubError(f"no Python {version} that every user may run (this one is {base}, in a private folder): install it "
                   f"for all users (Debian: `apt-get install python{version}`), or build .venv on such a Python")


def build_env(dest: Path, interpreter: Path, course: Path | None = None, wheel: Path | None = None) -> Path:
    # Modes: the links keep .venv's (readable by all), and what is written here is made under a umask of 022.
    """A virtual environment at ``dest`` on ``interpreter`` with this environment's packages, hard-linked (a copy where
    links cannot be made), less the course's editable install; then the course folder on its path (``course``), or
    ``wheel`` installed. Returns its python."""
    if dest.exists():
        shutil.rmtree(dest)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = dest / "lib" / version / "site-packages"
    (dest / "bin").mkdir(parents=True)
    site.parent.mkdir(parents=True)
    (dest / "bin" / "python").symlink_to(interpreter)
    (dest / "pyvenv.cfg").write_text(f"home = {interpreter.parent}\ninclude-system-site-packages = false\n"
                                     f"version = {sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}\n")
    here = Path(sys.prefix)
    for part, target in ((Path(sysconfig.get_paths()["purelib"]), site), (here / "share" / "jupyter", dest / "share" / "jupyter"),
                         (here / "etc" / "jupyter", dest / "etc" / "jupyter")):
        if part.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            if subprocess.run(["cp", "-al", str(part), str(target)], capture_output=True).returncode:
                shutil.copytree(part, target, symlinks=True)
    for p in list(site.iterdir()):  # the course package as installed here (editable): never in a hub environment
        if p.name.startswith(("__editable__", "feature_map_grader", "feature_map_course")):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    if course is not None:
        (site / "course.pth").write_text(f"{course}\n")
    if wheel is not None:
        subprocess.run([str(dest / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                        "--disable-pip-version-check", str(wheel)], check=True)
    # the commands a terminal on the hub needs (nbgrader runs alembic by name when it makes a gradebook)
    for script, module in (("jupyter", "jupyter_core.command"), ("nbgrader", "nbgrader.apps.nbgraderapp"),
                           ("alembic", "alembic.config")):
        path = dest / "bin" / script
        path.write_text(f"#!{dest / 'bin' / 'python'}\nimport sys\nfrom {module} import main\nsys.exit(main())\n")
        path.chmod(0o755)
    return dest / "bin" / "python"


def _nbgrader_config(env: Path, exchange: Path, course_id: str, instructor: bool) -> None:
    lines = ["c = get_config()  # noqa: F821", f"c.CourseDirectory.course_id = {course_id!r}",
             f"c.Exchange.root = {str(exchange)!r}"]
    if instructor:  # a submission counts for the student who owns its folder, whatever its name says
        lines.append("c.ExchangeFactory.collect = 'grader.hub.OwnerCheckedCollect'")
    path = env / "etc" / "jupyter" / "nbgrader_config.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a hard link into .venv: never write through it
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o644)


def accounts(members: list[Member], hub: Hub, out=print) -> list[str]:
    """Create the system accounts the roster names and do not exist yet, each with a random password appended to
    ``passwords.csv`` (root only). Existing accounts are left as they are. Returns the names created."""
    created = []
    for m in members:
        try:
            pwd.getpwnam(m.name)
            continue
        except KeyError:
            pass
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", m.name], check=True, capture_output=True)
        Path(pwd.getpwnam(m.name).pw_dir).chmod(0o700)
        password = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{m.name}:{password}\n", text=True, check=True, capture_output=True)
        new = not hub.passwords.exists()
        fd = os.open(hub.passwords, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(("username,role,password\n" if new else "") + f"{m.name},{m.role},{password}\n")
        created.append(m.name)
    if created:
        out(f"created {len(created)} accounts; their passwords are in {hub.passwords} (root only): hand each one out")
    return created


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proxy(hub: Hub) -> Path:
    binary = hub.folder / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    if not binary.exists():
        if not shutil.which("npm"):
            raise HubError("npm is missing: JupyterHub's proxy comes from npm (Debian: `apt-get install npm`)")
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(hub.folder / "proxy"),
                        PROXY], check=True, capture_output=True)
    return binary


def start(roster: Path, course: Course, folder: Path = DEFAULT_FOLDER, port: int = 8000, ip: str = "127.0.0.1",
          out=print) -> Hub:
    """Set the hub up (see the module's docstring) and start JupyterHub in the background; returns once it answers."""
    from . import kit
    from .jobs import base_config
    _require_root("make hub")
    os.umask(0o022)
    root, hub = course.root, Hub(Path(folder).resolve())
    members = read_roster(roster)
    if hub.pid():
        raise HubError(f"a hub is already running from {hub.folder} (pid {hub.pid()}): `make hub-stop` first")
    hub.folder.mkdir(parents=True, exist_ok=True)
    hub.folder.chmod(0o755)
    accounts(members, hub, out)
    instructors = sorted(m.name for m in members if m.role == "instructor")
    owner = pwd.getpwuid(root.stat().st_uid).pw_name
    if owner not in instructors:
        raise HubError(f"the course folder {root} belongs to {owner}, who is not an instructor in {roster}: list "
                       f"{owner} as instructor, or give the course to one (`chown -R {instructors[0]}: {root}`)")
    root.chmod(root.stat().st_mode & 0o700)  # the course is its owner's alone: solutions, specs, gradebook
    gradebook = root / ".nbgrader"  # where nbgrader's collect (as the instructor) finds the gradebook's folder
    if not gradebook.is_dir():
        gradebook.mkdir()
        os.chown(gradebook, root.stat().st_uid, root.stat().st_gid)
    interpreter = shared_interpreter()
    (hub.folder / "wheel").mkdir(exist_ok=True)
    wheel = kit.build_wheel(root, hub.folder / "wheel")
    out(f"environments in {hub.folder / 'envs'} (hard links to {sys.prefix})")
    build_env(hub.env("learner"), interpreter, wheel=wheel)
    build_env(hub.env("instructor"), interpreter, course=root)
    hub.exchange.mkdir(exist_ok=True)
    hub.exchange.chmod(0o777)  # nbgrader's own choice for the exchange root (each course folder below is 0755)
    course_id = base_config().CourseDirectory.course_id
    _nbgrader_config(hub.env("learner"), hub.exchange, course_id, instructor=False)
    _nbgrader_config(hub.env("instructor"), hub.exchange, course_id, instructor=True)
    learner_config = hub.folder / "learner-config"
    shutil.rmtree(learner_config, ignore_errors=True)
    shutil.copytree(CONFIG.parent / "learner", learner_config)
    for p in [learner_config, *learner_config.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    token = secrets.token_hex(32)
    settings = {
        "url": f"http://{ip}:{port}", "hub_port": _free_port(), "proxy_api_port": _free_port(), "folder": str(hub.folder),
        "course": str(root), "gradebook_url": course.gradebook_url, "course_id": course_id, "exchange": str(hub.exchange),
        "students": sorted(m.name for m in members if m.role == "student"), "instructors": instructors,
        "learner_python": str(hub.python("learner")), "instructor_python": str(hub.python("instructor")),
        "learner_config": str(learner_config), "instructor_config": str(root / "grader" / "jupyter" / "instructor"),
        "proxy": str(_proxy(hub)), "api_token": token,
        # the grading service: this Python and this checkout's grader, as root
        "grader_command": [sys.executable, "-m", "grader", "--root", str(root), "hub", "serve", "--folder", str(hub.folder)],
        "grader_path": str(ROOT), "grader_bin": str(Path(sys.executable).parent),
    }
    fd = os.open(hub.settings, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(settings, f, indent=1)
    env = {**os.environ, "COURSE_HUB_SETTINGS": str(hub.settings)}
    log = open(hub.log, "ab")
    subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=hub.folder, env=env, stdout=log,
                     stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{settings['url']}/hub/health", timeout=5) as r:
                if r.status == 200:
                    out(f"the class hub is at {settings['url']} (log: {hub.log}); `make hub-stop` stops it")
                    return hub
        except OSError:
            time.sleep(0.5)
    raise HubError(f"JupyterHub did not answer at {settings['url']} within 2 minutes: see {hub.log}")


def stop(folder: Path = DEFAULT_FOLDER, out=print) -> bool:
    """Stop the hub started from ``folder`` (its proxy and the users' servers with it). False when none was running."""
    hub = Hub(Path(folder).resolve())
    pid = hub.pid()
    if pid is None:
        out(f"no hub is running from {hub.folder}")
        return False
    os.kill(pid, signal.SIGTERM)  # JupyterHub stops the servers it spawned and its proxy, then exits
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and hub.pid():
        time.sleep(0.5)
    if hub.pid():
        os.killpg(pid, signal.SIGKILL)
    out(f"stopped the hub of {hub.folder}")
    return True


class OwnerCheckedCollect(ExchangeCollect):
    """nbgrader's collect, for an exchange that every student can write: a submission folder counts only for the
    student who owns it. Anyone can make a folder called ``alice+01_sampling+...`` in ``inbound/``; only alice's own
    processes make one that alice owns."""

    def init_src(self):
        # nbgrader 0.9's ExchangeCollect.init_src, with one change: the folders are filtered before the latest is
        # taken, so a forged folder can neither count for its victim nor hide the victim's own submission.
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        student_id = self.coursedir.student_id if self.coursedir.student_id else "*"
        pattern = os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")
        records = [r for r in (self._path_to_record(f) for f in glob.glob(pattern)) if self._owned(r)]
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for group in groupby(records, lambda item: item["username"]).values():
            ordered = self._sort_by_timestamp(group)
            before = [r for r in ordered if self.duedate is not None and self.before_duedate and r["timestamp"] <= self.duedate]
            self.src_records.append((before or ordered)[0])

    def _owned(self, rec: dict) -> bool:
        path = Path(self.inbound_path) / rec["filename"]
        try:
            info = path.lstat()
            owner = pwd.getpwuid(info.st_uid).pw_name
        except (OSError, KeyError):
            owner, info = None, None
        if owner == rec["username"] and info is not None and stat.S_ISDIR(info.st_mode):
            return True
        self.log.warning("Not collected: %s names %s but belongs to %s", rec["filename"], rec["username"], owner)
        return False


# -- grading on submit ------------------------------------------------------------------------------------------


class OnSubmit(Configurable):
    """What grading on submit gives a student (set in grader/nbgrader_config.py, e.g. ``c.OnSubmit.feedback = "points"``)."""

    feedback = Enum(["full", "points", "none"], "full", help=(
        "full: the feedback page `make autograde` writes (each exercise's points and its first failure message); "
        "points: a table of points per exercise; none: nothing until the instructor releases feedback")).tag(config=True)
    hidden_inputs = Bool(False, help=(
        "with full feedback, a failing hidden case's message shows its inputs (shapes, settings) too; off, it says "
        "which case failed and how, and the inputs wait for the feedback the instructor releases")).tag(config=True)
    cooldown = Float(0.0, help="seconds a student waits between two graded submissions of an assignment (0: none)"
                     ).tag(config=True)
    max_attempts = Int(0, help="submissions graded on submit per student and assignment (0: no limit); later ones "
                               "are kept for the instructor, not graded").tag(config=True)


def _parse(name: str) -> tuple[str, str, str] | None:
    """nbgrader's inbound folder name ``student+assignment+timestamp[+random]`` -> (student, assignment, timestamp)."""
    parts = name.split("+")
    return (parts[0], parts[1], parts[2]) if len(parts) in (3, 4) and all(parts[:3]) else None


def _owner(path: Path) -> str | None:
    try:
        return pwd.getpwuid(path.lstat().st_uid).pw_name
    except (OSError, KeyError):
        return None


def _feedback_path(exchange_course: Path, folder: Path, notebook: str) -> Path:
    """Where nbgrader's fetch_feedback looks for this submission's page (nbgrader.utils.notebook_hash)."""
    from nbgrader.utils import notebook_hash
    secret = (folder / "submission_secret.txt").read_text()
    return exchange_course / "feedback" / f"{notebook_hash(secret=secret, notebook_id=notebook)}.html"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body style='font-family: sans-serif; max-width: 50em; margin: 2em auto'><h1>{title}</h1>{body}</body></html>")


def points_page(record: dict, messages: str | None = None) -> str:
    """Each exercise's points; nothing of the tests, unless ``messages`` names the record's field ("message" or
    "public_message") whose first failure of each exercise that lost points is shown under the table."""
    import html
    rows = "".join(f"<tr><td>{html.escape(e['exercise'])}</td><td>{e['score']:g} / {e['points']:g}</td></tr>"
                   for e in record["exercises"])
    failures = "".join(f"<h2>{html.escape(e['exercise'])}</h2><pre>{html.escape(e[messages])}</pre>"
                       for e in record["exercises"] if messages and e["score"] < e["points"] and e.get(messages))
    return _page(say("{assignment}: {score} of {points} points", assignment=html.escape(record["assignment"]),
                     score=f"{record['score']:g}", points=f"{record['max_score']:g}"),
                 f"<table>{rows}</table>{failures}<p>"
                 + say("Graded when you submitted, by the same tests as the final grading.") + "</p>")


def messages_page(record: dict, hidden_inputs: bool = False) -> str:
    """Each exercise's points and its first failure (a hidden case's inputs only with ``hidden_inputs``)."""
    return points_page(record, "message" if hidden_inputs else "public_message")


def without_hidden_inputs(page: str, record: dict) -> str:
    """The feedback page ``make autograde`` wrote, each failure message replaced by its public form (a hidden case
    named, its inputs left out). Where a message cannot be found on the page, :func:`messages_page` instead."""
    import html

    import markupsafe
    for e in record["exercises"]:
        full, public = e["message"], e.get("public_message")
        if public is None:
            return messages_page(record)
        if full == public:
            continue
        forms = {str(markupsafe.escape(full)), html.escape(full), html.escape(full, quote=False)}
        if not any(f in page for f in forms):
            return messages_page(record)
        for f in forms:
            page = page.replace(f, html.escape(public, quote=False))
        inputs = full.split("\n")[1].strip()  # the line that describes the hidden case
        if any(f in page for f in {str(markupsafe.escape(inputs)), html.escape(inputs, quote=False)}):
            return messages_page(record)
    return page


def due_note(course: Course, assignment: str, timestamp: str) -> str:
    """The assignment's due date (nbgrader's, in the course's gradebook) and whether a submission made at ``timestamp``
    is late, in one sentence."""
    from nbgrader.utils import parse_utc

    due = None
    if course.has_gradebook():
        with Gradebook(course.db_url) as gb:
            try:
                due = gb.find_assignment(assignment).duedate
            except MissingEntry:
                pass
    if due is None:
        return say("{assignment} has no due date.", assignment=assignment)
    late = parse_utc(timestamp) - parse_utc(due)
    due = f"{parse_utc(due):%Y-%m-%d %H:%M}"
    if late.total_seconds() <= 0:
        return say("{assignment} is due {due} UTC: this submission is on time.", assignment=assignment, due=due)
    return say("{assignment} is due {due} UTC: this submission is {hours} hours late. The final grade applies the "
               "course's late policy (nbgrader's late penalty).", assignment=assignment, due=due,
               hours=f"{late.total_seconds() / 3600:.1f}")


def due_banner(course: Course, assignment: str, timestamp: str) -> str:
    import html
    return (f"<p style='padding: .6em 1em; margin: 0 0 1em; background: #eef3fb; border-left: 4px solid #3b6fb6; "
            f"font-family: sans-serif'>{html.escape(due_note(course, assignment, timestamp))}</p>")


@dataclass
class Submission:
    folder: Path  # in the exchange's inbound/
    student: str
    assignment: str
    timestamp: str

    @property
    def language(self) -> str:
        """The language of the submitted notebooks (its pages speak it): the first one's that can be read."""
        for nb in sorted(self.folder.glob("*.ipynb")):
            try:
                return language_of(json.loads(nb.read_text(encoding="utf-8")))
            except (OSError, ValueError, AttributeError):
                continue
        return language_of({})


class SubmitGrader:
    """One pass of the grading service over the exchange's ``inbound/``: what is new is graded and answered once.

    ``state`` (``on_submit.json`` in the hub's folder) remembers every inbound folder seen and what became of it, so
    a restarted service grades nothing twice. A folder that names someone other than its owner is ignored."""

    def __init__(self, course: Course, exchange_course: Path, state: Path, out=print):
        from .jobs import base_config
        self.course, self.exchange_course, self.state_file, self.out = course, exchange_course, state, out
        self.settings = OnSubmit(config=base_config())
        self.state = json.loads(state.read_text()) if state.exists() else {}
        self._workers = contextlib.ExitStack()
        self._address: str | None = None

    def workers(self) -> str:
        """The address of the service's own Dask cluster on this machine: started on first use and kept, so that
        its workers import torch and nbgrader once, not once per submission. :meth:`close` stops it."""
        if self._address is None:
            from . import cluster, pipeline
            self._workers.enter_context(pipeline.scratch(self.out, remote=False))  # the workers' temp folders
            self._address = self._workers.enter_context(cluster.local()).scheduler_address
        return self._address

    def close(self) -> None:
        self._workers.close()
        self._address = None

    def new(self) -> list[Submission]:
        found = []
        inbound = self.exchange_course / "inbound"
        for folder in sorted(inbound.glob("*+*+*")) if inbound.is_dir() else []:
            if folder.name in self.state:
                continue
            parsed = _parse(folder.name)
            if parsed is None or _owner(folder) != parsed[0] or not (self.course.notebooks / parsed[1]).is_dir():
                self.state[folder.name] = {"status": "ignored", "owner": _owner(folder)}
                self.out(f"on submit: ignored {folder.name} (owner {_owner(folder)})")
                continue
            found.append(Submission(folder, *parsed))
        return found

    def allowed(self, sub: Submission) -> str | None:
        """Why ``sub`` is not graded now (attempts or cool-down), or None."""
        before = [v for v in self.state.values() if v.get("student") == sub.student and v.get("assignment") == sub.assignment
                  and v.get("status") == "graded"]
        if self.settings.max_attempts and len(before) >= self.settings.max_attempts:
            return say("you have had {n} submissions graded, the most this course grades on submit; your instructor "
                       "grades your latest submission", n=len(before))
        last = max((v["at"] for v in before), default=None)
        if self.settings.cooldown and last is not None and time.time() - last < self.settings.cooldown:
            wait = self.settings.cooldown - (time.time() - last)
            return say("the course grades one submission every {cooldown} s; submit again in {wait} s",
                       cooldown=f"{self.settings.cooldown:g}", wait=f"{wait:.0f}")
        return None

    def run_once(self) -> list[Submission]:
        """Grade what is new; returns it."""
        from . import cluster, pipeline
        seen = len(self.state)
        subs = self.new()
        if not subs and len(self.state) == seen:
            return subs  # nothing new: no walk of the course, no write (this runs every two seconds)
        todo = []
        for sub in subs:
            with speaking(sub.language):
                why = self.allowed(sub)
                if why:
                    self._answer(sub, _page(say("{assignment}: not graded on submit", assignment=sub.assignment),
                                            f"<p>{why}.</p>"))
            if why:
                self.state[sub.folder.name] = {"status": "refused", "student": sub.student, "assignment": sub.assignment,
                                               "at": time.time()}
            else:
                self._file(sub)
                todo.append(sub)
        for assignment in sorted({s.assignment for s in todo}):
            subs = {s.student: s for s in todo if s.assignment == assignment}
            start = time.perf_counter()

            def answer(result, subs=subs):  # as each result is stored: the student need not wait for the others
                sub = subs.get(result.student)
                if sub is None or sub.folder.name in self.state:
                    return
                if result.graded:
                    pipeline.feedback(self.course, [result])
                self.state[sub.folder.name] = {"status": "graded" if result.graded else "not graded",
                                               "student": sub.student, "assignment": sub.assignment, "at": time.time()}
                self._respond(sub, result)

            results = pipeline.autograde(self.course, [assignment], students=sorted(subs), out=lambda *_: None,
                                         runner=cluster.Dask(self.workers()), on_stored=answer, write_feedback=False)
            for result in results:  # those that never reached a worker (an unreadable notebook)
                answer(result)
            for sub in subs.values():
                if sub.folder.name not in self.state:
                    answer(pipeline.Result(assignment, sub.student, reason="it was not found in submitted/"))
            self.out(f"on submit: graded {assignment} for {', '.join(sorted(subs))} in {time.perf_counter() - start:.1f} s")
        pipeline.hand_back(self.course)
        self._save()
        return subs

    def _file(self, sub: Submission) -> None:
        """Put the submission where ``make autograde`` grades it, as nbgrader's collect would (the latest one wins)."""
        dest = self.course.submitted / sub.student / sub.assignment
        stamp = dest / "timestamp.txt"
        if stamp.exists() and stamp.read_text().strip() > sub.timestamp:
            return  # the course already holds a later submission (collected, or graded on submit)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(sub.folder, dest, symlinks=True)

    def _respond(self, sub: Submission, result) -> None:
        if self.settings.feedback == "none":
            return
        with speaking(sub.language):
            self._respond_in_language(sub, result)

    def _respond_in_language(self, sub: Submission, result) -> None:
        if result is None or not result.graded:
            reason = getattr(result, "reason", "") or say("it could not be graded")
            import html
            self._answer(sub, _page(say("{assignment}: not graded", assignment=sub.assignment),
                                    f"<p>{html.escape(reason)}</p>"))
            return
        for nb in sorted(sub.folder.glob("*.ipynb")):
            if self.settings.feedback == "points":
                page = points_page(result.record)
            else:
                full = self.course.feedback / sub.student / sub.assignment / f"{nb.stem}.html"
                if not full.exists():
                    page = messages_page(result.record, self.settings.hidden_inputs)
                elif self.settings.hidden_inputs:
                    page = full.read_text()
                else:
                    page = without_hidden_inputs(full.read_text(), result.record)
            self._answer(sub, page, nb.stem)

    def _answer(self, sub: Submission, page: str, notebook: str | None = None) -> None:
        page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + due_banner(self.course, sub.assignment, sub.timestamp),
                      page, count=1)
        for nb in [notebook] if notebook else sorted(p.stem for p in sub.folder.glob("*.ipynb")):
            dest = _feedback_path(self.exchange_course, sub.folder, nb)
            owner = self.exchange_course.stat()  # the instructor who released: nbgrader's release_feedback checks it
            if not dest.parent.is_dir():
                dest.parent.mkdir()
                os.chown(dest.parent, owner.st_uid, owner.st_gid)
            dest.parent.chmod(0o711)  # nbgrader's own: anyone may open a page whose name they know, nobody may list
            tmp = dest.with_suffix(".tmp")
            tmp.write_text(page)
            tmp.chmod(0o644)
            os.chown(tmp, owner.st_uid, owner.st_gid)
            tmp.replace(dest)

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        tmp.replace(self.state_file)


def serve(folder: Path = DEFAULT_FOLDER, interval: float = 2.0) -> None:
    """The hub's grading service: look at the exchange every ``interval`` seconds, grade what is new."""
    hub = Hub(Path(folder).resolve())
    settings = hub.read()
    course = Course(settings["course"], settings.get("gradebook_url"))
    grader = SubmitGrader(course, Path(settings["exchange"]) / settings["course_id"], hub.folder / "on_submit.json",
                          out=lambda line: print(line, flush=True))
    print(f"on submit: watching {grader.exchange_course / 'inbound'} (feedback: {grader.settings.feedback})", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # JupyterHub stops its services so: stop the workers too
    try:
        while True:
            try:
                grader.run_once()
            except CourseError as e:  # another run holds the course: the next pass tries again
                print(f"on submit: {e}", flush=True)
            time.sleep(interval)
    finally:
        grader.close()
