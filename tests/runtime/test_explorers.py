"""The explorers' states (grader/explore) are torch's: every state of every slider grid, checked against torch.

Output values and sizes are compared with F.max_pool2d, F.avg_pool2d, F.interpolate and F.pad; torch's
error messages with the ones shown. The window geometry is checked against torch itself: a stack of
one-hot inputs, max-pooled, says which input cells each window covers (:func:`covered`). Upsampling
weights must reproduce F.interpolate on a random input (interpolation is linear in the input). The
explorers also cost nothing while nbgrader grades, fit the size budget, and carry their module inline.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time

import pytest
import torch
import torch.nn.functional as F

from course import ROOT, covered
from grader import explore

BUDGET = 150_000  # bytes of one explorer's output (states and module): the book carries every one


@pytest.fixture(scope="module")
def built():
    return {name: make() for name, make in explore.EXPLORERS.items()}


def taps(state, size, kernel, padding, dilation) -> torch.Tensor:
    """The same table from a state: window (i, j) starts at padded row r[i], column c[j] and takes every
    dilation-th cell, kernel of them; the cells inside the input."""
    h, w = size
    rows = []
    for r0 in state["r"]:
        for c0 in state["c"]:
            cells = torch.zeros(h, w, dtype=torch.bool)
            for t in range(kernel[0]):
                for u in range(kernel[1]):
                    r, c = r0 + t * dilation[0] - padding[0], c0 + u * dilation[1] - padding[1]
                    if 0 <= r < h and 0 <= c < w:
                        cells[r, c] = True
            rows.append(cells.flatten())
    return torch.stack(rows)


def torch_error(call) -> str | None:
    try:
        call()
    except (RuntimeError, ValueError, NotImplementedError) as e:
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0]}"
    return None


def test_every_grid_has_one_state_per_point(built):
    for name, ex in built.items():
        assert len(ex.states) == math.prod(len(c.values) for c in ex.controls) == len(list(ex.grid())), name


def test_pool_geometry_states_are_torch_windows_sizes_and_errors(built):
    ex = built["pool_geometry"]
    size = tuple(ex.meta["size"])
    x = torch.arange(size[0] * size[1], dtype=torch.float32).reshape(1, 1, *size)
    errors = oks = 0
    for p, state in zip(ex.grid(), ex.states, strict=True):
        k, s, pad, d = ((p[f"{n}_h"], p[f"{n}_w"]) for n in ("kernel", "stride", "padding", "dilation"))
        error = torch_error(lambda: F.max_pool2d(x, k, s, pad, d, p["ceil_mode"]))  # noqa: B023 (called at once)
        if error:
            assert state == {"e": error}, p
            errors += 1
            continue
        y = F.max_pool2d(x, k, s, pad, d, p["ceil_mode"])
        assert state["o"] == list(y.shape[-2:]), p
        assert torch.equal(taps(state, size, k, pad, d), covered(size, k, s, pad, d, p["ceil_mode"])), p
        oks += 1
    # both kinds of rejection are on the grid: padding over half the window, and no window at all
    messages = {s["e"].split(",")[0] for s in ex.states if "e" in s}
    assert any("pad should be at most half" in m for m in messages)
    assert any("Output size is too small" in m for m in messages)
    assert errors and oks


def test_pool_geometry_covers_ceil_mode_windows_that_reach_beyond_the_padding(built):
    """A state where ceil_mode adds a window that runs past the padding, and one where it adds nothing."""
    ex = built["pool_geometry"]
    size = ex.meta["size"]
    beyond = dropped = rescued = 0
    assert ex.controls[-1].name == "ceil_mode"  # so the state just before a ceil_mode=True state is its floor
    for n, (p, state) in enumerate(zip(ex.grid(), ex.states, strict=True)):
        if "e" in state or not p["ceil_mode"]:
            continue
        floor = ex.states[n - 1]
        end = state["r"][-1] + p["dilation_h"] * (p["kernel_h"] - 1) + 1
        beyond += end > size[0] + 2 * p["padding_h"]
        dropped += state["o"] == floor.get("o")
        rescued += "e" in floor  # floor has no window at all; ceil_mode keeps one
    assert beyond and dropped and rescued


def test_pooling_windows_states_are_torch_values_and_windows(built):
    ex = built["pooling_windows"]
    x = torch.tensor(ex.meta["x"], dtype=torch.float32).reshape(1, 1, *ex.meta["size"])
    for p, state in zip(ex.grid(), ex.states, strict=True):
        y = (F.max_pool2d if p["mode"] == "max" else F.avg_pool2d)(x, p["kernel"], p["stride"])
        assert state["o"] == list(y.shape[-2:]) and state["v"] == pytest.approx(y.flatten().tolist(), abs=1e-4), p
        k = (p["kernel"], p["kernel"])
        assert torch.equal(taps(state, ex.meta["size"], k, (0, 0), (1, 1)),
                           covered(ex.meta["size"], p["kernel"], p["stride"])), p


def test_adaptive_bins_are_torch_bins_and_the_formula_the_notebook_teaches(built):
    ex = built["adaptive_bins"]
    for p, state in zip(ex.grid(), ex.states, strict=True):
        size, out = (p["in_h"], p["in_w"]), (p["out_h"], p["out_w"])
        x = torch.arange(size[0] * size[1], dtype=torch.float32).reshape(1, 1, *size)
        y = F.adaptive_avg_pool2d(x, out)
        assert state["o"] == list(out) and state["v"] == pytest.approx(y.flatten().tolist(), abs=1e-3), p
        onehot = torch.eye(size[0] * size[1]).reshape(-1, 1, *size)
        inside = (F.adaptive_max_pool2d(onehot, out).reshape(size[0] * size[1], -1) == 1).T
        drawn = torch.stack([torch.zeros(size, dtype=torch.bool).index_fill(0, torch.arange(r0, r1), True)
                             & torch.zeros(size, dtype=torch.bool).index_fill(1, torch.arange(c0, c1), True)
                             for r0, r1 in state["r"] for c0, c1 in state["c"]]).reshape(len(inside), -1)
        assert torch.equal(drawn, inside), p
        for n, o, bins in ((size[0], out[0], state["r"]), (size[1], out[1], state["c"])):
            assert bins == [[i * n // o, -(-(i + 1) * n // o)] for i in range(o)], p


def test_upsampling_weights_reproduce_torch_on_any_input(built):
    ex = built["upsampling"]
    size = ex.meta["size"]
    x = torch.tensor(ex.meta["x"], dtype=torch.float32).reshape(1, 1, *size)
    other = torch.rand(1, 1, *size, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    rejected = 0
    for p, state in zip(ex.grid(), ex.states, strict=True):
        kwargs = {"size": tuple(int(n * p["factor"]) for n in size)} if p["by"] == "size" else {"scale_factor": p["factor"]}
        if p["mode"] == "bilinear" or p["align_corners"]:
            kwargs["align_corners"] = p["align_corners"]
        error = torch_error(lambda: F.interpolate(x, mode=p["mode"], **kwargs))  # noqa: B023 (called at once)
        if error:
            assert state == {"e": error} and "align_corners" in error, p
            rejected += 1
            continue
        y = F.interpolate(x, mode=p["mode"], **kwargs)
        assert state["o"] == list(y.shape[-2:]) and state["v"] == pytest.approx(y.flatten().tolist(), abs=1e-3), p
        want = F.interpolate(other, mode=p["mode"], **kwargs).flatten()
        got = torch.tensor([sum(w[t + 1] * other.flatten()[w[t]] for t in range(0, len(w), 2)) for w in state["w"]])
        assert torch.allclose(got, want.to(got.dtype), atol=1e-3), p
        assert all(abs(sum(w[1::2]) - 1) < 1e-3 for w in state["w"]), p  # weights sum to 1
    assert rejected == 6  # nearest with align_corners=True: 3 factors × size or scale_factor
    # size and scale_factor differ for a factor of 2.5 (3 -> 7 pixels: scale 3/7 or 1/2.5), as notebook 01 says
    by = {(p["mode"], p["align_corners"], p["by"], p["factor"]): s for p, s in zip(ex.grid(), ex.states, strict=True)}
    assert by["bilinear", False, "size", 2.5]["v"] != by["bilinear", False, "scale_factor", 2.5]["v"]
    assert by["bilinear", False, "size", 2]["v"] == by["bilinear", False, "scale_factor", 2]["v"]


def test_padding_states_are_torch_values_sources_and_errors(built):
    ex = built["padding_modes"]
    size = ex.meta["size"]
    x = torch.arange(size[0] * size[1], dtype=torch.float32).reshape(1, 1, *size)
    other = torch.rand(1, 1, *size, generator=torch.Generator().manual_seed(1))
    rejected = set()
    for p, state in zip(ex.grid(), ex.states, strict=True):
        amounts = (p["left"], p["right"], p["top"], p["bottom"])
        error = torch_error(lambda: F.pad(x, amounts, mode=p["mode"]))  # noqa: B023 (called at once)
        if error:
            assert state == {"e": error}, p
            rejected.add(p["mode"])
            continue
        y = F.pad(x, amounts, mode=p["mode"])
        values = torch.tensor([int(c) for c in state["v"]], dtype=torch.float32)
        assert state["o"] == list(y.shape[-2:]) and torch.equal(values, y.flatten()), p
        if p["mode"] != "constant":  # each value names the input cell it copies: the same cells on any input
            assert torch.equal(other.flatten()[values.long()], F.pad(other, amounts, mode=p["mode"]).flatten()), p
    assert rejected == {"reflect", "circular"}


def test_batchnorm_running_states_are_torch_and_d2l_zh_rules(built):
    ex = built["batchnorm_running"]
    batches = explore.running_batches()
    assert ex.meta["bm"] == pytest.approx([b.mean().item() for b in batches], abs=1e-4)
    by = {}
    for p, state in zip(ex.grid(), ex.states, strict=True):
        m = p["momentum"]
        by[m] = state
        rm, rv, means, variances = torch.zeros(1), torch.ones(1), [], []
        for t, b in enumerate(batches):
            if m is None:  # cumulative average: weight 1/k for batch k (notebook 07)
                means.append(sum(x.mean().item() for x in batches[:t + 1]) / (t + 1))
                variances.append(sum(x.var().item() for x in batches[:t + 1]) / (t + 1))
            else:  # the functional form updates the buffers in place, as the module does
                F.batch_norm(b, rm, rv, training=True, momentum=m)
                means.append(rm.item())
                variances.append(rv.item())
        assert state["tm"] == pytest.approx(means, abs=2e-4) and state["tv"] == pytest.approx(variances, abs=2e-4), m
        assert ("dm" in state) == (m is not None)
    # d2l-zh's rule with m is torch's with 1 - m for the mean; not for the variance (biased against unbiased)
    for d2l, torch_m in ((0.9, 0.1), (0.5, 0.5)):
        assert by[d2l]["dm"] == pytest.approx(by[torch_m]["tm"], abs=2e-4)
        assert by[d2l]["dv"] != pytest.approx(by[torch_m]["tv"], abs=1e-3)
    assert by[1.0]["dm"] == [0] * len(batches)  # d2l-zh with 1.0 never moves; torch with 1.0 is the last batch
    assert by[1.0]["tm"] == pytest.approx(ex.meta["bm"], abs=1e-4)


def test_channels_pooling_keeps_each_channel_and_convolution_sums_their_parts(built):
    """03's explorer: max pooling gives one map per channel, each the pooling of that channel alone; the
    convolution gives one map, and the parts shown are each channel's cross-correlation with its kernel slice,
    which add up to torch's output."""
    ex = built["channels"]
    size, k = ex.meta["size"], ex.meta["k"]
    x = torch.tensor(ex.meta["x"], dtype=torch.float32).reshape(1, 3, *size)
    w = torch.tensor(ex.meta["w"], dtype=torch.float32).reshape(1, 3, *k)
    assert x.tolist()[0] == explore.SAMPLE_03 and w.tolist()[0] == explore.KERNEL_03
    seen = set()
    for p, state in zip(ex.grid(), ex.states, strict=True):
        c, xc = p["channels"], x[:, :p["channels"]]
        seen.add((c, p["op"]))
        if p["op"] == "max_pool2d":
            y = F.max_pool2d(xc, k, stride=1)
            assert state["o"] == [c, 3, 3] == list(y.shape[1:]) and state["v"] == y.flatten().tolist(), p
            alone = [F.max_pool2d(x[:, i:i + 1], k, stride=1).flatten().tolist() for i in range(c)]
            assert [state["v"][i * 9:(i + 1) * 9] for i in range(c)] == alone, p
            assert "p" not in state
        else:
            y = F.conv2d(xc, w[:, :c])
            assert state["o"] == [1, 3, 3] == list(y.shape[1:]) and state["v"] == y.flatten().tolist(), p
            parts = torch.tensor(state["p"], dtype=torch.float32).reshape(c, 3, 3)
            for i in range(c):
                assert torch.equal(parts[i], F.conv2d(x[:, i:i + 1], w[:, i:i + 1])[0, 0]), (p, i)
            assert torch.equal(parts.sum(0), y[0, 0]), p
            assert c == 1 or not all(parts[i].eq(0).all() for i in range(1, c))  # every channel adds something
        assert torch.equal(taps(state, size, k, (0, 0), (1, 1)), covered(size, k, 1)), p
    assert seen == {(c, op) for c in (1, 2, 3) for op in ("max_pool2d", "conv2d")}


