"""What the browser tests share: Chromium (Debian's, ``make browser``), Playwright, screenshots.

Without Chromium or Playwright a browser test is skipped, unless ``COURSE_BROWSER_TEST=required``
(``make test-browser`` and CI set it), when it fails instead.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("SCREENSHOTS", ROOT / "docs" / "screenshots"))
REQUIRED = os.environ.get("COURSE_BROWSER_TEST") == "required"
# Without the background-networking flags Chromium keeps opening connections that a closed
# network refuses; a fresh user-data-dir comes from launch_persistent_context.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_or_skip():
    try:
        import playwright.sync_api  # noqa: F401 (imported only to see whether playwright is installed)
    except ImportError:
        missing = "the playwright package (make setup installs it)"
    else:
        missing = None if os.access(CHROMIUM, os.X_OK) else f"Chromium at {CHROMIUM} (make browser installs it)"
    if missing:
        (pytest.fail if REQUIRED else pytest.skip)(f"browser test needs {missing}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_group(proc: subprocess.Popen, wait: float = 10) -> None:
    """Stop a server started with ``start_new_session=True`` and all it started (kernels, make's
    children): SIGTERM to its process group, then SIGKILL to whatever of the group is left after ``wait`` s."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=wait)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # the whole group has stopped
        pass
    proc.wait(timeout=wait)


def shot(page, name: str, folder: Path = SHOTS):
    """A screenshot in docs/screenshots/, as a 256-colour PNG (a third of the size, same look)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        folder / f"{name}.png", optimize=True)


@contextlib.contextmanager
def chromium_page(profile: Path | str = "", width: int = 1280, height: int = 800):
    """A page of a fresh headless Chromium (Playwright, ``profile``: its user-data folder; "" a
    temporary one), with 60 s for actions and 30 s for ``expect``; closed afterwards."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height}, device_scale_factor=1)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(60_000)
            expect.set_options(timeout=30_000)
            yield page
        finally:
            context.close()


def type_cell(page, cell, lines: tuple[str, str]) -> None:
    """Replace a code cell's text with a function of two lines, as a learner types it (the editor indents the body)."""
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(lines[0])
    page.keyboard.press("Enter")
    page.keyboard.type(lines[1])


# -- JupyterLab, as a learner or an instructor opens it -----------------------------------------------------

ASSIGNMENT = "01_sampling"  # the notebook a Lab opens by default
NOTEBOOKS = Path(os.environ.get("COURSE_NOTEBOOKS", ROOT / "notebooks"))  # the release under test
# Lab settings for the test run only (a temporary settings folder): every cell in the DOM, no
# news or update checks (no network here), no toasts over the screenshots.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
}


class Lab:
    """JupyterLab in student mode on a copy of the notebooks; always stopped."""

    def __init__(self, tmp: Path, mode: str = "student", root: Path | None = None, config: Path | None = None):
        """``mode``: student (``make lab``) or instructor (``make lab-instructor``), on a copy of the release
        or on ``root``; ``config``: a folder put first on JUPYTER_CONFIG_PATH (its nbgrader_config.py wins)."""
        self.tmp = tmp
        self.root = root or tmp / "notebooks"
        if root is None:
            shutil.copytree(NOTEBOOKS / ASSIGNMENT, self.root / ASSIGNMENT,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"), copy_function=shutil.copy)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        settings = tmp / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_PATH=os.pathsep.join([*([str(config)] if config else []),
                                                 str(ROOT / "grader" / "jupyter" / mode)]),  # as `make lab(-instructor)`
            JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
            JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"),
            IPYTHONDIR=str(tmp / "ipython"),
            PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""),
        )
        env.pop("NBGRADER_EXECUTION", None)
        self.log_path = tmp / "jupyterlab.log"
        self.log = open(self.log_path, "w")
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True"]
        self.proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait_until_up(timeout=90)

    def api(self, path: str, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()

    def status(self, path: str) -> int:
        try:
            return self.api(path)[0]
        except urllib.error.HTTPError as e:
            return e.code

    def _wait_until_up(self, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                self.api("/api/status", timeout=2)
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab not answering after {timeout} s:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.api("/api/shutdown", method="POST", timeout=10)  # shuts its kernels down too
                self.proc.wait(timeout=20)
            except Exception:  # then by signal
                pass
        stop_group(self.proc)  # and whatever of its group is left
        self.log.close()


class Steps:
    """Named, timed steps; a failure says which step and what the page showed."""

    def __init__(self, page, lab: Lab):
        self.page, self.lab, self.times = page, lab, []

    def __call__(self, name: str):
        self.name, self.start = name, time.monotonic()
        return self

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        self.times.append((self.name, time.monotonic() - self.start))
        print(f"  {self.name}: {self.times[-1][1]:.1f} s", flush=True)
        if exc is not None and not isinstance(exc, KeyboardInterrupt):
            shot = self.lab.tmp / "failure.png"
            try:
                self.page.screenshot(path=str(shot))
            except Exception:
                shot = None
            raise AssertionError(f"browser step failed: {self.name}: {exc}\n(screenshot: {shot})\n"
                                 f"JupyterLab log:\n{self.lab.tail()}") from exc
        return False
