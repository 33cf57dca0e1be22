"""Explorers: move a slider and see which cells a pooling window, a padding mode or an upsampled pixel reads.

Each explorer is a small grid of slider values (kernel, stride, padding, mode, ...) and, for every point
of the grid, a *state* that torch computed: the windows over the padded input, the output values and
size, or torch's own error message where torch rejects the arguments. ``explorer.js`` (one JavaScript
module, beside this file) draws a state as SVG, wires the sliders (native range inputs: arrow keys,
Home and End) and writes the same facts as text (an ``aria-live`` summary and a list of every window).

Why a precomputed grid and no ipywidgets (or anywidget) round trip: the cell's output is ``text/html``
that holds the module and every state. So the same output works in JupyterLab after the cell has run
(torch computed the states in that kernel), in the course book opened from ``file://`` with no kernel,
and in a saved notebook, where a widget would be dead without its kernel (ipywidgets #2069, #1903).
A grid of a few hundred to a few thousand states is 10 to 100 KB, and a kernel round trip per slider
step would add nothing that the grid lacks; the ``*_state`` functions compute one state for any
arguments, off the grid, when a learner wants that. One front end also means one browser test.

Where ``NBGRADER_EXECUTION`` is set (nbgrader's autograde and validate) an explorer computes nothing
and shows one line of text: explorers never cost anything at grading time.

Every word an explorer shows is in the language of the notebook that runs it: the title, the labels
and the sentences that ``explorer.js`` fills in (:data:`TEXT`, templates with ``{fields}``) are said
through :mod:`grader.runtime.messages` when the explorer is built, so a Chinese notebook (``notebooks-zh/``,
or the book's Chinese edition, whose cells run while Chinese is spoken) gets Chinese labels, and the
front end translates nothing itself.

This package imports torch and, of the rest of ``grader``, only :mod:`grader.runtime.messages`: it is
teaching code that the learner kit carries (``grader/kit.py``).
"""
from __future__ import annotations

import html
import itertools
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from grader.runtime.messages import ENGLISH, N_, here, language, say, speaking

MODULE = Path(__file__).with_name("explorer.js")
Number = int | float


