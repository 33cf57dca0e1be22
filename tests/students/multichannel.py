"""Submissions for 03_multichannel."""

from . import swap

ASSIGNMENT = "03_multichannel"

# The argument checks and padding of conv2d as a student might write them, shared by the conv2d entries.
_CONV_PREP = '''
def _prep(x, weight, bias, stride, padding, dilation):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    c_out, c_in, kh, kw = weight.shape
    if x.shape[1] != c_in:
        raise ValueError("x and weight have different numbers of input channels")
    if bias is not None and bias.shape != (c_out,):
        raise ValueError("bias must have one value per output channel")
    (sh, sw), (dh, dw) = two(stride), two(dilation)
    if min(sh, sw, dh, dw) < 1:
        raise ValueError("stride and dilation must be positive")
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if (sh, sw) != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        th, tw = dh * (kh - 1), dw * (kw - 1)
        pads = (tw // 2, tw - tw // 2, th // 2, th - th // 2)
    elif isinstance(padding, str):
        raise ValueError("unknown padding string")
    else:
        ph, pw = two(padding)
        if min(ph, pw) < 0:
            raise ValueError("padding must not be negative")
        pads = (pw, pw, ph, ph)
    xp = F.pad(x, pads)
    if dh * (kh - 1) + 1 > xp.shape[2] or dw * (kw - 1) + 1 > xp.shape[3]:
        raise ValueError("kernel larger than the padded input")
    return xp, (sh, sw), (dh, dw)
'''

_TRANSPOSE = '''
def conv_transpose2d(x, weight, stride=1, padding=0):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be at least 1, got {stride}")
    if ph < 0 or pw < 0:
        raise ValueError(f"negative padding {padding}")
    n, c, h, w = x.shape
    if weight.shape[0] != c:
        raise ValueError(f"x has {c} channels but weight.shape[0] is {weight.shape[0]}")
    _, o, kh, kw = weight.shape
    full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw
    if full_h - 2 * ph < 1 or full_w - 2 * pw < 1:
        raise ValueError("padding leaves no output")
    out = torch.zeros(n, o, full_h, full_w, dtype=x.dtype)
    for i in range(h):
        for j in range(w):
            block = torch.einsum("nc,cokl->nokl", x[:, :, i, j], weight)
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            out[:, :, rows, cols] = out[:, :, rows, cols] + block
    return out[:, :, ph:full_h - ph, pw:full_w - pw]
'''

