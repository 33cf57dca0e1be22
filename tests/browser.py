"""What the browser tests share: Chromium (Debian's, ``make browser``), Playwright, screenshots.

Without Chromium or Playwright a browser test is skipped, unless ``COURSE_BROWSER_TEST=required``
(``make test-browser`` and CI set it), when it fails instead.
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
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
