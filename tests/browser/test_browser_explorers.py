"""The explorers in Chromium, offline, as the course book shows them: ``make test-browser``.

Each explorer's output (``text/html``: the module and torch's states) is rendered with the book's own
template (``grader.book.render``) into a page opened from ``file://``, with no kernel and no server.
Then, with the keyboard only, every slider is moved through its whole range (Home, then ArrowRight
to the end, and back from End), every torch error on the grid is reached, and on the way forward the
"window" slider goes through every window of every state visited. At each step what is drawn and written
(the windows' rectangles, the cells of the picked window, the output cells' numbers, the output size,
the size formula, torch's error, the text list) is compared with the state torch computed; the cells
of the picked pooling window are compared with torch's own one-hot pooling (tests/runtime/test_explorers.py).

Then the same front end live: the learner's JupyterLab (``tests/browser.py``'s Lab, student mode) opens
every notebook that has an explorer (03 from the Chinese release, so its labels must be Chinese) and runs
each explorer's cell, so its kernel computes the states, and the sliders are moved and checked the same way
(JupyterLab's own shortcuts must not take the arrow keys): every slider of notebook 01's explorers, the
first slider of the others'. Both parts check that an explorer speaks the language it was built in.
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

from browser import NOTEBOOKS, SHOTS, Lab, browser_or_skip, chromium_page
from course import ROOT, covered
from grader import book, explore
from grader.runtime import messages

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
    // 03's channels: every cell names its channel (data-ch), its row and column
    cells: Object.fromEntries(['fm-in', 'fm-kernel', 'fm-part', 'fm-out', 'fm-tap'].map(k => [k,
      [...svg.querySelectorAll('rect.' + k)].map(r => [r.dataset.ch === undefined ? null : +r.dataset.ch,
        +(r.dataset.r ?? r.dataset.i), +(r.dataset.c ?? r.dataset.j), label(r)])])),
  };
}"""


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def explorers():
    """Every explorer, and 03's once more as the Chinese edition builds it (its labels in Chinese)."""
    built = {name: make() for name, make in explore.EXPLORERS.items()}
    with messages.speaking("zh-CN"):
        built["channels (zh-CN)"] = explore.channels()
    return built


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
    if kind == "channels":
        check_channels(ex, state, seen, params)
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


def check_channels(ex, state: dict, seen: dict, params: dict) -> None:
    """03's channels: the input's channels and the kernel's slices drawn are the ones used; the maps drawn are
    torch's: one F.max_pool2d map per channel, or each channel's F.conv2d part and F.conv2d's output, their sum;
    the picked window is the cells torch's pooling puts in it, in every channel."""
    where = f"{ex.title}: {params}"
    size, k, c = ex.meta["size"], ex.meta["k"], params["channels"]
    x = torch.tensor(ex.meta["x"], dtype=torch.float32).reshape(1, 3, *size)[:, :c]
    w = torch.tensor(ex.meta["w"], dtype=torch.float32).reshape(1, 3, *k)[:, :c]
    cells = seen["cells"]

    def grid(t: torch.Tensor, channel: bool = True) -> list:  # (channel or None, row, column, value) of a C×H×W tensor
        return sorted((ch if channel else None, i, j, v) for ch, plane in enumerate(t.tolist())
                      for i, row in enumerate(plane) for j, v in enumerate(row))

    def drawn(kind: str) -> list:
        return sorted((ch, i, j, float(v)) for ch, i, j, v in cells[kind])

    assert drawn("fm-in") == grid(x[0]), where
    if params["op"] == "max_pool2d":
        assert drawn("fm-out") == grid(F.max_pool2d(x, k, stride=1)[0]) and not cells["fm-part"], where
        assert not cells["fm-kernel"], where
    else:
        y = F.conv2d(x, w)
        parts = torch.cat([F.conv2d(x[:, i:i + 1], w[:, i:i + 1]) for i in range(c)], dim=1)
        assert drawn("fm-kernel") == grid(w[0]) and drawn("fm-part") == grid(parts[0]), where
        assert drawn("fm-out") == grid(y[0], channel=False), where
        assert all(str(int(v)) in item for v, item in zip(y.flatten().tolist(), seen["items"], strict=True)), where
    oh, ow = 3, 3
    assert seen["pick"]["max"] == oh * ow - 1 and len(seen["items"]) == oh * ow, where
    assert f"{c}" in seen["live"] and f"{oh}×{ow}" in seen["live"], where
    n = seen["pick"]["value"]
    cover = covered(size, k, 1)[n].reshape(size)
    for ch in range(c):
        picked = torch.zeros(size, dtype=torch.bool)
        for tch, r, col, _ in cells["fm-tap"]:
            if tch == ch:
                picked[r, col] = True
        assert torch.equal(picked, cover), f"{where}, window {n}, channel {ch}"
    assert len(cells["fm-tap"]) == c * k[0] * k[1], where