LOOP = {
    "corr2d": '''
def corr2d(x, k):
    h, w = k.shape
    if h > x.shape[0] or w > x.shape[1]:
        raise ValueError("kernel larger than input")
    rows = []
    for i in range(x.shape[0] - h + 1):
        rows.append(torch.stack([(x[i:i + h, j:j + w] * k).sum() for j in range(x.shape[1] - w + 1)]))
    return torch.stack(rows)
''',
    "conv2d": _CONV_PREP + '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    xp, (sh, sw), (dh, dw) = _prep(x, weight, bias, stride, padding, dilation)
    c_out, c_in, kh, kw = weight.shape
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    rows = []
    for i in range(oh):
        row = []
        for j in range(ow):
            window = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out = (window[:, None] * weight[None]).sum(dim=(2, 3, 4))  # N x C_out
            row.append(out if bias is None else out + bias)
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "conv_output_shape": '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    n, c, h, w = input_shape
    k, s, d = two(kernel_size), two(stride), two(dilation)
    if out_channels < 1 or min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError("out_channels, kernel_size, stride and dilation must be positive")
    if padding == "same":
        if s != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        return (n, out_channels, h, w)
    if padding == "valid":
        padding = 0
    if isinstance(padding, str):
        raise ValueError("unknown padding")
    p = two(padding)
    if min(p) < 0:
        raise ValueError("negative padding")
    out = []
    for i, size in enumerate((h, w)):
        span = d[i] * (k[i] - 1) + 1
        if span > size + 2 * p[i]:
            raise ValueError("kernel larger than the padded input")
        out.append((size + 2 * p[i] - span) // s[i] + 1)
    return (n, out_channels, out[0], out[1])
''',
    "avg_pool_as_conv": '''
def avg_pool_as_conv(x, kernel_size):
    if isinstance(kernel_size, int):
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    channels = x.shape[1]
    if kh > x.shape[2] or kw > x.shape[3]:
        raise ValueError("the kernel does not fit in the input")
    weight = torch.ones(channels, 1, kh, kw, dtype=x.dtype) / (kh * kw)
    return F.conv2d(x, weight, stride=(kh, kw), groups=channels)
''',
    "conv_transpose2d": _TRANSPOSE,
}

_PAIR = "(kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size"
_AVG_CONV = '''
def avg_pool_as_conv(x, kernel_size):
    {pair}
    c = x.shape[1]
    {check}
    weight = torch.full({shape}, {entry}{dtype})
    return F.conv2d(x, weight, {call})
'''


def _avg_conv(pair=f"kh, kw = {_PAIR}",
              check='if kh > x.shape[2] or kw > x.shape[3]:\n        raise ValueError("kernel larger than the input")',
              shape="(c, 1, kh, kw)", entry="1.0 / (kh * kw)", dtype=", dtype=x.dtype", call="stride=(kh, kw), groups=c"):
    """The grouped-conv solution of avg_pool_as_conv with one piece swapped for a mistake."""
    return _AVG_CONV.format(pair=pair, check=check, shape=shape, entry=entry, dtype=dtype, call=call)


WRONG = {
    "corr2d": {
        "flips the kernel (mathematical convolution)": '''
def corr2d(x, k):
    h, w = k.shape
    if h > x.shape[0] or w > x.shape[1]:
        raise ValueError("kernel larger than input")
    return (x.unfold(0, h, 1).unfold(1, w, 1) * k.flip(0, 1)).sum(dim=(-2, -1))
''',
        "one row and column too few": '''
def corr2d(x, k):
    h, w = k.shape
    if h > x.shape[0] or w > x.shape[1]:
        raise ValueError("kernel larger than input")
    rows = []
    for i in range(max(x.shape[0] - h, 1)):
        rows.append(torch.stack([(x[i:i + h, j:j + w] * k).sum() for j in range(max(x.shape[1] - w, 1))]))
    return torch.stack(rows)
''',
        "assumes a square kernel": '''
def corr2d(x, k):
    h = k.shape[0]
    if h > x.shape[0] or h > x.shape[1]:
        raise ValueError("kernel larger than input")
    return (x.unfold(0, h, 1).unfold(1, h, 1) * k[:h, :h]).sum(dim=(-2, -1))
''',
        "builds the output with torch.zeros and .item() (no gradient)": '''
def corr2d(x, k):
    h, w = k.shape
    if h > x.shape[0] or w > x.shape[1]:
        raise ValueError("kernel larger than input")
    y = torch.zeros(x.shape[0] - h + 1, x.shape[1] - w + 1, dtype=x.dtype)
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            y[i, j] = (x[i:i + h, j:j + w] * k).sum().item()
    return y
''',
    },
    "conv2d": {
        "ignores the bias": _CONV_PREP + '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    xp, (sh, sw), (dh, dw) = _prep(x, weight, bias, stride, padding, dilation)
    windows = xp.unfold(2, dh * (weight.shape[2] - 1) + 1, sh).unfold(3, dw * (weight.shape[3] - 1) + 1, sw)
    return torch.einsum("ncijab,ocab->noij", windows[..., ::dh, ::dw], weight)
''',
        "averages over input channels instead of summing": _CONV_PREP + '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    xp, (sh, sw), (dh, dw) = _prep(x, weight, bias, stride, padding, dilation)
    windows = xp.unfold(2, dh * (weight.shape[2] - 1) + 1, sh).unfold(3, dw * (weight.shape[3] - 1) + 1, sw)
    out = torch.einsum("ncijab,ocab->noij", windows[..., ::dh, ::dw], weight) / x.shape[1]
    return out if bias is None else out + bias[:, None, None]
''',
        "'same' puts the extra padding on the top/left": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    c_out, c_in, kh, kw = weight.shape
    if x.shape[1] != c_in or (bias is not None and bias.shape != (c_out,)):
        raise ValueError("shapes do not match")
    (sh, sw), (dh, dw) = two(stride), two(dilation)
    if min(sh, sw, dh, dw) < 1:
        raise ValueError("stride and dilation must be positive")
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        if (sh, sw) != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        th, tw = dh * (kh - 1), dw * (kw - 1)
        pads = (tw - tw // 2, tw // 2, th - th // 2, th // 2)
    elif isinstance(padding, str):
        raise ValueError("unknown padding string")
    else:
        ph, pw = two(padding)
        if min(ph, pw) < 0:
            raise ValueError("padding must not be negative")
        pads = (pw, pw, ph, ph)
    xp = F.pad(x, pads)
    if dh * (kh - 1) + 1 > xp.shape[2] or dw * (kw - 1) + 1 > xp.shape[3]:
        raise ValueError("kernel larger than the padded input")
    windows = xp.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)[..., ::dh, ::dw]
    out = torch.einsum("ncijab,ocab->noij", windows, weight)
    return out if bias is None else out + bias[:, None, None]
''',
        "ignores dilation": _CONV_PREP + '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    xp, (sh, sw), _ = _prep(x, weight, bias, stride, padding, 1)
    windows = xp.unfold(2, weight.shape[2], sh).unfold(3, weight.shape[3], sw)
    out = torch.einsum("ncijab,ocab->noij", windows, weight)
    return out if bias is None else out + bias[:, None, None]
''',
        "flips the kernel": _CONV_PREP + '''

def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    xp, (sh, sw), (dh, dw) = _prep(x, weight, bias, stride, padding, dilation)
    windows = xp.unfold(2, dh * (weight.shape[2] - 1) + 1, sh).unfold(3, dw * (weight.shape[3] - 1) + 1, sw)
    out = torch.einsum("ncijab,ocab->noij", windows[..., ::dh, ::dw], weight.flip(2, 3))
    return out if bias is None else out + bias[:, None, None]
''',
    },
    "conv_output_shape": {
        "ignores dilation": '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    n, c, h, w = input_shape
    k, s = two(kernel_size), two(stride)
    if out_channels < 1 or min(k) < 1 or min(s) < 1 or min(two(dilation)) < 1:
        raise ValueError("invalid arguments")
    if padding == "same":
        if s != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        return (n, out_channels, h, w)
    if isinstance(padding, str) and padding != "valid":
        raise ValueError("unknown padding")
    p = (0, 0) if padding == "valid" else two(padding)
    if min(p) < 0 or k[0] > h + 2 * p[0] or k[1] > w + 2 * p[1]:
        raise ValueError("invalid padding or kernel")
    return (n, out_channels, (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1)
''',
        "'same' computed as padding = kernel_size // 2": '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    n, c, h, w = input_shape
    k, s, d = two(kernel_size), two(stride), two(dilation)
    if out_channels < 1 or min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError("invalid arguments")
    if padding == "same":
        if s != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        padding = (k[0] // 2, k[1] // 2)
    if isinstance(padding, str) and padding != "valid":
        raise ValueError("unknown padding")
    p = (0, 0) if padding == "valid" else two(padding)
    out = []
    for i, size in enumerate((h, w)):
        span = d[i] * (k[i] - 1) + 1
        if p[i] < 0 or span > size + 2 * p[i]:
            raise ValueError("invalid padding or kernel")
        out.append((size + 2 * p[i] - span) // s[i] + 1)
    return (n, out_channels, out[0], out[1])
''',
        "keeps the input's channel count": '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    n, c, h, w = input_shape
    k, s, d = two(kernel_size), two(stride), two(dilation)
    if out_channels < 1 or min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError("invalid arguments")
    if padding == "same":
        if s != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        return (n, c, h, w)
    if isinstance(padding, str) and padding != "valid":
        raise ValueError("unknown padding")
    p = (0, 0) if padding == "valid" else two(padding)
    out = []
    for i, size in enumerate((h, w)):
        span = d[i] * (k[i] - 1) + 1
        if p[i] < 0 or span > size + 2 * p[i]:
            raise ValueError("invalid padding or kernel")
        out.append((size + 2 * p[i] - span) // s[i] + 1)
    return (n, c, out[0], out[1])
''',
        "padding counted on one side only": '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    two = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    n, c, h, w = input_shape
    k, s, d = two(kernel_size), two(stride), two(dilation)
    if out_channels < 1 or min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError("invalid arguments")
    if padding == "same":
        if s != (1, 1):
            raise ValueError("padding='same' needs stride 1")
        return (n, out_channels, h, w)
    if isinstance(padding, str) and padding != "valid":
        raise ValueError("unknown padding")
    p = (0, 0) if padding == "valid" else two(padding)
    out = []
    for i, size in enumerate((h, w)):
        span = d[i] * (k[i] - 1) + 1
        if p[i] < 0 or span > size + 2 * p[i]:
            raise ValueError("invalid padding or kernel")
        out.append((size + p[i] - span) // s[i] + 1)
    return (n, out_channels, out[0], out[1])
''',
    },
    "avg_pool_as_conv": {
        "weight (C, C, kh, kw) without groups: mixes the channels":
            _avg_conv(shape="(c, c, kh, kw)", call="stride=(kh, kw)"),
        "divides by kh instead of kh·kw": _avg_conv(entry="1.0 / kh"),
        "stride 1 (the convolution's default) instead of stride = kernel_size": _avg_conv(call="groups=c"),
        "forgets the pair form of kernel_size": _avg_conv(pair="kh = kw = kernel_size"),
        "builds the weight in float32 whatever x's dtype": _avg_conv(dtype=""),
        "reads a pair as (kw, kh)": _avg_conv(pair=f"kw, kh = {_PAIR}"),
        "no check for a kernel larger than the input (F.conv2d's RuntimeError)": _avg_conv(check="pass"),
    },
    "conv_transpose2d": {
        "does not crop the padding": swap(_TRANSPOSE, "return out[:, :, ph:full_h - ph, pw:full_w - pw]", "return out"),
        "crops the padding from one side only":
            swap(_TRANSPOSE, "return out[:, :, ph:full_h - ph, pw:full_w - pw]", "return out[:, :, 2 * ph:, 2 * pw:]"),
        "overlapping blocks overwrite instead of adding up": swap(_TRANSPOSE, "= out[:, :, rows, cols] + block", "= block"),
        "flips the kernel": swap(_TRANSPOSE, "x[:, :, i, j], weight)", "x[:, :, i, j], weight.flip(-1, -2))"),
        "reads weight as (C_out, C_in, kh, kw), like conv2d's": swap(swap(swap(_TRANSPOSE,
            "if weight.shape[0] != c:", "if weight.shape[1] != c:"),
            "_, o, kh, kw = weight.shape", "o, _, kh, kw = weight.shape"), '"nc,cokl->nokl"', '"nc,ockl->nokl"'),
        "output of H·stride rows (the upsampling factor, not the formula)": swap(_TRANSPOSE,
            "full_h, full_w = (h - 1) * sh + kh, (w - 1) * sw + kw",
            "full_h, full_w = max(h * sh, (h - 1) * sh + kh), max(w * sw, (w - 1) * sw + kw)"),
        "computes in float32 for float64 inputs": swap(swap(_TRANSPOSE, "dtype=x.dtype", "dtype=torch.float32"),
            "pw:full_w - pw]\n", "pw:full_w - pw].to(x.dtype)\n"),
        "no ValueError for a channel mismatch": swap(_TRANSPOSE, "if weight.shape[0] != c:", "if False:"),
    },
}

CHEAT = {
    "corr2d": '''
def corr2d(x, k):
    return torch.conv2d(x[None, None], k[None, None])[0, 0]
''',
    "conv2d": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)
''',
    "conv_output_shape": '''
def conv_output_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    layer = nn.Conv2d(input_shape[1], out_channels, kernel_size, stride, padding, dilation)
    return tuple(layer(torch.zeros(input_shape)).shape)
''',
    "avg_pool_as_conv": '''
def avg_pool_as_conv(x, kernel_size):
    return nn.AvgPool2d(kernel_size)(x)
''',
    "conv_transpose2d": '''
def conv_transpose2d(x, weight, stride=1, padding=0):
    return F.conv_transpose2d(x, weight, None, stride, padding)
''',
}
