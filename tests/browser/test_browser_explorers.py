"""The explorers in Chromium, offline, as the course book shows them: ``make test-browser``.

Each explorer's output (``text/html``: the module and torch's states) is rendered with the book's own
template (``grader.book.render``) into a page opened from ``file://``, with no kernel and no server.
Then, with the keyboard only, every slider is moved through its whole range (Home, then ArrowRight
to the end, and back from End), every torch error on the grid is reached, and on the way forward the
"window" slider goes through every window of every state visited. At each step what is drawn and written
(the windows' rectangles, the cells of the picked window, the output cells' numbers, the output size,
the size formula, torch's error, the text list) is compared with the state torch computed; the cells
of the picked pooling window are compared with torch's own one-hot pooling (tests/runtime/test_explorers.py).

Then the same front end live: the learner's JupyterLab (``tests/browser.py``'s Lab, student mode) on the
release of notebook 01 runs each explorer's cell, so its kernel computes the states, and the sliders are
moved and checked the same way (JupyterLab's own shortcuts must not take the arrow keys).
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
import torch
import torch.nn.functional as F

from browser import ASSIGNMENT, SHOTS, Lab, browser_or_skip, chromium_page
from course import covered
from grader import book, explore

pytestmark = pytest.mark.timeout(900)

# What the page shows of one explorer, read from the SVG's shapes (cell positions from their x, y) and text.
READ = """root => {
  const svg = root.querySelector('svg.fm-svg');
  const size = +svg.dataset.cell, x0 = +svg.dataset.x0, y0 = +svg.dataset.y0;
  const at = r => [Math.round((r.y.baseVal.value - y0) / size), Math.round((r.x.baseVal.value - x0) / size),
                   Math.round(r.height.baseVal.value / size), Math.round(r.width.baseVal.value / size)];
  const label = r => r.nextElementSibling && r.nextElementSibling.tagName === 'text' ? r.nextElementSibling.textContent : null;
  const shown = el => el.hidden ? null : el.textContent;
  const pick = root.querySelector('input.fm-pick');
  return {
    state: +root.dataset.state,
    windows: [...svg.querySelectorAll('rect.fm-window')].map(r => [+r.dataset.i, +r.dataset.j, ...at(r)]),
    taps: [...svg.querySelectorAll('rect.fm-tap')].map(r => at(r).slice(0, 2)),
    sources: [...svg.querySelectorAll('rect.fm-source')].map(r => [...at(r).slice(0, 2), r.dataset.weight || null]),
    out: [...svg.querySelectorAll('rect.fm-out')].map(r => [+r.dataset.i, +r.dataset.j, label(r)]),
    picked: [...svg.querySelectorAll('rect.fm-out-picked')].map(r => [r.x.baseVal.value, r.y.baseVal.value]),
    error: shown(root.querySelector('.fm-error')),
    formula: shown(root.querySelector('.fm-size')),
    call: root.querySelector('.fm-call').textContent,
    live: root.querySelector('.fm-live').textContent,
    items: [...root.querySelectorAll('.fm-list li')].map(li => li.textContent),
    series: Object.fromEntries([...svg.querySelectorAll('polyline.fm-series')].map(l => [l.dataset.series,
      l.getAttribute('points').split(' ').map(p => +l.dataset.lo + (+l.dataset.y0 - +p.split(',')[1]) / +l.dataset.scale)])),
    xs: (l => l ? l.getAttribute('points').split(' ').map(p => +p.split(',')[0]) : [])(svg.querySelector('polyline.fm-series')),
    steps: [...svg.querySelectorAll('line.fm-step')].map(l => +l.getAttribute('x1')),
    pick: {value: +pick.value, max: +pick.max, disabled: pick.disabled, text: pick.getAttribute('aria-valuetext')},
  };
}"""


@pytest.fixture(scope="module")
def explorers():
    return {name: make() for name, make in explore.EXPLORERS.items()}


@pytest.fixture(scope="module")
def page_file(explorers, tmp_path_factory) -> Path:
    """One page with every explorer, rendered as the book renders a notebook, with the book's CSS."""
    browser_or_skip()
    out = tmp_path_factory.mktemp("book")
    nb = nbformat.v4.new_notebook()
    for name, ex in explorers.items():
        cell = nbformat.v4.new_code_cell(f"explore.{name}()")
        cell.outputs = [nbformat.v4.new_output("display_data", data=ex._repr_mimebundle_())]
        nb.cells.append(cell)
    chapter = book.Chapter("explorers", out / "explorers.ipynb", out / "explorers.ipynb", "Explorers: every one")
    (out / "assets").mkdir()
    shutil.copy(book.BOOK_CSS, out / "assets" / "book.css")
    (out / "explorers.html").write_text(book.render(nb, chapter, [chapter], 0), encoding="utf-8")
    return out / "explorers.html"


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def number(text: str) -> float:
    return float(text)


