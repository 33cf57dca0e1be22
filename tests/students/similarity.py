"""A class for the similarity report's test: copies among independent solutions.

For ``pool2d`` (01_sampling) and ``pad2d`` (05_padding_layers), each exercise has
- ``ORIGINAL``: one student's solution;
- ``RENAMED``: the original with every local name renamed, its comments rewritten and its spacing changed;
- ``REORDERED``: the original with statements that do not depend on each other swapped;
- ``INDEPENDENT``: twenty correct solutions written independently in different styles (loops, unfold,
  as_strided, reshape, index tensors, matrix products, numpy index maps...), some sharing the
  idiom most students reach for.

A source that starts indented is a function body: :func:`cell` puts it into the release's cell in
place of the stub, keeping the release's signature and docstring as most students do. A source
that starts at column 0 is the whole cell (a student who rewrote the signature or dropped the
docstring).
"""

from course import graded, notebook

EXERCISES = {"pool2d": "01_sampling", "pad2d": "05_padding_layers"}
INDEPENDENT_STUDENTS = [f"independent{i:02d}" for i in range(1, 21)]  # who hand in the INDEPENDENT solutions
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"


def cell(release_source: str, source: str) -> str:
    """The exercise cell a student hands in: ``source`` as a body in the release's cell, or whole."""
    if not source.lstrip("\n").startswith(" "):
        return source.strip("\n")
    assert STUB in release_source, "the release cell no longer ends in the stub"
    return release_source.replace(STUB, source.strip("\n"))


ORIGINAL = {
    "pool2d": '''
    if isinstance(kernel_size, int):
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    N, C, H, W = x.shape
    out_h, out_w = H // kh, W // kw
    # cut off the rows and columns that do not fill a whole window
    x = x[:, :, :out_h * kh, :out_w * kw]
    patches = x.unfold(2, kh, kh).unfold(3, kw, kw)  # N, C, out_h, out_w, kh, kw
    patches = patches.reshape(N, C, out_h, out_w, kh * kw)
    if mode == "max":
        return patches.max(dim=-1).values
    elif mode == "avg":
        return patches.sum(dim=-1) / (kh * kw)
    raise ValueError(f"mode must be 'max' or 'avg', not {mode}")
''',
    "pad2d": '''
    if isinstance(padding, int):
        padding = [padding] * 4
    pl, pr, pt, pb = padding
    modes = ["constant", "reflect", "replicate", "circular"]
    if mode not in modes:
        raise ValueError(f"unknown mode {mode}, use one of {modes}")
    if mode != "constant" and value != 0:
        raise ValueError("value only works with constant padding")
    N, C, H, W = x.shape

    # index of the input row/column that each output row/column copies
    def index_map(size, before, after):
        if mode == "reflect" and (before >= size or after >= size):
            raise ValueError("reflect padding must be smaller than the dimension")
        if mode == "circular" and (before > size or after > size):
            raise ValueError("circular padding can't be bigger than the dimension")
        idx = torch.arange(-before, size + after)
        if mode == "replicate":
            idx = torch.clamp(idx, 0, size - 1)
        elif mode == "circular":
            idx = torch.remainder(idx, size)
        else:
            idx = torch.abs(idx)
            idx = torch.where(idx >= size, 2 * size - 2 - idx, idx)
        return idx

    if mode == "constant":
        result = torch.full((N, C, H + pt + pb, W + pl + pr), value, dtype=x.dtype)
        result[:, :, pt:pt + H, pl:pl + W] = x
        return result
    rows = index_map(H, pt, pb)
    cols = index_map(W, pl, pr)
    return x[:, :, rows, :][:, :, :, cols]
''',
}

# Every local name renamed, comments rewritten, spacing and line breaks changed.
RENAMED = {
    "pool2d": '''
    if isinstance(kernel_size, int):
        a = b = kernel_size
    else:
        a, b = kernel_size

    batch, chans, height, width = x.shape
    rows_out, cols_out = height//a, width//b
    # drop what is left over at the bottom and right edges
    x = x[:, :, : rows_out*a, : cols_out*b]
    blocks = x.unfold(2, a, a).unfold(3, b, b)
    blocks = blocks.reshape(batch, chans, rows_out, cols_out, a*b)   # flatten each window

    if mode == "max":
        return blocks.max(dim=-1).values
    elif mode == "avg":
        return blocks.sum(dim=-1)/(a*b)
    raise ValueError(f"bad mode: {mode}")
''',
    "pad2d": '''
    if isinstance(padding, int):
        padding = [padding]*4
    l, r, t, b = padding
    allowed = ["constant", "reflect", "replicate", "circular"]
    if mode not in allowed:
        raise ValueError(f"mode {mode} is not supported ({allowed})")
    if mode != "constant" and value != 0:
        raise ValueError("a fill value needs mode='constant'")
    batch, ch, h, w = x.shape

    # which source position every padded position reads from
    def lookup(n, lo, hi):
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError("padding too big for reflect")
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError("padding too big for circular")
        pos = torch.arange(-lo, n + hi)
        if mode == "replicate":
            pos = torch.clamp(pos, 0, n - 1)
        elif mode == "circular":
            pos = torch.remainder(pos, n)
        else:
            pos = torch.abs(pos)
            pos = torch.where(pos >= n, 2*n - 2 - pos, pos)
        return pos

    if mode == "constant":
        y = torch.full((batch, ch, h+t+b, w+l+r), value, dtype=x.dtype)
        y[:, :, t:t+h, l:l+w] = x
        return y
    ri = lookup(h, t, b)
    ci = lookup(w, l, r)
    return x[:, :, ri, :][:, :, :, ci]
''',
}

