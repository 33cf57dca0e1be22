"""Submissions for 07_normalization."""

ASSIGNMENT = "07_normalization"

# The reference structure the wrong batch_norm2d submissions vary: {stats}, {update} and {normalise}
# are replaced by each mistake.
_BN = '''
def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must both be given or both be None")
    if training:
        n = x.numel() // x.shape[1]
        if n <= 1:
            raise ValueError("more than 1 value per channel is needed when training")
{stats}
        if running_mean is not None:
{update}
    else:
        if running_mean is None:
            raise ValueError("evaluation needs running statistics")
        mean, var = running_mean, running_var
{normalise}
    if weight is not None:
        out = out * weight[None, :, None, None]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
'''
_STATS = '''        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)'''
_UPDATE = '''            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean)
                running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))'''
_NORMALISE = '''    out = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + eps)'''


def _bn(stats=_STATS, update=_UPDATE, normalise=_NORMALISE):
    return _BN.format(stats=stats, update=update, normalise=normalise)


# The reference BatchNorm2d module, with the same kind of holes.
_MODULE = '''
class BatchNorm2d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
{params}
{buffers}

    def forward(self, x):
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
{count}
        if {use_batch}:
            n = x.numel() // x.shape[1]
            if n <= 1:
                raise ValueError("more than 1 value per channel is needed when training")
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            if self.training and self.track_running_stats:
                with torch.no_grad():
                    self.running_mean.mul_(1 - momentum).add_(momentum * mean)
                    self.running_var.mul_(1 - momentum).add_(momentum * {stored_var})
        else:
            mean, var = self.running_mean, self.running_var
        out = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
        if self.weight is not None:
            out = out * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        return out
'''
_PARAMS = '''        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)'''
_BUFFERS = '''        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)'''
_COUNT = '''            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)'''


def _module(params=_PARAMS, buffers=_BUFFERS, count=_COUNT, use_batch="self.training or self.running_mean is None",
            stored_var="var * n / (n - 1)"):
    return _MODULE.format(params=params, buffers=buffers, count=count, use_batch=use_batch, stored_var=stored_var)


