"""TensorBoard's loss/train chart of notebook 08, seen in Chromium: ``make test-browser``.

The solutions notebook of ``08_cifar10_tensorboard`` runs top to bottom in a Jupyter kernel, at its
own settings, in a temporary folder: its three runs (norm "batch", "instance", "none") land in that
folder's ``runs/``, as they land in the course's ``runs/`` for a learner. ``make tensorboard
TB_LOGDIR=<that runs/>`` then serves them, as a learner starts it. TensorBoard's HTTP API must serve
every step of ``loss/train`` for each run, and the last epoch's mean must be the train loss the
notebook printed. Chromium opens TensorBoard's landing page (the Time Series tab) filtered to
``loss/train``, waits until the chart has drawn all three runs and saves
``docs/screenshots/tensorboard_scalars.png``, which the README shows.
"""
from __future__ import annotations

import io
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from nbclient import NotebookClient

from browser import CHROMIUM, CHROMIUM_ARGS, ROOT, SHOTS, Steps, browser_or_skip, free_port, shot, stop_group
from course import notebook

ASSIGNMENT = "08_cifar10_tensorboard"
NORMS = ("batch", "instance", "none")
TAG = "loss/train"
SCREENSHOT = "tensorboard_scalars"
VIEWPORT = {"width": 1280, "height": 680}

pytestmark = pytest.mark.timeout(300)


def printed(nb, cell_id: str) -> str:
    """What a cell of the executed notebook printed (stdout only: tqdm's bars go to stderr)."""
    cells = [c for c in nb.cells if c.get("id") == cell_id]
    assert len(cells) == 1, f"the notebook should have one cell with id {cell_id!r}"
    cell = cells[0]
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


def search(pattern: str, text: str, what: str) -> re.Match:
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"the notebook no longer prints {what} (looked for {pattern!r} in {text!r})"
    return found


def run_notebook(folder: Path) -> dict:
    """Execute the solutions notebook in ``folder`` as a learner runs it; what its runs are.

    Returns logdir (the runs/ beside the notebook), runs ({norm: run name as TensorBoard shows
    it}), batches (per epoch), steps (epochs × batches) and train_loss ({norm: the last epoch's
    mean step loss, as printed}).
    """
    nb = notebook(ASSIGNMENT)
    NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    setup = search(r"epochs per model: (\d+), training images: \d+, runs written to (.+)$", printed(nb, "setup"),
                   "its epochs and run folder")
    batches = search(r"batches per epoch: (\d+)", printed(nb, "data-loaders"), "its batches per epoch")
    logdir, written = folder / "runs", Path(setup[2].strip())
    assert written.is_relative_to(logdir), f"the runs went to {written}, not to the runs/ beside the notebook ({logdir})"
    out = printed(nb, "run")
    return dict(logdir=logdir, runs={n: (written / n).relative_to(logdir).as_posix() for n in NORMS},
                batches=int(batches[1]), steps=int(setup[1]) * int(batches[1]),
                train_loss={n: float(search(rf"^\s*{n}: train loss ([\d.]+)", out, f"{n}'s train loss")[1]) for n in NORMS})


class TensorBoard:
    """``make tensorboard`` on ``logdir`` and a free port, in its own process group; always stopped."""

    def __init__(self, logdir: Path, tmp: Path):
        self.tmp, self.port = tmp, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "tensorboard.log"
        self.log = open(self.log_path, "w")
        # -o: never rebuild the environment from here, even where requirements.txt is newer than it.
        self.proc = subprocess.Popen(["make", "-s", "-o", ".venv/.installed", "tensorboard", f"TB_PORT={self.port}",
                                      f"TB_LOGDIR={logdir}"], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def get(self, path: str, **query):
        url = f"{self.url}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)

    def wait_for(self, runs: list[str], steps: int, timeout: float = 60) -> dict:
        """Until every run's ``loss/train`` is served with all its steps; returns {run: [[wall, step, value]...]}."""
        deadline, seen = time.monotonic() + timeout, {}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"make tensorboard exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                tags = self.get("/data/plugin/scalars/tags")
                seen = {r: self.get("/data/plugin/scalars/scalars", run=r, tag=TAG) for r in runs if TAG in tags.get(r, {})}
                if len(seen) == len(runs) and all(len(s) == steps for s in seen.values()):
                    return seen
            except (urllib.error.URLError, OSError):  # not listening yet, or still loading
                pass
            time.sleep(0.5)
        raise AssertionError(f"TensorBoard did not serve {TAG} of {runs} with {steps} steps within {timeout} s "
                             f"(steps served: { {r: len(s) for r, s in seen.items()} }):\n{self.tail()}")

    def answers(self) -> bool:
        try:
            self.get("/data/runs")
            return True
        except (urllib.error.URLError, OSError):
            return False

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self):
        stop_group(self.proc)
        self.log.close()