# Statements that do not depend on each other swapped; nothing renamed.
REORDERED = {
    "pool2d": '''
    N, C, H, W = x.shape
    if isinstance(kernel_size, int):
        kh = kw = kernel_size
    else:
        kh, kw = kernel_size
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode}")
    out_h, out_w = H // kh, W // kw
    # cut off the rows and columns that do not fill a whole window
    x = x[:, :, :out_h * kh, :out_w * kw]
    patches = x.unfold(2, kh, kh).unfold(3, kw, kw)  # N, C, out_h, out_w, kh, kw
    patches = patches.reshape(N, C, out_h, out_w, kh * kw)
    if mode == "avg":
        return patches.sum(dim=-1) / (kh * kw)
    return patches.max(dim=-1).values
''',
    "pad2d": '''
    N, C, H, W = x.shape
    modes = ["constant", "reflect", "replicate", "circular"]
    if mode != "constant" and value != 0:
        raise ValueError("value only works with constant padding")
    if mode not in modes:
        raise ValueError(f"unknown mode {mode}, use one of {modes}")
    if isinstance(padding, int):
        padding = [padding] * 4
    pl, pr, pt, pb = padding

    # index of the input row/column that each output row/column copies
    def index_map(size, before, after):
        if mode == "circular" and (before > size or after > size):
            raise ValueError("circular padding can't be bigger than the dimension")
        if mode == "reflect" and (before >= size or after >= size):
            raise ValueError("reflect padding must be smaller than the dimension")
        idx = torch.arange(-before, size + after)
        if mode == "circular":
            idx = torch.remainder(idx, size)
        elif mode == "replicate":
            idx = torch.clamp(idx, 0, size - 1)
        else:
            idx = torch.abs(idx)
            idx = torch.where(idx >= size, 2 * size - 2 - idx, idx)
        return idx

    if mode == "constant":
        result = torch.full((N, C, H + pt + pb, W + pl + pr), value, dtype=x.dtype)
        result[:, :, pt:pt + H, pl:pl + W] = x
        return result
    cols = index_map(W, pl, pr)
    rows = index_map(H, pt, pb)
    return x[:, :, rows, :][:, :, :, cols]
''',
}

