"""08_cifar10_tensorboard: make_cnn, train_epoch, log_activations.

None of the three is a function of tensors: their probes (:mod:`grader.public.probes_cifar10`) build
the network, the loader, the optimizer and a SummaryWriter in the student's process, read what was
written back with TensorBoard's own reader, and return plain data that the comparisons below judge.
"""
import collections

import torch
import torch.nn as nn
from torch.nn import functional as F

from grader.runtime.compare import difference
from grader.runtime.spec import Example, Exercise

from .probes_cifar10 import cnn, log_activations, train_epoch

ASSIGNMENT = "08_cifar10_tensorboard"


def with_hint(problem: str, hint: str | None = None) -> str:
    return problem + (f"\n  hint: {hint}" if hint else "")


def first(problems) -> str | None:
    return next((p for p in problems if p), None)


# ------------------------------------------------------------------------------------------------ make_cnn

def make_cnn(norm="batch"):
    """The solution's make_cnn (written in other words, so that no line of it reads like a student's)."""
    kinds = dict(batch=nn.BatchNorm2d, instance=lambda c: nn.InstanceNorm2d(c, affine=True),
                 none=lambda c: nn.Identity())
    if norm not in kinds:
        raise ValueError(f"unknown norm {norm!r}: use 'batch', 'instance' or 'none'")
    layers = collections.OrderedDict()
    for i, (c_in, c_out) in zip((1, 2, 3), ((3, 8), (8, 16), (16, 32)), strict=True):
        layers[f"conv{i}"] = nn.Conv2d(in_channels=c_in, out_channels=c_out, kernel_size=3, padding=1)
        layers[f"norm{i}"] = kinds[norm](c_out)
        layers[f"relu{i}"] = nn.ReLU(inplace=False)
        if i != 3:
            layers[f"pool{i}"] = nn.MaxPool2d(kernel_size=2)
    layers.update(gap=nn.AdaptiveAvgPool2d(output_size=1), flatten=nn.Flatten(),
                  fc=nn.Linear(in_features=32, out_features=10))
    return nn.Sequential(layers)


NAMES = ["conv1", "norm1", "relu1", "pool1", "conv2", "norm2", "relu2", "pool2",
         "conv3", "norm3", "relu3", "gap", "flatten", "fc"]
NORM_TYPES = {"batch": "BatchNorm2d", "instance": "InstanceNorm2d", "none": "Identity"}
PARAMETERS = {"batch": 6474, "instance": 6474, "none": 6362}


def children(obs: dict) -> dict:
    return {c["name"]: c for c in obs.get("children", [])}


def cnn_example_problem(case, exp, got):
    """The release's visible asserts: type, layer names, norm2's type, output shape, number of parameters."""
    norm = case["norm"]
    problems = [difference(exp["type_name"], got["type_name"], f"type of make_cnn({norm!r})")]
    if got.get("is_module"):
        problems.append(difference(NAMES, [c["name"] for c in got["children"]], f"layer names of make_cnn({norm!r})"))
        norm2 = children(got).get("norm2")
        problems.append(f"make_cnn({norm!r}) has no layer norm2" if norm2 is None else
                        difference(children(exp)["norm2"]["type_name"], norm2["type_name"], f"type of make_cnn({norm!r}).norm2"))
        problems.append(f"make_cnn({norm!r}) raised {got['output_error']} on a 2×3×32×32 input" if "output_error" in got
                        else difference(exp["output_shape"], got.get("output_shape"), f"make_cnn({norm!r}) output shape"))
        problems.append(difference(exp["parameters"], got["parameters"], f"parameters of make_cnn({norm!r})"))
    return first(problems)


def structure_problem(exp, got):
    if not got.get("is_sequential"):
        return f"returned {got['type_name']}, expected an nn.Sequential"
    names = [c["name"] for c in got["children"]]
    if names != NAMES:
        return f"layer names are {names}, expected {NAMES}"
    mine = children(got)
    for e in exp["children"]:
        name, g = e["name"], mine[e["name"]]
        if g["type"] != e["type"]:
            return f"layer {name} is {g['repr']}, expected {e['repr']}"
        if e["type_name"] == "MaxPool2d":
            if g["attrs"] != e["attrs"]:
                return f"layer {name} is {g['repr']}, expected {e['repr']}"
            continue
        for attr, value in e["attrs"].items():
            if attr != "bias" and g["attrs"].get(attr) != value:
                return f"layer {name} is {g['repr']}, expected {e['repr']} ({attr} differs)"
        if "bias" in e["attrs"] and g["attrs"].get("bias") != e["attrs"]["bias"]:
            return f"layer {name} is {g['repr']}: keep the bias (the default)"
    return None


