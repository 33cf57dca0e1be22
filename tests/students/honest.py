"""Honest, varied and correct submissions: what the subset check must never flag.

Unlike the per-assignment modules beside it, this module has no ``ASSIGNMENT`` (so
``students.MODULES`` does not take it for one). ``HONEST[assignment][exercise]`` is a list of
exercise cells as a learner might type them: each defines exactly that function or class, with
helpers, imports and module constants in the same cell, and each is a correct implementation
(full marks on every worked example, visible and hidden case, without the banned torch op).

They differ on purpose from the reference solutions and from the ``LOOP`` submissions, in the
idioms an honest learner reaches for: comprehensions, helpers, ``Tensor.unfold`` / ``F.unfold``,
``as_strided``, ``itertools``, ``math``, ``functools``, ``collections``, ``dataclasses``, classes
with private attributes, ``torch.no_grad()``, custom ``torch.autograd.Function``\\ s, a self-check
with ``grader.check``, numpy constants, ``IPython.display``, type hints, docstrings,
``isinstance`` dispatch, ``ValueError`` messages, warnings and prints to stderr.
"""

# ---------------------------------------------------------------------------------------------------------------
# 01_sampling

_DOWNSAMPLE = [
    # comprehensions, type hints, docstring
    '''
def downsample(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Keep rows and columns 0, factor, 2*factor, ... of an N×C×H×W tensor."""
    rows = [i for i in range(x.shape[2]) if i % factor == 0]
    cols = [j for j in range(x.shape[3]) if j % factor == 0]
    return x[:, :, rows][:, :, :, cols]
''',
    # as_strided with math.ceil
    '''
import math

def downsample(x, factor):
    x = x.contiguous()
    n, c, h, w = x.shape
    sn, sc, sh, sw = x.stride()
    size = (n, c, math.ceil(h / factor), math.ceil(w / factor))
    return x.as_strided(size, (sn, sc, sh * factor, sw * factor), x.storage_offset())
''',
    # Tensor.unfold with windows of one element
    '''
def downsample(x, factor):
    # windows of size 1 every `factor` cells: exactly the kept rows (then columns)
    return x.unfold(2, 1, factor).unfold(3, 1, factor)[..., 0, 0]
''',
]

_POOL2D = [
    # Tensor.unfold and a dict of reducers
    '''
REDUCERS = {
    "max": lambda windows: windows.amax(dim=(-2, -1)),
    "avg": lambda windows: windows.mean(dim=(-2, -1)),
}

def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    windows = x.unfold(2, kh, kh).unfold(3, kw, kw)
    return REDUCERS[mode](windows)
''',
    # itertools.product over the window's offsets, functools.reduce
    '''
import functools
import itertools
import operator

def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    oh, ow = x.shape[2] // kh, x.shape[3] // kw
    taps = [x[:, :, a:a + oh * kh:kh, b:b + ow * kw:kw] for a, b in itertools.product(range(kh), range(kw))]
    if mode == "max":
        return functools.reduce(torch.maximum, taps)
    return functools.reduce(operator.add, taps) / (kh * kw)
''',
    # F.unfold (im2col) on one channel at a time
    '''
def pool2d(x, kernel_size, mode="max"):
    """Pooling with stride = window, no padding."""
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kh, kw = kernel_size
    n, c, h, w = x.shape
    columns = F.unfold(x.reshape(n * c, 1, h, w), kernel_size, stride=kernel_size)  # (N*C, kh*kw, L)
    pooled = columns.amax(dim=1) if mode == "max" else columns.mean(dim=1)
    return pooled.reshape(n, c, h // kh, w // kw)
''',
]

_UPSAMPLE_NEAREST = [
    # an index tensor per dimension
    '''
def upsample_nearest(x, scale_factor):
    rows = torch.div(torch.arange(x.shape[2] * scale_factor), scale_factor, rounding_mode="floor")
    cols = torch.div(torch.arange(x.shape[3] * scale_factor), scale_factor, rounding_mode="floor")
    return x[:, :, rows][:, :, :, cols]
''',
    # expand and reshape
    '''
def upsample_nearest(x, scale_factor):
    n, c, h, w = x.shape
    s = scale_factor
    blocks = x[:, :, :, None, :, None].expand(n, c, h, s, w, s)
    return blocks.reshape(n, c, h * s, w * s)
''',
    # functools.reduce over the two spatial dimensions
    '''
from functools import reduce

def upsample_nearest(x, scale_factor):
    return reduce(lambda t, dim: t.repeat_interleave(scale_factor, dim=dim), (2, 3), x)
''',
]