LOOP = {
    "batch_norm2d": '''
def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must both be given or both be None")
    N, C, H, W = x.shape
    if training and N * H * W <= 1:
        raise ValueError("more than 1 value per channel is needed when training")
    if not training and running_mean is None:
        raise ValueError("evaluation needs running statistics")
    channels = []
    for c in range(C):
        xc = x[:, c]
        if training:
            n = N * H * W
            mean = xc.sum() / n
            squares = ((xc - mean) ** 2).sum()
            var = squares / n
            if running_mean is not None:
                with torch.no_grad():
                    running_mean[c] = (1 - momentum) * running_mean[c] + momentum * mean
                    running_var[c] = (1 - momentum) * running_var[c] + momentum * squares / (n - 1)
        else:
            mean, var = running_mean[c], running_var[c]
        yc = (xc - mean) / torch.sqrt(var + eps)
        if weight is not None:
            yc = yc * weight[c]
        if bias is not None:
            yc = yc + bias[c]
        channels.append(yc)
    return torch.stack(channels, dim=1)
''',
    "instance_norm2d": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    N, C, H, W = x.shape
    if H * W <= 1:
        raise ValueError("more than 1 spatial element is needed")
    samples = []
    for i in range(N):
        channels = []
        for c in range(C):
            m = x[i, c]
            mean = m.sum() / (H * W)
            var = ((m - mean) ** 2).sum() / (H * W)
            y = (m - mean) / torch.sqrt(var + eps)
            if weight is not None:
                y = y * weight[c]
            if bias is not None:
                y = y + bias[c]
            channels.append(y)
        samples.append(torch.stack(channels))
    return torch.stack(samples)
''',
    "BatchNorm2d": '''
class BatchNorm2d(nn.Module):
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

    def forward(self, x):
        N, C, H, W = x.shape
        n = N * H * W
        tracking = self.training and self.track_running_stats
        if tracking:
            self.num_batches_tracked += 1
            factor = 1.0 / self.num_batches_tracked.item() if self.momentum is None else self.momentum
        channels = []
        for c in range(C):
            xc = x[:, c]
            if self.training or not self.track_running_stats:
                if n <= 1:
                    raise ValueError("more than 1 value per channel is needed when training")
                mean = xc.sum() / n
                var = ((xc - mean) ** 2).sum() / n
                if tracking:
                    with torch.no_grad():
                        self.running_mean[c] = (1 - factor) * self.running_mean[c] + factor * mean
                        self.running_var[c] = (1 - factor) * self.running_var[c] + factor * var * n / (n - 1)
            else:
                mean, var = self.running_mean[c], self.running_var[c]
            yc = (xc - mean) / torch.sqrt(var + self.eps)
            if self.affine:
                yc = yc * self.weight[c] + self.bias[c]
            channels.append(yc)
        return torch.stack(channels, dim=1)
''',
}

WRONG = {
    "batch_norm2d": {
        "running_var stores the biased variance": _bn(update='''            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean)
                running_var.mul_(1 - momentum).add_(momentum * var)'''),
        "momentum applied the wrong way round": _bn(update='''            with torch.no_grad():
                running_mean.mul_(momentum).add_((1 - momentum) * mean)
                running_var.mul_(momentum).add_((1 - momentum) * var * n / (n - 1))'''),
        "normalises with the unbiased variance": _bn(stats='''        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=True)''', update='''            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean)
                running_var.mul_(1 - momentum).add_(momentum * var)'''),
        "statistics over (H, W) only, averaged over the batch": _bn(stats='''        mean = x.mean(dim=(2, 3)).mean(dim=0)
        var = x.var(dim=(2, 3), unbiased=False).mean(dim=0)'''),
        "eps outside the square root": _bn(normalise='''\
    out = (x - mean[None, :, None, None]) / (torch.sqrt(var[None, :, None, None]) + eps)'''),
        "running statistics rebound, not updated in place": _bn(update='''\
            running_mean = (1 - momentum) * running_mean + momentum * mean.detach()
            running_var = (1 - momentum) * running_var + momentum * var.detach() * n / (n - 1)'''),
        "running statistics updated with the graph attached": _bn(update='''\
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))'''),
    },
    "instance_norm2d": {
        "statistics over (N, H, W) (that is BatchNorm)": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    if x.shape[2] * x.shape[3] <= 1:
        raise ValueError("more than 1 spatial element is needed")
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    var = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        out = out * weight[None, :, None, None]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
''',
        "statistics over (C, H, W) (that is LayerNorm)": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    if x.shape[2] * x.shape[3] <= 1:
        raise ValueError("more than 1 spatial element is needed")
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    var = x.var(dim=(1, 2, 3), unbiased=False, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        out = out * weight[None, :, None, None]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
''',
        "unbiased variance": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    if x.shape[2] * x.shape[3] <= 1:
        raise ValueError("more than 1 spatial element is needed")
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=True, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        out = out * weight[None, :, None, None]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
''',
        "no ValueError for 1x1 maps (returns zeros)": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        out = out * weight[None, :, None, None]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
''',
        "bias added before the weight multiplies": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    if x.shape[2] * x.shape[3] <= 1:
        raise ValueError("more than 1 spatial element is needed")
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    if bias is not None:
        out = out + bias[None, :, None, None]
    if weight is not None:
        out = out * weight[None, :, None, None]
    return out
''',
    },
    "BatchNorm2d": {
        "momentum=None treated as 0.1": _module(count='''            self.num_batches_tracked.add_(1)
            momentum = 0.1 if self.momentum is None else self.momentum'''),
        "eval mode still uses the batch statistics": _module(use_batch="True"),
        "running_var stores the biased variance": _module(stored_var="var"),
        "num_batches_tracked is a plain attribute, not a buffer": _module(buffers='''        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features))
            self.register_buffer("running_var", torch.ones(num_features))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
        self.num_batches_tracked = torch.tensor(0, dtype=torch.long) if track_running_stats else None'''),
        "affine=False still creates weight and bias": _module(params='''\
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))'''),
        "track_running_stats=False keeps the buffers": _module(buffers='''\
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))''',
                                                                use_batch="self.training or not self.track_running_stats"),
        "running statistics as plain tensors (not buffers)": _module(buffers='''        if track_running_stats:
            self.running_mean = torch.zeros(num_features)
            self.running_var = torch.ones(num_features)
            self.num_batches_tracked = torch.tensor(0, dtype=torch.long)
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None'''),
    },
}

CHEAT = {
    "batch_norm2d": '''
def batch_norm2d(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    return F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
''',
    "instance_norm2d": '''
def instance_norm2d(x, weight=None, bias=None, eps=1e-5):
    return F.group_norm(x, x.shape[1], weight, bias, eps)
''',
    "BatchNorm2d": '''
class BatchNorm2d(nn.BatchNorm2d):
    pass
''',
}
