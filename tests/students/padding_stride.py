"""Submissions for 02_padding_stride."""

from . import swap

ASSIGNMENT = "02_padding_stride"

# Shared by the loop submissions: argument checks as a student would write them (no torch calls).
_CHECKS = '''
def _two(v):
    v = (v, v) if isinstance(v, int) else tuple(v)
    if len(v) != 2:
        raise ValueError(f"expected an int or a pair, got {v}")
    return v


def _size(n, k, s, p, d, ceil_mode):
    if k < 1 or s < 1 or d < 1:
        raise ValueError("kernel_size, stride and dilation must be positive")
    if p < 0 or p > k // 2:
        raise ValueError("padding must be between 0 and kernel_size // 2")
    out = (n + 2 * p - d * (k - 1) - 1) / s
    out = (math.ceil(out) if ceil_mode else math.floor(out)) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    if out < 1:
        raise ValueError("output size is too small")
    return out
'''

_RECEPTIVE = '''
def receptive_field(layers):
    size, jump, start = 1, 1, 0
    for k, s, p, d in layers:
        if min(k, s, d) < 1 or p < 0:
            raise ValueError(f"bad layer {(k, s, p, d)}: kernel_size, stride, dilation >= 1, padding >= 0")
        size = size + d * (k - 1) * jump
        start = start - p * jump
        jump = jump * s
    return size, jump, start
'''

LOOP = {
    "pool_output_size": "import math\n" + _CHECKS + '''

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    if stride is None:
        stride = kernel_size
    args = [size, kernel_size, stride, padding, dilation]
    if all(isinstance(a, int) for a in args):
        return _size(*args, ceil_mode)
    n, k, s, p, d = [_two(a) for a in args]
    return tuple(_size(n[i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(2))
''',
    "max_pool2d": "import math\n" + _CHECKS + '''

def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    kh, kw = _two(kernel_size)
    sh, sw = _two(kernel_size if stride is None else stride)
    ph, pw = _two(padding)
    dh, dw = _two(dilation)
    N, C, H, W = x.shape
    oh, ow = _size(H, kh, sh, ph, dh, ceil_mode), _size(W, kw, sw, pw, dw, ceil_mode)
    rows = []
    for i in range(oh):
        row = []
        for j in range(ow):
            r = [i * sh - ph + a * dh for a in range(kh)]
            c = [j * sw - pw + b * dw for b in range(kw)]
            r = [v for v in r if 0 <= v < H]
            c = [v for v in c if 0 <= v < W]
            window = x[:, :, r][:, :, :, c]
            row.append(window.amax(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "avg_pool2d": "import math\n" + _CHECKS + '''

def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    kh, kw = _two(kernel_size)
    sh, sw = _two(kernel_size if stride is None else stride)
    ph, pw = _two(padding)
    if divisor_override == 0:
        raise ValueError("divisor_override must not be zero")
    N, C, H, W = x.shape
    oh, ow = _size(H, kh, sh, ph, 1, ceil_mode), _size(W, kw, sw, pw, 1, ceil_mode)
    rows = []
    for i in range(oh):
        row = []
        for j in range(ow):
            r0, c0 = i * sh - ph, j * sw - pw
            r1, c1 = min(r0 + kh, H + ph), min(c0 + kw, W + pw)
            window = x[:, :, max(r0, 0):min(r1, H), max(c0, 0):min(c1, W)]
            if divisor_override is not None:
                divisor = divisor_override
            elif count_include_pad:
                divisor = (r1 - r0) * (c1 - c0)
            else:
                divisor = window.shape[2] * window.shape[3]
            row.append(window.sum(dim=(-2, -1)) / divisor)
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "receptive_field": _RECEPTIVE,
}