def check_language(root, ex) -> None:
    """What an explorer writes is in the language it was built in: Chinese words and no English sentence in a
    Chinese notebook, no Chinese in an English one."""
    shown = root.evaluate("""root => ({title: root.querySelector('h4').textContent,
        labels: [...root.querySelectorAll('.fm-controls label')].map(l => l.textContent),
        live: root.querySelector('.fm-live').textContent, legend: root.querySelector('.fm-legend').textContent,
        list: root.querySelector('details summary').textContent,
        item: (li => li ? li.textContent : '')(root.querySelector('.fm-list li'))})""")
    assert shown["title"] == ex.title, shown
    if ex.language == "zh-CN":
        assert all(CJK.search(shown[k]) for k in ("title", "live", "list")), shown
        assert all(CJK.search(shown[k]) for k in ("legend", "item") if shown[k]), shown
        assert CJK.search(shown["labels"][-1]) and not re.search(r"\b(window|channels?|output|the)\b", shown["live"]), shown
    else:
        assert not any(CJK.search(str(v)) for v in shown.values()), shown


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

    def sweep(self, k: int, backwards: bool = False, pick_all: bool | None = None) -> None:
        """Slider ``k`` from one end to the other with the keyboard, checking every state (and, going forward or
        with ``pick_all``, every window of each)."""
        first, pick_all = (True, not backwards) if pick_all is None else (pick_all, pick_all)
        n = len(self.ex.controls[k].values)
        self.inputs.nth(k).focus()
        self.page.keyboard.press("End" if backwards else "Home")
        self.pos[k] = n - 1 if backwards else 0
        self.check(pick_all=first)
        for _ in range(n - 1):
            self.inputs.nth(k).focus()  # the check moved the focus to the window slider
            self.page.keyboard.press("ArrowLeft" if backwards else "ArrowRight")
            self.pos[k] += -1 if backwards else 1
            self.check(pick_all=pick_all)  # going back, the window slider stays where it is (clamped)

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
            check_language(root, ex)
        assert not problems, problems
    print("\n".join(summary))

# Where each explorer is taught: the notebook, the release it is opened from, and its explorers. 03 is opened
# from the Chinese release, so its kernel speaks Chinese (JupyterLab names the notebook in JPY_SESSION_NAME).
LIVE = [("01_sampling", NOTEBOOKS, ("pooling_windows", "upsampling")),
        ("02_padding_stride", NOTEBOOKS, ("pool_geometry",)),
        ("03_multichannel", ROOT / "notebooks-zh", ("channels",)),
        ("04_global_pooling", NOTEBOOKS, ("adaptive_bins",)),
        ("05_padding_layers", NOTEBOOKS, ("padding_modes",)),
        ("07_normalization", NOTEBOOKS, ("batchnorm_running",))]


