"""Submissions for 05_padding_layers."""

ASSIGNMENT = "05_padding_layers"

LOOP = {
    "pad2d": '''
def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        padding = (padding, padding, padding, padding)
    left, right, top, bottom = padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError("unknown mode " + str(mode))
    if mode != "constant" and value != 0:
        raise ValueError("only constant padding takes a value")
    if mode == "reflect" and (max(left, right) >= W or max(top, bottom) >= H):
        raise ValueError("reflection padding must be smaller than the input")
    if mode == "circular" and (max(left, right) > W or max(top, bottom) > H):
        raise ValueError("circular padding cannot wrap more than once")

    def source(i, n):
        if mode == "reflect":
            if i < 0:
                return -i
            if i >= n:
                return 2 * (n - 1) - i
            return i
        if mode == "replicate":
            return min(max(i, 0), n - 1)
        if mode == "circular":
            return i % n
        return i if 0 <= i < n else None

    if mode == "constant":
        out = torch.full((N, C, H + top + bottom, W + left + right), value, dtype=x.dtype)
        for i in range(H):
            out[:, :, top + i, left:left + W] = x[:, :, i, :]
        return out
    rows = [x[:, :, source(i, H), :] for i in range(-top, H + bottom)]
    x = torch.stack(rows, dim=2)
    cols = [x[:, :, :, source(j, W)] for j in range(-left, W + right)]
    return torch.stack(cols, dim=3)
''',
}

WRONG = {
    "pad2d": {
        "symmetric instead of reflect (edge pixel repeated)": '''
def pad2d(x, padding, mode="constant", value=0.0):
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular") or (mode != "constant" and value != 0):
        raise ValueError("bad arguments")
    if mode == "constant":
        out = x.new_full((N, C, H + top + bottom, W + left + right), value)
        out[:, :, top:top + H, left:left + W] = x
        return out
    def idx(n, a, b):
        if (mode == "reflect" and max(a, b) >= n) or (mode == "circular" and max(a, b) > n):
            raise ValueError("padding too large")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = torch.where(i < 0, -i - 1, i)
            return torch.where(i > n - 1, 2 * n - 1 - i, i)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return i % n
    return x[:, :, idx(H, top, bottom)][:, :, :, idx(W, left, right)]
''',
        "tuple read as (top, bottom, left, right)": '''
def pad2d(x, padding, mode="constant", value=0.0):
    top, bottom, left, right = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular") or (mode != "constant" and value != 0):
        raise ValueError("bad arguments")
    if mode == "constant":
        out = x.new_full((N, C, H + top + bottom, W + left + right), value)
        out[:, :, top:top + H, left:left + W] = x
        return out
    def idx(n, a, b):
        if (mode == "reflect" and max(a, b) >= n) or (mode == "circular" and max(a, b) > n):
            raise ValueError("padding too large")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return i % n
    return x[:, :, idx(H, top, bottom)][:, :, :, idx(W, left, right)]
''',
        "circular takes the left padding from the left end": '''
def pad2d(x, padding, mode="constant", value=0.0):
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular") or (mode != "constant" and value != 0):
        raise ValueError("bad arguments")
    if mode == "constant":
        out = x.new_full((N, C, H + top + bottom, W + left + right), value)
        out[:, :, top:top + H, left:left + W] = x
        return out
    def idx(n, a, b):
        if (mode == "reflect" and max(a, b) >= n) or (mode == "circular" and max(a, b) > n):
            raise ValueError("padding too large")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return torch.cat([torch.arange(a), torch.arange(n), torch.arange(n - b, n)])
    return x[:, :, idx(H, top, bottom)][:, :, :, idx(W, left, right)]
''',
        "reflect clamps instead of rejecting padding >= size": '''
def pad2d(x, padding, mode="constant", value=0.0):
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular") or (mode != "constant" and value != 0):
        raise ValueError("bad arguments")
    if mode == "constant":
        out = x.new_full((N, C, H + top + bottom, W + left + right), value)
        out[:, :, top:top + H, left:left + W] = x
        return out
    def idx(n, a, b):
        if mode == "circular" and max(a, b) > n:
            raise ValueError("padding too large")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i).clamp(0, n - 1)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return i % n
    return x[:, :, idx(H, top, bottom)][:, :, :, idx(W, left, right)]
''',
        "constant mode ignores value (always zeros)": '''
def pad2d(x, padding, mode="constant", value=0.0):
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular") or (mode != "constant" and value != 0):
        raise ValueError("bad arguments")
    if mode == "constant":
        out = x.new_zeros((N, C, H + top + bottom, W + left + right))
        out[:, :, top:top + H, left:left + W] = x
        return out
    def idx(n, a, b):
        if (mode == "reflect" and max(a, b) >= n) or (mode == "circular" and max(a, b) > n):
            raise ValueError("padding too large")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return i % n
    return x[:, :, idx(H, top, bottom)][:, :, :, idx(W, left, right)]
''',
        "constant padding built with .data (no gradient)": '''
def pad2d(x, padding, mode="constant", value=0.0):
    left, right, top, bottom = (padding,) * 4 if isinstance(padding, int) else padding
    N, C, H, W = x.shape
    if mode not in ("constant", "reflect", "replicate", "circular") or (mode != "constant" and value != 0):
        raise ValueError("bad arguments")
    if mode == "constant":
        out = x.new_full((N, C, H + top + bottom, W + left + right), value)
        out[:, :, top:top + H, left:left + W] = x.data
        return out
    def idx(n, a, b):
        if (mode == "reflect" and max(a, b) >= n) or (mode == "circular" and max(a, b) > n):
            raise ValueError("padding too large")
        i = torch.arange(-a, n + b)
        if mode == "reflect":
            i = i.abs()
            return torch.where(i > n - 1, 2 * (n - 1) - i, i)
        if mode == "replicate":
            return i.clamp(0, n - 1)
        return i % n
    return x[:, :, idx(H, top, bottom)][:, :, :, idx(W, left, right)]
''',
    },
}

CHEAT = {
    "pad2d": '''
def pad2d(x, padding, mode="constant", value=0.0):
    if isinstance(padding, int):
        padding = (padding,) * 4
    return F.pad(x, padding, mode=mode, value=value)
''',
}