WRONG = {
    "pool_output_size": {
        "ignores dilation": '''
import math

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def one(n, k, s, p):
        if k < 1 or s < 1 or p < 0 or p > k // 2:
            raise ValueError("invalid arguments")
        out = (n + 2 * p - k) / s
        out = (math.ceil(out) if ceil_mode else math.floor(out)) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        if out < 1:
            raise ValueError("output size is too small")
        return out
    stride = kernel_size if stride is None else stride
    args = [size, kernel_size, stride, padding]
    if all(isinstance(a, int) for a in args + [dilation]):
        return one(*args)
    n, k, s, p = [(a, a) if isinstance(a, int) else a for a in args]
    return tuple(one(n[i], k[i], s[i], p[i]) for i in range(2))
''',
        "ceil_mode without the last-window rule": '''
import math

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def one(n, k, s, p, d):
        if k < 1 or s < 1 or d < 1 or p < 0 or p > k // 2:
            raise ValueError("invalid arguments")
        out = (n + 2 * p - d * (k - 1) - 1) / s
        out = (math.ceil(out) if ceil_mode else math.floor(out)) + 1
        if out < 1:
            raise ValueError("output size is too small")
        return out
    stride = kernel_size if stride is None else stride
    args = [size, kernel_size, stride, padding, dilation]
    if all(isinstance(a, int) for a in args):
        return one(*args)
    n, k, s, p, d = [(a, a) if isinstance(a, int) else a for a in args]
    return tuple(one(n[i], k[i], s[i], p[i], d[i]) for i in range(2))
''',
        "stride defaults to 1": '''
import math

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def one(n, k, s, p, d):
        if k < 1 or s < 1 or d < 1 or p < 0 or p > k // 2:
            raise ValueError("invalid arguments")
        out = (n + 2 * p - d * (k - 1) - 1) / s
        out = (math.ceil(out) if ceil_mode else math.floor(out)) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        if out < 1:
            raise ValueError("output size is too small")
        return out
    stride = 1 if stride is None else stride
    args = [size, kernel_size, stride, padding, dilation]
    if all(isinstance(a, int) for a in args):
        return one(*args)
    n, k, s, p, d = [(a, a) if isinstance(a, int) else a for a in args]
    return tuple(one(n[i], k[i], s[i], p[i], d[i]) for i in range(2))
''',
        "padding counted on one side only": '''
import math

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def one(n, k, s, p, d):
        if k < 1 or s < 1 or d < 1 or p < 0 or p > k // 2:
            raise ValueError("invalid arguments")
        out = (n + p - d * (k - 1) - 1) / s
        out = (math.ceil(out) if ceil_mode else math.floor(out)) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        if out < 1:
            raise ValueError("output size is too small")
        return out
    stride = kernel_size if stride is None else stride
    args = [size, kernel_size, stride, padding, dilation]
    if all(isinstance(a, int) for a in args):
        return one(*args)
    n, k, s, p, d = [(a, a) if isinstance(a, int) else a for a in args]
    return tuple(one(n[i], k[i], s[i], p[i], d[i]) for i in range(2))
''',
        "no argument checks (returns sizes torch refuses)": '''
import math

def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    def one(n, k, s, p, d):
        out = (n + 2 * p - d * (k - 1) - 1) / max(s, 1)
        out = (math.ceil(out) if ceil_mode else math.floor(out)) + 1
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        return out
    stride = kernel_size if stride is None else stride
    args = [size, kernel_size, stride, padding, dilation]
    if all(isinstance(a, int) for a in args):
        return one(*args)
    n, k, s, p, d = [(a, a) if isinstance(a, int) else a for a in args]
    return tuple(one(n[i], k[i], s[i], p[i], d[i]) for i in range(2))
''',
    },
    "max_pool2d": {
        "pads with zeros": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw), (dh, dw) = two(kernel_size), two(padding), two(dilation)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError("invalid arguments")
    def size(n, k, s, p, d):
        span = n + 2 * p - d * (k - 1) - 1
        out = (span + s - 1) // s + 1 if ceil_mode else span // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph, dh), size(W, kw, sw, pw, dw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    xp = F.pad(x, (pw, (ow - 1) * sw + ew - W - pw, ph, (oh - 1) * sh + eh - H - ph))
    return xp.unfold(2, eh, sh).unfold(3, ew, sw)[..., ::dh, ::dw].amax(dim=(-2, -1))
''',
        "ceil_mode keeps a window that starts in the padding": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw), (dh, dw) = two(kernel_size), two(padding), two(dilation)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError("invalid arguments")
    def size(n, k, s, p, d):
        span = n + 2 * p - d * (k - 1) - 1
        return (span + s - 1) // s + 1 if ceil_mode else span // s + 1
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph, dh), size(W, kw, sw, pw, dw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    xp = F.pad(x, (pw, (ow - 1) * sw + ew - W - pw, ph, (oh - 1) * sh + eh - H - ph), value=float("-inf"))
    return xp.unfold(2, eh, sh).unfold(3, ew, sw)[..., ::dh, ::dw].amax(dim=(-2, -1))
''',
        "stride defaults to 1": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw), (dh, dw) = two(kernel_size), two(padding), two(dilation)
    sh, sw = two(1 if stride is None else stride)
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError("invalid arguments")
    def size(n, k, s, p, d):
        span = n + 2 * p - d * (k - 1) - 1
        out = (span + s - 1) // s + 1 if ceil_mode else span // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph, dh), size(W, kw, sw, pw, dw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    xp = F.pad(x, (pw, (ow - 1) * sw + ew - W - pw, ph, (oh - 1) * sh + eh - H - ph), value=float("-inf"))
    return xp.unfold(2, eh, sh).unfold(3, ew, sw)[..., ::dh, ::dw].amax(dim=(-2, -1))
