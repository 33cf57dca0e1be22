"""Submissions for 08_cifar10_tensorboard.

These exercises use torch's layers and TensorBoard's writer on purpose (building a network, training
it, logging it), so there is no torch operator the op guard could ban: CHEAT is empty.
"""

ASSIGNMENT = "08_cifar10_tensorboard"

# A correct implementation of each exercise, written differently from the reference solution.
LOOP = {
    "make_cnn": '''
def make_cnn(norm="batch"):
    norms = {"batch": lambda c: nn.BatchNorm2d(c),
             "instance": lambda c: nn.InstanceNorm2d(c, affine=True),
             "none": lambda c: nn.Identity()}
    if norm not in norms:
        raise ValueError("norm must be one of " + ", ".join(norms))
    model = nn.Sequential()
    channels = [3, 8, 16, 32]
    for i in range(3):
        model.add_module(f"conv{i + 1}", nn.Conv2d(channels[i], channels[i + 1], (3, 3), stride=1, padding=(1, 1)))
        model.add_module(f"norm{i + 1}", norms[norm](channels[i + 1]))
        model.add_module(f"relu{i + 1}", nn.ReLU(inplace=False))
        if i < 2:
            model.add_module(f"pool{i + 1}", nn.MaxPool2d(kernel_size=(2, 2), stride=2))
    model.add_module("gap", nn.AdaptiveAvgPool2d((1, 1)))
    model.add_module("flatten", nn.Flatten(1))
    model.add_module("fc", nn.Linear(channels[-1], 10))
    return model
''',
    "train_epoch": '''
def train_epoch(model, loader, optimizer, writer, epoch):
    model.train()
    losses = []
    for images, labels in loader:
        step = epoch * len(loader) + len(losses)
        log_probs = F.log_softmax(model(images), dim=1)
        loss = F.nll_loss(log_probs, labels)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        writer.add_scalar("loss/train", losses[-1], global_step=step)
    return sum(losses) / len(losses)
''',
    "log_activations": '''
import torchvision

def log_activations(writer, model, images, step):
    was_training = model.training
    model.eval()
    x = images
    with torch.no_grad():
        for name, layer in model.named_children():
            x = layer(x)
            if name.startswith("norm"):
                writer.add_histogram("activations/" + name, x, global_step=step)
    model.train(was_training)
    grid = torchvision.utils.make_grid(images, nrow=8, padding=2, normalize=True)
    writer.add_image("images/input", grid, global_step=step)
''',
}

_CNN = '''
from collections import OrderedDict

def make_cnn(norm="batch"):
    if norm not in ("batch", "instance", "none"):
        raise ValueError(f"unknown norm {{norm!r}}")
    def norm_layer(c):
        return {{"batch": nn.BatchNorm2d(c), "instance": {instance}, "none": nn.Identity()}}[norm]
    layers = OrderedDict()
    for i, (c_in, c_out) in enumerate([(3, 8), (8, 16), (16, 32)], start=1):
{block}
        if i < 3:
            layers[f"pool{{i}}"] = {pool}
    layers["gap"] = nn.AdaptiveAvgPool2d(1)
    layers["flatten"] = nn.Flatten()
    layers["fc"] = nn.Linear(32, 10)
    return nn.Sequential(layers)
'''
_BLOCK = '''        layers[f"conv{{i}}"] = nn.Conv2d(c_in, c_out, 3, padding={padding})
        layers[f"norm{{i}}"] = norm_layer(c_out)
        layers[f"relu{{i}}"] = nn.ReLU()'''
_RELU_FIRST = '''        layers[f"conv{i}"] = nn.Conv2d(c_in, c_out, 3, padding=1)
        layers[f"relu{i}"] = nn.ReLU()
        layers[f"norm{i}"] = norm_layer(c_out)'''


