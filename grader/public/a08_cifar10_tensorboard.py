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
from grader.runtime.messages import N_, say
from grader.runtime.spec import Example, Exercise, Probed

from .probes_cifar10 import cnn, log_activations, train_epoch

ASSIGNMENT = "08_cifar10_tensorboard"
MODES = {"train": N_("train"), "eval": N_("eval")}  # a module's mode, as the messages name it


def with_hint(problem: str, hint: str | None = None) -> str:
    """``problem`` and, below it, ``hint`` (a template marked N_) in the language spoken now."""
    return problem + ("\n  " + say("hint: {hint}", hint=say(hint)) if hint else "")


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
    call = f"make_cnn({case['norm']!r})"
    problems = [difference(exp["type_name"], got["type_name"], say("type of {call}", call=call))]
    if got.get("is_module"):
        problems.append(difference(NAMES, [c["name"] for c in got["children"]], say("layer names of {call}", call=call)))
        norm2 = children(got).get("norm2")
        problems.append(say("{call} has no layer norm2", call=call) if norm2 is None else
                        difference(children(exp)["norm2"]["type_name"], norm2["type_name"],
                                   say("type of {call}", call=call + ".norm2")))
        problems.append(say("{call} raised {error} on a 2×3×32×32 input", call=call, error=got["output_error"])
                        if "output_error" in got
                        else difference(exp["output_shape"], got.get("output_shape"), say("{call} output shape", call=call)))
        problems.append(difference(exp["parameters"], got["parameters"], say("parameters of {call}", call=call)))
    return first(problems)


def structure_problem(exp, got):
    if not got.get("is_sequential"):
        return say("returned {type}, expected an nn.Sequential", type=got["type_name"])
    names = [c["name"] for c in got["children"]]
    if names != NAMES:
        return say("layer names are {names}, expected {expected}", names=names, expected=NAMES)
    mine = children(got)
    for e in exp["children"]:
        name, g = e["name"], mine[e["name"]]
        is_not = say("layer {name} is {got}, expected {expected}", name=name, got=g["repr"], expected=e["repr"])
        if g["type"] != e["type"]:
            return is_not
        if e["type_name"] == "MaxPool2d":
            if g["attrs"] != e["attrs"]:
                return is_not
            continue
        for attr, value in e["attrs"].items():
            if attr != "bias" and g["attrs"].get(attr) != value:
                return say("layer {name} is {got}, expected {expected} ({attr} differs)", name=name, got=g["repr"],
                           expected=e["repr"], attr=attr)
        if "bias" in e["attrs"] and g["attrs"].get("bias") != e["attrs"]["bias"]:
            return say("layer {name} is {got}: keep the bias (the default)", name=name, got=g["repr"])
    return None


