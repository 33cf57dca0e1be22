"""Submissions for 06_activations."""

ASSIGNMENT = "06_activations"

LOOP = {
    "relu": '''
def relu(x, inplace=False):
    flat = x.reshape(-1)
    if inplace:
        for i in range(flat.numel()):
            if not flat[i] > 0:
                flat[i] = 0.0
        return x
    out = [flat[i] if flat[i] > 0 else flat[i] * 0 for i in range(flat.numel())]
    return torch.stack(out).reshape(x.shape)
''',
    "sigmoid": '''
import math

def sigmoid(x):
    flat = x.reshape(-1)
    out = []
    for i in range(flat.numel()):
        v = flat[i]
        if v >= 0:
            out.append(1 / (1 + torch.exp(-v)))
        else:
            e = torch.exp(v)
            out.append(e / (1 + e))
    return torch.stack(out).reshape(x.shape)
''',
    "leaky_relu": '''
def leaky_relu(x, negative_slope=0.01):
    flat = x.reshape(-1)
    out = [flat[i] if flat[i] > 0 else flat[i] * negative_slope for i in range(flat.numel())]
    return torch.stack(out).reshape(x.shape)
''',
    "relu_grad": '''
def relu_grad(x):
    out = torch.zeros_like(x)
    flat, res = x.reshape(-1), out.reshape(-1)
    for i in range(flat.numel()):
        if flat[i] > 0:
            res[i] = 1.0
    return out
''',
    "sigmoid_grad": '''
import math

def sigmoid_grad(x):
    out = torch.zeros_like(x)
    flat, res = x.reshape(-1), out.reshape(-1)
    for i in range(flat.numel()):
        e = math.exp(-abs(flat[i].item()))
        res[i] = e / (1 + e) ** 2
    return out
''',
}

WRONG = {
    "relu": {
        "clamp(min=0): gradient 1 at x = 0": '''
def relu(x, inplace=False):
    if inplace:
        return x.clamp_(min=0)
    return x.clamp(min=0)
''',
        "maximum(x, 0): gradient 0.5 at x = 0": '''
def relu(x, inplace=False):
    if inplace:
        return x.masked_fill_(x <= 0, 0.0)
    return torch.maximum(x, torch.zeros_like(x))
''',
        "inplace ignored (returns a new tensor, x unchanged)": '''
def relu(x, inplace=False):
    return torch.where(x > 0, x, torch.zeros_like(x))
''',
        "inplace changes x but returns a copy": '''
def relu(x, inplace=False):
    out = torch.where(x > 0, x, torch.zeros_like(x))
    if inplace:
        x.copy_(out)
    return out
''',
        "x * (x >= 0): gradient 1 at x = 0": '''
def relu(x, inplace=False):
    if inplace:
        return x.mul_(x >= 0)
    return x * (x >= 0)
''',
    },
    "sigmoid": {
        "textbook 1 / (1 + exp(-x)): nan gradient for large negative x": '''
def sigmoid(x):
    return 1 / (1 + torch.exp(-x))
''',
        "exp(x) / (1 + exp(x)): nan for large positive x": '''
def sigmoid(x):
    return torch.exp(x) / (1 + torch.exp(x))
''',
        "torch.where over the two textbook formulas: nan gradient": '''
def sigmoid(x):
    return torch.where(x >= 0, 1 / (1 + torch.exp(-x)), torch.exp(x) / (1 + torch.exp(x)))
''',
        "exp(-x.abs()): gradient 0 at x = 0": '''
def sigmoid(x):
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))
''',
        "1 - 1 / (1 + exp(x)): nan gradient for large positive x": '''
def sigmoid(x):
    return 1 - 1 / (1 + torch.exp(x))
''',
    },
    "leaky_relu": {
        "max(x, slope * x): wrong for slopes above 1 or below 0": '''
def leaky_relu(x, negative_slope=0.01):
    return torch.maximum(x, negative_slope * x)
''',
        "x >= 0 decides: gradient 1 at x = 0": '''
def leaky_relu(x, negative_slope=0.01):
    return torch.where(x >= 0, x, negative_slope * x)
''',
        "clamp(min=0) + slope * clamp(max=0): gradient 1 + slope at x = 0": '''
def leaky_relu(x, negative_slope=0.01):
    return x.clamp(min=0) + negative_slope * x.clamp(max=0)
''',
        "default slope 0.1": '''
def leaky_relu(x, negative_slope=0.1):
    return torch.where(x > 0, x, negative_slope * x)
''',
    },
    "relu_grad": {
        "x >= 0: 1 at x = 0": '''
def relu_grad(x):
    return (x >= 0).to(x.dtype)
''',
        "returns a bool mask": '''
def relu_grad(x):
    return x > 0
''',
        "always float32": '''
def relu_grad(x):
    return (x > 0).float()
''',
        "sign(x) (-1 for negatives)": '''
def relu_grad(x):
    return torch.sign(x)
''',
    },
    "sigmoid_grad": {
        "exp(-x) / (1 + exp(-x))**2: nan for large negative x": '''
def sigmoid_grad(x):
    e = torch.exp(-x)
    return e / (1 + e) ** 2
''',
        "exp(x) / (1 + exp(x))**2: nan for large positive x": '''
def sigmoid_grad(x):
    e = torch.exp(x)
    return e / (1 + e) ** 2
''',
        "1 - s**2 (tanh's derivative)": '''
def sigmoid_grad(x):
    e = torch.exp(-x.abs())
    s = torch.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return 1 - s ** 2
''',
        "s * (1 - s) with x where s belongs (x * (1 - x))": '''
def sigmoid_grad(x):
    return x * (1 - x)
''',
    },
}

CHEAT = {
    "relu": "def relu(x, inplace=False):\n    return nn.ReLU(inplace=inplace)(x)\n",
    "sigmoid": "def sigmoid(x):\n    return torch.special.expit(x)\n",
    "leaky_relu": "def leaky_relu(x, negative_slope=0.01):\n    return F.leaky_relu(x, negative_slope)\n",
    "relu_grad": '''
def relu_grad(x):
    x = x.detach().clone().requires_grad_(True)
    torch.relu(x).sum().backward()
    return x.grad
''',
    "sigmoid_grad": '''
def sigmoid_grad(x):
    s = torch.sigmoid(x)
    return s * (1 - s)
''',
}
