"""Submissions for 04_global_pooling."""

ASSIGNMENT = "04_global_pooling"

# Output-size handling shared by the adaptive pooling entries, as a student might write it.
_SIZES = '''
def _sizes(x, output_size):
    H, W = x.shape[-2:]
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError("output_size must be an int or a pair")
    oh, ow = [n if s is None else s for s, n in zip(sizes, (H, W))]
    if oh < 0 or ow < 0:
        raise ValueError("output_size must not be negative")
    return H, W, oh, ow
'''

LOOP = {
    "adaptive_avg_pool2d": "import math\n" + _SIZES + '''

def adaptive_avg_pool2d(x, output_size):
    H, W, oh, ow = _sizes(x, output_size)
    rows = []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        row = []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            row.append(x[:, :, r0:r1, c0:c1].sum(dim=(-2, -1)) / ((r1 - r0) * (c1 - c0)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    "adaptive_max_pool2d": "import math\n" + _SIZES + '''

def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W, oh, ow = _sizes(x, output_size)
    N, C = x.shape[:2]
    values, indices = [], []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        vrow, irow = [], []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            best = x[:, :, r0, c0]
            where = torch.full((N, C), r0 * W + c0, dtype=torch.long)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    bigger = x[:, :, r, c] > best
                    best = torch.where(bigger, x[:, :, r, c], best)
                    where = torch.where(bigger, torch.full_like(where, r * W + c), where)
            vrow.append(best)
            irow.append(where)
        values.append(torch.stack(vrow, dim=-1))
        indices.append(torch.stack(irow, dim=-1))
    out = torch.stack(values, dim=-2)
    return (out, torch.stack(indices, dim=-2)) if return_indices else out
''',
    "channel_pool": '''
def channel_pool(x, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode must be 'max' or 'avg'")
    out = x[:, 0:1]
    for c in range(1, x.shape[1]):
        out = torch.maximum(out, x[:, c:c + 1]) if mode == "max" else out + x[:, c:c + 1]
    return out if mode == "max" else out / x.shape[1]
''',
    "GAPClassifier": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.score = nn.Conv2d(in_channels, num_classes, kernel_size=1)

    def forward(self, x):
        y = self.score(x)
        total = 0
        for i in range(y.shape[2]):
            for j in range(y.shape[3]):
                total = total + y[:, :, i, j]
        return total / (y.shape[2] * y.shape[3])
''',
    "count_parameters": '''
def count_parameters(module):
    total = 0
    for p in module.parameters():
        if p.requires_grad:
            n = 1
            for s in p.shape:
                n *= s
            total += n
    return total
''',
}

WRONG = {
    "adaptive_avg_pool2d": {
        "fixed window kernel = stride = n // out": "import math\n" + _SIZES + '''

def adaptive_avg_pool2d(x, output_size):
    H, W, oh, ow = _sizes(x, output_size)
    kh, kw = max(H // oh, 1), max(W // ow, 1)
    rows = []
    for i in range(oh):
        rows.append(torch.stack([x[:, :, i * kh:(i + 1) * kh, j * kw:(j + 1) * kw].mean(dim=(-2, -1))
                                 for j in range(ow)], dim=-1))
    return torch.stack(rows, dim=-2)
''',
        "bin end rounded down": "import math\n" + _SIZES + '''

def adaptive_avg_pool2d(x, output_size):
    H, W, oh, ow = _sizes(x, output_size)
    rows = []
    for i in range(oh):
        r0, r1 = i * H // oh, max((i + 1) * H // oh, i * H // oh + 1)
        row = []
        for j in range(ow):
            c0, c1 = j * W // ow, max((j + 1) * W // ow, j * W // ow + 1)
            row.append(x[:, :, r0:r1, c0:c1].mean(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
        "every bin as wide as the largest": "import math\n" + _SIZES + '''

def adaptive_avg_pool2d(x, output_size):
    H, W, oh, ow = _sizes(x, output_size)
    kh, kw = math.ceil(H / oh), math.ceil(W / ow)
    rows = []
    for i in range(oh):
        r0 = i * H // oh
        row = []
        for j in range(ow):
            c0 = j * W // ow
            row.append(x[:, :, r0:r0 + kh, c0:c0 + kw].mean(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
        "does not handle None in output_size": '''
import math

def adaptive_avg_pool2d(x, output_size):
    H, W = x.shape[-2:]
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    if oh < 0 or ow < 0:
        raise ValueError("output_size must not be negative")
    rows = []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        row = []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            row.append(x[:, :, r0:r1, c0:c1].mean(dim=(-2, -1)))
        rows.append(torch.stack(row, dim=-1))
    return torch.stack(rows, dim=-2)
''',
    },
    "adaptive_max_pool2d": {
        "indices counted inside the bin": "import math\n" + _SIZES + '''

def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W, oh, ow = _sizes(x, output_size)
    values, indices = [], []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        vrow, irow = [], []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            v, k = x[:, :, r0:r1, c0:c1].flatten(2).max(dim=-1)
            vrow.append(v)
            irow.append(k)
        values.append(torch.stack(vrow, dim=-1))
        indices.append(torch.stack(irow, dim=-1))
    out = torch.stack(values, dim=-2)
    return (out, torch.stack(indices, dim=-2)) if return_indices else out
''',
        "indices counted over the whole N×C×H×W tensor": "import math\n" + _SIZES + '''

def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W, oh, ow = _sizes(x, output_size)
    N, C = x.shape[:2]
    offset = (torch.arange(N * C).reshape(N, C) * H * W)
    values, indices = [], []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        vrow, irow = [], []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            v, k = x[:, :, r0:r1, c0:c1].flatten(2).max(dim=-1)
            vrow.append(v)
            irow.append(offset + (r0 + k // (c1 - c0)) * W + c0 + k % (c1 - c0))
        values.append(torch.stack(vrow, dim=-1))
        indices.append(torch.stack(irow, dim=-1))
    out = torch.stack(values, dim=-2)
    return (out, torch.stack(indices, dim=-2)) if return_indices else out
''',
        "indices numbered column by column (w·H + h)": "import math\n" + _SIZES + '''

def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W, oh, ow = _sizes(x, output_size)
    values, indices = [], []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        vrow, irow = [], []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            v, k = x[:, :, r0:r1, c0:c1].flatten(2).max(dim=-1)
            vrow.append(v)
            irow.append((c0 + k % (c1 - c0)) * H + r0 + k // (c1 - c0))
        values.append(torch.stack(vrow, dim=-1))
        indices.append(torch.stack(irow, dim=-1))
    out = torch.stack(values, dim=-2)
    return (out, torch.stack(indices, dim=-2)) if return_indices else out
''',
        "bin end rounded down": "import math\n" + _SIZES + '''

def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W, oh, ow = _sizes(x, output_size)
    values, indices = [], []
    for i in range(oh):
        r0 = i * H // oh
        r1 = max((i + 1) * H // oh, r0 + 1)
        vrow, irow = [], []
        for j in range(ow):
            c0 = j * W // ow
            c1 = max((j + 1) * W // ow, c0 + 1)
            v, k = x[:, :, r0:r1, c0:c1].flatten(2).max(dim=-1)
            vrow.append(v)
            irow.append((r0 + k // (c1 - c0)) * W + c0 + k % (c1 - c0))
        values.append(torch.stack(vrow, dim=-1))
        indices.append(torch.stack(irow, dim=-1))
    out = torch.stack(values, dim=-2)
    return (out, torch.stack(indices, dim=-2)) if return_indices else out
''',
        "always returns the indices": "import math\n" + _SIZES + '''

def adaptive_max_pool2d(x, output_size, return_indices=False):
    H, W, oh, ow = _sizes(x, output_size)
    values, indices = [], []
    for i in range(oh):
        r0, r1 = math.floor(i * H / oh), math.ceil((i + 1) * H / oh)
        vrow, irow = [], []
        for j in range(ow):
            c0, c1 = math.floor(j * W / ow), math.ceil((j + 1) * W / ow)
            v, k = x[:, :, r0:r1, c0:c1].flatten(2).max(dim=-1)
            vrow.append(v)
            irow.append((r0 + k // (c1 - c0)) * W + c0 + k % (c1 - c0))
        values.append(torch.stack(vrow, dim=-1))
        indices.append(torch.stack(irow, dim=-1))
    return torch.stack(values, dim=-2), torch.stack(indices, dim=-2)
''',
    },
    "channel_pool": {
        "reshape instead of transpose (the article's view, without the permute)": '''
def channel_pool(x, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode must be 'max' or 'avg'")
    n, c, h, w = x.shape
    flat = x.reshape(n, h * w, c)
    out = flat.amax(dim=-1) if mode == "max" else flat.mean(dim=-1)
    return out.reshape(n, 1, h, w)
''',
        "drops the channel dimension": '''
def channel_pool(x, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode must be 'max' or 'avg'")
    return x.amax(dim=1) if mode == "max" else x.mean(dim=1)
''',
        "pools the first image only (the article's view(w, h))": '''
def channel_pool(x, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode must be 'max' or 'avg'")
    first = x[0].amax(dim=0) if mode == "max" else x[0].mean(dim=0)
    return first.expand(x.shape[0], 1, *first.shape)
''',
        "avg sums the channels": '''
def channel_pool(x, mode="max"):
    if mode not in ("max", "avg"):
        raise ValueError("mode must be 'max' or 'avg'")
    return x.amax(dim=1, keepdim=True) if mode == "max" else x.sum(dim=1, keepdim=True)
''',
        "any other mode falls back to the mean": '''
def channel_pool(x, mode="max"):
    return x.amax(dim=1, keepdim=True) if mode == "max" else x.mean(dim=1, keepdim=True)
''',
    },
    "GAPClassifier": {
        "flatten + LazyLinear (a head over the flattened map)": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.LazyLinear(num_classes)

    def forward(self, x):
        return self.fc(x.flatten(1))
''',
        "global max pooling instead of average": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        return self.fc(x.amax(dim=(2, 3)))
''',
        "ends in a softmax": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        return torch.softmax(self.fc(x.mean(dim=(2, 3))), dim=1)
''',
        "sums over H and W instead of averaging": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.score = nn.Conv2d(in_channels, num_classes, 1)

    def forward(self, x):
        return self.score(x).sum(dim=(2, 3))
''',
        "no bias": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes, bias=False)

    def forward(self, x):
        return self.fc(x.mean(dim=(2, 3)))
''',
        "detaches the pooled features (no gradient reaches the input)": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        return self.fc(x.mean(dim=(2, 3)).detach())
''',
    },
    "count_parameters": {
        "counts tensors, not values": '''
def count_parameters(module):
    return len([p for p in module.parameters() if p.requires_grad])
''',
        "counts frozen parameters too": '''
def count_parameters(module):
    return sum(p.numel() for p in module.parameters())
''',
        "counts a shared layer once per use": '''
def count_parameters(module):
    return sum(p.numel() for _, p in module.named_parameters(remove_duplicate=False) if p.requires_grad)
''',
        "counts the state_dict (buffers too)": '''
def count_parameters(module):
    return sum(t.numel() for t in module.state_dict().values())
''',
    },
}

CHEAT = {
    "adaptive_avg_pool2d": '''
def adaptive_avg_pool2d(x, output_size):
    return nn.AdaptiveAvgPool2d(output_size)(x)
''',
    "adaptive_max_pool2d": '''
def adaptive_max_pool2d(x, output_size, return_indices=False):
    return F.adaptive_max_pool2d(x, output_size, return_indices)
''',
    "channel_pool": '''
def channel_pool(x, mode="max"):
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w).permute(0, 2, 1)
    pooled = F.max_pool1d(flat, c) if mode == "max" else F.avg_pool1d(flat, c)
    return pooled.permute(0, 2, 1).reshape(n, 1, h, w)
''',
    "GAPClassifier": '''
class GAPClassifier(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        return self.fc(F.avg_pool2d(x, x.shape[-2:]).flatten(1))
''',
    "count_parameters": '''
def count_parameters(module):
    trainable = [p for p in module.parameters() if p.requires_grad]
    return torch.nn.utils.parameters_to_vector(trainable).numel() if trainable else 0
''',
}