# The sentences explorer.js writes, as templates whose {fields} it fills in: said (translated) in Python when an
# explorer is built and carried in its payload, so the front end has no catalog of its own.
TEXT = {
    # every explorer
    "sliders": N_("sliders"),
    "list": N_("Every window, pixel or cell as text"),
    "of": N_("{n} of {total}"),
    "none": N_("none"),
    "rejected": N_("Torch rejects these arguments."),
    "to": N_("{a} to {b}"),
    "input": N_("input {h}×{w}"),
    "output": N_("output {h}×{w}"),
    "rows": N_("rows:    {bins}"),
    "columns": N_("columns: {bins}"),
    "noscript": N_("{title}: this explorer needs JavaScript."),
    "plain": N_("{title}: {n} states computed by torch (run in JupyterLab or open the course book to move the sliders)"),
    # pooling windows (02 and 01)
    "padded_input": N_("input {h}×{w}, padded"),
    "geometry_legend": N_("Grey cells: padding (max pooling pads with −∞). Dashed cells: beyond the padding, which "
                          "only ceil_mode's last window may reach. Numbers: the input, arange({n})."),
    "dropped": N_("{formula} − 1 (that window would start in the right padding)"),
    "windows": N_("Output {h}×{w}: {n} windows."),
    "window": N_("window ({i}, {j}): rows {rows}, columns {columns}"),
    "window_input": N_("{window} of the input (negative or past the end: padding or beyond)"),
    "pool_window": N_("window ({i}, {j}): rows {rows}, columns {columns}; {mode} = {value}"),
    # adaptive pooling (04)
    "adaptive_legend": N_("The formula's bins, [⌊i·n/out⌋, ⌈(i+1)·n/out⌉); the drawing shows torch's. Numbers: the "
                          "input arange({n}) and the averages of the bins."),
    "bins": N_("Output {h}×{w}: {n} bins."),
    "bin": N_("bin ({i}, {j}): rows [{r0}, {r1}), columns [{c0}, {c1}); mean = {value}"),
    # BatchNorm's running statistics (07)
    "chart": N_("{label}: from {lo} to {hi}"),
    "mean": N_("mean"),
    "variance": N_("variance"),
    "running_legend": N_("Grey dots: each batch's mean and (unbiased) variance; the data shift from mean 2 to mean 5 "
                         "halfway. Blue: torch's running_mean and running_var (new = (1 − m)·old + m·batch). Orange, "
                         "dashed: d2l-zh v2's rule with the same number (new = m·old + (1 − m)·batch, biased variance)."),
    "running_call": N_("training mode, one batch per step"),
    "running_none": N_("momentum=None: torch's cumulative average; d2l-zh has no such setting."),
    "step": N_("step {t}: batch mean {bm}, variance {bv}; torch running_mean {tm}, running_var {tv}"),
    "step_d2l": N_("{step}; d2l-zh rule {dm}, {dv}"),
    "running_summary": N_("momentum={m}: after {n} steps torch's running_mean is {tm}."),
    "running_summary_d2l": N_("momentum={m}: after {n} steps torch's running_mean is {tm}, d2l-zh's rule gives {dm}."),
    # upsampling (01)
    "upsample_legend": N_("Red: the input pixels that the picked output pixel reads, each with its weight. Torch gave "
                          "the weights: each input pixel's one-hot map, interpolated the same way."),
    "upsampled": N_("Output {h}×{w}."),
    "pixel": N_("output ({i}, {j}) = {terms} = {value}"),
    # padding modes (05)
    "pad_legend": N_("The input is arange({n}), so each padded value names the input cell it copies. Grey: padding "
                     "(constant mode fills 0). Blue box: the input."),
    "padded": N_("padded {h}×{w}"),
    "padded_size": N_("Padded size {h}×{w}."),
    "padded_cell": N_("padded ({i}, {j}) = {v}: {source}"),
    "fill": N_("the fill value 0"),
    "source": N_("input ({r}, {c})"),
    # channels (03)
    "channel_input": N_("channel {c}: input {h}×{w}"),
    "kernel_slice": N_("kernel slice {c}"),
    "pooled": N_("channel {c} pooled, {h}×{w}"),
    "part": N_("part {c}, {h}×{w}"),
    "channels_legend": N_("Red: the picked window in every channel. Max pooling takes the maximum of each channel's "
                          "window on its own; the convolution multiplies each channel's window by that channel's "
                          "kernel slice, adds the products (the channel's part) and then adds the parts."),
    "pool_channels": N_("Channels in: {c}, out: {c}. Max pooling works on each channel on its own: {c} maps of {h}×{w}."),
    "conv_channels": N_("Channels in: {c}, out: 1. Each channel, cross-correlated with its kernel slice, gives one part; "
                        "the output is the sum of the {c} parts: one map of {h}×{w}."),
    "pool_items": N_("window ({i}, {j}): rows {rows}, columns {columns}; the maximum of each channel: {values}"),
    "conv_items": N_("window ({i}, {j}): rows {rows}, columns {columns}; the channels' parts {parts} add up to {value}"),
}


def said() -> dict[str, str]:
    """:data:`TEXT` in the language being spoken."""
    return {key: say(template) for key, template in TEXT.items()}


def speaking_here():
    """Say what is built inside in the notebook's language: the one being spoken if it is not English (the book's
    Chinese edition, a test), else the language of the notebook this kernel runs (``grader.runtime.messages.here``)."""
    return speaking(language() if language() != ENGLISH else here())


@dataclass
class Control:
    """One slider: its name (the state's argument), its label and the values it steps through."""
    name: str
    label: str
    values: list
    start: object = None  # the value it starts at (default: the first)

    def as_json(self) -> dict:
        return {"name": self.name, "label": self.label,
                "shown": [(str(v) if isinstance(v, bool) or v is None else json.dumps(v)) for v in self.values],
                "start": self.values.index(self.start) if self.start in self.values else 0}