def behaviour_problem(exp, got):
    """Same weights in both: the outputs must agree in train and eval mode, and so must the running stats."""
    if not got.get("is_module"):
        return say("returned {type}, expected an nn.Sequential", type=got["type_name"])
    e_shapes, g_shapes = dict(exp["state_shapes"]), dict(got["state_shapes"])
    missing = [k for k in e_shapes if k not in g_shapes]
    unexpected = [k for k in g_shapes if k not in e_shapes]
    if missing or unexpected:
        return say("its parameters do not match the expected layers: {which}", which="; ".join(
            ([say("missing {names}", names=missing)] if missing else [])
            + ([say("unexpected {names}", names=unexpected)] if unexpected else [])))
    for k, shape in e_shapes.items():
        if tuple(g_shapes[k]) != tuple(shape):
            return say("its parameters do not match the expected layers: size mismatch for {k}: shape {got}, "
                       "expected {expected}", k=k, got=tuple(g_shapes[k]), expected=tuple(shape))
    types = {c["name"]: c["type_name"] for c in exp["children"]}
    for e_run, g_run in zip(exp["runs"], got["runs"], strict=False):
        mode, shape = say(MODES.get(e_run["mode"], e_run["mode"])), e_run["shape"]
        if "error" in g_run:
            return say("in {mode} mode, on a {shape} input it raised {error}", mode=mode, shape=shape,
                       error=g_run["error"])
        out, expected = g_run["output"], e_run["output"]
        if not isinstance(out, torch.Tensor):
            return say("in {mode} mode, on a {shape} input it returned {got}, expected a tensor", mode=mode,
                       shape=shape, got=repr(out))
        if tuple(out.shape) != tuple(expected.shape):
            return say("in {mode} mode, on a {shape} input the output shape is {got}, expected {expected}", mode=mode,
                       shape=shape, got=tuple(out.shape), expected=tuple(expected.shape))
        if not torch.allclose(out, expected, atol=1e-5, rtol=1e-4):
            return say("in {mode} mode, on a {shape} input the output differs (largest difference {largest}) although "
                       "the weights are the same: check the order conv -> norm -> ReLU -> max pool, padding=1, and the "
                       "pooling type", mode=mode, shape=shape, largest=f"{(out - expected).abs().max():.3g}")
        for name, b_exp in e_run["buffers"].items():
            b_got = g_run["buffers"].get(name)
            if not isinstance(b_got, torch.Tensor) or b_got.shape != b_exp.shape or not torch.allclose(
                    b_got.double(), b_exp.double(), rtol=1e-5, atol=1e-6):
                return say("after a forward pass in {mode} mode, {name} differs from nn.{type}'s", mode=mode,
                           name=name, type=types.get(name.split(".")[0], "?"))
    return None


def default_problem(exp, got):
    norm1 = children(got).get("norm1")
    if norm1 is None:
        return say("make_cnn() returned {type} without a layer norm1, expected BatchNorm2d(8) there",
                   type=got["type_name"])
    return None if norm1["type"] == children(exp)["norm1"]["type"] else \
        say("make_cnn().norm1 is {got}, expected BatchNorm2d(8)", got=norm1["repr"])


def rejects_problem(case, got):
    if got["status"] == "raised":
        if got["type"] == "ValueError":
            return None if got["message"] else say("raised ValueError without a message: say which values norm may "
                                                   "take")
        return say("raised {type}: {message}; raise ValueError with a message instead", type=got["type"],
                   message=got["message"])
    return say("returned a network for norm={norm}; raise ValueError (norm is 'batch', 'instance' or 'none')",
               norm=repr(case["norm"]))


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
    return [("layers", say("two calls return networks that share parameters: build new layers on every call")
             if got.get("shares_parameters") else None)]


def cnn_describe(case):
    check, call = case["check"], f"make_cnn({case.get('norm')!r})"
    if check == "layers":
        return say("{call}: layers", call=call)
    if check == "outputs":
        return say("{call}: outputs with the reference's weights", call=call)
    if check == "default":
        return say("make_cnn(): the default is norm='batch'")
    if check == "independent":
        return say("two calls give two independent networks")
    return say("{call} is rejected", call=call)


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
    fields = dict(n=case["n"], batch_size=case["batch_size"], optimizer=optimizer_label(case), epochs=case["epochs"])
    if case.get("eval_first"):
        return say("{n} images in batches of {batch_size}, optimizer {optimizer}, epochs {epochs} (one writer for all; "
                   "the model is in eval mode when each epoch starts, as evaluation leaves it)", **fields)
    return say("{n} images in batches of {batch_size}, optimizer {optimizer}, epochs {epochs} (one writer for all)",
               **fields)


STEP_HINT = N_("step = epoch * len(loader) + i, with i the batch index counted from 0 in every epoch")
UPDATE_HINT = N_("every batch: loss = F.cross_entropy(model(images), labels), optimizer.zero_grad(), loss.backward(), "
                 "optimizer.step(), with the model in training mode (model.train())")
EVERY_BATCH = N_("log once per batch, every batch")
TRAIN_GROUPS = ("steps", "losses", "returned", "weights")