def _cnn(instance="nn.InstanceNorm2d(c, affine=True)", padding=1, pool="nn.MaxPool2d(2)", block=None):
    return _CNN.format(instance=instance, pool=pool, block=block or _BLOCK.format(padding=padding))


_TRAIN = '''
def train_epoch(model, loader, optimizer, writer, epoch):
    {mode}
    losses = []
    for i, (images, labels) in enumerate(loader):
        loss = F.cross_entropy(model(images), labels)
        {zero}
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        writer.add_scalar("loss/train", {value}, {step})
    return {result}
'''


def _train(mode="model.train()", zero="optimizer.zero_grad()", value="loss.item()",
           step="epoch * len(loader) + i", result="sum(losses) / len(losses)"):
    return _TRAIN.format(mode=mode, zero=zero, value=value, step=step, result=result)


_LOG = '''
import torchvision

def log_activations(writer, model, images, step):
    outputs = {{}}
    handles = []
    for name, module in model.named_modules():
        if name.startswith("{prefix}"):
            handles.append(module.register_forward_hook(
                lambda m, i, o, name=name: outputs.__setitem__(name.replace("{prefix}", "norm"), o)))
    was_training = model.training
    {mode}
    with torch.no_grad():
        model(images)
    {remove}
    {restore}
    writer.add_image("images/input", {grid}, step)
    for name, output in outputs.items():
        writer.add_histogram("activations/" + name, output, step)
'''


def _log(prefix="norm", mode="model.eval()", remove="[h.remove() for h in handles]",
         restore="model.train(was_training)", grid="torchvision.utils.make_grid(images, normalize=True)"):
    return _LOG.format(prefix=prefix, mode=mode, remove=remove, restore=restore, grid=grid)


WRONG = {
    "make_cnn": {
        "ReLU before the norm layer": _cnn(block=_RELU_FIRST),
        "InstanceNorm without learnable affine parameters": _cnn(instance="nn.InstanceNorm2d(c)"),
        "InstanceNorm that tracks running statistics": _cnn(
            instance="nn.InstanceNorm2d(c, affine=True, track_running_stats=True)"),
        "convolutions without padding": _cnn(padding=0),
        "average pooling instead of max pooling": _cnn(pool="nn.AvgPool2d(2)"),
        "unknown norm silently means no normalisation": '''
from collections import OrderedDict

def make_cnn(norm="batch"):
    def norm_layer(c):
        if norm == "batch":
            return nn.BatchNorm2d(c)
        if norm == "instance":
            return nn.InstanceNorm2d(c, affine=True)
        return nn.Identity()
    layers = OrderedDict()
    for i, (c_in, c_out) in enumerate([(3, 8), (8, 16), (16, 32)], start=1):
        layers[f"conv{i}"] = nn.Conv2d(c_in, c_out, 3, padding=1)
        layers[f"norm{i}"] = norm_layer(c_out)
        layers[f"relu{i}"] = nn.ReLU()
        if i < 3:
            layers[f"pool{i}"] = nn.MaxPool2d(2)
    layers.update(gap=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(), fc=nn.Linear(32, 10))
    return nn.Sequential(layers)
''',
        "layers built once and shared between calls": '''
from collections import OrderedDict

_LAYERS = {}

def make_cnn(norm="batch"):
    if norm not in ("batch", "instance", "none"):
        raise ValueError(f"unknown norm {norm!r}")
    def norm_layer(c):
        return {"batch": nn.BatchNorm2d(c), "instance": nn.InstanceNorm2d(c, affine=True), "none": nn.Identity()}[norm]
    if norm not in _LAYERS:
        layers = OrderedDict()
        for i, (c_in, c_out) in enumerate([(3, 8), (8, 16), (16, 32)], start=1):
            layers[f"conv{i}"] = nn.Conv2d(c_in, c_out, 3, padding=1)
            layers[f"norm{i}"] = norm_layer(c_out)
            layers[f"relu{i}"] = nn.ReLU()
            if i < 3:
                layers[f"pool{i}"] = nn.MaxPool2d(2)
        layers.update(gap=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(), fc=nn.Linear(32, 10))
        _LAYERS[norm] = layers
    return nn.Sequential(_LAYERS[norm])
''',
    },
    "train_epoch": {  # the first one also fails the visible tests (tests/runtime/test_check.py relies on it)
        "steps count batches from 1": _train(step="epoch * len(loader) + i + 1"),
        "forgets optimizer.zero_grad()": _train(zero="pass"),
        "steps restart at 0 every epoch": _train(step="i"),
        "logs the running mean instead of the step's loss": _train(value="sum(losses) / len(losses)"),
        "returns the last step's loss": _train(result="losses[-1]"),
        "trains in eval mode": _train(mode="model.eval()"),
        "forgets model.train(), so a model evaluated before the epoch trains in eval mode": _train(mode="pass"),
        "returns the mean weighted by batch size": '''
def train_epoch(model, loader, optimizer, writer, epoch):
    model.train()
    total, count = 0.0, 0
    for i, (images, labels) in enumerate(loader):
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        writer.add_scalar("loss/train", loss.item(), epoch * len(loader) + i)
        total += loss.item() * len(labels)
        count += len(labels)
    return total / count
''',
    },
    "log_activations": {
        "runs the model in train mode": _log(mode="model.train()"),
        "leaves the model in eval mode": _log(restore="pass"),
        "does not remove its hooks": _log(remove="pass"),
        "histograms of the convolutions, not the norm layers": _log(prefix="conv"),
        "grid without normalize=True": _log(grid="torchvision.utils.make_grid(images)"),
        "logs the batch with add_images instead of one grid": _log().replace(
            'writer.add_image("images/input", torchvision.utils.make_grid(images, normalize=True), step)',
            'writer.add_images("images/input", images, step)'),
    },
}