@dataclass
class Explorer:
    """An explorer: its kind (which drawing), title, sliders, what every state shares (``meta``) and
    the states, one per point of the sliders' grid in row-major order (the last slider moves fastest).
    ``text``: :data:`TEXT` in the language spoken when it was built (build it inside :func:`speaking_here`)."""
    kind: str
    title: str
    controls: list[Control]
    meta: dict
    states: list[dict] = field(default_factory=list)
    pick: str = "window"  # the label of the slider that picks one window (or pixel, or cell) of a state
    text: dict[str, str] = field(default_factory=said)
    language: str = field(default_factory=language)

    def grid(self):
        """Every point of the grid as a dict of argument values, in the order of ``states``."""
        for values in itertools.product(*(c.values for c in self.controls)):
            yield dict(zip([c.name for c in self.controls], values, strict=True))

    def payload(self) -> str:
        """The explorer as JSON for the front end ("<" escaped, so it can stand inside a script element)."""
        errors = sorted({s["e"] for s in self.states if "e" in s})  # each message once; a state names its index
        states = [{"e": errors.index(s["e"])} if "e" in s else s for s in self.states]
        data = {"kind": self.kind, "title": self.title, "pick": self.pick, "meta": self.meta, "errors": errors,
                "controls": [c.as_json() for c in self.controls], "text": self.text, "states": states}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")

    def html(self) -> str:
        """The output: a container, the states as JSON, the module and the line that mounts it here."""
        uid = f"fm-explorer-{secrets.token_hex(4)}"
        lang = {"zh-CN": ' lang="zh-CN"'}.get(self.language, "")
        return (f'<div class="fm-explorer" id="{uid}" data-kind="{self.kind}"{lang}>'
                f'<noscript>{html.escape(self.text["noscript"].format(title=self.title))}</noscript>'
                f'<script type="application/json" class="fm-data">{self.payload()}</script>'
                f"<script>{module_source()}</script>"
                "<script>window.FMExplorer.mount(document.currentScript.parentNode);</script></div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text["plain"].format(title=self.title, n=len(self.states)),
                "text/html": self.html()}


class Skipped:
    """What an explorer shows while nbgrader grades: one line, nothing computed."""

    def __init__(self, title: str):
        self.title = title

    def __repr__(self) -> str:
        return f"{self.title}: not built while grading"


def grading() -> bool:
    return bool(os.environ.get("NBGRADER_EXECUTION"))


@cache
def module_source() -> str:
    return MODULE.read_text(encoding="utf-8").replace("</script", "<\\/script")


def torch_error(e: Exception) -> str:
    """Torch's message, as the learner would read it: its first line, with the exception's class."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"


def rounded(values, places: int = 4) -> list:
    """A tensor's values as a flat list of Python numbers (ints where whole, else rounded)."""
    out = []
    for v in values.flatten().tolist():
        r = round(float(v), places)
        out.append(int(r) if r == int(r) else r)
    return out


# -- 02: pooling geometry -------------------------------------------------------------------------------

def pool_geometry_state(size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int],
                        padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool) -> dict:
    """What ``F.max_pool2d`` does on an H×W input (``size``) with these (h, w) arguments.

    ``o``: torch's output size (rows, columns); ``r`` and ``c``: the first row (column) of each window,
    in padded coordinates (0 is the first row of the top padding, so input row ``i`` is ``i + padding``):
    window ``i`` starts at ``i * stride``. Or ``e``: torch's error where it rejects the arguments.
    """
    import torch
    import torch.nn.functional as F

    x = torch.arange(size[0] * size[1], dtype=torch.float32).reshape(1, 1, *size)
    try:
        y = F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)
    except RuntimeError as e:
        return {"e": torch_error(e)}
    oh, ow = y.shape[-2:]
    return {"o": [oh, ow], "r": [i * stride[0] for i in range(oh)], "c": [j * stride[1] for j in range(ow)]}


