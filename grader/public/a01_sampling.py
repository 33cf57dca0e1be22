"""01_sampling: downsample, pool2d, upsample_nearest, upsample_bilinear.

The public part of the spec, all that a learner's check reads. grader/exercises/a01_sampling.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.messages import N_
from grader.runtime.spec import Arg, Example, Exercise, Hint, shape_differs

ASSIGNMENT = "01_sampling"

X = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
A = torch.tensor([[[[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]]])
B = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
C = torch.tensor([[[[7.0, 3, 5, 2], [8, 7, 1, 6], [4, 9, 3, 9], [0, 8, 4, 5]]]])  # the convolution article's input
NO_POOLING = ("max_pool", "avg_pool", "adaptive_", "upsample", "fractional_max_pool")


def every_factor(x, factor):
    return x[:, :, ::factor, ::factor]


def reference_pool2d(x, kernel_size, mode="max"):
    return F.max_pool2d(x, kernel_size) if mode == "max" else F.avg_pool2d(x, kernel_size)


def overlap(case, expected, got):
    """Windows moved by 1 instead of by their size: an output of (H - kh + 1) × (W - kw + 1), the sizes it names."""
    if not shape_differs(case, expected, got):
        return None
    try:
        k = case["kernel_size"]
        kh, kw = (k, k) if isinstance(k, int) else tuple(k)
        H, W = case["x"].shape[-2:]
        if tuple(got.shape[-2:]) != (H - kh + 1, W - kw + 1):
            return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return dict(rows=H - kh + 1, cols=W - kw + 1, kh=kh, kw=kw, out_rows=H // kh, out_cols=W // kw)


POOL2D_HINT = Hint(
    first=[(overlap, N_("the windows overlap: yours move by 1 (stride 1) and give {rows}×{cols} outputs; pooling here "
                        "moves each window by its own size ({kh}, {kw}), so windows do not overlap and the output is "
                        "floor(H / kh) × floor(W / kw) = {out_rows}×{out_cols}"))],
    shape=N_("a window that does not fit wholly inside the input is dropped: the output has floor(H / kh) rows"),
    when=[(Arg("mode", is_="avg"), N_("average = sum of the window / number of elements in it (kh * kw)"))],
    default=N_("each output is the maximum of its own kh×kw window; windows do not overlap"))


def reference_nearest(x, scale_factor):
    return F.interpolate(x, scale_factor=scale_factor, mode="nearest")


def reference_bilinear(x, size, align_corners=False):
    return F.interpolate(x, size=size, mode="bilinear", align_corners=align_corners)


BILINEAR_HINT = Hint(
    shape=N_("size is the output (height, width); an int means the same for both"),
    when=[(Arg("align_corners"), N_("align_corners=True: src = j * (in - 1) / (out - 1), and 0 when out == 1"))],
    default=N_("align_corners=False: src = (j + 0.5) * in / out - 0.5, clamped at 0 before taking floor"))


POOL_ROUTES = "F.max_pool2d / F.avg_pool2d or nn.MaxPool2d / nn.AvgPool2d"
NO_INTERPOLATE = ("upsample", "max_unpool", "pixel_shuffle", "grid_sampler", "affine_grid")

EXERCISES = [
    Exercise(
        "downsample", 2, every_factor, groups={"examples": 0.5, "values": 1, "gradients": 0.5},
        examples=[Example("downsample(X, 2) with X = arange(16) as 1×1×4×4", dict(x=X, factor=2),
                          torch.tensor([[[[0.0, 2.0], [8.0, 10.0]]]])),
                  Example("downsample(X, 3) keeps rows and columns 0 and 3", dict(x=X, factor=3))],
        visible=[dict(x=rand(2, 3, 5, 7), factor=2)],
        banned=NO_POOLING, routes="F.max_pool2d, F.avg_pool2d or F.interpolate",
        hint=N_("the first kept row and column are index 0, then every factor-th one")),
    Exercise(
        "pool2d", 3, reference_pool2d, groups={"examples": 1, "values": 1.5, "gradients": 0.5},
        examples=[Example("pool2d(A, 2), the article's worked example", dict(x=A, kernel_size=2),
                          torch.tensor([[[[6.0, 8.0], [3.0, 4.0]]]])),
                  Example('pool2d(A, 2, mode="avg")', dict(x=A, kernel_size=2, mode="avg"),
                          torch.tensor([[[[3.25, 5.25], [2.0, 2.0]]]])),
                  Example("pool2d on 1×16×28×28 halves height and width",
                          dict(x=torch.linspace(-1, 1, 16 * 28 * 28).reshape(1, 16, 28, 28), kernel_size=2)),
                  Example("pool2d(C, 2), the convolution article's max pooling: [[8, 6], [9, 9]]",
                          dict(x=C, kernel_size=2),
                          torch.tensor([[[[8.0, 6.0], [9.0, 9.0]]]]))],
        visible=grid(x=[rand(2, 3, 6, 5)], kernel_size=[2], mode=["max", "avg"]),
        banned=("max_pool", "avg_pool", "adaptive_", "fractional_max_pool", "upsample"), routes=POOL_ROUTES,
        hint=POOL2D_HINT),
    Exercise(
        "upsample_nearest", 2, reference_nearest, groups={"examples": 0.5, "values": 1, "gradients": 0.5},
        examples=[Example("upsample_nearest(B, 2)", dict(x=B, scale_factor=2),
                          torch.tensor([[[[1.0, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]))],
        visible=[dict(x=rand(2, 3, 3, 2), scale_factor=3)],
        banned=("upsample", "max_unpool", "pixel_shuffle"), routes="F.interpolate or nn.Upsample",
        hint=N_("output row i comes from input row i // scale_factor (and the same for columns)")),
    Exercise(
        "upsample_bilinear", 3, reference_bilinear, groups={"examples": 1, "values": 1.5, "gradients": 0.5},
        examples=[Example("upsample_bilinear(B, (4, 4), align_corners=True)", dict(x=B, size=(4, 4), align_corners=True),
                          torch.tensor([[[[1.0, 4 / 3, 5 / 3, 2.0], [5 / 3, 2.0, 7 / 3, 8 / 3],
                                          [7 / 3, 8 / 3, 3.0, 10 / 3], [3.0, 10 / 3, 11 / 3, 4.0]]]])),
                  Example("upsample_bilinear(B, 4): first row [1, 1.25, 1.75, 2]", dict(x=B, size=4))],
        visible=grid(x=[rand(1, 2, 3, 4)], size=[(5, 7)], align_corners=[False, True]),
        banned=("upsample", "grid_sampler", "affine_grid"), routes="F.interpolate, nn.Upsample or F.grid_sample",
        hint=BILINEAR_HINT),
]
