"""Submissions for 01_sampling."""

ASSIGNMENT = "01_sampling"

LOOP = {
    "downsample": '''
def downsample(x, factor):
    rows = []
    for i in range(0, x.shape[2], factor):
        rows.append(torch.stack([x[:, :, i, j] for j in range(0, x.shape[3], factor)], dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "pool2d": '''
def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rows = []
    for i in range(x.shape[2] // kh):
        row = []
        for j in range(x.shape[3] // kw):
            window = x[:, :, i * kh:(i + 1) * kh, j * kw:(j + 1) * kw]
            row.append(window.amax(dim=(-2, -1)) if mode == "max" else window.mean(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "upsample_nearest": '''
def upsample_nearest(x, scale_factor):
    s = scale_factor
    rows = []
    for i in range(x.shape[2] * s):
        rows.append(torch.stack([x[:, :, i // s, j // s] for j in range(x.shape[3] * s)], dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "upsample_bilinear": '''
import math

def upsample_bilinear(x, size, align_corners=False):
    out_h, out_w = (size, size) if isinstance(size, int) else size
    H, W = x.shape[2], x.shape[3]

    def source(j, n_in, n_out):
        if align_corners:
            src = j * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = max((j + 0.5) * n_in / n_out - 0.5, 0.0)
        i0 = min(int(math.floor(src)), n_in - 1)
        return i0, min(i0 + 1, n_in - 1), src - i0

    rows = []
    for i in range(out_h):
        r0, r1, a = source(i, H, out_h)
        row = []
        for j in range(out_w):
            c0, c1, b = source(j, W, out_w)
            top = x[:, :, r0, c0] * (1 - b) + x[:, :, r0, c1] * b
            bottom = x[:, :, r1, c0] * (1 - b) + x[:, :, r1, c1] * b
            row.append(top * (1 - a) + bottom * a)
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
}

WRONG = {
    "downsample": {
        "starts at index 1": "def downsample(x, factor):\n    return x[:, :, 1::factor, 1::factor]\n",
        "rows only": "def downsample(x, factor):\n    return x[:, :, ::factor, :]\n",
        "drops the partial block (floor size)": '''
def downsample(x, factor):
    H, W = x.shape[2] // factor * factor, x.shape[3] // factor * factor
    return x[:, :, :H:factor, :W:factor]
''',
        "averages instead of sampling": '''
def downsample(x, factor):
    return x.unfold(2, factor, factor).unfold(3, factor, factor).mean(dim=(-2, -1))
''',
    },
    "pool2d": {
        "average divides by kh only": '''
def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    w = x.unfold(2, kh, kh).unfold(3, kw, kw)
    return w.amax(dim=(-2, -1)) if mode == "max" else w.sum(dim=(-2, -1)) / kh
''',
        "keeps partial windows at the edge": '''
def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rows = []
    for i in range(0, x.shape[2], kh):
        row = []
        for j in range(0, x.shape[3], kw):
            w = x[:, :, i:i + kh, j:j + kw]
            row.append(w.amax(dim=(-2, -1)) if mode == "max" else w.mean(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
        "uses kernel_size[0] for both sides": '''
def pool2d(x, kernel_size, mode="max"):
    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    w = x.unfold(2, k, k).unfold(3, k, k)
    return w.amax(dim=(-2, -1)) if mode == "max" else w.mean(dim=(-2, -1))
''',
        "stride 1 (overlapping windows)": '''
def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    w = x.unfold(2, kh, 1).unfold(3, kw, 1)
    return w.amax(dim=(-2, -1)) if mode == "max" else w.mean(dim=(-2, -1))
''',
        "builds the output from .item() (no gradient)": '''
def pool2d(x, kernel_size, mode="max"):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    N, C, H, W = x.shape
    out = torch.zeros(N, C, H // kh, W // kw, dtype=x.dtype)
    for i in range(H // kh):
        for j in range(W // kw):
            w = x[:, :, i * kh:(i + 1) * kh, j * kw:(j + 1) * kw]
            val = w.amax(dim=(-2, -1)) if mode == "max" else w.mean(dim=(-2, -1))
            out[:, :, i, j] = val.detach()
    return out
''',
    },
    "upsample_nearest": {
        "tiles the whole map (repeat) instead of each pixel": '''
def upsample_nearest(x, scale_factor):
    return x.repeat(1, 1, scale_factor, scale_factor)
''',
        "rows only": "def upsample_nearest(x, scale_factor):\n    return x.repeat_interleave(scale_factor, dim=2)\n",
        "source index rounded up": '''
def upsample_nearest(x, scale_factor):
    s = scale_factor
    rows = torch.clamp((torch.arange(x.shape[2] * s) + s - 1) // s, max=x.shape[2] - 1)
    cols = torch.clamp((torch.arange(x.shape[3] * s) + s - 1) // s, max=x.shape[3] - 1)
    return x[:, :, rows][:, :, :, cols]
''',
        "always float32": '''
def upsample_nearest(x, scale_factor):
    y = x.repeat_interleave(scale_factor, dim=2).repeat_interleave(scale_factor, dim=3)
    return y.float()
''',
    },
    "upsample_bilinear": {
        "no clamp at 0 (align_corners=False)": '''
def upsample_bilinear(x, size, align_corners=False):
    out_h, out_w = (size, size) if isinstance(size, int) else size
    def source(n_in, n_out):
        j = torch.arange(n_out, dtype=torch.float64)
        if align_corners:
            src = j * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            src = (j + 0.5) * (n_in / n_out) - 0.5
        i0 = src.floor().long().clamp(0, n_in - 1)
        i1 = (i0 + 1).clamp(max=n_in - 1)
        return i0, i1, (src - i0).to(x.dtype)
    r0, r1, lr = source(x.shape[2], out_h)
    c0, c1, lc = source(x.shape[3], out_w)
    rows = x[:, :, r0, :] * (1 - lr)[:, None] + x[:, :, r1, :] * lr[:, None]
    return rows[:, :, :, c0] * (1 - lc) + rows[:, :, :, c1] * lc
''',
        "ignores align_corners": '''
def upsample_bilinear(x, size, align_corners=False):
    out_h, out_w = (size, size) if isinstance(size, int) else size
    def source(n_in, n_out):
        j = torch.arange(n_out, dtype=torch.float64)
        src = ((j + 0.5) * (n_in / n_out) - 0.5).clamp(min=0)
        i0 = src.floor().long().clamp(max=n_in - 1)
        i1 = (i0 + 1).clamp(max=n_in - 1)
        return i0, i1, (src - i0).to(x.dtype)
    r0, r1, lr = source(x.shape[2], out_h)
    c0, c1, lc = source(x.shape[3], out_w)
    rows = x[:, :, r0, :] * (1 - lr)[:, None] + x[:, :, r1, :] * lr[:, None]
    return rows[:, :, :, c0] * (1 - lc) + rows[:, :, :, c1] * lc
''',
        "scale out/in instead of in/out": '''
def upsample_bilinear(x, size, align_corners=False):
    out_h, out_w = (size, size) if isinstance(size, int) else size
    def source(n_in, n_out):
        j = torch.arange(n_out, dtype=torch.float64)
        if align_corners:
            src = j * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            src = ((j + 0.5) * (n_out / n_in) - 0.5).clamp(min=0)
        i0 = src.floor().long().clamp(max=n_in - 1)
        i1 = (i0 + 1).clamp(max=n_in - 1)
        return i0, i1, (src - i0).clamp(max=1).to(x.dtype)
    r0, r1, lr = source(x.shape[2], out_h)
    c0, c1, lc = source(x.shape[3], out_w)
    rows = x[:, :, r0, :] * (1 - lr)[:, None] + x[:, :, r1, :] * lr[:, None]
    return rows[:, :, :, c0] * (1 - lc) + rows[:, :, :, c1] * lc
''',
        "align_corners=True divides by out - 1 even when out == 1": '''
def upsample_bilinear(x, size, align_corners=False):
    out_h, out_w = (size, size) if isinstance(size, int) else size
    def source(n_in, n_out):
        j = torch.arange(n_out, dtype=torch.float64)
        if align_corners:
            src = j * (n_in - 1) / (n_out - 1)
        else:
            src = ((j + 0.5) * (n_in / n_out) - 0.5).clamp(min=0)
        i0 = src.floor().long().clamp(max=n_in - 1)
        i1 = (i0 + 1).clamp(max=n_in - 1)
        return i0, i1, (src - i0).to(x.dtype)
    r0, r1, lr = source(x.shape[2], out_h)
    c0, c1, lc = source(x.shape[3], out_w)
    rows = x[:, :, r0, :] * (1 - lr)[:, None] + x[:, :, r1, :] * lr[:, None]
    return rows[:, :, :, c0] * (1 - lc) + rows[:, :, :, c1] * lc
''',
    },
}

CHEAT = {
    "downsample": "def downsample(x, factor):\n    return F.max_pool2d(x, 1, stride=factor)\n",
    "pool2d": '''
def pool2d(x, kernel_size, mode="max"):
    layer = nn.MaxPool2d(kernel_size) if mode == "max" else nn.AvgPool2d(kernel_size)
    return layer(x)
''',
    "upsample_nearest": '''
def upsample_nearest(x, scale_factor):
    return torch.ops.aten.upsample_nearest2d(x, [x.shape[2] * scale_factor, x.shape[3] * scale_factor])
''',
    "upsample_bilinear": '''
def upsample_bilinear(x, size, align_corners=False):
    return F.interpolate(x, size=size, mode="bilinear", align_corners=align_corners)
''',
}