def pool_geometry(size: tuple[int, int] = (4, 5)) -> Explorer | Skipped:
    """02's explorer: kernel, stride, padding and dilation per dimension, and ``ceil_mode``."""
    title = N_("Pooling windows: kernel, stride, padding, dilation, ceil_mode")
    if grading():
        return Skipped(title)
    dims = [("kernel", [1, 2, 3]), ("stride", [1, 2, 3]), ("padding", [0, 1]), ("dilation", [1, 2])]
    start = {"kernel": 3, "stride": 2, "padding": 1, "dilation": 1}  # the notebook's MaxPool2d(3, padding=1, stride=2)
    with speaking_here():
        labels = {"h": say("{name} (height)", name="{name}"), "w": say("{name} (width)", name="{name}")}
        controls = [Control(f"{name}_{d}", labels[d].format(name=name), values, start[name])
                    for name, values in dims for d in ("h", "w")]
        controls.append(Control("ceil_mode", "ceil_mode", [False, True]))
        ex = Explorer("geometry", say(title), controls, {"size": list(size)}, pick=say("window"))
    for p in ex.grid():
        ex.states.append(pool_geometry_state(size, *[(p[f"{n}_h"], p[f"{n}_w"]) for n, _ in dims], p["ceil_mode"]))
    return ex


# -- 01: pooling windows with values, and upsampling ---------------------------------------------------

SAMPLE_01 = [[3, 1, 4, 1, 5, 9], [2, 6, 5, 3, 5, 8], [9, 7, 9, 3, 2, 3], [8, 4, 6, 2, 6, 4],
             [3, 3, 8, 3, 2, 7], [9, 5, 0, 2, 8, 8]]  # the digits of pi: a 6×6 map whose maxima move around


def pooling_state(x, kernel: int, stride: int, mode: str) -> dict:
    """``F.max_pool2d`` or ``F.avg_pool2d`` of ``x`` (1×1×H×W), no padding: output size ``o``, the windows'
    first rows ``r`` and columns ``c`` (window ``i`` starts at ``i * stride``) and the values ``v``, or ``e``."""
    import torch.nn.functional as F

    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    try:
        y = pool(x, kernel, stride)
    except RuntimeError as e:
        return {"e": torch_error(e)}
    oh, ow = y.shape[-2:]
    return {"o": [oh, ow], "r": [i * stride for i in range(oh)], "c": [j * stride for j in range(ow)],
            "v": rounded(y)}


def pooling_windows() -> Explorer | Skipped:
    """01's pooling explorer: a 6×6 map, window 1 to 4, stride 1 to 4, max or average."""
    title = N_("Pooling windows: max and average")
    if grading():
        return Skipped(title)
    import torch

    x = torch.tensor(SAMPLE_01, dtype=torch.float32).reshape(1, 1, 6, 6)
    controls = [Control("kernel", "kernel_size", [1, 2, 3, 4], 2), Control("stride", "stride", [1, 2, 3, 4], 2),
                Control("mode", "mode", ["max", "avg"])]
    with speaking_here():
        ex = Explorer("pool", say(title), controls, {"size": [6, 6], "x": rounded(x)}, pick=say("window"))
    ex.states = [pooling_state(x, p["kernel"], p["stride"], p["mode"]) for p in ex.grid()]
    return ex


SAMPLE_UP = [[1, 2, 4], [3, 5, 0], [6, 2, 8]]