def check_state(kind: str, ex, index: int, seen: dict, params: dict) -> None:
    """What the page shows (``seen``) is state ``index`` of ``ex``, as torch computed it."""
    state = ex.states[index]
    where = f"{ex.title}: {params}"
    assert seen["state"] == index, where
    if "e" in state:
        assert seen["error"] == state["e"] and state["e"] in seen["live"], where
        assert not seen["out"] and seen["pick"]["disabled"], where
        return
    assert seen["error"] is None, where
    if kind == "running":
        check_running(ex, state, seen, params)
        return
    oh, ow = state["o"]
    assert sorted((i, j) for i, j, _ in seen["out"]) == [(i, j) for i in range(oh) for j in range(ow)], where
    assert f"{oh}×{ow}" in seen["live"] and seen["pick"]["max"] == oh * ow - 1, where
    assert len(seen["items"]) == oh * ow, where
    if kind in ("geometry", "pool"):
        if kind == "geometry":
            k = (params["kernel_h"], params["kernel_w"])
            d = (params["dilation_h"], params["dilation_w"])
            p = (params["padding_h"], params["padding_w"])
            # the formula, evaluated on the page, gives torch's size in both dimensions
            assert [int(line.rsplit("=", 1)[1]) for line in seen["formula"].splitlines()] == [oh, ow], where
        else:
            k, d, p = (params["kernel"],) * 2, (1, 1), (0, 0)
            values = {(i, j): number(v) for i, j, v in seen["out"]}
            assert [values[i, j] for i in range(oh) for j in range(ow)] == pytest.approx(state["v"], abs=1e-6), where
        spans = [d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1]
        assert sorted(seen["windows"]) == sorted([i, j, r, c, *spans] for i, r in enumerate(state["r"])
                                                  for j, c in enumerate(state["c"])), where
        # the cells drawn for the picked window are the input cells torch's pooling puts in it
        n = seen["pick"]["value"]
        drawn = torch.zeros(*ex.meta["size"], dtype=torch.bool)
        for r, c in seen["taps"]:
            if 0 <= r - p[0] < ex.meta["size"][0] and 0 <= c - p[1] < ex.meta["size"][1]:
                drawn[r - p[0], c - p[1]] = True
        assert len(seen["taps"]) == k[0] * k[1], where
        cover = covered(ex.meta["size"], k, (params.get("stride_h", params.get("stride")),
                                             params.get("stride_w", params.get("stride"))),
                        p, d, params.get("ceil_mode", False))
        assert torch.equal(drawn.flatten(), cover[n]), f"{where}, window {n}"
    elif kind == "adaptive":
        values = {(i, j): number(v) for i, j, v in seen["out"]}
        assert [values[i, j] for i in range(oh) for j in range(ow)] == pytest.approx(state["v"], abs=1e-9), where
        assert sorted(seen["windows"]) == sorted([i, j, r0, c0, r1 - r0, c1 - c0] for i, (r0, r1) in enumerate(state["r"])
                                                  for j, (c0, c1) in enumerate(state["c"])), where
        # the formula's bins, written on the page, are torch's bins
        assert seen["formula"].splitlines() == [
            f"{label}{' '.join(f'[{a}, {b})' for a, b in bins)}"
            for label, bins in (("rows:    ", state["r"]), ("columns: ", state["c"]))], where
        n, size = seen["pick"]["value"], (params["in_h"], params["in_w"])
        onehot = torch.eye(size[0] * size[1]).reshape(-1, 1, *size)
        inside = (F.adaptive_max_pool2d(onehot, (oh, ow)).reshape(size[0] * size[1], -1) == 1).T[n]
        drawn = torch.zeros(size, dtype=torch.bool)
        for r, c in seen["taps"]:
            drawn[r, c] = True
        assert len(seen["taps"]) == int(inside.sum()) and torch.equal(drawn.flatten(), inside), f"{where}, bin {n}"
    elif kind == "upsample":
        values = {(i, j): number(v) for i, j, v in seen["out"]}
        assert [values[i, j] for i in range(oh) for j in range(ow)] == pytest.approx(state["v"], abs=1e-9), where
        n, w = seen["pick"]["value"], state["w"][seen["pick"]["value"]]
        width = ex.meta["size"][1]
        assert sorted((r, c, float(wt)) for r, c, wt in seen["sources"]) == \
            sorted((w[t] // width, w[t] % width, w[t + 1]) for t in range(0, len(w), 2)), f"{where}, pixel {n}"
    elif kind == "pad":
        digits = "".join(v for i, j, v in sorted(seen["out"], key=lambda o: (o[0], o[1])))
        assert digits == state["v"], where
        n = seen["pick"]["value"]
        i, j, v = n // ow, n % ow, int(state["v"][n])
        h, width = ex.meta["size"]
        inside = params["top"] <= i < params["top"] + h and params["left"] <= j < params["left"] + width
        want = [] if params["mode"] == "constant" and not inside else [[v // width, v % width, None]]
        assert seen["sources"] == want, f"{where}, cell {n}"


def check_running(ex, state: dict, seen: dict, params: dict) -> None:
    """The charts' lines are torch's running statistics (and d2l-zh's rule), read back from their points."""
    where = f"{ex.title}: {params}"
    steps = state["o"][0]
    assert seen["pick"]["max"] == steps - 1 and len(seen["items"]) == steps, where
    lines = seen["series"]
    assert set(lines) == ({"tm", "tv", "dm", "dv"} if params["momentum"] is not None else {"tm", "tv"}), where
    for name, values in lines.items():
        assert values == pytest.approx(state[name], abs=1e-6), f"{where}: {name}"
    t = seen["pick"]["value"]
    assert seen["steps"] and all(x == pytest.approx(seen["xs"][t]) for x in seen["steps"]), f"{where}, step {t}"
    assert str(state["tm"][t]) in seen["items"][t] and str(state["tm"][t]) in seen["live"], where


class Sliders:
    """An explorer on the page, driven by the keyboard; every move checked."""

    def __init__(self, page, root, kind, ex):
        self.page, self.root, self.kind, self.ex = page, root, kind, ex
        self.inputs = root.locator("input[type=range]:not(.fm-pick)")
        self.pick = root.locator("input.fm-pick")
        self.pos = [c.values.index(c.start) if c.start in c.values else 0 for c in ex.controls]
        self.checked = set()
        self.steps = 0

    def index(self) -> int:
        n = 0
        for c, v in zip(self.ex.controls, self.pos, strict=True):
            n = n * len(c.values) + v
        return n

    def params(self) -> dict:
        return {c.name: c.values[v] for c, v in zip(self.ex.controls, self.pos, strict=True)}

    def check(self, pick_all: bool = False) -> None:
        seen = self.root.evaluate(READ)
        check_state(self.kind, self.ex, self.index(), seen, self.params())
        self.checked.add(self.index())
        self.steps += 1
        if pick_all and not seen["pick"]["disabled"]:
            self.pick.focus()
            self.page.keyboard.press("Home")
            for _ in range(seen["pick"]["max"] + 1):
                seen = self.root.evaluate(READ)
                check_state(self.kind, self.ex, self.index(), seen, self.params())
                self.page.keyboard.press("ArrowRight")
            assert seen["pick"]["value"] == seen["pick"]["max"]

    def sweep(self, k: int, backwards: bool = False) -> None:
        """Slider ``k`` from one end to the other with the keyboard, checking every state."""
        n = len(self.ex.controls[k].values)
        self.inputs.nth(k).focus()
        self.page.keyboard.press("End" if backwards else "Home")
        self.pos[k] = n - 1 if backwards else 0
        self.check(pick_all=True)
        for _ in range(n - 1):
            self.inputs.nth(k).focus()  # the check moved the focus to the window slider
            self.page.keyboard.press("ArrowLeft" if backwards else "ArrowRight")
            self.pos[k] += -1 if backwards else 1
            self.check(pick_all=not backwards)  # going back, the window slider stays where it is (clamped)

    def go(self, target: list[int]) -> None:
        """To a state, slider by slider (Home, then ArrowRight), checking where it lands."""
        for k, v in enumerate(target):
            self.inputs.nth(k).focus()
            self.page.keyboard.press("Home")
            for _ in range(v):
                self.page.keyboard.press("ArrowRight")
            self.pos[k] = v
        self.check(pick_all=True)


def grid_position(ex, n: int) -> list[int]:
    out = []
    for c in reversed(ex.controls):
        n, v = divmod(n, len(c.values))
        out.append(v)
    return out[::-1]


def test_every_explorer_offline_follows_torch_through_every_slider(page_file, explorers):
    summary = []
    with chromium_page(width=1200, height=900) as page:
        problems = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(page_file.as_uri())
        roots = page.locator(".fm-explorer")
        assert roots.count() == len(explorers)
        roots.first.screenshot(path=str(page_file.parent / "first.png"))
        shutil.copy(page_file.parent / "first.png", shot_path("explorer_pool_geometry"))
        for n, (name, ex) in enumerate(explorers.items()):
            started = time.monotonic()
            root = roots.nth(n)
            assert root.get_attribute("data-kind") == ex.kind
            sliders = Sliders(page, root, ex.kind, ex)
            sliders.check(pick_all=True)  # the state it opens on
            for k in range(len(ex.controls)):
                sliders.sweep(k)
            for k in reversed(range(len(ex.controls))):
                sliders.sweep(k, backwards=True)
            for message in sorted({s["e"] for s in ex.states if "e" in s}):  # every rejection torch makes on the grid
                first = next(i for i, s in enumerate(ex.states) if s.get("e") == message)
                sliders.go(grid_position(ex, first))
            errors = sum("e" in ex.states[i] for i in sliders.checked)
            summary.append(f"{name}: {len(sliders.checked)} states ({errors} rejected), {sliders.steps} checks, "
                           f"{time.monotonic() - started:.1f} s")
            assert errors == 0 or errors >= len({s["e"] for s in ex.states if "e" in s})
            assert len(sliders.checked) >= sum(len(c.values) for c in ex.controls) - len(ex.controls)
        assert not problems, problems
    print("\n".join(summary))

def test_the_explorers_of_notebook_01_run_live_in_jupyterlab(tmp_path, explorers):
    """In the learner's JupyterLab (student mode, the release of notebook 01): running an explorer's cell
    computes its states in the kernel, and its sliders then follow torch, as in the book."""
    from playwright.sync_api import expect

    browser_or_skip()
    lab = Lab(tmp_path)
    try:
        with chromium_page(lab.tmp / "chromium-profile") as page:
            problems = []
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{lab.url}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?token={lab.token}")
            nb = page.locator(".jp-NotebookPanel")
            expect(nb.locator(".jp-CodeCell").first).to_be_visible(timeout=90_000)
            expect(nb.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=90_000)
            for name in ("pooling_windows", "upsampling"):
                started = time.monotonic()
                cell = nb.locator(".jp-CodeCell").filter(has_text=f"{name}()")
                expect(cell).to_have_count(1)
                cell.locator(".cm-content").click()
                page.wait_for_timeout(500)  # the click puts the cell in edit mode; then Shift+Enter runs it
                page.keyboard.press("Shift+Enter")
                expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=180_000)
                root = cell.locator(".fm-explorer")
                expect(root).to_have_attribute("data-mounted", "1", timeout=60_000)
                ex = explorers[name]
                sliders = Sliders(page, root, ex.kind, ex)
                sliders.check(pick_all=True)
                for k in range(len(ex.controls)):
                    sliders.sweep(k)
                print(f"{name} in JupyterLab: {len(sliders.checked)} states, {time.monotonic() - started:.1f} s")
            assert not problems, problems
    finally:
        lab.stop()