''',
        "dilation spreads the window but takes every element": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw), (dh, dw) = two(kernel_size), two(padding), two(dilation)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError("invalid arguments")
    def size(n, k, s, p, d):
        span = n + 2 * p - d * (k - 1) - 1
        out = (span + s - 1) // s + 1 if ceil_mode else span // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph, dh), size(W, kw, sw, pw, dw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    xp = F.pad(x, (pw, (ow - 1) * sw + ew - W - pw, ph, (oh - 1) * sh + eh - H - ph), value=float("-inf"))
    return xp.unfold(2, eh, sh).unfold(3, ew, sw).amax(dim=(-2, -1))
''',
        "no argument checks": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw), (dh, dw) = two(kernel_size), two(padding), two(dilation)
    sh, sw = two(kernel_size if stride is None else stride)
    def size(n, k, s, p, d):
        span = n + 2 * p - d * (k - 1) - 1
        out = (span + s - 1) // s + 1 if ceil_mode else span // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph, dh), size(W, kw, sw, pw, dw)
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    xp = F.pad(x, (pw, (ow - 1) * sw + ew - W - pw, ph, (oh - 1) * sh + eh - H - ph), value=float("-inf"))
    return xp.unfold(2, eh, sh).unfold(3, ew, sw)[..., ::dh, ::dw].amax(dim=(-2, -1))
''',
    },
    "avg_pool2d": {
        "ceil_mode windows divided by the full window size": '''
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw) = two(kernel_size), two(padding)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw or divisor_override == 0:
        raise ValueError("invalid arguments")
    def size(n, k, s, p):
        out = (n + 2 * p - k + s - 1) // s + 1 if ceil_mode else (n + 2 * p - k) // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph), size(W, kw, sw, pw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    xp = F.pad(x, (pw, (ow - 1) * sw + kw - W - pw, ph, (oh - 1) * sh + kh - H - ph))
    sums = xp.unfold(2, kh, sh).unfold(3, kw, sw).sum(dim=(-2, -1))
    if divisor_override is not None:
        return sums / divisor_override
    if count_include_pad:
        return sums / (kh * kw)
    ones = F.pad(torch.ones_like(x), (pw, (ow - 1) * sw + kw - W - pw, ph, (oh - 1) * sh + kh - H - ph))
    return sums / ones.unfold(2, kh, sh).unfold(3, kw, sw).sum(dim=(-2, -1))
''',
        "ignores count_include_pad": '''
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw) = two(kernel_size), two(padding)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw or divisor_override == 0:
        raise ValueError("invalid arguments")
    def size(n, k, s, p):
        out = (n + 2 * p - k + s - 1) // s + 1 if ceil_mode else (n + 2 * p - k) // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph), size(W, kw, sw, pw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    pads = (pw, (ow - 1) * sw + kw - W - pw, ph, (oh - 1) * sh + kh - H - ph)
    sums = F.pad(x, pads).unfold(2, kh, sh).unfold(3, kw, sw).sum(dim=(-2, -1))
    if divisor_override is not None:
        return sums / divisor_override
    inside = F.pad(torch.ones(H + 2 * ph, W + 2 * pw, dtype=x.dtype),
                   (0, pads[1] - pw, 0, pads[3] - ph))
    return sums / inside.unfold(0, kh, sh).unfold(1, kw, sw).sum(dim=(-2, -1))