def upsample_state(x, mode: str, align_corners: bool, by: str, factor: float) -> dict:
    """``F.interpolate`` of ``x`` (1×1×H×W) with ``scale_factor=factor`` or ``size=floor(H*factor)``.

    ``o``: the output size; ``v``: the output values; ``w``: for every output pixel (row-major), the input
    pixels it reads and their weights as ``[index, weight, ...]``, from torch itself (each input pixel's
    one-hot map interpolated the same way). Or ``e``: torch's error (nearest takes no ``align_corners``).
    """
    import torch
    import torch.nn.functional as F

    h, w = x.shape[-2:]
    if by == "size":
        kwargs = {"size": (int(h * factor), int(w * factor))}
    else:
        kwargs = {"scale_factor": factor}
    if mode == "bilinear" or align_corners:
        kwargs["align_corners"] = align_corners
    try:
        y = F.interpolate(x, mode=mode, **kwargs)
        onehot = torch.eye(h * w, dtype=torch.float64).reshape(h * w, 1, h, w)
        weights = F.interpolate(onehot, mode=mode, **kwargs)  # (input pixel, 1, out_h, out_w)
    except (RuntimeError, ValueError) as e:
        return {"e": torch_error(e)}
    oh, ow = y.shape[-2:]
    per_pixel = weights.reshape(h * w, oh * ow).T
    table = []
    for row in per_pixel:
        pairs = []
        for i in row.nonzero().flatten().tolist():
            pairs += [i, round(float(row[i]), 4)]
        table.append(pairs)
    return {"o": [oh, ow], "v": rounded(y, 3), "w": table}


def upsampling() -> Explorer | Skipped:
    """01's upsampling explorer: nearest or bilinear, align_corners, ``size`` or ``scale_factor``."""
    title = N_("Upsampling: which input pixels make one output pixel")
    if grading():
        return Skipped(title)
    import torch

    x = torch.tensor(SAMPLE_UP, dtype=torch.float32).reshape(1, 1, 3, 3)
    with speaking_here():
        controls = [Control("mode", "mode", ["nearest", "bilinear"], "bilinear"),
                    Control("align_corners", "align_corners", [False, True]),
                    Control("by", say("given as"), ["scale_factor", "size"]),
                    Control("factor", say("factor"), [1.5, 2, 2.5], 2)]
        ex = Explorer("upsample", say(title), controls, {"size": [3, 3], "x": rounded(x)}, pick=say("output pixel"))
    ex.states = [upsample_state(x, p["mode"], p["align_corners"], p["by"], p["factor"]) for p in ex.grid()]
    return ex


# -- 04: adaptive pooling bins ---------------------------------------------------------------------------

@cache
def torch_bins(n: int, out: int) -> tuple[tuple[int, int], ...]:
    """The bins of adaptive pooling from ``n`` cells to ``out`` along one dimension, as ``(start, stop)``: read
    from torch (an adaptive max pooling of the ``n`` one-hot inputs says which cells each bin holds)."""
    import torch
    import torch.nn.functional as F

    inside = F.adaptive_max_pool2d(torch.eye(n).reshape(n, 1, n, 1), (out, 1)).reshape(n, out) == 1
    spans = []
    for i in range(out):
        cells = inside[:, i].nonzero().flatten().tolist()
        spans.append((cells[0], cells[-1] + 1))
    return tuple(spans)


def adaptive_state(size: tuple[int, int], output_size: tuple[int, int]) -> dict:
    """``F.adaptive_avg_pool2d`` of ``arange(H*W)`` (H×W = ``size``) to ``output_size``: ``o`` the output size,
    ``r`` and ``c`` the bins of rows and columns as ``[start, stop]`` (:func:`torch_bins`) and ``v`` the averages."""
    import torch
    import torch.nn.functional as F

    h, w = size
    y = F.adaptive_avg_pool2d(torch.arange(h * w, dtype=torch.float32).reshape(1, 1, h, w), output_size)
    return {"o": list(y.shape[-2:]), "r": [list(b) for b in torch_bins(h, output_size[0])],
            "c": [list(b) for b in torch_bins(w, output_size[1])], "v": rounded(y, 3)}


def adaptive_bins() -> Explorer | Skipped:
    """04's explorer: the bins of adaptive pooling for inputs of 3 to 7 and outputs of 1 to 5 per dimension."""
    title = N_("Adaptive pooling: the bins for any input and output size")
    if grading():
        return Skipped(title)
    with speaking_here():
        controls = [Control("in_h", say("input height"), [3, 4, 5, 6, 7], 7),
                    Control("in_w", say("input width"), [3, 4, 5, 6, 7], 6),
                    Control("out_h", say("output height"), [1, 2, 3, 4, 5], 3),
                    Control("out_w", say("output width"), [1, 2, 3, 4, 5], 3)]
        ex = Explorer("adaptive", say(title), controls, {}, pick=say("bin"))
    ex.states = [adaptive_state((p["in_h"], p["in_w"]), (p["out_h"], p["out_w"])) for p in ex.grid()]
    return ex