_UPSAMPLE_BILINEAR = [
    # interpolation matrices built with math.floor, then two matrix products
    '''
import math

def interpolation_matrix(n_in, n_out, align_corners):
    """n_out×n_in matrix whose row j blends the two source pixels of output j."""
    rows = []
    for j in range(n_out):
        if align_corners:
            src = j * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = max((j + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = min(math.floor(src), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        lam = src - i0
        row = [0.0] * n_in
        row[i0] += 1 - lam
        row[i1] += lam
        rows.append(row)
    return torch.tensor(rows, dtype=torch.float64)

def upsample_bilinear(x, size, align_corners=False):
    out_h, out_w = (size, size) if isinstance(size, int) else size
    mh = interpolation_matrix(x.shape[2], out_h, align_corners).to(x.dtype)
    mw = interpolation_matrix(x.shape[3], out_w, align_corners).to(x.dtype)
    return mh @ x @ mw.T
''',
    # collections.namedtuple for the taps of one dimension
    '''
from collections import namedtuple

Taps = namedtuple("Taps", ["lo", "hi", "frac"])

def source_taps(n_in, n_out, align_corners, dtype):
    j = torch.arange(n_out, dtype=torch.float64)
    if align_corners:
        src = j * ((n_in - 1) / (n_out - 1)) if n_out > 1 else torch.zeros(n_out, dtype=torch.float64)
    else:
        src = torch.clamp((j + 0.5) * n_in / n_out - 0.5, min=0.0)
    lo = src.floor().long().clamp(max=n_in - 1)
    hi = torch.clamp(lo + 1, max=n_in - 1)
    return Taps(lo, hi, (src - lo).to(dtype))

def upsample_bilinear(x, size, align_corners=False):
    if isinstance(size, int):
        size = (size, size)
    r = source_taps(x.shape[2], size[0], align_corners, x.dtype)
    c = source_taps(x.shape[3], size[1], align_corners, x.dtype)
    top, bottom = x[:, :, r.lo], x[:, :, r.hi]
    rows = top + (bottom - top) * r.frac[:, None]
    left, right = rows[..., c.lo], rows[..., c.hi]
    return left + (right - left) * c.frac
''',
    # typing.NamedTuple as a class, type hints
    '''
from typing import NamedTuple, Tuple, Union

class Axis(NamedTuple):
    lo: torch.Tensor
    hi: torch.Tensor
    weight: torch.Tensor

def axis(n_in: int, n_out: int, align_corners: bool, dtype: torch.dtype) -> Axis:
    j = torch.arange(n_out, dtype=torch.float64)
    if align_corners:
        src = j * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = ((j + 0.5) * (n_in / n_out) - 0.5).clamp(min=0)
    lo = src.floor().long().clamp(max=n_in - 1)
    return Axis(lo, (lo + 1).clamp(max=n_in - 1), (src - lo).to(dtype))

def upsample_bilinear(x: torch.Tensor, size: Union[int, Tuple[int, int]], align_corners: bool = False) -> torch.Tensor:
    out_h, out_w = (size, size) if isinstance(size, int) else size
    r = axis(x.shape[2], out_h, align_corners, x.dtype)
    c = axis(x.shape[3], out_w, align_corners, x.dtype)
    rows = x[:, :, r.lo, :] * (1 - r.weight)[:, None] + x[:, :, r.hi, :] * r.weight[:, None]
    return rows[:, :, :, c.lo] * (1 - c.weight) + rows[:, :, :, c.hi] * c.weight
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 02_padding_stride

_POOL_OUTPUT_SIZE = [
    # math.floor / math.ceil, a helper, isinstance dispatch, ValueError messages
    '''
import math

def _windows(n, k, s, p, d, ceil_mode=False):
    if k < 1 or s < 1 or d < 1:
        raise ValueError(f"kernel_size, stride and dilation must be at least 1, got {k}, {s}, {d}")
    if p < 0:
        raise ValueError(f"padding must be non-negative, got {p}")
    if p > k // 2:
        raise ValueError(f"padding should be at most half of the kernel size, got padding {p} for kernel {k}")
    span = n + 2 * p - d * (k - 1) - 1
    rounding = math.ceil if ceil_mode else math.floor
    out = rounding(span / s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1  # the last window would start in the right padding
    if out < 1:
        raise ValueError(f"output size is too small: no window of span {d * (k - 1) + 1} fits in {n} + 2*{p}")
    return out

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Number of pooling windows, an int or a pair (out_h, out_w)."""
    if stride is None:
        stride = kernel_size
    values = (size, kernel_size, stride, padding, dilation)
    if all(isinstance(v, int) for v in values):
        return _windows(*values, ceil_mode=ceil_mode)
    pairs = []
    for v in values:
        pair = (v, v) if isinstance(v, int) else tuple(v)
        if len(pair) != 2:
            raise ValueError(f"expected an int or a pair, got {v!r}")
        pairs.append(pair)
    return tuple(_windows(*dim, ceil_mode=ceil_mode) for dim in zip(*pairs))
''',
    # a dataclass per dimension, divmod
    '''
from dataclasses import dataclass

@dataclass
class Dimension:
    size: int
    kernel: int
    stride: int
    padding: int
    dilation: int

    def validate(self):
        if min(self.kernel, self.stride, self.dilation) < 1:
            raise ValueError(f"kernel, stride and dilation must be positive: {self}")
        if not 0 <= self.padding <= self.kernel // 2:
            raise ValueError(f"padding must be between 0 and kernel // 2: {self}")

    def outputs(self, ceil_mode):
        self.validate()
        span = self.size + 2 * self.padding - self.dilation * (self.kernel - 1) - 1
        q, r = divmod(span, self.stride)
        out = q + 1 + (1 if ceil_mode and r else 0)
        if ceil_mode and (out - 1) * self.stride >= self.size + self.padding:
            out -= 1
        if out < 1:
            raise ValueError(f"output size is too small: {self}")
        return out

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    args = [size, kernel_size, kernel_size if stride is None else stride, padding, dilation]
    if all(isinstance(a, int) for a in args):
        return Dimension(*args).outputs(ceil_mode)
    pairs = [(a, a) if isinstance(a, int) else tuple(a) for a in args]
    if any(len(p) != 2 for p in pairs):
        raise ValueError("every argument must be an int or a pair (height, width)")
    return tuple(Dimension(*dim).outputs(ceil_mode) for dim in zip(*pairs))
''',
    # a frozen dataclass that validates itself in __post_init__
    '''
from dataclasses import dataclass

@dataclass(frozen=True)
class Window:
    kernel: int
    stride: int
    padding: int = 0
    dilation: int = 1

    def __post_init__(self):
        if min(self.kernel, self.stride, self.dilation) < 1:
            raise ValueError(f"kernel, stride and dilation must be at least 1: {self}")
        if self.padding < 0 or 2 * self.padding > self.kernel:
            raise ValueError(f"padding must be between 0 and half the kernel: {self}")

    def count(self, size, ceil_mode=False):
        span = size + 2 * self.padding - self.dilation * (self.kernel - 1) - 1
        out = (span + (self.stride - 1 if ceil_mode else 0)) // self.stride + 1
        if ceil_mode and (out - 1) * self.stride >= size + self.padding:
            out -= 1
        if out < 1:
            raise ValueError(f"Output size is too small: {size} cells with {self}")
        return out

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def pair(v):
        if isinstance(v, int):
            return (v, v)
        if len(v) != 2:
            raise ValueError(f"expected an int or a pair (h, w), got {v!r}")
        return tuple(v)

    stride = kernel_size if stride is None else stride
    args = (size, kernel_size, stride, padding, dilation)
    if all(isinstance(a, int) for a in args):
        return Window(kernel_size, stride, padding, dilation).count(size, ceil_mode)
    sizes, kernels, strides, paddings, dilations = map(pair, args)
    return tuple(Window(k, s, p, d).count(n, ceil_mode)
                 for n, k, s, p, d in zip(sizes, kernels, strides, paddings, dilations))
''',
]

_POOL_CHECKS = '''
def _pair(value, name):
    if isinstance(value, int):
        return value, value
    value = tuple(value)
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a pair, got {value}")
    return value

def _out_len(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (math.ceil(span / s) if ceil_mode else math.floor(span / s)) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out
'''

_MAX_POOL2D = [
    # -inf padding, then as_strided windows (dilation in the strides)
    "import math\n" + _POOL_CHECKS + '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, "stride")
    ph, pw = _pair(padding, "padding")
    dh, dw = _pair(dilation, "dilation")
    if min(kh, kw, sh, sw, dh, dw) < 1:
        raise ValueError("kernel_size, stride and dilation should be greater than zero")
    if min(ph, pw) < 0:
        raise ValueError("pad must be non-negative")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError("pad should be at most half of the kernel size")
    n, c, h, w = x.shape
    oh, ow = _out_len(h, kh, sh, ph, dh, ceil_mode), _out_len(w, kw, sw, pw, dw, ceil_mode)
    if oh < 1 or ow < 1:
        raise ValueError(f"Output size is too small ({oh}×{ow})")
    bottom = max((oh - 1) * sh + dh * (kh - 1) + 1 - h - ph, 0)
    right = max((ow - 1) * sw + dw * (kw - 1) + 1 - w - pw, 0)
    xp = F.pad(x, (pw, right, ph, bottom), value=-math.inf).contiguous()
    s_n, s_c, s_h, s_w = xp.stride()
    windows = xp.as_strided((n, c, oh, ow, kh, kw), (s_n, s_c, s_h * sh, s_w * sw, s_h * dh, s_w * dw),
                            xp.storage_offset())
    return windows.amax(dim=(-2, -1))
''',
    # itertools.product over the taps, functools.reduce(torch.maximum), a note to stderr
    '''
import itertools
import sys
from functools import reduce

def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    k, p, d = pair(kernel_size), pair(padding), pair(dilation)
    s = k if stride is None else pair(stride)
    for name, v in (("kernel_size", k), ("stride", s), ("padding", p), ("dilation", d)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v}")
    if min(k + s + d) < 1:
        raise ValueError(f"kernel_size, stride and dilation must be at least 1: {k}, {s}, {d}")
    if min(p) < 0 or any(2 * pp > kk for pp, kk in zip(p, k)):
        raise ValueError(f"padding must be between 0 and half the kernel, got {p} for {k}")
    sizes = []
    for n, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d):
        span = n + 2 * pp - dd * (kk - 1) - 1
        out = -(-span // ss) + 1 if ceil_mode else span // ss + 1
        if ceil_mode and (out - 1) * ss >= n + pp:
            out -= 1
        if out < 1:
            raise ValueError(f"no window fits in a dimension of size {n}")
        sizes.append(out)
    oh, ow = sizes
    if ceil_mode:
        print(f"max_pool2d: ceil_mode gives a {oh}×{ow} output", file=sys.stderr)
    h, w = x.shape[2:]
    extra_h = max((oh - 1) * s[0] + d[0] * (k[0] - 1) + 1 - h - p[0], 0)
    extra_w = max((ow - 1) * s[1] + d[1] * (k[1] - 1) + 1 - w - p[1], 0)
    xp = F.pad(x, (p[1], extra_w, p[0], extra_h), value=float("-inf"))
    taps = [xp[:, :, a * d[0]:a * d[0] + (oh - 1) * s[0] + 1:s[0], b * d[1]:b * d[1] + (ow - 1) * s[1] + 1:s[1]]
            for a, b in itertools.product(range(k[0]), range(k[1]))]
    return reduce(torch.maximum, taps)
''',
]

_AVG_POOL2D = [
    # F.unfold for the sums, Tensor.unfold of 1-D masks for the divisors
    "import math\n" + _POOL_CHECKS + '''
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(kernel_size if stride is None else stride, "stride")
    ph, pw = _pair(padding, "padding")
    if min(kh, kw, sh, sw) < 1:
        raise ValueError("kernel_size and stride should be greater than zero")
    if min(ph, pw) < 0:
        raise ValueError("pad must be non-negative")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError("pad should be at most half of the kernel size")
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("divisor must be not zero")
    n, c, h, w = x.shape
    oh, ow = _out_len(h, kh, sh, ph, 1, ceil_mode), _out_len(w, kw, sw, pw, 1, ceil_mode)
    if oh < 1 or ow < 1:
        raise ValueError(f"Output size is too small ({oh}×{ow})")
    need_h, need_w = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    xp = F.pad(x, (pw, max(need_w - w - pw, 0), ph, max(need_h - h - ph, 0)))[:, :, :need_h, :need_w]
    sums = F.unfold(xp.reshape(n * c, 1, need_h, need_w), (kh, kw), stride=(sh, sw)).sum(dim=1)
    sums = sums.reshape(n, c, oh, ow)
    if divisor_override is not None:
        return sums / divisor_override

    def counts(size, k, s, p, need):
        cell = torch.arange(need) - p  # the input coordinate of every padded cell
        inside = (cell < size + p) if count_include_pad else (cell >= 0) & (cell < size)
        return inside.to(x.dtype).unfold(0, k, s).sum(dim=1)

    divisor = counts(h, kh, sh, ph, need_h)[:, None] * counts(w, kw, sw, pw, need_w)[None, :]
    return sums / divisor
''',
    # a loop over output positions with itertools.product, a warning, no padding at all
    '''
import itertools
import math
import warnings

def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    as_pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw) = as_pair(kernel_size), as_pair(padding)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw) <= 0:
        raise ValueError(f"kernel_size and stride must be positive, got {kernel_size} and {stride}")
    if ph < 0 or pw < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError(f"padding {padding} must be between 0 and half of kernel_size {kernel_size}")
    if divisor_override == 0:
        raise ValueError("divisor_override must not be 0")

    def size(n, k, s, p):
        rounding = math.ceil if ceil_mode else math.floor
        out = rounding((n + 2 * p - k) / s) + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out

    N, C, H, W = x.shape
    oh, ow = size(H, kh, sh, ph), size(W, kw, sw, pw)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"the input {H}×{W} is too small for one window")
    if ceil_mode and count_include_pad and divisor_override is None:
        warnings.warn("ceil_mode: cells beyond the padding do not count in the divisor", stacklevel=2)
    out = x.new_zeros(N, C, oh, ow)
    for i, j in itertools.product(range(oh), range(ow)):
        r0, c0 = i * sh - ph, j * sw - pw
        r1, c1 = min(r0 + kh, H + ph), min(c0 + kw, W + pw)
        window = x[:, :, max(r0, 0):min(r1, H), max(c0, 0):min(c1, W)]
        if divisor_override is not None:
            divisor = divisor_override
        elif count_include_pad:
            divisor = (r1 - r0) * (c1 - c0)
        else:
            divisor = window.shape[2] * window.shape[3]
        out[:, :, i, j] = window.sum(dim=(2, 3)) / divisor
    return out
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 03_multichannel

_CORR2D = [
    # as_strided windows and einsum, type hints
    '''
def corr2d(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Cross-correlation, no padding, stride 1."""
    (h, w), (kh, kw) = x.shape, k.shape
    if kh > h or kw > w:
        raise ValueError(f"the kernel {kh}×{kw} does not fit in the input {h}×{w}")
    x = x.contiguous()
    sy, sx = x.stride()
    windows = x.as_strided((h - kh + 1, w - kw + 1, kh, kw), (sy, sx, sy, sx), x.storage_offset())
    return torch.einsum("ijab,ab->ij", windows, k)
''',
    # itertools.product and the builtin sum over shifted copies
    '''
from itertools import product

def corr2d(x, k):
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    if oh < 1 or ow < 1:
        raise ValueError("the kernel is larger than the input")
    return sum(k[a, b] * x[a:a + oh, b:b + ow] for a, b in product(range(kh), range(kw)))
''',
    # tensordot over unfolded windows, a demo under `if __name__ == "__main__":`
    '''
def corr2d(x, k):
    """Cross-correlation via Tensor.unfold: every kh×kw window times k, summed."""
    kh, kw = k.shape
    if kh > x.shape[0] or kw > x.shape[1]:
        raise ValueError(f"kernel {tuple(k.shape)} is larger than input {tuple(x.shape)}")
    windows = x.unfold(0, kh, 1).unfold(1, kw, 1)  # (H - kh + 1, W - kw + 1, kh, kw)
    return torch.tensordot(windows, k, dims=2)

if __name__ == "__main__":
    X = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
    K = torch.tensor([[0.0, 1], [2, 3]])
    print(corr2d(X, K))  # [[19, 25], [37, 43]]
''',
]

_CONV2D = [
    # F.unfold (im2col) and one matrix product
    '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    def pair(v, name):
        v = (v, v) if isinstance(v, int) else tuple(v)
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v}")
        return v

    c_out, c_in, kh, kw = weight.shape
    if x.dim() != 4 or x.shape[1] != c_in:
        raise ValueError(f"expected input with {c_in} channels, got shape {tuple(x.shape)}")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"bias must have {c_out} elements, got shape {tuple(bias.shape)}")
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if min(stride + dilation) < 1:
        raise ValueError(f"stride and dilation must be positive, got {stride} and {dilation}")
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        total_h, total_w = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        pads = (total_w // 2, total_w - total_w // 2, total_h // 2, total_h - total_h // 2)
    elif isinstance(padding, str):
        raise ValueError(f"invalid padding string {padding!r}")
    else:
        ph, pw = pair(padding, "padding")
        if ph < 0 or pw < 0:
            raise ValueError("negative padding is not supported")
        pads = (pw, pw, ph, ph)
    xp = F.pad(x, pads)
    span_h, span_w = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if span_h > xp.shape[2] or span_w > xp.shape[3]:
        raise ValueError("kernel size can't be greater than the (padded) input size")
    oh = (xp.shape[2] - span_h) // stride[0] + 1
    ow = (xp.shape[3] - span_w) // stride[1] + 1
    columns = F.unfold(xp, (kh, kw), dilation=dilation, stride=stride)  # (N, C_in*kh*kw, oh*ow)
    out = weight.reshape(c_out, -1) @ columns
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(x.shape[0], c_out, oh, ow)
''',
    # one einsum per kernel tap, itertools.product, an exception class of its own
    '''
import itertools

class ConvArgumentError(ValueError):
    """Arguments that torch's conv2d rejects."""

def _as_pair(v, name):
    if isinstance(v, int):
        return (v, v)
    if isinstance(v, (tuple, list)) and len(v) == 2:
        return tuple(v)
    raise ConvArgumentError(f"{name} must be an int or a pair, got {v!r}")

def _paddings(padding, kernel, stride, dilation):
    """(left, right, top, bottom) for an int, a pair, "valid" or "same"."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ConvArgumentError(f"padding must be 'valid', 'same', an int or a pair, got {padding!r}")
        if stride != (1, 1):
            raise ConvArgumentError("padding='same' needs stride 1")
        th, tw = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return (tw // 2, tw - tw // 2, th // 2, th - th // 2)
    ph, pw = _as_pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ConvArgumentError(f"padding must not be negative, got {padding}")
    return (pw, pw, ph, ph)

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    c_out, c_in, kh, kw = weight.shape
    if x.shape[1] != c_in:
        raise ConvArgumentError(f"weight expects {c_in} input channels, x has {x.shape[1]}")
    if bias is not None and bias.shape != (c_out,):
        raise ConvArgumentError(f"bias must have shape ({c_out},)")
    (sh, sw), (dh, dw) = _as_pair(stride, "stride"), _as_pair(dilation, "dilation")
    if min(sh, sw, dh, dw) < 1:
        raise ConvArgumentError("stride and dilation must be at least 1")
    xp = F.pad(x, _paddings(padding, (kh, kw), (sh, sw), (dh, dw)))
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    if oh < 1 or ow < 1:
        raise ConvArgumentError("the kernel is larger than the padded input")
    out = sum(torch.einsum("nchw,oc->nohw",
                           xp[:, :, a * dh:a * dh + (oh - 1) * sh + 1:sh, b * dw:b * dw + (ow - 1) * sw + 1:sw],
                           weight[:, :, a, b])
              for a, b in itertools.product(range(kh), range(kw)))
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
]

_CONV_OUTPUT_SHAPE = [
    # collections.namedtuple and math.floor
    '''
import math
from collections import namedtuple

Pair = namedtuple("Pair", "h w")

def to_pair(v):
    return Pair(v, v) if isinstance(v, int) else Pair(*v)

def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    n, _, h, w = input_shape
    k, s, d = to_pair(kernel_size), to_pair(stride), to_pair(dilation)
    if out_channels < 1 or min(k) < 1:
        raise ValueError("out_channels and kernel_size must be positive")
    if min(s) < 1 or min(d) < 1:
        raise ValueError("stride and dilation must be positive")
    if padding == "same":
        if s != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        return (n, out_channels, h, w)
    if isinstance(padding, str) and padding != "valid":
        raise ValueError(f"Invalid padding string {padding!r}")
    p = Pair(0, 0) if padding == "valid" else to_pair(padding)
    if min(p) < 0:
        raise ValueError("negative padding is not supported")
    span = Pair(d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1)
    if span.h > h + 2 * p.h or span.w > w + 2 * p.w:
        raise ValueError("kernel size can't be greater than actual input size")
    out_h = math.floor((h + 2 * p.h - span.h) / s.h) + 1
    out_w = math.floor((w + 2 * p.w - span.w) / s.w) + 1
    return (n, out_channels, out_h, out_w)
''',
    # a dict of padding rules, zip and a list comprehension
    '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    """The NCHW shape nn.Conv2d(C_in, out_channels, kernel_size, stride, padding, dilation) gives."""
    pair = lambda v: [v, v] if isinstance(v, int) else list(v)
    kernel, strides, dilations = pair(kernel_size), pair(stride), pair(dilation)
    if out_channels <= 0 or any(v <= 0 for v in kernel + strides + dilations):
        raise ValueError("out_channels, kernel_size, stride and dilation must all be at least 1")
    named = {"valid": [0, 0], "same": None}
    if isinstance(padding, str):
        if padding not in named:
            raise ValueError(f"padding must be one of {sorted(named)} or ints, got {padding!r}")
        if padding == "same" and strides != [1, 1]:
            raise ValueError("padding='same' needs stride=1")
        pads = named[padding]
    else:
        pads = pair(padding)
        if any(p < 0 for p in pads):
            raise ValueError("padding must be >= 0")
    n, _, *spatial = input_shape
    if pads is None:
        return (n, out_channels, *spatial)
    sizes = []
    for size, k, s, p, d in zip(spatial, kernel, strides, pads, dilations):
        room = size + 2 * p - d * (k - 1) - 1
        if room < 0:
            raise ValueError(f"the dilated kernel ({d * (k - 1) + 1}) is larger than the padded input ({size + 2 * p})")
        sizes.append(room // s + 1)
    return tuple([n, out_channels] + sizes)
''',
]

_AVG_POOL_AS_CONV = [
    # new_full, isinstance dispatch, docstring, a self-check with grader.check
    '''
from grader import check

def avg_pool_as_conv(x, kernel_size):
    """F.avg_pool2d(x, kernel_size) as one grouped convolution."""
    if isinstance(kernel_size, int):
        kh = kw = kernel_size
    elif isinstance(kernel_size, tuple) and len(kernel_size) == 2:
        kh, kw = kernel_size
    else:
        raise ValueError(f"kernel_size must be an int or a pair, got {kernel_size!r}")
    channels, height, width = x.shape[1:]
    if kh > height or kw > width:
        raise ValueError(f"a {kh}×{kw} kernel does not fit in a {height}×{width} input")
    weight = x.new_full((channels, 1, kh, kw), 1.0 / (kh * kw))
    return F.conv2d(x, weight, stride=(kh, kw), groups=channels)

check("avg_pool_as_conv", avg_pool_as_conv)
''',
    # numpy for the constant
    '''
import numpy as np

def avg_pool_as_conv(x, kernel_size):
    size = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if size[0] > x.shape[2] or size[1] > x.shape[3]:
        raise ValueError(f"kernel {size} is larger than the input {tuple(x.shape[2:])}")
    scale = 1.0 / float(np.prod(size))
    weight = torch.ones(x.shape[1], 1, *size, dtype=x.dtype) * scale
    return F.conv2d(x, weight, bias=None, stride=size, padding=0, groups=x.shape[1])
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 04_global_pooling

_ADAPTIVE_AVG = [
    # averaging matrices from math.floor / math.ceil bins
    '''
import math

def bins(n_in, n_out):
    return [(math.floor(i * n_in / n_out), math.ceil((i + 1) * n_in / n_out)) for i in range(n_out)]

def averaging_matrix(n_in, n_out, dtype):
    m = torch.zeros(n_out, n_in, dtype=dtype)
    for i, (start, end) in enumerate(bins(n_in, n_out)):
        m[i, start:end] = 1.0 / (end - start)
    return m

def adaptive_avg_pool2d(x, output_size):
    h, w = x.shape[-2:]
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    if len(output_size) != 2:
        raise ValueError(f"output_size must be an int or a pair, got {output_size!r}")
    oh, ow = (h if output_size[0] is None else output_size[0]), (w if output_size[1] is None else output_size[1])
    if oh < 0 or ow < 0:
        raise ValueError(f"output_size must not be negative, got {output_size!r}")
    return averaging_matrix(h, oh, x.dtype) @ x @ averaging_matrix(w, ow, x.dtype).T
''',
    # a match statement, integer ceil, nested comprehensions
    '''
def adaptive_avg_pool2d(x, output_size):
    H, W = x.shape[-2:]
    match output_size:
        case int(n):
            oh, ow = n, n
        case (a, b):
            oh, ow = (H if a is None else a), (W if b is None else b)
        case _:
            raise ValueError(f"output_size must be an int or a pair, got {output_size!r}")
    if oh < 0 or ow < 0:
        raise ValueError("output_size must be non-negative")
    rows = [(i * H // oh, -(-(i + 1) * H // oh)) for i in range(oh)]
    cols = [(j * W // ow, -(-(j + 1) * W // ow)) for j in range(ow)]
    return torch.stack([
        torch.stack([x[:, :, r0:r1, c0:c1].mean(dim=(-2, -1)) for c0, c1 in cols], dim=-1)
        for r0, r1 in rows], dim=-2)
''',
]

_ADAPTIVE_MAX = [
    # itertools.product over bins, gathering each bin's flat positions
    '''
import itertools
import math

def adaptive_max_pool2d(x, output_size, return_indices=False):
    n, c, h, w = x.shape
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(size) != 2:
        raise ValueError(f"output_size must be an int or a pair, got {output_size!r}")
    oh, ow = [full if s is None else s for s, full in zip(size, (h, w))]
    if oh < 0 or ow < 0:
        raise ValueError(f"output_size must be non-negative, got {output_size!r}")
    flat = x.flatten(2)
    values, indices = [], []
    for i, j in itertools.product(range(oh), range(ow)):
        r0, r1 = math.floor(i * h / oh), math.ceil((i + 1) * h / oh)
        c0, c1 = math.floor(j * w / ow), math.ceil((j + 1) * w / ow)
        cells = torch.tensor([r * w + col for r in range(r0, r1) for col in range(c0, c1)])
        best, where = flat[:, :, cells].max(dim=-1)
        values.append(best)
        indices.append(cells[where])
    out = torch.stack(values, dim=-1).reshape(n, c, oh, ow)
    if return_indices:
        return out, torch.stack(indices, dim=-1).reshape(n, c, oh, ow)
    return out
''',
    # separable: the maximum over the rows of each bin, then over its columns
    '''
def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W = x.shape[-2:]
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError("output_size must be an int or a pair (out_h, out_w)")
    oh = H if sizes[0] is None else sizes[0]
    ow = W if sizes[1] is None else sizes[1]
    if oh < 0 or ow < 0:
        raise ValueError("output_size must be non-negative")

    def bins(n, out):
        return [(i * n // out, -((-(i + 1) * n) // out)) for i in range(out)]

    row_values, row_index = [], []
    for r0, r1 in bins(H, oh):
        v, a = x[:, :, r0:r1, :].max(dim=2)  # N, C, W
        row_values.append(v)
        row_index.append(a + r0)
    row_values, row_index = torch.stack(row_values, dim=2), torch.stack(row_index, dim=2)  # N, C, oh, W
    values, indices = [], []
    for c0, c1 in bins(W, ow):
        v, a = row_values[..., c0:c1].max(dim=3)  # N, C, oh
        col = a + c0
        row = row_index.gather(3, col.unsqueeze(-1)).squeeze(-1)
        values.append(v)
        indices.append(row * W + col)
    out = torch.stack(values, dim=3)
    return (out, torch.stack(indices, dim=3)) if return_indices else out
''',
]

_CHANNEL_POOL = [
    # a dict of reducers, KeyError turned into ValueError
    '''
POOLS = {
    "max": lambda x: x.max(dim=1, keepdim=True).values,
    "avg": lambda x: x.mean(dim=1, keepdim=True),
}

def channel_pool(x, mode="max"):
    try:
        pool = POOLS[mode]
    except KeyError:
        raise ValueError(f"mode must be one of {sorted(POOLS)}, got {mode!r}") from None
    return pool(x)
''',
    # functools.reduce over the channels, type hints
    '''
from functools import reduce

def channel_pool(x: torch.Tensor, mode: str = "max") -> torch.Tensor:
    channels = x.split(1, dim=1)
    if mode == "max":
        return reduce(torch.maximum, channels)
    elif mode == "avg":
        return reduce(torch.add, channels) / len(channels)
    raise ValueError(f'unknown mode {mode!r}: use "max" or "avg"')
''',
]

_GAP_CLASSIFIER = [
    # a 1×1 convolution then the mean; a private cache
    '''
class GAPClassifier(nn.Module):
    """1×1 convolution to class maps, then global average pooling."""

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.classifier = nn.Conv2d(in_channels, num_classes, kernel_size=1)
        self._cache = {}

    def forward(self, x):
        maps = self.classifier(x)
        self._cache["last_input_shape"] = tuple(x.shape)
        return maps.mean(dim=(2, 3))
''',
    # nn.Parameter and nn.init by hand, a private helper method
    '''
import math

class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        nn.Module.__init__(self)
        self.weight = nn.Parameter(torch.empty(num_classes, in_channels))
        self.bias = nn.Parameter(torch.zeros(num_classes))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self._in_channels = in_channels

    def _pool(self, x):
        return x.mean(dim=(-2, -1))

    def forward(self, x):
        if x.shape[1] != self._in_channels:
            raise ValueError(f"expected {self._in_channels} channels, got {x.shape[1]}")
        return self._pool(x) @ self.weight.T + self.bias
''',
]

_COUNT_PARAMETERS = [
    # math.prod over the shapes
    '''
import math

def count_parameters(module):
    return sum(math.prod(p.shape) for p in module.parameters() if p.requires_grad)
''',
    # functools.reduce and operator.mul in a dict comprehension
    '''
from functools import reduce
from operator import mul

def count_parameters(module: nn.Module) -> int:
    sizes = {name: reduce(mul, p.shape, 1) for name, p in module.named_parameters() if p.requires_grad}
    return int(sum(sizes.values()))
''',
    # shared parameters counted once by their id()
    '''
def count_parameters(module):
    seen = set()
    total = 0
    for p in module.parameters():
        if p.requires_grad and id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 05_padding_layers

_PAD2D = [
    # narrow, flip and torch.cat per dimension
    '''
def _pad_dim(t, before, after, dim, mode):
    n = t.shape[dim]
    if mode == "reflect":
        if before >= n or after >= n:
            raise ValueError(f"Padding size should be less than the corresponding input dimension ({before}, {after} vs {n})")
        head = t.narrow(dim, 1, before).flip(dim)
        tail = t.narrow(dim, n - 1 - after, after).flip(dim)
    elif mode == "replicate":
        head = t.narrow(dim, 0, 1).repeat_interleave(before, dim=dim)
        tail = t.narrow(dim, n - 1, 1).repeat_interleave(after, dim=dim)
    else:  # circular
        if before > n or after > n:
            raise ValueError(f"circular padding ({before}, {after}) would wrap around more than once ({n})")
        head = t.narrow(dim, n - before, before)
        tail = t.narrow(dim, 0, after)
    return torch.cat([head, t, tail], dim=dim)

def pad2d(x, padding, mode="constant", value=0.0):
    left, right, top, bottom = [padding] * 4 if isinstance(padding, int) else padding
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        n, c, h, w = x.shape
        x = torch.cat([x.new_full((n, c, h, left), value), x, x.new_full((n, c, h, right), value)], dim=3)
        width = x.shape[3]
        return torch.cat([x.new_full((n, c, top, width), value), x, x.new_full((n, c, bottom, width), value)], dim=2)
    if value != 0:
        raise ValueError(f"Padding mode {mode} doesn't take in value argument")
    return _pad_dim(_pad_dim(x, left, right, 3, mode), top, bottom, 2, mode)
''',
    # a namedtuple for the padding, a dict of index rules
    '''
from collections import namedtuple

Padding = namedtuple("Padding", "left right top bottom")

SOURCES = {
    "reflect": lambda i, n: torch.where(i.abs() > n - 1, 2 * (n - 1) - i.abs(), i.abs()),
    "replicate": lambda i, n: i.clamp(0, n - 1),
    "circular": lambda i, n: i.remainder(n),
}
FITS = {"reflect": lambda p, n: p < n, "replicate": lambda p, n: True, "circular": lambda p, n: p <= n}

def pad2d(x, padding, mode="constant", value=0.0):
    pad = Padding(*((padding,) * 4 if isinstance(padding, int) else padding))
    h, w = x.shape[-2:]
    if mode == "constant":
        out = x.new_full((*x.shape[:-2], h + pad.top + pad.bottom, w + pad.left + pad.right), value)
        out[..., pad.top:pad.top + h, pad.left:pad.left + w] = x
        return out
    if mode not in SOURCES:
        raise ValueError(f"unknown padding mode {mode!r}; use constant, reflect, replicate or circular")
    if value:
        raise ValueError(f"only constant padding takes a value, not {mode}")
    for before, after, n in ((pad.top, pad.bottom, h), (pad.left, pad.right, w)):
        if not (FITS[mode](before, n) and FITS[mode](after, n)):
            raise ValueError(f"{mode} padding ({before}, {after}) is too large for a dimension of size {n}")
    rows = SOURCES[mode](torch.arange(-pad.top, h + pad.bottom), h)
    cols = SOURCES[mode](torch.arange(-pad.left, w + pad.right), w)
    return x[..., rows, :][..., cols]
''',
    # a small helper class with private attributes
    '''
class _Padder:
    """Index rules for one padding mode."""

    MODES = ("constant", "reflect", "replicate", "circular")

    def __init__(self, mode, value):
        if mode not in self.MODES:
            raise ValueError(f"Unrecognised padding mode {mode!r}")
        if mode != "constant" and value != 0:
            raise ValueError(f"padding mode {mode!r} doesn't take in value argument")
        self._mode = mode
        self._value = value

    def _index(self, n, before, after):
        i = torch.arange(-before, n + after)
        if self._mode == "reflect":
            if max(before, after) >= n:
                raise ValueError(f"reflect padding must be smaller than the input size {n}")
            i = i.abs()
            return torch.where(i >= n, 2 * n - 2 - i, i)
        if self._mode == "replicate":
            return i.clamp(min=0, max=n - 1)
        if max(before, after) > n:
            raise ValueError(f"circular padding cannot wrap more than once around {n}")
        return i % n

    def __call__(self, x, left, right, top, bottom):
        n, c, h, w = x.shape
        if self._mode == "constant":
            out = torch.full((n, c, h + top + bottom, w + left + right), self._value, dtype=x.dtype)
            out[:, :, top:top + h, left:left + w] = x
            return out
        return x[:, :, self._index(h, top, bottom)][:, :, :, self._index(w, left, right)]

def pad2d(x, padding, mode="constant", value=0.0):
    sides = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
    return _Padder(mode, value)(x, *sides)
''',
    # a helper object whose "private" method the function calls
    '''
class _Rule:
    def __init__(self, mode):
        self._mode = mode

    def _source(self, i, n):
        if self._mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i)
        if self._mode == "replicate":
            return i.clamp(0, n - 1)
        return i.remainder(n)

def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        padding = (padding,) * 4
    left, right, top, bottom = padding
    h, w = x.shape[-2:]
    if mode == "constant":
        out = x.new_full((*x.shape[:-2], h + top + bottom, w + left + right), value)
        out[..., top:top + h, left:left + w] = x
        return out
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"Unrecognised padding mode {mode!r}")
    if value != 0:
        raise ValueError(f"Padding mode {mode!r} doesn't take in value argument")
    limit = {"reflect": lambda n: n - 1, "replicate": lambda n: float("inf"), "circular": lambda n: n}[mode]
    if max(top, bottom) > limit(h) or max(left, right) > limit(w):
        raise ValueError(f"{mode} padding {padding} is too large for an input of {h}×{w}")
    rule = _Rule(mode)
    rows = rule._source(torch.arange(-top, h + bottom), h)
    cols = rule._source(torch.arange(-left, w + right), w)
    return x[..., rows, :][..., :, cols]
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 06_activations

_RELU = [
    # where / masked_fill_, then a self-check with grader.check
    '''
from grader import check

def relu(x, inplace=False):
    """max(x, 0) elementwise; inplace=True overwrites x and returns it."""
    if inplace:
        x.masked_fill_(x <= 0, 0.0)
        return x
    return torch.where(x > 0, x, torch.zeros_like(x))

check("relu", relu)
''',
    # a custom autograd.Function: save_for_backward, a ctx attribute, mark_dirty for inplace
    '''
class ReLUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, inplace):
        ctx.inplace = inplace
        if inplace:
            ctx.mark_dirty(x)
            out = x.clamp_(min=0)
        else:
            out = x.clamp(min=0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (out,) = ctx.saved_tensors
        return grad_output * (out > 0).to(grad_output.dtype), None

def relu(x, inplace=False):
    return ReLUFunction.apply(x, inplace)
''',
    # multiply by the mask
    '''
def relu(x: torch.Tensor, inplace: bool = False) -> torch.Tensor:
    mask = (x > 0).to(x.dtype)
    if inplace:
        return x.mul_(mask)
    return x * mask
''',
]

_SIGMOID = [
    # a custom autograd.Function with the stable formula in forward
    '''
class StableSigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        e = torch.exp(-x.abs())
        s = torch.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return grad_output * s * (1 - s)

def sigmoid(x):
    return StableSigmoid.apply(x)
''',
    # the where(x >= 0, -x, x) trick, IPython's display for a quick look
    '''
from IPython.display import display

def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """1 / (1 + exp(-x)), finite for every x: only exp(-|x|) is ever computed."""
    e = torch.exp(torch.where(x >= 0, -x, x))
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))

display(sigmoid(torch.tensor([-1000.0, 0.0, 1000.0])))
''',
    # log-sum-exp: sigmoid(x) = exp(-log(1 + exp(-x)))
    '''
def sigmoid(x):
    return torch.exp(-torch.logaddexp(torch.zeros_like(x), -x))
''',
    # a custom autograd.Function, checked with torch.autograd.gradcheck in the same cell
    '''
class Sigmoid(torch.autograd.Function):
    """sigmoid with its derivative s * (1 - s) written by hand."""

    @staticmethod
    def forward(ctx, x):
        negative = x < 0
        e = torch.exp(torch.where(negative, x, -x))
        s = torch.where(negative, e / (1 + e), 1 / (1 + e))
        ctx.save_for_backward(s)
        ctx.input_dtype = x.dtype
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return (grad_output * s * (1 - s)).to(ctx.input_dtype)

def sigmoid(x):
    return Sigmoid.apply(x)

torch.autograd.gradcheck(sigmoid, (torch.randn(6, dtype=torch.float64, requires_grad=True),))
''',
]

_LEAKY_RELU = [
    '''
def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, negative_slope * x elsewhere (the slope at 0)."""
    return torch.where(x > 0, x, negative_slope * x)
''',
    # a mask in x's dtype
    '''
def leaky_relu(x, negative_slope=0.01):
    positive = (x > 0).to(x.dtype)
    return x * positive + negative_slope * x * (1 - positive)
''',
    # a custom autograd.Function with the slope kept on ctx
    '''
from torch.autograd import Function

class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.negative_slope = negative_slope
        ctx.save_for_backward(x)
        return torch.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        slope = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, ctx.negative_slope))
        return grad_output * slope, None

def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)
''',
]

_RELU_GRAD = [
    '''
def relu_grad(x):
    """1 where x > 0, else 0 (also at 0), in x's dtype."""
    return torch.heaviside(x, torch.zeros_like(x))
''',
    '''
def relu_grad(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x > 0, torch.ones_like(x), torch.zeros_like(x))
''',
    '''
def relu_grad(x):
    return x.gt(0).type_as(x)
''',
]

_SIGMOID_GRAD = [
    # from a stable sigmoid of its own: s * (1 - s)
    '''
def _sigmoid(x):
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))

def sigmoid_grad(x):
    s = _sigmoid(x)
    return s * (1 - s)
''',
    # 1 / (2 + 2 cosh x): finite, 0 where cosh overflows
    '''
def sigmoid_grad(x):
    """sigmoid'(x) = 1 / (2 + 2*cosh(x)); cosh overflows to inf for large |x|, giving 0."""
    return 1 / (2 + 2 * torch.cosh(x))
''',
    # a self-check against torch's own autograd at the end of the cell (outside the function)
    '''
def sigmoid_grad(x):
    e = torch.exp(-torch.abs(x))
    return e / torch.square(1 + e)

t = torch.linspace(-20, 20, 41, dtype=torch.float64, requires_grad=True)
(expected,) = torch.autograd.grad(torch.sigmoid(t).sum(), t)
torch.testing.assert_close(sigmoid_grad(t.detach()), expected)
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 07_normalization

_BATCH_NORM2D = [
    # torch.var_mean, copy_ under torch.no_grad()
    '''
def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    def c(v):
        return v.reshape(1, -1, 1, 1)

    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var go together: give both or neither")
    if training:
        n = x.shape[0] * x.shape[2] * x.shape[3]
        if n < 2:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {tuple(x.shape)}")
        var, mean = torch.var_mean(x, dim=(0, 2, 3), correction=0)
        if running_mean is not None:
            with torch.no_grad():
                running_mean.copy_((1 - momentum) * running_mean + momentum * mean)
                running_var.copy_((1 - momentum) * running_var + momentum * var * n / (n - 1))
    elif running_mean is None:
        raise ValueError("running_mean and running_var are needed when training=False")
    else:
        mean, var = running_mean, running_var
    y = (x - c(mean)) * torch.rsqrt(c(var) + eps)
    if weight is not None:
        y = y * c(weight)
    if bias is not None:
        y = y + c(bias)
    return y
''',
    # channels first, statistics by hand, lerp_
    '''
def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """F.batch_norm for N×C×H×W input."""
    if (running_mean is None) ^ (running_var is None):
        raise ValueError("give running_mean and running_var together")
    C = x.shape[1]
    per_channel = x.transpose(0, 1).reshape(C, -1)  # C × (N·H·W)
    count = per_channel.shape[1]
    if training:
        if count <= 1:
            raise ValueError("more than 1 value per channel is needed in training")
        mean = per_channel.mean(dim=1)
        var = ((per_channel - mean[:, None]) ** 2).mean(dim=1)
        if running_mean is not None:
            with torch.no_grad():
                running_mean.lerp_(mean, momentum)
                running_var.lerp_(var * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("evaluation mode needs running statistics")
        mean, var = running_mean, running_var
    scale = 1 / torch.sqrt(var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -mean * scale
    if bias is not None:
        shift = shift + bias
    return x * scale.view(1, C, 1, 1) + shift.view(1, C, 1, 1)
''',
    # a namedtuple of statistics and mul_/add_ in place
    '''
from collections import namedtuple

Stats = namedtuple("Stats", ["mean", "var"])

def batch_stats(x):
    return Stats(x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False))

def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    tracking = running_mean is not None
    if tracking != (running_var is not None):
        raise ValueError("running_mean and running_var must both be tensors or both be None")
    if not training and not tracking:
        raise ValueError("no running statistics to normalise with in evaluation mode")
    values_per_channel = x.numel() // x.shape[1]
    if training and values_per_channel <= 1:
        raise ValueError(f"expected more than 1 value per channel when training, got {values_per_channel}")
    stats = batch_stats(x) if training else Stats(running_mean, running_var)
    if training and tracking:
        unbiased = stats.var * values_per_channel / (values_per_channel - 1)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(stats.mean, alpha=momentum)
            running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)
    out = (x - stats.mean[:, None, None]) / (stats.var[:, None, None] + eps).sqrt()
    if weight is not None:
        out = out * weight[:, None, None]
    if bias is not None:
        out = out + bias[:, None, None]
    return out
''',
]

_INSTANCE_NORM2D = [
    # torch.var_mean, rsqrt
    '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    if x.shape[-1] * x.shape[-2] < 2:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {tuple(x.shape)}")
    var, mean = torch.var_mean(x, dim=(-2, -1), keepdim=True, correction=0)
    y = (x - mean) * torch.rsqrt(var + eps)
    if weight is not None:
        y = y * weight.view(1, -1, 1, 1)
    if bias is not None:
        y = y + bias.view(1, -1, 1, 1)
    return y
''',
    # flatten the maps, statistics by hand
    '''
def instance_norm2d(x: torch.Tensor, weight=None, bias=None, eps: float = 1e-5) -> torch.Tensor:
    """Normalise every (sample, channel) map over its H×W values."""
    n, c, h, w = x.shape
    if h * w == 1:
        raise ValueError("instance norm needs more than one value per map")
    maps = x.flatten(2)  # N, C, H*W
    mean = maps.sum(dim=-1, keepdim=True) / (h * w)
    centred = maps - mean
    var = (centred * centred).sum(dim=-1, keepdim=True) / (h * w)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight[:, None]
    if bias is not None:
        out = out + bias[:, None]
    return out.reshape(n, c, h, w)
''',
]

_BATCHNORM_MODULE = [
    # buffers, parameters, a private update method and a private cache
    '''
class BatchNorm2d(nn.Module):
    """Batch normalization over (N, H, W), state_dict compatible with nn.BatchNorm2d."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self._cache = {}

    def _factor(self):
        self.num_batches_tracked += 1
        if self.momentum is None:
            return 1.0 / self.num_batches_tracked.item()
        return self.momentum

    @torch.no_grad()
    def _update_running(self, mean, var, n, factor):
        self.running_mean.mul_(1 - factor).add_(factor * mean)
        self.running_var.mul_(1 - factor).add_(factor * var * n / (n - 1))

    def forward(self, x):
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            n = x.numel() // x.shape[1]
            if n < 2:
                raise ValueError("Expected more than 1 value per channel when training")
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            if self.training and self.track_running_stats:
                self._update_running(mean, var, n, self._factor())
        else:
            mean, var = self.running_mean, self.running_var
        self._cache["mean"], self._cache["var"] = mean.detach(), var.detach()
        out = (x - mean[:, None, None]) / torch.sqrt(var[:, None, None] + self.eps)
        if self.affine:
            out = out * self.weight[:, None, None] + self.bias[:, None, None]
        return out

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"
''',
    # the module calls a functional batch_norm2d of the same cell, as torch's does
    '''
def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if training:
        n = x.numel() // x.shape[1]
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {tuple(x.shape)}")
        var, mean = torch.var_mean(x, dim=(0, 2, 3), correction=0)
        if running_mean is not None:
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean)
                running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    shape = (1, -1, 1, 1)
    out = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    if weight is not None:
        out = out * weight.view(shape) + bias.view(shape)
    return out


class BatchNorm2d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = nn.Parameter(torch.ones(num_features)) if affine else None
        self.bias = nn.Parameter(torch.zeros(num_features)) if affine else None
        for name, value in (("running_mean", torch.zeros(num_features)), ("running_var", torch.ones(num_features)),
                            ("num_batches_tracked", torch.tensor(0, dtype=torch.long))):
            self.register_buffer(name, value if track_running_stats else None)

    def forward(self, x):
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return batch_norm2d(x, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch, factor, self.eps)
''',
    # reset_parameters like torch's, super(Class, self), a __repr__ with self.__class__.__name__
    '''
class BatchNorm2d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super(BatchNorm2d, self).__init__()
        self.num_features = num_features
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = nn.Parameter(torch.empty(num_features))
            self.bias = nn.Parameter(torch.empty(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()
        if self.affine:
            nn.init.ones_(self.weight)
            nn.init.zeros_(self.bias)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.num_features}, eps={self.eps}, momentum={self.momentum})"

    def forward(self, x):
        if x.dim() != 4:
            raise ValueError(f"expected 4D input (got {x.dim()}D input)")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        if self.training or self.running_mean is None:
            n = x.numel() / x.shape[1]
            if n <= 1:
                raise ValueError(f"Expected more than 1 value per channel when training, got {tuple(x.shape)}")
            mean = x.mean((0, 2, 3))
            var = x.var((0, 2, 3), unbiased=False)
            if self.training and self.track_running_stats:
                with torch.no_grad():
                    self.running_mean.copy_(factor * mean + (1 - factor) * self.running_mean)
                    self.running_var.copy_(factor * var * n / (n - 1) + (1 - factor) * self.running_var)
        else:
            mean, var = self.running_mean, self.running_var
        x_hat = (x - mean[None, :, None, None]) / (var[None, :, None, None] + self.eps).sqrt()
        if self.affine:
            return self.weight[None, :, None, None] * x_hat + self.bias[None, :, None, None]
        return x_hat
''',
]

# ---------------------------------------------------------------------------------------------------------------
# 08_cifar10_tensorboard

_MAKE_CNN = [
    # a list of (name, layer) pairs into an OrderedDict, a dict of norm factories
    '''
from collections import OrderedDict

NORMS = {
    "batch": lambda c: nn.BatchNorm2d(c),
    "instance": lambda c: nn.InstanceNorm2d(c, affine=True),
    "none": lambda c: nn.Identity(),
}

def make_cnn(norm="batch"):
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {norm!r}")
    layers = []
    widths = [3, 8, 16, 32]
    for i, (c_in, c_out) in enumerate(zip(widths, widths[1:]), start=1):
        layers += [(f"conv{i}", nn.Conv2d(c_in, c_out, 3, padding=1)), (f"norm{i}", NORMS[norm](c_out)),
                   (f"relu{i}", nn.ReLU())]
        if i < 3:
            layers.append((f"pool{i}", nn.MaxPool2d(2)))
    layers += [("gap", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()), ("fc", nn.Linear(32, 10))]
    return nn.Sequential(OrderedDict(layers))
''',
    # add_module and functools.partial
    '''
import functools

def make_cnn(norm: str = "batch") -> nn.Sequential:
    """conv-norm-relu(-pool) ×3, then global average pooling and a linear layer to 10 classes."""
    factories = {"batch": nn.BatchNorm2d, "instance": functools.partial(nn.InstanceNorm2d, affine=True),
                 "none": lambda channels: nn.Identity()}
    try:
        make_norm = factories[norm]
    except KeyError:
        raise ValueError(f"unknown norm {norm!r}; expected 'batch', 'instance' or 'none'") from None
    model = nn.Sequential()
    channels = 3
    for i, width in enumerate((8, 16, 32), start=1):
        model.add_module(f"conv{i}", nn.Conv2d(channels, width, kernel_size=3, padding=1))
        model.add_module(f"norm{i}", make_norm(width))
        model.add_module(f"relu{i}", nn.ReLU())
        if width != 32:
            model.add_module(f"pool{i}", nn.MaxPool2d(kernel_size=2))
        channels = width
    model.add_module("gap", nn.AdaptiveAvgPool2d((1, 1)))
    model.add_module("flatten", nn.Flatten())
    model.add_module("fc", nn.Linear(channels, 10))
    return model
''',
]

_TRAIN_EPOCH = [
    # statistics.fmean of the logged losses
    '''
import statistics

def train_epoch(model, loader, optimizer, writer, epoch):
    model.train()
    losses = []
    for i, (images, labels) in enumerate(loader):
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        value = loss.item()
        writer.add_scalar("loss/train", value, epoch * len(loader) + i)
        losses.append(value)
    return statistics.fmean(losses)
''',
    # a tqdm progress bar, nn.CrossEntropyLoss, timing with time
    '''
import sys
import time
from tqdm.auto import tqdm

def train_epoch(model, loader, optimizer, writer, epoch):
    """One epoch of training; returns the mean step loss."""
    criterion = nn.CrossEntropyLoss()
    model.train()
    start, total, steps = time.perf_counter(), 0.0, len(loader)
    for i, (images, labels) in enumerate(tqdm(loader, desc=f"epoch {epoch}", leave=False, file=sys.stderr)):
        loss = criterion(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
        writer.add_scalar("loss/train", loss.item(), global_step=epoch * steps + i)
    print(f"epoch {epoch}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return total / steps
''',
]

_LOG_ACTIVATIONS = [
    # forward hooks made by a closure, try/finally
    '''
from torchvision.utils import make_grid

def log_activations(writer, model, images, step):
    captured = {}

    def keep(name):
        def hook(module, inputs, output):
            captured[name] = output.detach()
        return hook

    handles = [module.register_forward_hook(keep(name)) for name, module in model.named_modules()
               if name.split(".")[-1].startswith("norm")]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(images)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    writer.add_image("images/input", make_grid(images, normalize=True), step)
    for name, output in captured.items():
        writer.add_histogram(f"activations/{name}", output, step)
''',
    # functools.partial hooks, torchvision imported whole
    '''
import functools
import torchvision

def _record(store, name, module, inputs, output):
    store.append((name, output))

def log_activations(writer, model, images, step):
    records = []
    norms = [(name, module) for name, module in model.named_children() if name.startswith("norm")]
    handles = [module.register_forward_hook(functools.partial(_record, records, name)) for name, module in norms]
    mode = model.training
    model.eval()
    with torch.no_grad():
        model(images)
    for handle in handles:
        handle.remove()
    model.train(mode)
    grid = torchvision.utils.make_grid(images, normalize=True)
    writer.add_image("images/input", grid, global_step=step)
    for name, output in records:
        writer.add_histogram("activations/" + name, output, global_step=step)
''',
    # context managers (contextlib) for eval mode and for the hooks
    '''
from contextlib import contextmanager
import torchvision

@contextmanager
def evaluating(model):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)

@contextmanager
def forward_hooks(modules, hook):
    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()

def log_activations(writer, model, images, step):
    names = {m: name for name, m in model.named_modules() if name.rsplit(".", 1)[-1].startswith("norm")}
    outputs = []

    def hook(module, inputs, output):
        outputs.append((names[module], output))

    with evaluating(model), forward_hooks(names, hook):
        model(images)
    writer.add_image("images/input", torchvision.utils.make_grid(images, normalize=True), step)
    for name, output in outputs:
        writer.add_histogram(f"activations/{name}", output, step)
''',
]

HONEST = {
    "01_sampling": {"downsample": _DOWNSAMPLE, "pool2d": _POOL2D, "upsample_nearest": _UPSAMPLE_NEAREST,
                    "upsample_bilinear": _UPSAMPLE_BILINEAR},
    "02_padding_stride": {"pool_output_size": _POOL_OUTPUT_SIZE, "max_pool2d": _MAX_POOL2D, "avg_pool2d": _AVG_POOL2D},
    "03_multichannel": {"corr2d": _CORR2D, "conv2d": _CONV2D, "conv_output_shape": _CONV_OUTPUT_SHAPE,
                        "avg_pool_as_conv": _AVG_POOL_AS_CONV},
    "04_global_pooling": {"adaptive_avg_pool2d": _ADAPTIVE_AVG, "adaptive_max_pool2d": _ADAPTIVE_MAX,
                          "channel_pool": _CHANNEL_POOL, "GAPClassifier": _GAP_CLASSIFIER,
                          "count_parameters": _COUNT_PARAMETERS},
    "05_padding_layers": {"pad2d": _PAD2D},
    "06_activations": {"relu": _RELU, "sigmoid": _SIGMOID, "leaky_relu": _LEAKY_RELU, "relu_grad": _RELU_GRAD,
                       "sigmoid_grad": _SIGMOID_GRAD},
    "07_normalization": {"batch_norm2d": _BATCH_NORM2D, "instance_norm2d": _INSTANCE_NORM2D,
                         "BatchNorm2d": _BATCHNORM_MODULE},
    "08_cifar10_tensorboard": {"make_cnn": _MAKE_CNN, "train_epoch": _TRAIN_EPOCH, "log_activations": _LOG_ACTIVATIONS},
}


def sources():
    """(assignment, exercise, index, source) for every honest submission, in order."""
    return [(a, name, i, src) for a, exercises in HONEST.items() for name, srcs in exercises.items()
            for i, src in enumerate(srcs)]