POOL2D = [
    # 1: the reference idiom, reshape into windows
    '''
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    n, c, h, w = x.shape
    x = x[:, :, : h // kh * kh, : w // kw * kw]
    x = x.reshape(n, c, h // kh, kh, w // kw, kw)
    return x.amax(dim=(3, 5)) if mode == "max" else x.mean(dim=(3, 5))
''',
    # 2: unfold twice, amax/mean over the window dims (the idiom most students reach for)
    '''
    if type(kernel_size) == int:
        kernel_size = (kernel_size, kernel_size)
    kh, kw = kernel_size
    windows = x.unfold(2, kh, kh).unfold(3, kw, kw)
    if mode == "max":
        return windows.amax(dim=(-2, -1))
    return windows.mean(dim=(-2, -1))
''',
    # 3: unfold twice, then flatten the window and reduce
    '''
    k = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    w = x.unfold(2, k[0], k[0]).unfold(3, k[1], k[1]).flatten(start_dim=-2)
    if mode == "avg":
        return w.mean(-1)
    return w.max(-1)[0]
''',
    # 4: two loops, a list of rows stacked at the end
    '''
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out_rows = []
    for i in range(x.shape[-2] // kh):
        out_row = []
        for j in range(x.shape[-1] // kw):
            block = x[..., i * kh:(i + 1) * kh, j * kw:(j + 1) * kw]
            if mode == "max":
                out_row.append(block.amax(dim=(-1, -2)))
            else:
                out_row.append(block.mean(dim=(-1, -2)))
        out_rows.append(torch.stack(out_row, -1))
    return torch.stack(out_rows, -2)
''',
    # 5: preallocated output filled in place
    '''
def pool2d(x, kernel_size, mode="max"):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kh, kw = kernel_size
    N, C, H, W = x.shape
    Ho, Wo = H // kh, W // kw
    out = torch.zeros(N, C, Ho, Wo, dtype=x.dtype)
    for r in range(Ho):
        for s in range(Wo):
            patch = x[:, :, r*kh:r*kh+kh, s*kw:s*kw+kw].reshape(N, C, -1)
            if mode == "max":
                out[:, :, r, s] = patch.max(dim=2).values
            else:
                out[:, :, r, s] = patch.sum(dim=2) / (kh * kw)
    return out
''',
    # 6: as_strided view of the windows
    '''
    kh, kw = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    N, C, H, W = x.shape
    sN, sC, sH, sW = x.stride()
    view = x.as_strided(size=(N, C, H // kh, W // kw, kh, kw),
                        stride=(sN, sC, sH * kh, sW * kw, sH, sW),
                        storage_offset=x.storage_offset())
    reduce = torch.amax if mode == "max" else torch.mean
    return reduce(view, dim=(4, 5))
''',
    # 7: F.unfold (im2col) and a view back to the grid
    '''
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    N, C, H, W = x.shape
    cols = F.unfold(x, kernel_size, stride=kernel_size)  # (N, C*kh*kw, L)
    cols = cols.view(N, C, kernel_size[0] * kernel_size[1], -1)
    pooled = cols.max(dim=2).values if mode == "max" else cols.mean(dim=2)
    return pooled.view(N, C, H // kernel_size[0], W // kernel_size[1])
''',
    # 8: nested list comprehensions
    '''
def pool2d(x, kernel_size, mode="max"):
    kh, kw = [kernel_size] * 2 if isinstance(kernel_size, int) else kernel_size
    f = (lambda t: t.amax((-2, -1))) if mode == "max" else (lambda t: t.mean((-2, -1)))
    return torch.stack([
        torch.stack([f(x[:, :, a:a + kh, b:b + kw]) for b in range(0, x.shape[3] - kw + 1, kw)], dim=-1)
        for a in range(0, x.shape[2] - kh + 1, kh)
    ], dim=-2)
''',
    # 9: view, permute so the window is last, then reduce
    '''
    if isinstance(kernel_size, int):
        p = q = kernel_size
    else:
        p, q = kernel_size
    b, ch, hh, ww = x.shape
    hh, ww = hh - hh % p, ww - ww % q
    t = x[:, :, :hh, :ww].contiguous().view(b, ch, hh // p, p, ww // q, q)
    t = t.permute(0, 1, 2, 4, 3, 5).reshape(b, ch, hh // p, ww // q, p * q)
    if mode == "max":
        values, _ = torch.max(t, dim=4)
        return values
    return torch.mean(t, dim=4)
''',
    # 10: reduce over the kh*kw strided sub-grids with elementwise maximum / sum
    '''
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    oh, ow = x.shape[2] // kh, x.shape[3] // kw
    acc = None
    for di in range(kh):
        for dj in range(kw):
            part = x[:, :, di:di + oh * kh:kh, dj:dj + ow * kw:kw]
            if acc is None:
                acc = part
            elif mode == "max":
                acc = torch.maximum(acc, part)
            else:
                acc = acc + part
    return acc if mode == "max" else acc / (kh * kw)
''',
    # 11: torch.split into blocks, dropping the partial block
    '''
def pool2d(x, kernel_size, mode="max"):
    """Pool x (N, C, H, W) over non-overlapping windows."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    H, W = x.shape[-2:]
    row_blocks = torch.split(x[..., :H - H % kh, :W - W % kw], kh, dim=-2)
    result = []
    for rb in row_blocks:
        cells = torch.split(rb, kw, dim=-1)
        if mode == "max":
            result.append(torch.stack([c.flatten(-2).max(-1).values for c in cells], dim=-1))
        else:
            result.append(torch.stack([c.flatten(-2).mean(-1) for c in cells], dim=-1))
    return torch.stack(result, dim=-2)
''',
    # 12: helpers for the pair and the reduction
    '''
def _as_pair(v):
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def _reduce_window(t, mode):
    if mode == "max":
        return t.amax(dim=(-1, -2))
    if mode == "avg":
        return t.sum(dim=(-1, -2)) / (t.shape[-1] * t.shape[-2])
    raise ValueError("mode is 'max' or 'avg'")


def pool2d(x, kernel_size, mode="max"):
    kh, kw = _as_pair(kernel_size)
    tiles = x.unfold(-2, kh, kh).unfold(-2, kw, kw)
    return _reduce_window(tiles, mode)
''',
    # 13: averages as matrix products with pooling matrices, max by unfold
    '''
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    H, W = x.shape[2], x.shape[3]
    Ho, Wo = H // kh, W // kw
    if mode == "max":
        return x.unfold(2, kh, kh).unfold(3, kw, kw).amax(dim=(4, 5))
    # A[i, h] = 1/kh when row h is in window i
    A = torch.zeros(Ho, H, dtype=x.dtype)
    B = torch.zeros(W, Wo, dtype=x.dtype)
    for i in range(Ho):
        A[i, i * kh:(i + 1) * kh] = 1.0 / kh
    for j in range(Wo):
        B[j * kw:(j + 1) * kw, j] = 1.0 / kw
    return A @ x @ B
''',
    # 14: separable, a 1-D pooling along one dim applied twice
    '''
    def pool_along(t, dim, k):
        t = t.unfold(dim, k, k)
        return t.max(dim=-1).values if mode == "max" else t.mean(dim=-1)

    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    # max and mean over a rectangle can be done one direction at a time
    y = pool_along(x, 3, kernel_size[1])
    return pool_along(y, 2, kernel_size[0])
''',
    # 15: flatten batch and channels, loop per window with torch.cat
    '''
def pool2d(x, kernel_size, mode="max"):
    kh = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    kw = kernel_size if isinstance(kernel_size, int) else kernel_size[1]
    n, c, h, w = x.shape
    flat = x.reshape(n * c, h, w)
    lines = []
    for top in range(0, h - kh + 1, kh):
        pieces = []
        for left in range(0, w - kw + 1, kw):
            win = flat[:, top:top + kh, left:left + kw].reshape(n * c, kh * kw)
            pieces.append((win.max(1).values if mode == "max" else win.mean(1)).unsqueeze(1))
        lines.append(torch.cat(pieces, dim=1).unsqueeze(1))
    return torch.cat(lines, dim=1).reshape(n, c, h // kh, w // kw)
''',
    # 16: a dict of reducers applied to unfolded windows
    '''
    reducers = {
        "max": lambda win: win.amax(dim=-1),
        "avg": lambda win: win.mean(dim=-1),
    }
    if isinstance(kernel_size, int):
        kernel_size = kernel_size, kernel_size
    k1, k2 = kernel_size
    win = x.unfold(2, k1, k1).unfold(3, k2, k2)
    win = win.reshape(*win.shape[:4], k1 * k2)
    return reducers[mode](win)
''',
    # 17: while loops over the output grid
    '''
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rows = []
    i = 0
    while i + kh <= x.size(2):
        cols = []
        j = 0
        while j + kw <= x.size(3):
            sub = x[:, :, i:i + kh, j:j + kw]
            cols.append(sub.amax(dim=(2, 3)) if mode == "max" else sub.mean(dim=(2, 3)))
            j += kw
        rows.append(torch.stack(cols, dim=2))
        i += kh
    return torch.stack(rows, dim=2)
''',
    # 18: max by sorting, average by cumulative sums (an integral image)
    '''
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    N, C, H, W = x.shape
    oh, ow = H // kh, W // kw
    if mode == "max":
        w = x.unfold(2, kh, kh).unfold(3, kw, kw).reshape(N, C, oh, ow, -1)
        return w.sort(dim=-1).values[..., -1]
    s = torch.zeros(N, C, H + 1, W + 1, dtype=x.dtype)
    s[:, :, 1:, 1:] = x.cumsum(2).cumsum(3)
    r = torch.arange(oh + 1) * kh
    c = torch.arange(ow + 1) * kw
    S = s[:, :, r][:, :, :, c]
    total = S[:, :, 1:, 1:] - S[:, :, :-1, 1:] - S[:, :, 1:, :-1] + S[:, :, :-1, :-1]
    return total / (kh * kw)
''',
    # 19: one loop over output rows, unfold along the columns
    '''
    if not isinstance(kernel_size, int):
        kh, kw = kernel_size
    else:
        kh, kw = kernel_size, kernel_size
    out = []
    for r in range(x.shape[2] // kh):
        band = x[:, :, r * kh:(r + 1) * kh, :]           # N, C, kh, W
        band = band.unfold(3, kw, kw)                     # N, C, kh, W // kw, kw
        if mode == "max":
            out.append(band.amax(dim=(2, 4)))
        else:
            out.append(band.mean(dim=(2, 4)))
    return torch.stack(out, dim=2)
''',
    # 20: max via torch.stack of shifted slices, average via the same slices summed
    '''
def pool2d(x, kernel_size, mode="max"):
    if isinstance(kernel_size, (list, tuple)):
        kh, kw = kernel_size
    else:
        kh = kw = kernel_size
    H2, W2 = (x.shape[2] // kh) * kh, (x.shape[3] // kw) * kw
    shifted = torch.stack([x[:, :, a:H2:kh, b:W2:kw] for a in range(kh) for b in range(kw)])
    if mode == "avg":
        return shifted.mean(dim=0)
    return shifted.max(dim=0).values
''',
]