def train_example_problem(got):
    """The release's visible asserts on 12 images in batches of 4, one epoch."""
    returned, logged = got["returned"][0], got["logged"]
    problem = (difference("float", returned["type"], say("type of the value train_epoch returns"))
               or difference([0, 1, 2], [s for s, _ in logged], say("steps logged as loss/train in epoch 0 with 3 "
                                                                    "batches")))
    if problem:
        return problem
    mean = round(sum(v for _, v in logged) / len(logged), 4)
    return difference(mean, round(returned["value"], 4), say("returned mean vs mean of the logged losses"))


def train_compare(case, exp, got):
    if got["error"]:
        e = got["error"]
        problem = say("epoch {epoch} raised {type}: {message}", epoch=e["epoch"], type=e["type"], message=e["message"])
        return [(g, problem) for g in TRAIN_GROUPS]
    if case.get("check") == "example":
        return [("examples", train_example_problem(got))]
    mine, theirs = got["logged"], exp["logged"]
    if not mine:
        problem = with_hint(say("nothing was logged under the tag loss/train"),
                            N_('writer.add_scalar("loss/train", loss.item(), step)'))
        steps = losses = problem
    else:
        steps = losses = None
        if [s for s, _ in mine] != [s for s, _ in theirs]:
            steps = with_hint(say("loss/train was logged at steps {got}, expected {expected}",
                                  got=[s for s, _ in mine], expected=[s for s, _ in theirs]),
                              STEP_HINT if len(mine) == len(theirs) else EVERY_BATCH)
        if len(mine) != len(theirs):
            losses = with_hint(say("loss/train was logged {got} times, expected {expected}", got=len(mine),
                                   expected=len(theirs)), EVERY_BATCH)
        for k, ((step, v), (_, e)) in enumerate(zip(mine, theirs, strict=False)):
            if losses:
                break
            if abs(v - e) > 1e-5 * max(1.0, abs(e)):
                if k == 0:
                    losses = with_hint(say("loss/train at step {step} is {got}, expected {expected} (already at the "
                                           "first step)", step=step, got=f"{v:.6g}", expected=f"{e:.6g}"),
                                       N_("the first loss is F.cross_entropy(model(images), labels) with the model in "
                                          "training mode (model.train()), before any update"))
                else:
                    running = sum(x for _, x in theirs[:k + 1]) / (k + 1)
                    losses = with_hint(say("loss/train at step {step} is {got}, expected {expected} (the steps before "
                                           "it match)", step=step, got=f"{v:.6g}", expected=f"{e:.6g}"),
                                       N_("log each step's own loss.item(), not a running mean")
                                       if abs(v - running) < 1e-4 else UPDATE_HINT)
    returned = None
    for epoch, r, e in zip(case["epochs"], got["returned"], exp["returned"], strict=False):
        if not r["is_float"]:
            returned = with_hint(say("epoch {epoch} returned {type} {value}, expected a Python float", epoch=epoch,
                                     type=r["type"], value=r["repr"]), N_("use loss.item()"))
        elif abs(r["value"] - e["value"]) > 1e-5 * max(1.0, abs(e["value"])):
            returned = with_hint(say("epoch {epoch} returned {got}, expected {expected}", epoch=epoch,
                                     got=f"{r['value']:.6g}", expected=f"{e['value']:.6g}"),
                                 N_("return the mean of this epoch's step losses: their sum / len(loader)"))
        if returned:
            break
    weights = None
    for name, q in exp["state"].items():
        p = got["state"].get(name)
        if not isinstance(p, torch.Tensor) or p.shape != q.shape:
            weights = with_hint(say("after training, {name} is missing or has the wrong shape", name=name), UPDATE_HINT)
        elif not torch.allclose(p.float(), q.float(), atol=1e-5, rtol=1e-4):
            weights = with_hint(say("after training, {name} differs from the reference's (largest difference "
                                    "{largest})", name=name, largest=f"{(p.float() - q.float()).abs().max():.3g}"),
                                UPDATE_HINT)
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
    return say("identity placeholders") if set(case["norms"]) == {"identity"} else " + ".join(case["norms"])


def log_describe(case):
    return say("a {net} network in {mode} mode, images of shape {shape}, steps {steps}", net=net_name(case),
               mode=say(MODES["train" if case["training"] else "eval"]), shape=tuple(case["images"]), steps=case["steps"])