def test_an_explorer_built_in_a_chinese_notebook_says_everything_in_chinese(monkeypatch, tmp_path):
    """Built while Chinese is spoken (the book's Chinese edition) or in a kernel running a notebooks-zh/ notebook
    (JupyterLab names it in JPY_SESSION_NAME): Chinese title, labels and every sentence template the front end
    fills in; the states are the same numbers."""
    from grader.runtime import messages

    cjk = re.compile(r"[\u4e00-\u9fff]")
    english = explore.channels()
    with messages.speaking("zh-CN"):
        spoken = explore.channels()
    zh = json.loads((ROOT / "notebooks-zh" / "03_multichannel" / "03_multichannel.ipynb").read_text(encoding="utf-8"))
    (tmp_path / "03_multichannel.ipynb").write_text(json.dumps(zh), encoding="utf-8")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "03_multichannel.ipynb"))
    in_lab = explore.channels()
    for ex in (spoken, in_lab):
        assert ex.language == "zh-CN" and ex.states == english.states
        assert cjk.search(ex.title) and cjk.search(ex.pick) and cjk.search(ex.controls[0].label), ex.title
        assert set(ex.text) == set(explore.TEXT)
        not_chinese = [k for k, v in ex.text.items() if not cjk.search(v)]
        assert not not_chinese, not_chinese
        assert ex.text["conv_channels"] != english.text["conv_channels"]
        page = ex._repr_mimebundle_()
        assert cjk.search(page["text/plain"]) and 'lang="zh-CN"' in page["text/html"]
        assert ex.text["conv_channels"] in page["text/html"]  # the templates travel in the payload, unescaped
    assert english.language == "en" and not any(cjk.search(v) for v in english.text.values())
    assert not cjk.search(english.title) and 'lang="zh-CN"' not in english.html()