def behaviour_problem(exp, got):
    """Same weights in both: the outputs must agree in train and eval mode, and so must the running stats."""
    if not got.get("is_module"):
        return f"returned {got['type_name']}, expected an nn.Sequential"
    e_shapes, g_shapes = dict(exp["state_shapes"]), dict(got["state_shapes"])
    missing = [k for k in e_shapes if k not in g_shapes]
    unexpected = [k for k in g_shapes if k not in e_shapes]
    if missing or unexpected:
        return ("its parameters do not match the expected layers: "
                + "; ".join(([f"missing {missing}"] if missing else []) + ([f"unexpected {unexpected}"] if unexpected else [])))
    for k, shape in e_shapes.items():
        if tuple(g_shapes[k]) != tuple(shape):
            return (f"its parameters do not match the expected layers: size mismatch for {k}: "
                    f"shape {tuple(g_shapes[k])}, expected {tuple(shape)}")
    types = {c["name"]: c["type_name"] for c in exp["children"]}
    for e_run, g_run in zip(exp["runs"], got["runs"], strict=False):
        mode, shape = e_run["mode"], e_run["shape"]
        if "error" in g_run:
            return f"in {mode} mode, on a {shape} input it raised {g_run['error']}"
        out, expected = g_run["output"], e_run["output"]
        if not isinstance(out, torch.Tensor):
            return f"in {mode} mode, on a {shape} input it returned {out!r}, expected a tensor"
        if tuple(out.shape) != tuple(expected.shape):
            return (f"in {mode} mode, on a {shape} input the output shape is {tuple(out.shape)}, "
                    f"expected {tuple(expected.shape)}")
        if not torch.allclose(out, expected, atol=1e-5, rtol=1e-4):
            return (f"in {mode} mode, on a {shape} input the output differs (largest difference "
                    f"{(out - expected).abs().max():.3g}) although the weights are the same: check the order "
                    f"conv -> norm -> ReLU -> max pool, padding=1, and the pooling type")
        for name, b_exp in e_run["buffers"].items():
            b_got = g_run["buffers"].get(name)
            if not isinstance(b_got, torch.Tensor) or b_got.shape != b_exp.shape or not torch.allclose(
                    b_got.double(), b_exp.double(), rtol=1e-5, atol=1e-6):
                return (f"after a forward pass in {mode} mode, {name} differs from "
                        f"nn.{types.get(name.split('.')[0], '?')}'s")
    return None


def default_problem(exp, got):
    norm1 = children(got).get("norm1")
    if norm1 is None:
        return f"make_cnn() returned {got['type_name']} without a layer norm1, expected BatchNorm2d(8) there"
    return None if norm1["type"] == children(exp)["norm1"]["type"] else \
        f"make_cnn().norm1 is {norm1['repr']}, expected BatchNorm2d(8)"


def rejects_problem(case, got):
    if got["status"] == "raised":
        if got["type"] == "ValueError":
            return None if got["message"] else "raised ValueError without a message: say which values norm may take"
        return f"raised {got['type']}: {got['message']}; raise ValueError with a message instead"
    return f"returned a network for norm={case['norm']!r}; raise ValueError (norm is 'batch', 'instance' or 'none')"


def cnn_compare(case, exp, got):
    check = case["check"]
    if check == "rejects":
        return [("errors", rejects_problem(case, got))]
    if check == "example":
        return [("examples", cnn_example_problem(case, exp, got))]
    if check == "layers":
        return [("layers", structure_problem(exp, got))]
    if check == "outputs":
        return [("values", behaviour_problem(exp, got))]
    if check == "default":
        return [("layers", default_problem(exp, got))]
    return [("layers", "two calls return networks that share parameters: build new layers on every call"
             if got.get("shares_parameters") else None)]


def cnn_describe(case):
    check = case["check"]
    if check == "layers":
        return f"make_cnn({case['norm']!r}): layers"
    if check == "outputs":
        return f"make_cnn({case['norm']!r}): outputs with the reference's weights"
    if check == "default":
        return "make_cnn(): the default is norm='batch'"
    if check == "independent":
        return "two calls give two independent networks"
    return f"make_cnn({case['norm']!r}) is rejected"


