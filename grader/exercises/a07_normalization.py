"""07_normalization, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a07_normalization`, which the learner's check reads."""
import torch

from grader.public.a07_normalization import ASSIGNMENT, MODULE_VISIBLE, bn_cases, in_cases, run_module, scripts
from grader.public.a07_normalization import EXERCISES as PUBLIC
from grader.runtime.cases import Call, rand

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


BN_HIDDEN = (
    bn_cases([(2, 3, 4, 5), (1, 2, 3, 3), (4, 1, 1, 1), (5, 3, 1, 2), (1, 3, 1, 1)], [True, False], [0.1, 0.5],
             ["none", "both"])
    + bn_cases([(2, 3, 2, 2)], [True, False], [0.1], ["weight"])
    + bn_cases([(3, 2, 2, 3)], [True, False], [0.1], ["both"], eps=[0.5])
    # no tracking: both None in training; evaluation needs them; one without the other is an error
    + [dict(x=rand(2, 3, 4, 5), running_mean=None, running_var=None, training=True),
       dict(x=rand(3, 2, 2, 2), running_mean=None, running_var=None, weight=rand(2), bias=rand(2), training=True),
       dict(x=rand(2, 3, 2, 2), running_mean=None, running_var=None, training=False),
       dict(x=rand(2, 3, 2, 2), running_mean=rand(3, grad=False), running_var=None, training=True)]
    # four training steps on the same running statistics, one per x[k]
    + [Call(dict(x=rand(4, 3, 2, 3, 3), running_mean=rand(2, grad=False),
                 running_var=rand(2, low=0.5, high=2.0, grad=False), weight=rand(2), bias=rand(2),
                 training=True, momentum=m, eps=1e-5), steps="x") for m in (0.1, 0.5)]
    + [Call(dict(x=rand(4, 2, 3, 2, 2), running_mean=rand(3, grad=False),
                 running_var=rand(3, low=0.5, high=2.0, grad=False), training=True, momentum=0.1, eps=1e-5),
            steps="x")])


def torch_state(C, seen, seed):
    """A state_dict as nn.BatchNorm2d writes it after ``seen`` batches."""
    g = torch.Generator().manual_seed(seed)
    return dict(weight=torch.rand(C, generator=g) + 0.5, bias=torch.randn(C, generator=g),
                running_mean=torch.randn(C, generator=g), running_var=torch.rand(C, generator=g) + 0.5,
                num_batches_tracked=torch.tensor(seen, dtype=torch.long))


def load_from_torch(momentum):
    """Load a state_dict of nn.BatchNorm2d, train one step, then evaluate.

    (Not evaluate first: torch's eval-mode backward reads the running statistics when it runs, so a
    training step between forward and backward would change torch's gradient.)
    """
    def script(dtype, gen):
        x = rand(2, 3, 2, 2, 2).build(dtype, gen)
        s = [{"do": "to", "dtype": dtype}, {"do": "load", "state": torch_state(2, 7, 1)},
             {"do": "train"}, {"do": "forward", "x": x[0]}, {"do": "eval"}, {"do": "forward", "x": x[1]},
             {"do": "backward", "seed": 0}, {"do": "report"}]
        return dict(init=dict(num_features=2, momentum=momentum), steps=s)
    return script


def load_into_torch(momentum):
    """Train the module two steps, then load its state_dict into nn.BatchNorm2d (strict)."""
    def script(dtype, gen):
        x = rand(2, 3, 2, 2, 3).build(dtype, gen)
        gamma, beta = rand(2, low=0.5, high=2.0).build(dtype, gen), rand(2).build(dtype, gen)
        s = [{"do": "to", "dtype": dtype}, {"do": "set", "name": "weight", "value": gamma},
             {"do": "set", "name": "bias", "value": beta}, {"do": "forward", "x": x[0]}, {"do": "forward", "x": x[1]},
             {"do": "backward", "seed": 0}, {"do": "into_torch"}]
        return dict(init=dict(num_features=2, momentum=momentum), steps=s)
    return script


MODULE_HIDDEN = (
    [run_module(4, 2, 3, 2, 3, momentum=m, affine=a, track_running_stats=True) for m in (0.1, 0.5, None) for a in (True, False)]
    + [run_module(3, 2, 3, 2, 3, momentum=0.1, affine=a, track_running_stats=False) for a in (True, False)]
    + [run_module(4, 1, 2, 3, 2, momentum=None), run_module(3, 5, 1, 1, 2, momentum=0.1),
       run_module(1, 2, 3, 2, 2, momentum=0.1), run_module(5, 3, 2, 1, 3, momentum=None, affine=False)]
    + [load_from_torch(m) for m in (0.1, None)]
    + [load_into_torch(m) for m in (0.1, None)])


EXERCISES = with_hidden(PUBLIC, {
    "batch_norm2d": dict(
        hidden=BN_HIDDEN,
        named={"running_(mean|var): None": "Both may be `None` (no tracking)",
               "Expected more than 1 value per channel": "Fewer than 2 values per channel is a ValueError",
               "running_mean must be defined in evaluation mode":
                   "when they are `None` there is nothing to normalise with: raise ValueError",
               "running_mean and running_var must either both be None": "only one of them given is a ValueError",
               "call: steps": "update them **in place**"}),
    "instance_norm2d": dict(
        hidden=(in_cases([(1, 3, 4, 5), (1, 1, 2, 1), (4, 2, 3, 3), (3, 1, 1, 6), (2, 3, 5, 2), (2, 3, 1, 1), (1, 2, 1, 1)],
                         ["none", "weight", "both"])
                + in_cases([(1, 2, 3, 3), (3, 2, 2, 2)], ["both"], eps=[0.5])),
        named={"Expected more than 1 spatial element": "Fewer than 2 values per map (H·W = 1) is a ValueError"}),
    "BatchNorm2d": dict(
        hidden=scripts(MODULE_HIDDEN, start=2 * len(MODULE_VISIBLE))),
})