def test_the_output_holds_the_module_and_every_state_and_fits_the_budget(built):
    sizes = {}
    for name, ex in built.items():
        page = ex._repr_mimebundle_()["text/html"]
        sizes[name] = len(page.encode())
        assert page.count("<script") == 3 and page.count("</script>") == 3, name
        assert "FMExplorer.mount" in page and explore.MODULE.read_text()[:200] in page
        data = json.loads(re.search(r'<script type="application/json" class="fm-data">(.*?)</script>', page, re.S).group(1))
        assert len(data["states"]) == len(ex.states)
        assert [data["errors"][s["e"]] if "e" in s else s for s in data["states"]] == [
            s if "e" not in s else s["e"] for s in ex.states]
        assert sizes[name] < BUDGET, f"{name}: {sizes[name]} bytes"
    print(sizes)


def test_explorers_compute_nothing_while_nbgrader_grades():
    code = ("import os, time\nos.environ['NBGRADER_EXECUTION'] = 'autograde'\nt = time.monotonic()\n"
            "from grader import explore\nimport sys\n"
            "shown = [repr(f()) for f in explore.EXPLORERS.values()]\n"
            "print(time.monotonic() - t, 'torch' in sys.modules, shown)\n")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    seconds, torch_loaded, shown = out.stdout.split(" ", 2)
    assert float(seconds) < 0.5 and torch_loaded == "False", out.stdout
    assert shown.count("not built while grading") == len(explore.EXPLORERS)
    assert time.monotonic() - started < 60
