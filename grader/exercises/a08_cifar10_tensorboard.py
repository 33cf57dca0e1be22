"""08_cifar10_tensorboard, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a08_cifar10_tensorboard`, which the learner's check reads."""
from grader.public.a08_cifar10_tensorboard import ASSIGNMENT, optimizer_case
from grader.public.a08_cifar10_tensorboard import EXERCISES as PUBLIC

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


CNN_HIDDEN = ([dict(norm=n, check=c, forward=c == "outputs") for n in ("batch", "instance", "none")
               for c in ("layers", "outputs")]
              + [dict(check="default"), dict(norm="batch", check="independent")]
              + [dict(norm=bad, check="rejects") for bad in ["layer", "Batch", "", None, "group"]])


TRAIN_HIDDEN = [dict(n=23, batch_size=5, epochs=[0, 1], **optimizer_case("SGD", lr=0.1, momentum=0.9), seed=1),
                dict(n=8, batch_size=8, epochs=[3], **optimizer_case("Adam", lr=0.01), seed=2),
                dict(n=9, batch_size=3, epochs=[0, 1], **optimizer_case("SGD", lr=0.1), seed=5, eval_first=True),
                dict(n=10, batch_size=3, epochs=[0, 1, 2], **optimizer_case("SGD", lr=0.5), seed=3),
                dict(n=7, batch_size=2, epochs=[5, 6], **optimizer_case("Adam", lr=0.01), seed=4)]


def log_case(norms, images, training, steps, image_seed):
    return dict(norms=norms, seed=5, stats=True, images=images, image_seed=image_seed, training=training, steps=steps)


LOG_HIDDEN = [log_case(("batch", "instance"), (5, 3, 8, 8), True, [0, 7], 1),
              log_case(("batch", "batch"), (10, 3, 6, 6), False, [2], 2),
              log_case(("identity", "identity"), (1, 3, 7, 5), True, [4, 5], 3),
              log_case(("batch", "batch"), (12, 3, 9, 9), True, [1], 4)]


EXERCISES = with_hidden(PUBLIC, {
    "make_cnn": dict(
        hidden=CNN_HIDDEN,
        named={"unknown norm": "Any other `norm` raises `ValueError` with a message"}),
    "train_epoch": dict(
        hidden=TRAIN_HIDDEN),
    "log_activations": dict(
        hidden=LOG_HIDDEN),
})