LOG_GROUPS = ("model", "histograms", "images")
GRID_HINT = N_("one grid of all images: torchvision.utils.make_grid(images, normalize=True)")


def log_example_problem(exp, got):
    """The release's visible asserts: tags, the steps of activations/norm2, model.training."""
    hist = got["histograms"].get("activations/norm2", [])
    return first([difference(exp["histogram_tags"], got["histogram_tags"], say("histogram tags")),
                  difference(exp["image_tags"], got["image_tags"], say("image tags")),
                  difference([h["step"] for h in exp["histograms"]["activations/norm2"]], [h["step"] for h in hist],
                             say("steps of {tag}", tag="activations/norm2")),
                  difference(True, got["training"], say("model.training after log_activations (it was in train mode "
                                                        "before)"))])


def model_problem(case, got):
    if got["training"] != case["training"]:
        return with_hint(say("the model was left in {mode} mode", mode=say(MODES["train" if got["training"] else "eval"])),
                         N_("remember model.training before switching to eval mode, and restore it with "
                            "model.train(was_training)"))
    if got["changed"]:
        return with_hint(say("{name} changed: logging must not change the model", name=got["changed"][0]),
                         N_("run the model in eval mode (model.eval()) and under torch.no_grad()"))
    if got["grads"]:
        return with_hint(say("gradients were computed"), N_("run the forward pass under torch.no_grad()"))
    if got["hooks_left"]:
        return with_hint(say("hooks are still registered on {names}", names=got["hooks_left"]),
                         N_("call handle.remove() on every hook you registered"))
    return None


def image_problem(exp, got):
    if got["image_tags"] != exp["image_tags"]:
        return with_hint(say("image tags are {got}, expected {expected}", got=got["image_tags"],
                             expected=exp["image_tags"]),
                         N_("writer.add_image('images/input', make_grid(images, normalize=True), step)"))
    e_imgs, g_imgs = exp["images"], got["images"]
    if [e["step"] for e in g_imgs] != [e["step"] for e in e_imgs]:
        return say("{tag} was logged at steps {got}, expected {expected}", tag="images/input",
                   got=[e["step"] for e in g_imgs], expected=[e["step"] for e in e_imgs])
    for e_img, g_img in zip(e_imgs, g_imgs, strict=True):
        if (g_img["width"], g_img["height"]) != (e_img["width"], e_img["height"]):
            return with_hint(say("the image at step {step} is {got} pixels, expected {expected}", step=g_img["step"],
                                 got=f"{g_img['width']}×{g_img['height']}",
                                 expected=f"{e_img['width']}×{e_img['height']}"), GRID_HINT)
        mine, theirs = g_img["pixels"], e_img["pixels"]
        if mine.shape != theirs.shape:
            return with_hint(say("the image grid at step {step} differs from make_grid(images, normalize=True) (its "
                                 "pixels have shape {got}, expected {expected})", step=g_img["step"],
                                 got=tuple(mine.shape), expected=tuple(theirs.shape)), GRID_HINT)
        diff = int((mine.int() - theirs.int()).abs().max()) if mine.numel() else 0
        if diff > 1:
            return with_hint(say("the image grid at step {step} differs from make_grid(images, normalize=True) (pixel "
                                 "values differ by up to {diff})", step=g_img["step"], diff=diff),
                             N_("pass normalize=True to make_grid"))
    return None


def histogram_tags_problem(exp, got):
    if got["histogram_tags"] != exp["histogram_tags"]:
        return with_hint(say("histogram tags are {got}, expected {expected}", got=got["histogram_tags"],
                             expected=exp["histogram_tags"]),
                         N_("one histogram per submodule whose name starts with 'norm', tag 'activations/<name>'"))
    return None