def line_pixels(png: bytes, colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels of a screenshot are ``colour`` (a run's line), give or take ``tolerance`` per channel."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((np.abs(pixels - np.array(colour)).max(axis=2) <= tolerance).sum())


def test_tensorboard_shows_the_three_runs_of_notebook_08(tmp_path, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    browser_or_skip()
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # set, the notebook trains less (its grading mode)
    started = time.monotonic()
    print()
    folder = tmp_path / ASSIGNMENT
    folder.mkdir()
    runs = run_notebook(folder)
    names = [runs["runs"][n] for n in NORMS]
    print(f"  the notebook, executed: {time.monotonic() - started:.1f} s; {runs['steps']} steps per run")

    server = TensorBoard(runs["logdir"], tmp_path)
    try:
        series = server.wait_for(names, runs["steps"])
        print(f"  make tensorboard serving them: {time.monotonic() - started:.1f} s")
        assert f"TensorBoard reads {runs['logdir']}/: open {server.url}/" in server.tail(), server.tail()
        assert set(names) <= set(server.get("/data/runs"))
        for norm, name in zip(NORMS, names, strict=True):
            steps = [step for _, step, _ in series[name]]
            values = [value for _, _, value in series[name]]
            assert steps == list(range(runs["steps"])), f"{name}: {TAG} should have one record per step"
            last = values[-runs["batches"]:]
            assert sum(last) / len(last) == pytest.approx(runs["train_loss"][norm], abs=6e-4), (
                f"{name}: the last epoch's mean of {TAG} in TensorBoard is not the train loss the notebook printed")

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
                page.set_default_timeout(30_000)
                step = Steps(page, server)
                card = page.locator("scalar-card", has=page.locator(f'tb-truncated-path[title="{TAG}"]'))
                rows = card.locator("tb-data-table-content-row")

                with step(f"open the Time Series tab filtered to {TAG}"):
                    page.goto(f"{server.url}/?{urllib.parse.urlencode({'tagFilter': TAG})}#timeseries")
                    expect(card).to_have_count(1, timeout=60_000)
                    expect(page.locator("scalar-card")).to_have_count(1)  # the filter left this chart alone

                with step("whole curves (outliers kept in the scale), settings closed, the chart full width"):
                    page.get_by_role("checkbox", name="Ignore outliers in chart scaling").uncheck()
                    page.get_by_role("button", name="Close side pane").click()
                    card.get_by_role("button", name="Toggle full size mode").click()

                with step("the chart's table lists the three runs at their last step"):
                    expect(rows).to_have_count(len(NORMS))
                    table = {row.locator(".cell").nth(1).inner_text().strip(): row for row in rows.all()}
                    assert sorted(table) == sorted(names), f"runs in the {TAG} table: {sorted(table)}"
                    for row in table.values():
                        expect(row).to_contain_text(str(runs["steps"] - 1))

                with step("every run's line is drawn"):
                    colours = {name: tuple(int(c) for c in re.findall(r"\d+", row.locator(".row-circle span")
                                                                       .get_attribute("style"))[:3])
                               for name, row in table.items()}
                    assert len(set(colours.values())) == len(NORMS), f"the runs should have their own colours: {colours}"
                    chart = card.locator("line-chart")
                    deadline = time.monotonic() + 30
                    while True:
                        png = chart.screenshot()
                        drawn = {name: line_pixels(png, colour) for name, colour in colours.items()}
                        if min(drawn.values()) >= 300 or time.monotonic() > deadline:
                            break
                        page.wait_for_timeout(500)
                    assert min(drawn.values()) >= 300, f"pixels of each run's colour in the chart: {drawn}"

                with step("screenshot"):
                    shot(page, SCREENSHOT)
            finally:
                browser.close()
    finally:
        server.stop()
    assert not server.answers(), "TensorBoard still answers after it was stopped"
    size = (SHOTS / f"{SCREENSHOT}.png").stat().st_size
    assert 10_000 < size < 400_000, f"{SCREENSHOT}.png is {size} bytes"
    print(f"  TensorBoard browser test: {time.monotonic() - started:.0f} s; {SHOTS / SCREENSHOT}.png, {size // 1000} kB")