# -- 05: padding modes ----------------------------------------------------------------------------------

def padding_state(x, mode: str, left: int, right: int, top: int, bottom: int) -> dict:
    """``F.pad(x, (left, right, top, bottom), mode=mode)`` of ``x`` = ``arange(H*W)`` (so each padded value
    is the index of the input cell it copies; constant mode fills 0): ``o`` the padded size and ``v`` its
    values as one string of digits, or ``e``: torch's error."""
    import torch.nn.functional as F

    try:
        y = F.pad(x, (left, right, top, bottom), mode=mode)
    except (RuntimeError, NotImplementedError, ValueError) as e:
        return {"e": torch_error(e)}
    return {"o": list(y.shape[-2:]), "v": "".join(str(int(v)) for v in y.flatten().tolist())}


def padding_modes(size: tuple[int, int] = (2, 3)) -> Explorer | Skipped:
    """05's explorer: the four modes of ``F.pad`` on an H×W input, 0 to 3 cells on each side."""
    title = N_("Padding modes: constant, reflect, replicate, circular")
    if grading():
        return Skipped(title)
    import torch

    assert size[0] * size[1] <= 10, "the states write each value as one digit"
    x = torch.arange(size[0] * size[1], dtype=torch.float32).reshape(1, 1, *size)
    amounts = [0, 1, 2, 3]
    with speaking_here():
        sides = {"left": say("left"), "right": say("right"), "top": say("top"), "bottom": say("bottom")}
        controls = [Control("mode", "mode", ["constant", "reflect", "replicate", "circular"], "reflect"),
                    *(Control(side, label, amounts, 1) for side, label in sides.items())]
        ex = Explorer("pad", say(title), controls, {"size": list(size)}, pick=say("padded cell"))
    ex.states = [padding_state(x, **p) for p in ex.grid()]
    return ex


# -- 07: BatchNorm's running statistics -----------------------------------------------------------------