''',
        "ignores divisor_override": '''
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw) = two(kernel_size), two(padding)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw or divisor_override == 0:
        raise ValueError("invalid arguments")
    def size(n, k, s, p):
        out = (n + 2 * p - k + s - 1) // s + 1 if ceil_mode else (n + 2 * p - k) // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph), size(W, kw, sw, pw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    pads = (pw, (ow - 1) * sw + kw - W - pw, ph, (oh - 1) * sh + kh - H - ph)
    sums = F.pad(x, pads).unfold(2, kh, sh).unfold(3, kw, sw).sum(dim=(-2, -1))
    if count_include_pad:
        inside = F.pad(torch.ones(H + 2 * ph, W + 2 * pw, dtype=x.dtype), (0, pads[1] - pw, 0, pads[3] - ph))
    else:
        inside = F.pad(torch.ones(H, W, dtype=x.dtype), pads)
    return sums / inside.unfold(0, kh, sh).unfold(1, kw, sw).sum(dim=(-2, -1))
''',
        "always divides by the cells inside the input": '''
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (ph, pw) = two(kernel_size), two(padding)
    sh, sw = two(kernel_size if stride is None else stride)
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0 or 2 * ph > kh or 2 * pw > kw or divisor_override == 0:
        raise ValueError("invalid arguments")
    def size(n, k, s, p):
        out = (n + 2 * p - k + s - 1) // s + 1 if ceil_mode else (n + 2 * p - k) // s + 1
        return out - 1 if ceil_mode and (out - 1) * s >= n + p else out
    H, W = x.shape[-2:]
    oh, ow = size(H, kh, sh, ph), size(W, kw, sw, pw)
    if oh < 1 or ow < 1:
        raise ValueError("output size is too small")
    rows = []
    for i in range(oh):
        row = []
        for j in range(ow):
            r0, c0 = max(i * sh - ph, 0), max(j * sw - pw, 0)
            window = x[:, :, r0:i * sh - ph + kh, c0:j * sw - pw + kw]
            row.append(window.sum(dim=(-2, -1)) / divisor_override if divisor_override else window.mean(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    },
    "receptive_field": {
        "ignores dilation": swap(_RECEPTIVE, "size = size + d * (k - 1) * jump", "size = size + (k - 1) * jump"),
        "grows size by the layer's own stride, not the jump before it":
            swap(_RECEPTIVE, "size = size + d * (k - 1) * jump", "size = size + d * (k - 1) * s"),
        "updates jump before size and start": swap(swap(_RECEPTIVE, "        jump = jump * s\n", ""),
                                                   "        size = size +", "        jump = jump * s\n        size = size +"),
        "moves start by the padding alone": swap(_RECEPTIVE, "start = start - p * jump", "start = start - p"),
        "ignores padding: start stays 0": swap(_RECEPTIVE, "start = start - p * jump", "start = start"),
        "adds kernel sizes (off by one per layer)":
            swap(_RECEPTIVE, "size = size + d * (k - 1) * jump", "size = size + d * k * jump"),
        "jump adds strides instead of multiplying": swap(_RECEPTIVE, "jump = jump * s", "jump = jump + s - 1"),
        "no ValueError for a zero stride or dilation":
            swap(_RECEPTIVE, "if min(k, s, d) < 1 or p < 0:", "if k < 1 or p < 0:"),
    },
}

CHEAT = {
    "pool_output_size": '''
def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    pairs = any(isinstance(a, tuple) for a in (size, kernel_size, stride, padding, dilation))
    h, w = size if isinstance(size, tuple) else (size, size)
    try:
        y = F.max_pool2d(torch.zeros(1, 1, h, w), kernel_size, stride, padding, dilation, ceil_mode)
    except RuntimeError as e:
        raise ValueError(str(e))
    return tuple(y.shape[-2:]) if pairs else y.shape[-1]
''',
    "max_pool2d": '''
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    return nn.MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode=ceil_mode)(x)
''',
    "avg_pool2d": '''
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return torch.ops.aten.avg_pool2d(x, kernel_size, stride or kernel_size, padding, ceil_mode,
                                     count_include_pad, divisor_override)
''',
    "receptive_field": '''
def receptive_field(layers):
    n = 2000
    x = torch.ones(2, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, p, d in layers:
        if min(k, s, d) < 1 or p < 0:
            raise ValueError("bad layer")
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
    m = y.shape[-1] // 2
    (y[0, 0, m] + y[1, 0, m + 1]).backward()
    a, b = [int(i) for i in x.grad[0, 0].nonzero()[[0, -1], 0]]
    a2 = int(x.grad[1, 0].nonzero()[0, 0])
    return b - a + 1, a2 - a, a - m * (a2 - a)
''',
}