PAD2D = [
    # 1: the reference idiom, index tensors with abs / clamp / modulo
    '''
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"unknown padding mode {mode!r}")
    if mode == "constant":
        out = x.new_full((N, C, H + top + bottom, W + left + right), value)
        out[:, :, top:top + H, left:left + W] = x
        return out
    if value != 0:
        raise ValueError("only constant mode takes a value")

    def src(n, a, b):
        if mode == "reflect" and max(a, b) >= n:
            raise ValueError("reflect padding must be smaller than the input")
        if mode == "circular" and max(a, b) > n:
            raise ValueError("circular padding larger than the input")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return i % n

    return x[:, :, src(H, top, bottom)][:, :, :, src(W, left, right)]
''',
    # 2: torch.cat of flipped, expanded or wrapped slices, one dimension at a time
    '''
def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        padding = (padding, padding, padding, padding)
    if mode not in ["constant", "reflect", "replicate", "circular"]:
        raise ValueError("mode must be constant, reflect, replicate or circular")
    if mode != "constant" and value != 0:
        raise ValueError("value is only for constant padding")

    def pad_dim(t, before, after, dim):
        n = t.shape[dim]
        if mode == "reflect" and (before >= n or after >= n):
            raise ValueError("reflect: padding must be < input size")
        if mode == "circular" and (before > n or after > n):
            raise ValueError("circular: padding must be <= input size")
        parts = []
        if mode == "constant":
            shape = list(t.shape)
            shape[dim] = before
            parts.append(torch.full(shape, value, dtype=t.dtype))
            parts.append(t)
            shape[dim] = after
            parts.append(torch.full(shape, value, dtype=t.dtype))
        elif mode == "reflect":
            parts = [t.narrow(dim, 1, before).flip(dim), t, t.narrow(dim, n - 1 - after, after).flip(dim)]
        elif mode == "replicate":
            first, last = t.narrow(dim, 0, 1), t.narrow(dim, n - 1, 1)
            parts = [torch.cat([first] * before, dim) if before else t.narrow(dim, 0, 0), t,
                     torch.cat([last] * after, dim) if after else t.narrow(dim, 0, 0)]
        else:
            parts = [t.narrow(dim, n - before, before), t, t.narrow(dim, 0, after)]
        return torch.cat(parts, dim)

    left, right, top, bottom = padding
    return pad_dim(pad_dim(x, left, right, 3), top, bottom, 2)
''',
    # 3: one output row at a time, rows picked by a Python function
    '''
    if isinstance(padding, int):
        padding = (padding,) * 4
    l, r, t, b = padding
    H, W = x.shape[2], x.shape[3]
    if mode not in {"constant", "reflect", "replicate", "circular"}:
        raise ValueError("unsupported mode: " + str(mode))
    if value != 0 and mode != "constant":
        raise ValueError("non-zero value needs constant mode")
    if mode == "reflect" and (l >= W or r >= W or t >= H or b >= H):
        raise ValueError("reflect pad too large")
    if mode == "circular" and (l > W or r > W or t > H or b > H):
        raise ValueError("circular pad too large")

    def pick(i, n):
        if 0 <= i < n:
            return i
        if mode == "replicate":
            return 0 if i < 0 else n - 1
        if mode == "circular":
            return i % n
        return -i if i < 0 else 2 * n - 2 - i

    if mode == "constant":
        full = torch.ones(x.shape[0], x.shape[1], H + t + b, W + l + r, dtype=x.dtype) * value
        full[:, :, t:t + H, l:l + W] = x
        return full
    rows = torch.stack([x[:, :, pick(i, H), :] for i in range(-t, H + b)], dim=2)
    return torch.stack([rows[:, :, :, pick(j, W)] for j in range(-l, W + r)], dim=3)
''',
    # 4: index lists turned into tensors, index_select twice
    '''
def pad2d(x, padding, mode="constant", value=0.0):
    p = [padding] * 4 if isinstance(padding, int) else list(padding)
    if mode == "constant":
        N, C, H, W = x.shape
        canvas = x.new_full((N, C, H + p[2] + p[3], W + p[0] + p[1]), value)
        canvas[:, :, p[2]:p[2] + H, p[0]:p[0] + W] = x
        return canvas
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"mode {mode!r} is not one of constant, reflect, replicate, circular")
    if value:
        raise ValueError(f"{mode} padding takes no fill value")

    def indices(n, before, after):
        if mode == "reflect":
            if before >= n or after >= n:
                raise ValueError(f"reflect padding {before}, {after} must be below {n}")
            return list(range(before, 0, -1)) + list(range(n)) + list(range(n - 2, n - 2 - after, -1))
        if mode == "replicate":
            return [0] * before + list(range(n)) + [n - 1] * after
        if before > n or after > n:
            raise ValueError(f"circular padding {before}, {after} is more than {n}")
        return list(range(n - before, n)) + list(range(n)) + list(range(after))

    x = x.index_select(2, torch.tensor(indices(x.shape[2], p[2], p[3]), dtype=torch.long))
    return x.index_select(3, torch.tensor(indices(x.shape[3], p[0], p[1]), dtype=torch.long))
''',
    # 5: gather along each dimension with expanded indices
    '''
    left, right, top, bottom = [padding] * 4 if isinstance(padding, int) else padding
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("Unknown mode")
    if mode != "constant" and value != 0.0:
        raise ValueError("value is ignored unless mode is constant")
    n, c, h, w = x.shape
    if mode == "constant":
        y = torch.full((n, c, h + top + bottom, w + left + right), float(value), dtype=x.dtype)
        y[:, :, top:h + top, left:w + left] = x
        return y
    if mode == "reflect" and max(top, bottom) >= h or mode == "reflect" and max(left, right) >= w:
        raise ValueError("Padding size should be less than the input size for reflect")
    if mode == "circular" and (max(top, bottom) > h or max(left, right) > w):
        raise ValueError("Circular padding cannot wrap more than once")

    def mapping(size, lo, hi):
        k = torch.arange(-lo, size + hi)
        if mode == "replicate":
            return k.clamp(min=0, max=size - 1)
        if mode == "circular":
            return (k + size) % size
        k = torch.where(k < 0, -k, k)
        return torch.where(k >= size, 2 * size - 2 - k, k)

    ri = mapping(h, top, bottom).view(1, 1, -1, 1).expand(n, c, -1, w)
    y = torch.gather(x, 2, ri)
    ci = mapping(w, left, right).view(1, 1, 1, -1).expand(n, c, y.shape[2], -1)
    return torch.gather(y, 3, ci)
''',
    # 6: reflect with the period 2(n - 1) and a fold
    '''
    if isinstance(padding, int):
        left = right = top = bottom = padding
    else:
        left, right, top, bottom = padding
    valid = ("constant", "reflect", "replicate", "circular")
    if mode not in valid:
        raise ValueError("mode should be one of " + ", ".join(valid))
    if mode != "constant" and value != 0:
        raise ValueError("padding mode " + mode + " does not take a value")
    H, W = x.shape[-2:]
    if mode == "constant":
        out = torch.empty(*x.shape[:-2], H + top + bottom, W + left + right, dtype=x.dtype)
        out.fill_(value)
        out[..., top:top + H, left:left + W] = x
        return out

    def reflect_index(i, n):
        if n == 1:
            return torch.zeros_like(i)
        period = 2 * (n - 1)
        i = i % period
        return torch.where(i >= n, period - i, i)

    def index(n, a, b):
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            if a >= n or b >= n:
                raise ValueError("reflection padding is at most size - 1")
            return reflect_index(i, n)
        if mode == "circular":
            if a > n or b > n:
                raise ValueError("circular padding is at most the size")
            return i % n
        return torch.clamp(i, 0, n - 1)

    return x[..., index(H, top, bottom), :][..., index(W, left, right)]
''',
    # 7: pad the last dim only, transpose to do the rows
    '''
    def pad_last(t, a, b):
        n = t.shape[-1]
        if mode == "constant":
            lo = torch.full((*t.shape[:-1], a), value, dtype=t.dtype)
            hi = torch.full((*t.shape[:-1], b), value, dtype=t.dtype)
            return torch.cat((lo, t, hi), dim=-1)
        if mode == "reflect":
            if a >= n or b >= n:
                raise ValueError("reflect padding has to be smaller than the width")
            return torch.cat((t[..., 1:a + 1].flip(-1), t, t[..., n - b - 1:n - 1].flip(-1)), dim=-1)
        if mode == "replicate":
            return torch.cat((t[..., :1].expand(*t.shape[:-1], a), t, t[..., -1:].expand(*t.shape[:-1], b)), dim=-1)
        if a > n or b > n:
            raise ValueError("circular padding wraps more than once")
        return torch.cat((t[..., n - a:], t, t[..., :b]), dim=-1)

    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"no such mode: {mode}")
    if mode != "constant" and value != 0:
        raise ValueError(f"mode={mode} does not use value")
    if isinstance(padding, int):
        padding = (padding,) * 4
    y = pad_last(x, padding[0], padding[1])
    y = pad_last(y.transpose(-1, -2), padding[2], padding[3])
    return y.transpose(-1, -2)
''',
    # 8: selection matrices, constant border added with a mask
    '''
def pad2d(x, padding, mode="constant", value=0.0):
    l, r, t, b = (padding, padding, padding, padding) if isinstance(padding, int) else padding
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("invalid mode " + repr(mode))
    if mode != "constant" and value != 0:
        raise ValueError("value given for a non-constant mode")
    H, W = x.shape[2], x.shape[3]

    def selection(n, a, z):
        # S[i, j] = 1 when output position i copies input position j
        S = torch.zeros(n + a + z, n, dtype=x.dtype)
        for i in range(-a, n + z):
            j = i
            if mode == "reflect":
                if a >= n or z >= n:
                    raise ValueError("reflect padding too wide")
                j = abs(i) if i < n else 2 * n - 2 - i
            elif mode == "replicate":
                j = min(max(i, 0), n - 1)
            elif mode == "circular":
                if a > n or z > n:
                    raise ValueError("circular padding too wide")
                j = i % n
            if 0 <= j < n:
                S[i + a, j] = 1
        return S

    R, Cm = selection(H, t, b), selection(W, l, r)
    out = R @ x @ Cm.T
    if mode == "constant":
        inside = R.sum(1)[:, None] * Cm.sum(1)[None, :]
        out = out + value * (1 - inside)
    return out
''',
    # 9: numpy computes the index maps
    '''
import numpy as np

def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        padding = (padding,) * 4
    left, right, top, bottom = padding
    numpy_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}
    if mode != "constant" and mode not in numpy_mode:
        raise ValueError(f"mode {mode} unknown")
    if mode != "constant" and value != 0:
        raise ValueError("value requires constant mode")
    N, C, H, W = x.shape
    if mode == "constant":
        y = x.new_full((N, C, H + top + bottom, W + left + right), value)
        y[:, :, top:top + H, left:left + W] = x
        return y
    if mode == "reflect" and (max(top, bottom) >= H or max(left, right) >= W):
        raise ValueError("reflect padding must be smaller than the input")
    if mode == "circular" and (max(top, bottom) > H or max(left, right) > W):
        raise ValueError("circular padding may not exceed the input")
    rows = np.pad(np.arange(H), (top, bottom), mode=numpy_mode[mode])
    cols = np.pad(np.arange(W), (left, right), mode=numpy_mode[mode])
    return x[:, :, torch.from_numpy(rows)][:, :, :, torch.from_numpy(cols)]
''',
    # 10: grow the tensor one border column and row at a time
    '''
    if isinstance(padding, int):
        padding = (padding,) * 4
    L, R, T, B = padding
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("mode not recognised")
    if mode != "constant" and value != 0:
        raise ValueError("value only for constant mode")
    H0, W0 = x.shape[2], x.shape[3]
    if mode == "reflect" and (max(L, R) >= W0 or max(T, B) >= H0):
        raise ValueError("reflect needs padding < size")
    if mode == "circular" and (max(L, R) > W0 or max(T, B) > H0):
        raise ValueError("circular needs padding <= size")

    def border(t, k, dim, front):
        n = t.shape[dim]
        if mode == "constant":
            shape = list(t.shape)
            shape[dim] = 1
            return torch.full(shape, value, dtype=t.dtype)
        if mode == "replicate":
            return t.narrow(dim, 0 if front else n - 1, 1)
        if mode == "reflect":
            return t.narrow(dim, 2 * k + 1 if front else n - 2 - 2 * k, 1)
        size = H0 if dim == 2 else W0
        return t.narrow(dim, size - 1 if front else n - size, 1)

    y = x
    for k in range(L):
        y = torch.cat([border(y, k, 3, True), y], dim=3)
    for k in range(R):
        y = torch.cat([y, border(y, k, 3, False)], dim=3)
    for k in range(T):
        y = torch.cat([border(y, k, 2, True), y], dim=2)
    for k in range(B):
        y = torch.cat([y, border(y, k, 2, False)], dim=2)
    return y
''',
    # 11: three copies side by side for circular, flips for reflect
    '''
def pad2d(x, padding, mode="constant", value=0.0):
    """Pads x like F.pad."""
    pads = (padding, padding, padding, padding) if isinstance(padding, int) else tuple(padding)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("Unrecognised padding mode " + str(mode))
    if mode != "constant" and value != 0:
        raise ValueError(mode + " padding doesn't take in value argument")
    h, w = x.shape[2], x.shape[3]
    l, r, t, b = pads
    if mode == "constant":
        res = x.new_full((x.shape[0], x.shape[1], h + t + b, w + l + r), value)
        res[:, :, t:t + h, l:l + w] = x
        return res
    if mode == "circular":
        if max(l, r) > w or max(t, b) > h:
            raise ValueError("wrapping around more than once")
        tiled = torch.cat([x, x, x], dim=3)
        tiled = torch.cat([tiled, tiled, tiled], dim=2)
        return tiled[:, :, h - t:2 * h + b, w - l:2 * w + r]
    if mode == "reflect":
        if max(l, r) >= w or max(t, b) >= h:
            raise ValueError("Padding size should be less than the input dimension")
        wide = torch.cat([x.flip(3)[:, :, :, w - 1 - l:w - 1], x, x.flip(3)[:, :, :, 1:1 + r]], dim=3)
        return torch.cat([wide.flip(2)[:, :, h - 1 - t:h - 1], wide, wide.flip(2)[:, :, 1:1 + b]], dim=2)
    rows = torch.arange(-t, h + b).clamp(0, h - 1)
    cols = torch.arange(-l, w + r).clamp(0, w - 1)
    return x[:, :, rows][:, :, :, cols]
''',
    # 12: a validation helper, then fill the border regions of an empty tensor
    '''
def _check(x, pads, mode, value):
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"padding mode {mode!r} does not exist")
    if mode != "constant" and value != 0:
        raise ValueError("a value only makes sense for constant padding")
    H, W = x.shape[-2:]
    l, r, t, b = pads
    if mode == "reflect" and any(p >= n for p, n in ((l, W), (r, W), (t, H), (b, H))):
        raise ValueError("reflect padding must be smaller than the input")
    if mode == "circular" and any(p > n for p, n in ((l, W), (r, W), (t, H), (b, H))):
        raise ValueError("circular padding must not be larger than the input")


def pad2d(x, padding, mode="constant", value=0.0):
    pads = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
    _check(x, pads, mode, value)
    l, r, t, b = pads
    N, C, H, W = x.shape
    out = x.new_empty(N, C, H + t + b, W + l + r)
    out[:, :, t:t + H, l:l + W] = x
    mid = slice(t, t + H)
    for k in range(l):
        col = {"constant": None, "reflect": l - k, "replicate": 0, "circular": W - l + k}[mode]
        out[:, :, mid, k] = value if col is None else x[:, :, :, col]
    for k in range(r):
        col = {"constant": None, "reflect": W - 2 - k, "replicate": W - 1, "circular": k}[mode]
        out[:, :, mid, l + W + k] = value if col is None else x[:, :, :, col]
    for k in range(t):
        row = {"constant": None, "reflect": 2 * t - k, "replicate": t, "circular": H + k}[mode]
        out[:, :, k, :] = value if row is None else out[:, :, row, :]
    for k in range(b):
        row = {"constant": None, "reflect": t + H - 2 - k, "replicate": t + H - 1, "circular": t + k}[mode]
        out[:, :, t + H + k, :] = value if row is None else out[:, :, row, :]
    return out
''',
    # 13: narrow / expand per side, written out for each mode
    '''
    l, r, t, b = (padding,) * 4 if isinstance(padding, int) else padding
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("mode must be 'constant', 'reflect', 'replicate' or 'circular'")
    if mode != "constant" and value != 0:
        raise ValueError("only 'constant' takes value")
    N, C, H, W = x.shape
    if mode == "constant":
        z = torch.zeros(N, C, H + t + b, W + l + r, dtype=x.dtype) + value
        z[:, :, t:t + H, l:l + W] = x
        return z
    if mode == "replicate":
        x = torch.cat([x[:, :, :, :1].expand(N, C, H, l), x, x[:, :, :, W - 1:].expand(N, C, H, r)], 3)
        return torch.cat([x[:, :, :1].expand(N, C, t, -1), x, x[:, :, H - 1:].expand(N, C, b, -1)], 2)
    if mode == "reflect":
        if l >= W or r >= W or t >= H or b >= H:
            raise ValueError("reflect padding is too large for the input")
        x = torch.cat([x[:, :, :, 1:l + 1].flip(3), x, x[:, :, :, W - r - 1:W - 1].flip(3)], 3)
        return torch.cat([x[:, :, 1:t + 1].flip(2), x, x[:, :, H - b - 1:H - 1].flip(2)], 2)
    if l > W or r > W or t > H or b > H:
        raise ValueError("circular padding is too large for the input")
    x = torch.cat([x[:, :, :, W - l:], x, x[:, :, :, :r]], 3)
    return torch.cat([x[:, :, H - t:], x, x[:, :, :b]], 2)
''',
    # 14: a triangle-wave formula for reflect, advanced indexing with a grid
    '''
    if isinstance(padding, int):
        padding = (padding, padding, padding, padding)
    pl, pr, pt, pb = padding
    H, W = x.shape[-2], x.shape[-1]
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("bad mode")
    if mode != "constant" and value != 0:
        raise ValueError("bad value for mode " + mode)
    if mode == "reflect" and (pl >= W or pr >= W or pt >= H or pb >= H):
        raise ValueError("Padding size should be less than the corresponding input dimension")
    if mode == "circular" and (pl > W or pr > W or pt > H or pb > H):
        raise ValueError("Padding value causes wrapping around more than once")
    i = torch.arange(-pt, H + pb)
    j = torch.arange(-pl, W + pr)
    if mode == "constant":
        inside = ((i >= 0) & (i < H))[:, None] & ((j >= 0) & (j < W))[None, :]
        picked = x[:, :, i.clamp(0, H - 1)[:, None], j.clamp(0, W - 1)[None, :]]
        return torch.where(inside, picked, torch.tensor(value, dtype=x.dtype))
    if mode == "reflect":
        i = (H - 1) - ((H - 1) - i.abs()).abs()
        j = (W - 1) - ((W - 1) - j.abs()).abs()
    elif mode == "replicate":
        i, j = i.clamp(0, H - 1), j.clamp(0, W - 1)
    else:
        i, j = i % H, j % W
    return x[:, :, i[:, None], j[None, :]]
''',
    # 15: a small class holding the index rules
    '''
class _Indexer:
    def __init__(self, mode):
        self.mode = mode

    def __call__(self, n, before, after):
        idx = torch.arange(-before, n + after)
        if self.mode == "replicate":
            return idx.clamp(0, n - 1)
        if self.mode == "circular":
            if before > n or after > n:
                raise ValueError("circular padding cannot exceed the size")
            return idx.remainder(n)
        if before >= n or after >= n:
            raise ValueError("reflect padding must be less than the size")
        idx = idx.abs()
        return torch.minimum(idx, 2 * (n - 1) - idx)


def pad2d(x, padding, mode="constant", value=0.0):
    l, r, t, b = (padding,) * 4 if isinstance(padding, int) else padding
    if mode == "constant":
        big = x.new_full((*x.shape[:2], x.shape[2] + t + b, x.shape[3] + l + r), value)
        big[:, :, t:big.shape[2] - b, l:big.shape[3] - r] = x
        return big
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"unsupported padding mode {mode}")
    if value != 0:
        raise ValueError(f"mode {mode} can't take a value")
    ix = _Indexer(mode)
    return x[:, :, ix(x.shape[2], t, b)][:, :, :, ix(x.shape[3], l, r)]
''',
    # 16: torch.roll for circular, clamp-index for the others
    '''
    pads = [padding] * 4 if isinstance(padding, int) else list(padding)
    if mode not in ["constant", "reflect", "replicate", "circular"]:
        raise ValueError("Unknown mode '%s'" % mode)
    if value != 0 and mode != "constant":
        raise ValueError("'value' only allowed with mode='constant'")
    N, C, H, W = x.shape
    left, right, top, bottom = pads
    if mode == "constant":
        o = x.new_zeros(N, C, H + top + bottom, W + left + right).fill_(value)
        o[:, :, top:top + H, left:left + W] = x
        return o
    if mode == "circular":
        if left > W or right > W or top > H or bottom > H:
            raise ValueError("circular padding larger than the image")
        y = torch.cat([x.roll(left, dims=3)] * 3, dim=3)[:, :, :, :W + left + right]
        return torch.cat([y.roll(top, dims=2)] * 3, dim=2)[:, :, :H + top + bottom]
    if mode == "reflect" and (left >= W or right >= W or top >= H or bottom >= H):
        raise ValueError("reflect padding larger than the image")
    r = torch.arange(-top, H + bottom)
    c = torch.arange(-left, W + right)
    if mode == "replicate":
        r, c = r.clamp(0, H - 1), c.clamp(0, W - 1)
    else:
        r = torch.where(r < 0, -r, torch.where(r >= H, 2 * H - 2 - r, r))
        c = torch.where(c < 0, -c, torch.where(c >= W, 2 * W - 2 - c, c))
    return x.index_select(2, r).index_select(3, c)
''',
    # 17: pure Python index lists with a dict of functions
    '''
    if isinstance(padding, int):
        padding = (padding, padding, padding, padding)
    left, right, top, bottom = padding
    rules = {
        "reflect": lambda i, n: -i if i < 0 else (2 * n - 2 - i if i >= n else i),
        "replicate": lambda i, n: min(max(i, 0), n - 1),
        "circular": lambda i, n: i % n,
    }
    if mode != "constant" and mode not in rules:
        raise ValueError(f"padding mode must be constant or one of {list(rules)}")
    if mode != "constant" and value != 0:
        raise ValueError("fill value given with a non-constant mode")
    H, W = x.shape[2:]
    if mode == "reflect" and (left >= W or right >= W or top >= H or bottom >= H):
        raise ValueError("reflect padding must be less than the input size")
    if mode == "circular" and (left > W or right > W or top > H or bottom > H):
        raise ValueError("circular padding must be at most the input size")
    if mode == "constant":
        canvas = torch.full((x.shape[0], x.shape[1], H + top + bottom, W + left + right), value, dtype=x.dtype)
        canvas[:, :, top:top + H, left:left + W] = x
        return canvas
    f = rules[mode]
    rows = [f(i, H) for i in range(-top, H + bottom)]
    cols = [f(j, W) for j in range(-left, W + right)]
    return x[:, :, rows][:, :, :, cols]
''',
    # 18: meshgrid of indices, one gather
    '''
    if isinstance(padding, int):
        padding = [padding] * 4
    lf, rt, tp, bt = padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"mode={mode!r} is not supported")
    if mode != "constant" and value != 0:
        raise ValueError(f"mode={mode!r} takes no value")
    if mode == "constant":
        y = x.new_full((N, C, H + tp + bt, W + lf + rt), value)
        y[..., tp:tp + H, lf:lf + W] = x
        return y
    if mode == "reflect" and (max(lf, rt) > W - 1 or max(tp, bt) > H - 1):
        raise ValueError("reflect: pad must be < dim")
    if mode == "circular" and (max(lf, rt) > W or max(tp, bt) > H):
        raise ValueError("circular: pad must be <= dim")

    def fix(k, n):
        if mode == "replicate":
            return k.clamp(0, n - 1)
        if mode == "circular":
            return k.remainder(n)
        k = k.abs()
        return torch.where(k < n, k, 2 * n - 2 - k)

    ii, jj = torch.meshgrid(fix(torch.arange(-tp, H + bt), H), fix(torch.arange(-lf, W + rt), W), indexing="ij")
    flat = (ii * W + jj).reshape(1, 1, -1).expand(N, C, -1)
    return x.reshape(N, C, H * W).gather(2, flat).reshape(N, C, ii.shape[0], ii.shape[1])
''',
    # 19: pad columns with a loop of cat, rows by transposing and reusing it
    '''
def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        padding = (padding,) * 4
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("mode has to be constant/reflect/replicate/circular")
    if mode != "constant" and value != 0:
        raise ValueError("value can only be used with constant")

    def widen(t, a, b):
        w = t.shape[3]
        if mode == "reflect" and (a >= w or b >= w):
            raise ValueError("reflect padding should be smaller than the size")
        if mode == "circular" and (a > w or b > w):
            raise ValueError("circular padding bigger than the size")
        pieces = []
        for j in range(-a, w + b):
            if 0 <= j < w:
                pieces.append(t[:, :, :, j:j + 1])
            elif mode == "constant":
                pieces.append(torch.full_like(t[:, :, :, :1], value))
            elif mode == "replicate":
                pieces.append(t[:, :, :, :1] if j < 0 else t[:, :, :, w - 1:])
            elif mode == "circular":
                pieces.append(t[:, :, :, j % w:j % w + 1])
            else:
                k = -j if j < 0 else 2 * w - 2 - j
                pieces.append(t[:, :, :, k:k + 1])
        return torch.cat(pieces, dim=3)

    y = widen(x, padding[0], padding[1])
    return widen(y.transpose(2, 3), padding[2], padding[3]).transpose(2, 3)
''',
    # 20: mirror-extended copy for reflect, clamp and modulo via one helper
    '''
    if isinstance(padding, int):
        l = r = t = b = padding
    else:
        (l, r, t, b) = padding
    if not mode in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("invalid padding mode")
    if value != 0 and mode != "constant":
        raise ValueError("value is only used by mode='constant'")
    n, c, h, w = x.shape
    if mode == "reflect":
        if l >= w or r >= w or t >= h or b >= h:
            raise ValueError("padding must be smaller than the input for reflect")
        # mirror without the edge: [x, flipped x without its ends] repeats with period 2n - 2
        ext = torch.cat([x, x.flip(3)[:, :, :, 1:-1]], 3) if w > 1 else x
        ext = torch.cat([ext, ext.flip(2)[:, :, 1:-1]], 2) if h > 1 else ext
        ph, pw = ext.shape[2], ext.shape[3]
        rows = torch.arange(-t, h + b) % ph
        cols = torch.arange(-l, w + r) % pw
        return ext[:, :, rows][:, :, :, cols]
    if mode == "circular" and (l > w or r > w or t > h or b > h):
        raise ValueError("circular padding must not exceed the input")
    rows, cols = torch.arange(-t, h + b), torch.arange(-l, w + r)
    if mode == "circular":
        return x[:, :, rows % h][:, :, :, cols % w]
    if mode == "replicate":
        return x[:, :, rows.clamp(0, h - 1)][:, :, :, cols.clamp(0, w - 1)]
    out = torch.full((n, c, h + t + b, w + l + r), float(value), dtype=x.dtype)
    out[:, :, t:t + h, l:l + w] = x
    return out
''',
]

INDEPENDENT = {"pool2d": POOL2D, "pad2d": PAD2D}


def stub(exercise: str) -> str:
    """The release's cell of ``exercise``: what every student starts from."""
    return graded(notebook(EXERCISES[exercise], "notebooks"), exercise).source


def sources(exercise: str) -> dict[str, str]:
    """Student -> the cell they hand in for ``exercise``."""
    found = {"original": ORIGINAL[exercise], "renamed": RENAMED[exercise], "reordered": REORDERED[exercise],
             **dict(zip(INDEPENDENT_STUDENTS, INDEPENDENT[exercise], strict=True))}
    return {student: cell(stub(exercise), source) for student, source in found.items()}