def histogram_values_problem(exp, got):
    for tag in exp["histogram_tags"]:
        e_hist, g_hist = exp["histograms"][tag], got["histograms"].get(tag)
        if g_hist is None:
            continue  # the tags' check says so
        if [h["step"] for h in g_hist] != [h["step"] for h in e_hist]:
            return say("{tag} was logged at steps {got}, expected {expected}", tag=tag,
                       got=[h["step"] for h in g_hist], expected=[h["step"] for h in e_hist])
        for e, g in zip(e_hist, g_hist, strict=True):
            if g["num"] != e["num"]:
                return say("{tag} at step {step} holds {got} values, expected {expected} (every value of the layer's "
                           "output)", tag=tag, step=g["step"], got=f"{g['num']:g}", expected=f"{e['num']:g}")
            for field in ("min", "max", "sum", "sum_squares"):
                a, b = g[field], e[field]
                if abs(a - b) > 1e-4 * max(1.0, abs(b)):
                    return with_hint(say("{tag} at step {step}: {field} of the values is {got}, expected {expected}",
                                         tag=tag, step=g["step"], field=field, got=f"{a:.6g}", expected=f"{b:.6g}"),
                                     N_("histogram the output of the norm layer itself (not the conv before it or the "
                                        "ReLU after it), computed in eval mode"))
    return None


def log_compare(case, exp, got):
    if got["error"]:
        e = got["error"]
        problem = say("at step {step} it raised {type}: {message}", step=e["step"], type=e["type"], message=e["message"])
        return [(g, problem) for g in LOG_GROUPS]
    if case.get("check") == "example":
        return [("examples", log_example_problem(exp, got))]
    return [("model", model_problem(case, got)), ("histograms", histogram_tags_problem(exp, got)),
            ("images", image_problem(exp, got)), ("histograms", histogram_values_problem(exp, got))]


EXERCISES = [
    Exercise(
        "make_cnn", 2, make_cnn, groups={"examples": 0.5, "layers": 0.5, "values": 0.5, "errors": 0.5},
        kind=Probed(probe=cnn, compare=cnn_compare, describe=cnn_describe),
        group_names={"layers": N_("layers, their settings, the default norm, new layers on every call"),
                     "values": N_("outputs and running statistics with the same weights"),
                     "errors": N_("ValueError for an unknown norm")},
        examples=[Example(f"make_cnn({norm!r}): an nn.Sequential with the table's layer names, norm2 a {kind}, "
                          f"output (2, 10) for 2 images of 3×32×32, {PARAMETERS[norm]} parameters",
                          dict(norm=norm, check="example"))
                  for norm, kind in NORM_TYPES.items()]),
    Exercise(
        "train_epoch", 3, reference_train_epoch,
        groups={"examples": 0.75, "steps": 0.5, "losses": 0.75, "returned": 0.5, "weights": 0.5},
        kind=Probed(probe=train_epoch, compare=train_compare, describe=train_describe),
        group_names={"steps": N_("loss/train logged at the right steps"), "losses": N_("the loss of every step"),
                     "returned": N_("the epoch's mean loss, as a float"), "weights": N_("the weights after training")},
        examples=[Example("12 images in batches of 4, SGD(lr=0.1), epoch 0: a float, loss/train at steps 0, 1, 2, "
                          "and their mean returned",
                          dict(n=12, batch_size=4, epochs=[0], **optimizer_case("SGD", lr=0.1), seed=0, check="example"))]),
    Exercise(
        "log_activations", 3, reference_log_activations,
        groups={"examples": 0.75, "model": 0.75, "histograms": 0.75, "images": 0.75},
        kind=Probed(probe=log_activations, compare=log_compare, describe=log_describe),
        group_names={"model": N_("the model left as it was (mode, state, no gradients, no hooks)"),
                     "histograms": N_("histograms of the norm layers"), "images": N_("the image grid")},
        examples=[Example("a BatchNorm network in train mode, 5 images of 3×8×8, step 3: histogram tags "
                          "activations/norm1 and activations/norm2, image tag images/input, model.training still True",
                          dict(norms=("batch", "batch"), seed=0, stats=False, images=(5, 3, 8, 8), image_seed=0,
                               training=True, steps=[3], check="example"))]),
]