def running_batches(steps: int = 30):
    """The batches the 07 explorer feeds: ``steps`` batches of 8×1×4×4 whose mean is 2 for the first half and
    5 after it (the data shift, as when the weights below the layer change), standard deviation 1."""
    import torch

    g = torch.Generator().manual_seed(7)
    return [torch.randn(8, 1, 4, 4, generator=g) + (2.0 if t < steps // 2 else 5.0) for t in range(steps)]


def running_state(batches, momentum: float | None) -> dict:
    """``nn.BatchNorm2d(1, momentum=momentum)`` in training mode fed ``batches``: its ``running_mean`` (``tm``)
    and ``running_var`` (``tv``) after each step; and d2l-zh v2's rule with the same number, where momentum is
    the weight of the old value and the variance is the biased one (``dm``, ``dv``; none for None)."""
    import torch
    from torch import nn

    layer = nn.BatchNorm2d(1, momentum=momentum)
    tm, tv, dm, dv = [], [], [], []
    mean, var = torch.zeros(1), torch.ones(1)
    for b in batches:
        layer(b)
        tm.append(layer.running_mean.item())
        tv.append(layer.running_var.item())
        if momentum is not None:  # d2l-zh v2's batch_norm: moving = momentum · moving + (1 − momentum) · batch
            mean = momentum * mean + (1 - momentum) * b.mean(dim=(0, 2, 3))
            var = momentum * var + (1 - momentum) * b.var(dim=(0, 2, 3), unbiased=False)
            dm.append(mean.item())
            dv.append(var.item())
    out = {"o": [len(batches)], "tm": [round(v, 4) for v in tm], "tv": [round(v, 4) for v in tv]}
    if momentum is not None:
        out.update(dm=[round(v, 4) for v in dm], dv=[round(v, 4) for v in dv])
    return out


def batchnorm_running() -> Explorer | Skipped:
    """07's explorer: running statistics over 30 training steps for one momentum, torch's rule and d2l-zh's."""
    title = N_("BatchNorm's running statistics: momentum, torch's rule and d2l-zh's")
    if grading():
        return Skipped(title)
    batches = running_batches()
    meta = {"bm": [round(b.mean().item(), 4) for b in batches],
            "bv": [round(b.var().item(), 4) for b in batches]}  # unbiased, what torch stores
    with speaking_here():
        ex = Explorer("running", say(title),
                      [Control("momentum", "momentum", [0.01, 0.05, 0.1, 0.2, 0.5, 0.9, 1.0, None], 0.1)],
                      meta, pick=say("step"))
    ex.states = [running_state(batches, p["momentum"]) for p in ex.grid()]
    return ex


# -- 03: channels: pooling keeps them, convolution sums them ---------------------------------------------

SAMPLE_03 = [[[1, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 2], [2, 0, 4, 1]],
             [[0, 1, 1, 0], [2, 0, 3, 1], [1, 2, 0, 2], [3, 1, 1, 0]],
             [[2, 0, 1, 1], [0, 3, 0, 2], [1, 1, 2, 0], [0, 2, 1, 3]]]  # 3 channels of 4×4
KERNEL_03 = [[[0, 1], [2, 3]], [[2, 0], [1, -1]], [[1, 1], [1, 1]]]  # one 2×2 slice per input channel


def channels_state(x, weight, op: str) -> dict:
    """2×2 windows, stride 1, over ``x`` (1×C×H×W). ``op="max_pool2d"``: ``F.max_pool2d(x, 2, 1)``, one map per
    channel (``o`` = [C, oh, ow], ``v`` their values). ``op="conv2d"``: ``F.conv2d(x, weight)`` with ``weight``
    1×C×2×2, one map (``o`` = [1, oh, ow], ``v``), and ``p`` the C parts it adds up: each channel cross-correlated
    with its slice of ``weight`` (``F.conv2d`` with ``groups=C``), C maps. ``r``, ``c``: the windows' first rows
    and columns."""
    import torch.nn.functional as F

    c = x.shape[1]
    if op == "max_pool2d":
        y = F.max_pool2d(x, 2, stride=1)
        out = {"v": rounded(y)}
    else:
        y = F.conv2d(x, weight)
        parts = F.conv2d(x, weight.reshape(c, 1, *weight.shape[-2:]), groups=c)
        out = {"v": rounded(y), "p": rounded(parts)}
    oh, ow = y.shape[-2:]
    return {"o": [y.shape[1], oh, ow], "r": list(range(oh)), "c": list(range(ow)), **out}


def channels() -> Explorer | Skipped:
    """03's explorer: 1 to 3 input channels of 4×4, max pooling (one map per channel) or a convolution with one
    2×2 kernel slice per channel (the channels' parts, and their sum: one map)."""
    title = N_("Channels: pooling keeps them apart, convolution sums them")
    if grading():
        return Skipped(title)
    import torch

    x = torch.tensor(SAMPLE_03, dtype=torch.float32).reshape(1, 3, 4, 4)
    weight = torch.tensor(KERNEL_03, dtype=torch.float32).reshape(1, 3, 2, 2)
    with speaking_here():
        controls = [Control("channels", say("input channels"), [1, 2, 3], 2),
                    Control("op", say("operation"), ["max_pool2d", "conv2d"], "conv2d")]
        ex = Explorer("channels", say(title), controls,
                      {"size": [4, 4], "k": [2, 2], "x": rounded(x), "w": rounded(weight)}, pick=say("window"))
    ex.states = [channels_state(x[:, :p["channels"]], weight[:, :p["channels"]], p["op"]) for p in ex.grid()]
    return ex


EXPLORERS = {"pool_geometry": pool_geometry, "pooling_windows": pooling_windows, "upsampling": upsampling,
             "channels": channels,
             "adaptive_bins": adaptive_bins, "padding_modes": padding_modes, "batchnorm_running": batchnorm_running}