# --------------------------------------------------------------------------------------------- train_epoch

def reference_train_epoch(model, loader, optimizer, writer, epoch):
    model.train()
    total, steps = 0.0, len(loader)
    for i, batch in enumerate(loader):
        images, labels = batch
        loss = F.cross_entropy(model(images), target=labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        writer.add_scalar("loss/train", value, global_step=epoch * steps + i)
        total += value
    return total / steps


def optimizer_label(case) -> str:
    return f"{case['optimizer']}({', '.join(f'{k}={v}' for k, v in case['settings'].items())})"


def train_describe(case):
    return (f"{case['n']} images in batches of {case['batch_size']}, optimizer {optimizer_label(case)}, "
            f"epochs {case['epochs']} (one writer for all"
            + ("; the model is in eval mode when each epoch starts, as evaluation leaves it)" if case.get("eval_first") else ")"))


STEP_HINT = "step = epoch * len(loader) + i, with i the batch index counted from 0 in every epoch"
UPDATE_HINT = ("every batch: loss = F.cross_entropy(model(images), labels), optimizer.zero_grad(), loss.backward(), "
               "optimizer.step(), with the model in training mode (model.train())")
TRAIN_GROUPS = ("steps", "losses", "returned", "weights")


def train_example_problem(got):
    """The release's visible asserts on 12 images in batches of 4, one epoch."""
    returned, logged = got["returned"][0], got["logged"]
    problem = (difference("float", returned["type"], "type of the value train_epoch returns")
               or difference([0, 1, 2], [s for s, _ in logged], "steps logged as loss/train in epoch 0 with 3 batches"))
    if problem:
        return problem
    mean = round(sum(v for _, v in logged) / len(logged), 4)
    return difference(mean, round(returned["value"], 4), "returned mean vs mean of the logged losses")


def train_compare(case, exp, got):
    if got["error"]:
        e = got["error"]
        problem = f"epoch {e['epoch']} raised {e['type']}: {e['message']}"
        return [(g, problem) for g in TRAIN_GROUPS]
    if case.get("check") == "example":
        return [("examples", train_example_problem(got))]
    mine, theirs = got["logged"], exp["logged"]
    if not mine:
        problem = with_hint("nothing was logged under the tag loss/train", "writer.add_scalar(\"loss/train\", loss.item(), step)")
        steps = losses = problem
    else:
        steps = losses = None
        if [s for s, _ in mine] != [s for s, _ in theirs]:
            steps = with_hint(f"loss/train was logged at steps {[s for s, _ in mine]}, expected {[s for s, _ in theirs]}",
                              STEP_HINT if len(mine) == len(theirs) else "log once per batch, every batch")
        if len(mine) != len(theirs):
            losses = with_hint(f"loss/train was logged {len(mine)} times, expected {len(theirs)}",
                               "log once per batch, every batch")
        for k, ((step, v), (_, e)) in enumerate(zip(mine, theirs, strict=False)):
            if losses:
                break
            if abs(v - e) > 1e-5 * max(1.0, abs(e)):
                if k == 0:
                    losses = with_hint(f"loss/train at step {step} is {v:.6g}, expected {e:.6g} (already at the first step)",
                                       "the first loss is F.cross_entropy(model(images), labels) with the model in "
                                       "training mode (model.train()), before any update")
                else:
                    running = sum(x for _, x in theirs[:k + 1]) / (k + 1)
                    losses = with_hint(f"loss/train at step {step} is {v:.6g}, expected {e:.6g} (the steps before it match)",
                                       "log each step's own loss.item(), not a running mean" if abs(v - running) < 1e-4
                                       else UPDATE_HINT)
    returned = None
    for epoch, r, e in zip(case["epochs"], got["returned"], exp["returned"], strict=False):
        if not r["is_float"]:
            returned = with_hint(f"epoch {epoch} returned {r['type']} {r['repr']}, expected a Python float", "use loss.item()")
        elif abs(r["value"] - e["value"]) > 1e-5 * max(1.0, abs(e["value"])):
            returned = with_hint(f"epoch {epoch} returned {r['value']:.6g}, expected {e['value']:.6g}",
                                 "return the mean of this epoch's step losses: their sum / len(loader)")
        if returned:
            break
    weights = None
    for name, q in exp["state"].items():
        p = got["state"].get(name)
        if not isinstance(p, torch.Tensor) or p.shape != q.shape:
            weights = with_hint(f"after training, {name} is missing or has the wrong shape", UPDATE_HINT)
        elif not torch.allclose(p.float(), q.float(), atol=1e-5, rtol=1e-4):
            weights = with_hint(f"after training, {name} differs from the reference's (largest difference "
                                f"{(p.float() - q.float()).abs().max():.3g})", UPDATE_HINT)
        if weights:
            break
    return [("steps", steps), ("losses", losses), ("returned", returned), ("weights", weights)]


def optimizer_case(optimizer, **settings):
    return dict(optimizer=optimizer, settings=settings)


# ----------------------------------------------------------------------------------------- log_activations

def reference_log_activations(writer, model, images, step):
    from torchvision.utils import make_grid

    seen = {}
    hooks = [module.register_forward_hook(lambda m, i, o, name=name: seen.__setitem__(name, o))
             for name, module in model.named_modules() if name.rsplit(".", 1)[-1].startswith("norm")]
    mode = model.training
    model.eval()
    with torch.no_grad():
        model(images)
    for hook in hooks:
        hook.remove()
    model.train(mode)
    writer.add_image("images/input", make_grid(images, normalize=True), global_step=step)
    for name in seen:
        writer.add_histogram(f"activations/{name}", seen[name], global_step=step)


def net_name(case) -> str:
    return "identity placeholders" if set(case["norms"]) == {"identity"} else " + ".join(case["norms"])


def log_describe(case):
    return (f"a {net_name(case)} network in {'train' if case['training'] else 'eval'} mode, images of shape "
            f"{tuple(case['images'])}, steps {case['steps']}")


LOG_GROUPS = ("model", "histograms", "images")
GRID_HINT = "one grid of all images: torchvision.utils.make_grid(images, normalize=True)"


def log_example_problem(exp, got):
    """The release's visible asserts: tags, the steps of activations/norm2, model.training."""
    hist = got["histograms"].get("activations/norm2", [])
    return first([difference(exp["histogram_tags"], got["histogram_tags"], "histogram tags"),
                  difference(exp["image_tags"], got["image_tags"], "image tags"),
                  difference([h["step"] for h in exp["histograms"]["activations/norm2"]], [h["step"] for h in hist],
                             "steps of activations/norm2"),
                  difference(True, got["training"], "model.training after log_activations (it was in train mode before)")])


def model_problem(case, got):
    if got["training"] != case["training"]:
        return with_hint(f"the model was left in {'train' if got['training'] else 'eval'} mode",
                         "remember model.training before switching to eval mode, and restore it with "
                         "model.train(was_training)")
    if got["changed"]:
        return with_hint(f"{got['changed'][0]} changed: logging must not change the model",
                         "run the model in eval mode (model.eval()) and under torch.no_grad()")
    if got["grads"]:
        return with_hint("gradients were computed", "run the forward pass under torch.no_grad()")
    if got["hooks_left"]:
        return with_hint(f"hooks are still registered on {got['hooks_left']}",
                         "call handle.remove() on every hook you registered")
    return None


def image_problem(exp, got):
    if got["image_tags"] != exp["image_tags"]:
        return with_hint(f"image tags are {got['image_tags']}, expected {exp['image_tags']}",
                         "writer.add_image('images/input', make_grid(images, normalize=True), step)")
    e_imgs, g_imgs = exp["images"], got["images"]
    if [e["step"] for e in g_imgs] != [e["step"] for e in e_imgs]:
        return f"images/input was logged at steps {[e['step'] for e in g_imgs]}, expected {[e['step'] for e in e_imgs]}"
    for e_img, g_img in zip(e_imgs, g_imgs, strict=True):
        if (g_img["width"], g_img["height"]) != (e_img["width"], e_img["height"]):
            return with_hint(f"the image at step {g_img['step']} is {g_img['width']}×{g_img['height']} pixels, expected "
                             f"{e_img['width']}×{e_img['height']}", GRID_HINT)
        mine, theirs = g_img["pixels"], e_img["pixels"]
        if mine.shape != theirs.shape:
            return with_hint(f"the image grid at step {g_img['step']} differs from make_grid(images, normalize=True) "
                             f"(its pixels have shape {tuple(mine.shape)}, expected {tuple(theirs.shape)})", GRID_HINT)
        diff = int((mine.int() - theirs.int()).abs().max()) if mine.numel() else 0
        if diff > 1:
            return with_hint(f"the image grid at step {g_img['step']} differs from make_grid(images, normalize=True) "
                             f"(pixel values differ by up to {diff})", "pass normalize=True to make_grid")
    return None


def histogram_tags_problem(exp, got):
    if got["histogram_tags"] != exp["histogram_tags"]:
        return with_hint(f"histogram tags are {got['histogram_tags']}, expected {exp['histogram_tags']}",
                         "one histogram per submodule whose name starts with 'norm', tag 'activations/<name>'")
    return None


def histogram_values_problem(exp, got):
    for tag in exp["histogram_tags"]:
        e_hist, g_hist = exp["histograms"][tag], got["histograms"].get(tag)
        if g_hist is None:
            continue  # the tags' check says so
        if [h["step"] for h in g_hist] != [h["step"] for h in e_hist]:
            return f"{tag} was logged at steps {[h['step'] for h in g_hist]}, expected {[h['step'] for h in e_hist]}"
        for e, g in zip(e_hist, g_hist, strict=True):
            if g["num"] != e["num"]:
                return (f"{tag} at step {g['step']} holds {g['num']:g} values, expected {e['num']:g} "
                        f"(every value of the layer's output)")
            for field in ("min", "max", "sum", "sum_squares"):
                a, b = g[field], e[field]
                if abs(a - b) > 1e-4 * max(1.0, abs(b)):
                    return with_hint(f"{tag} at step {g['step']}: {field} of the values is {a:.6g}, expected {b:.6g}",
                                     "histogram the output of the norm layer itself (not the conv before it or the "
                                     "ReLU after it), computed in eval mode")
    return None


def log_compare(case, exp, got):
    if got["error"]:
        e = got["error"]
        problem = f"at step {e['step']} it raised {e['type']}: {e['message']}"
        return [(g, problem) for g in LOG_GROUPS]
    if case.get("check") == "example":
        return [("examples", log_example_problem(exp, got))]
    return [("model", model_problem(case, got)), ("histograms", histogram_tags_problem(exp, got)),
            ("images", image_problem(exp, got)), ("histograms", histogram_values_problem(exp, got))]


EXERCISES = [
    Exercise(
        "make_cnn", 2, make_cnn, groups={"examples": 0.5, "layers": 0.5, "values": 0.5, "errors": 0.5},
        probe=cnn, compare=cnn_compare, describe=cnn_describe,
        group_names={"layers": "layers, their settings, the default norm, new layers on every call",
                     "values": "outputs and running statistics with the same weights",
                     "errors": "ValueError for an unknown norm"},
        examples=[Example(f"make_cnn({norm!r}): an nn.Sequential with the table's layer names, norm2 a {kind}, "
                          f"output (2, 10) for 2 images of 3×32×32, {PARAMETERS[norm]} parameters",
                          dict(norm=norm, check="example"))
                  for norm, kind in NORM_TYPES.items()]),
    Exercise(
        "train_epoch", 3, reference_train_epoch,
        groups={"examples": 0.75, "steps": 0.5, "losses": 0.75, "returned": 0.5, "weights": 0.5},
        probe=train_epoch, compare=train_compare, describe=train_describe,
        group_names={"steps": "loss/train logged at the right steps", "losses": "the loss of every step",
                     "returned": "the epoch's mean loss, as a float", "weights": "the weights after training"},
        examples=[Example("12 images in batches of 4, SGD(lr=0.1), epoch 0: a float, loss/train at steps 0, 1, 2, "
                          "and their mean returned",
                          dict(n=12, batch_size=4, epochs=[0], **optimizer_case("SGD", lr=0.1), seed=0, check="example"))]),
    Exercise(
        "log_activations", 3, reference_log_activations,
        groups={"examples": 0.75, "model": 0.75, "histograms": 0.75, "images": 0.75},
        probe=log_activations, compare=log_compare, describe=log_describe,
        group_names={"model": "the model left as it was (mode, state, no gradients, no hooks)",
                     "histograms": "histograms of the norm layers", "images": "the image grid"},
        examples=[Example("a BatchNorm network in train mode, 5 images of 3×8×8, step 3: histogram tags "
                          "activations/norm1 and activations/norm2, image tag images/input, model.training still True",
                          dict(norms=("batch", "batch"), seed=0, stats=False, images=(5, 3, 8, 8), image_seed=0,
                               training=True, steps=[3], check="example"))]),
]