# No torch operator is "the op being re-implemented" here: see the module docstring.
CHEAT = {}
NO_OP_TO_BAN = {
    "make_cnn": "building a network from torch's layers is the exercise",
    "train_epoch": "a training loop calls torch's layers, loss and optimizer by design",
    "log_activations": "logging uses torch's forward hooks and TensorBoard's writer by design",
}


def BENCH() -> list[str]:
    """`tests/bench.py`: training throughput of the notebook's three networks on the offline sample.

    The solution notebook's make_cnn and train_epoch, one thread (as the notebook sets), batches of 64
    from the sample through the notebook's transform, logging to a scratch SummaryWriter.
    """
    import tempfile
    import time

    import torch
    import torchvision.transforms as T
    from torch.utils.data import DataLoader, Subset
    from torch.utils.tensorboard import SummaryWriter

    from course import PRELUDE, graded, notebook
    from grader import data

    namespace = {"__name__": "__main__"}
    for name in ("make_cnn", "train_epoch"):
        exec(PRELUDE + graded(notebook(ASSIGNMENT), name).source, namespace)
    transform = T.Compose([T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
    sample = data.OfflineSample(data.build_sample().parent, train=True, transform=transform)
    warmup, timed = DataLoader(Subset(sample, range(128)), batch_size=64), DataLoader(Subset(sample, range(1280)), batch_size=64)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    lines = []
    try:
        with tempfile.TemporaryDirectory() as folder, SummaryWriter(folder) as writer:
            for norm in ("batch", "instance", "none"):
                torch.manual_seed(0)
                model = namespace["make_cnn"](norm)
                optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
                namespace["train_epoch"](model, warmup, optimizer, writer, 0)
                start = time.perf_counter()
                namespace["train_epoch"](model, timed, optimizer, writer, 1)
                rate = 1280 / (time.perf_counter() - start)
                lines.append(f"  training throughput, norm={norm!r:<11}{rate:7.0f} images/s  (offline sample, 1 thread)")
    finally:
        torch.set_num_threads(threads)
    return lines