def test_every_explorer_runs_live_in_jupyterlab_in_the_notebook_that_teaches_it(tmp_path, explorers):
    """In the learner's JupyterLab (student mode, the releases): running an explorer's cell computes its states
    in the kernel, and its sliders then follow torch, as in the book. Notebook 01's explorers are swept in full;
    in the others, every window of the state it opens on, then the first slider through its range (the offline
    test sweeps every slider and window of every explorer: the same module and the same states). One page: the
    notebooks after the first are opened by JupyterLab's own command, not by loading the page again."""
    from playwright.sync_api import expect

    browser_or_skip()
    root = tmp_path / "notebooks"
    for name, release, _ in LIVE:
        shutil.copytree(release / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
                        copy_function=shutil.copy)
    lab = Lab(tmp_path, root=root)
    summary = []
    try:
        with chromium_page(lab.tmp / "chromium-profile") as page:
            problems = []
            page.on("pageerror", lambda e: problems.append(str(e)))

            def open_(name: str) -> str:
                """Open a notebook (its kernel starts); its panel's id."""
                path = f"{name}/{name}.ipynb"
                if name == LIVE[0][0]:
                    page.goto(f"{lab.url}/lab/tree/{path}?reset&token={lab.token}")
                    expect(page.locator(".jp-NotebookPanel")).to_have_count(1, timeout=90_000)
                    return page.locator(".jp-NotebookPanel").get_attribute("id")
                # the app is exposed (LabApp.expose_app_in_browser): the next notebook opens beside
                return page.evaluate("async path => (await window.jupyterapp.commands.execute("
                                     "'docmanager:open', {path: path, factory: 'Notebook'})).id", path)

            def run(panel: str, makers: tuple[str, ...]) -> str:
                """Run a notebook's explorer cells once its kernel is idle, without waiting for them."""
                page.evaluate("id => window.jupyterapp.shell.activateById(id)", panel)
                nb = page.locator(f"[id='{panel}']")
                expect(nb.locator(".jp-CodeCell").first).to_be_visible(timeout=90_000)
                expect(nb.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=90_000)
                for maker in makers:
                    cell = nb.locator(".jp-CodeCell").filter(has_text=f"{maker}()")
                    expect(cell).to_have_count(1)
                    cell.locator(".cm-content").click()
                    page.wait_for_timeout(500)  # the click puts the cell in edit mode; then Shift+Enter runs it
                    page.keyboard.press("Shift+Enter")
                return panel

            def check(panel: str, name: str, release: Path, makers: tuple[str, ...]) -> None:
                """Each explorer of the notebook once its cell has run: the state it opens on, window by window, then
                every slider (01), or (the others) the first slider and no windows."""
                page.evaluate("id => window.jupyterapp.shell.activateById(id)", panel)
                nb = page.locator(f"[id='{panel}']")
                for maker in makers:
                    started = time.monotonic()
                    cell = nb.locator(".jp-CodeCell").filter(has_text=f"{maker}()")
                    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[\d+\]"), timeout=180_000)
                    box = cell.locator(".fm-explorer")
                    expect(box).to_have_attribute("data-mounted", "1", timeout=60_000)
                    ex = explorers[maker if release == NOTEBOOKS else f"{maker} (zh-CN)"]
                    sliders = Sliders(page, box, ex.kind, ex)
                    full = name == "01_sampling"
                    sliders.check(pick_all=full)
                    for k in range(len(ex.controls) if full else 1):
                        sliders.sweep(k, pick_all=None if full else False)
                    check_language(box, ex)
                    summary.append(f"{name}: {maker}, {len(sliders.checked)} states, {sliders.steps} checks, "
                                   f"{time.monotonic() - started:.1f} s")

            started = time.monotonic()
            first, *others = LIVE  # 01 alone first: its full sweep is quicker on a page with one notebook
            check(run(open_(first[0]), first[2]), *first)
            summary.append(f"notebook 01: {time.monotonic() - started:.1f} s")
            # The others: all opened (their kernels start side by side), their cells run, then each checked.
            started = time.monotonic()
            panels = [open_(name) for name, _, _ in others]
            for panel, (_, _, makers) in zip(panels, others, strict=True):
                run(panel, makers)
            for panel, notebook in zip(panels, others, strict=True):
                check(panel, *notebook)
            summary.append(f"the other {len(others)} notebooks: {time.monotonic() - started:.1f} s")
            assert not problems, problems
    finally:
        lab.stop()
    print("\n".join(summary))
