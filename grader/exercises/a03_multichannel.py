"""03_multichannel, hidden part: the hidden cases, and what each exercise's text names for them.

Only trusted grading imports this module. The public part (reference, worked examples, visible
cases, hints) is :mod:`grader.public.a03_multichannel`, which the learner's check reads."""
from grader.public.a03_multichannel import ASSIGNMENT, SMALL
from grader.public.a03_multichannel import EXERCISES as PUBLIC
from grader.runtime.cases import grid, rand, two

from . import with_hidden

__all__ = ["ASSIGNMENT", "EXERCISES"]


def conv_hidden():
    x_a, x_b = rand(2, 3, 5, 6, **SMALL), rand(1, 2, 7, 4, **SMALL)
    w_a, w_b, w_c = rand(4, 3, 3, 3, **SMALL), rand(2, 3, 2, 3, **SMALL), rand(3, 2, 1, 2, **SMALL)
    cases = [dict(x=rand(1, 1, 1, 1, **SMALL), weight=rand(1, 1, 1, 1, **SMALL))]
    cases += grid(x=[x_a], weight=[w_a], bias=[None, rand(4, **SMALL)], stride=[1, (2, 1)], padding=[0, 1])
    cases += [dict(x=x_a, weight=w_a, bias=rand(4, **SMALL), stride=2, padding=(2, 0))]
    cases += grid(x=[x_a], weight=[w_b], bias=[rand(2, **SMALL)], stride=[1, (1, 2)], padding=[0, (1, 2)])
    cases += grid(x=[x_b], weight=[w_c], padding=["valid", "same", (1, 2)], dilation=[1, 2, (2, 1)])
    cases += grid(x=[x_b], weight=[rand(5, 2, 3, 2, **SMALL)], padding=["same", (1, 2)], dilation=[1, (2, 1)])
    cases += grid(x=[x_a], weight=[w_b], bias=[rand(2, **SMALL)], stride=[(2, 1)], padding=[1], dilation=[2])
    cases += [dict(x=rand(2, 3, 4, 4), weight=rand(1, 2, 3, 3)), dict(x=x_a, weight=w_a, bias=rand(3)),
              dict(x=x_a, weight=w_a, stride=0), dict(x=x_a, weight=w_a, padding=-1),
              dict(x=x_a, weight=w_a, dilation=0),
              dict(x=x_a, weight=w_a, stride=2, padding="same"), dict(x=x_a, weight=w_a, padding="full"),
              dict(x=rand(1, 1, 2, 2), weight=rand(1, 1, 3, 3)), dict(x=x_b, weight=rand(1, 2, 3, 3), dilation=3)]
    return cases


SHAPE_REJECTED = [
    dict(input_shape=(1, 3, 8, 8), out_channels=0, kernel_size=3),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=0),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, stride=0),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, padding=-1),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, dilation=(1, 0)),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, stride=2, padding="same"),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, padding="full"),
    dict(input_shape=(1, 3, 2, 8), out_channels=2, kernel_size=3)]


AVG_HIDDEN = (
    [dict(x=rand(1, 1, 1, 1), kernel_size=1), dict(x=rand(1, 1, 1, 1), kernel_size=(1, 1))]
    + grid(x=[rand(2, 3, 4, 4)], kernel_size=[1, 2, 3, 4, (2, 1), (1, 4), (3, 2)])
    + grid(x=[rand(1, 4, 7, 5)], kernel_size=[2, 3, 5, (2, 3), (7, 1), (3, 5)])
    + grid(x=[rand(3, 2, 6, 9)], kernel_size=[2, 3, 6, (4, 2), (1, 9)])
    + grid(x=[rand(2, 5, 5, 1)], kernel_size=[1, (2, 1), (5, 1)])
    + [dict(x=rand(1, 2, 3, 3), kernel_size=4), dict(x=rand(2, 3, 4, 4), kernel_size=(5, 1)),
       dict(x=rand(2, 3, 4, 4), kernel_size=(1, 5)), dict(x=rand(2, 5, 5, 1), kernel_size=2)])


def transpose_hidden():
    """Shapes, kernels, strides and paddings torch accepts (ints and pairs), then each kind of argument it rejects."""
    cases = [dict(x=rand(1, 1, 1, 1, **SMALL), weight=rand(1, 1, 1, 1, **SMALL))]
    for (n, c, h, w), (o, kh, kw) in [((2, 3, 3, 4), (2, 3, 2)), ((1, 2, 4, 4), (3, 4, 4)), ((1, 1, 2, 5), (1, 1, 3)),
                                      ((2, 2, 1, 3), (4, 2, 2))]:
        for stride in (1, 2, 3, (1, 2)):
            for padding in (0, 1, (0, 1)):
                (sh, sw), (ph, pw) = two(stride), two(padding)
                if (h - 1) * sh + kh - 2 * ph >= 1 and (w - 1) * sw + kw - 2 * pw >= 1:  # torch's output size
                    cases.append(dict(x=rand(n, c, h, w, **SMALL), weight=rand(c, o, kh, kw, **SMALL),
                                      stride=stride, padding=padding))
    cases += [dict(x=rand(1, 2, 3, 3), weight=rand(3, 1, 2, 2)), dict(x=rand(1, 1, 3, 3), weight=rand(1, 1, 2, 2), stride=0),
              dict(x=rand(1, 1, 3, 3), weight=rand(1, 1, 2, 2), padding=-1),
              dict(x=rand(1, 1, 2, 2), weight=rand(1, 1, 2, 2), padding=2),
              dict(x=rand(1, 1, 3, 3), weight=rand(1, 1, 3, 3), stride=(1, 0))]
    return cases


EXERCISES = with_hidden(PUBLIC, {
    "corr2d": dict(
        hidden=[dict(x=rand(h, w, **SMALL), k=rand(kh, kw, **SMALL))
                for (h, w) in [(1, 1), (4, 4), (5, 7), (6, 3)] for (kh, kw) in [(1, 1), (2, 2), (3, 2), (1, 3), (3, 3)]
                if kh <= h and kw <= w]
        + [dict(x=rand(2, 2), k=rand(3, 3)), dict(x=rand(4, 4), k=rand(2, 5))],
        named={"Kernel size can't be greater": "If the kernel is larger than the input, raise `ValueError`"}),
    "conv2d": dict(
        hidden=conv_hidden(),
        named={r"expected input\[.*\] to have \d+ channels": "channel counts that do not match",
               "expected bias to be": "a bias of the wrong size",
               "non-positive (stride|dilation)|dilation should be greater than zero": "stride or dilation below 1",
               "negative padding": "negative padding", "padding='same' is not supported": '`"same"` with a stride',
               "Invalid padding string": "an unknown padding string",
               "Kernel size can't be greater": "a kernel larger than the padded input",
               "padding: (2-tuple|'valid')|dilation: 2-tuple": '`stride`, `padding` and `dilation` are ints or pairs; '
                                                                '`padding` may also be `"valid"` or `"same"`'}),
    "conv_output_shape": dict(
        hidden=grid(input_shape=[(1, 1, 1, 1), (2, 3, 7, 10), (4, 2, 5, 1)], out_channels=[6],
                    kernel_size=[1, 2, 3, (2, 5)], stride=[1, 2, (3, 1)], padding=[0, 1, (0, 2), "valid", "same"],
                    dilation=[1, (1, 3)])
        + grid(input_shape=[(1, 1, 28, 28)], out_channels=[64], kernel_size=[3], stride=[1, 2], padding=[0, 1])
        + SHAPE_REJECTED,
        named={"expected weight to be at least 1|kernel size should be greater than": "out_channels or kernel below 1",
               "non-positive stride|dilation should be greater than zero": "stride or dilation below 1",
               "negative padding": "negative padding", "padding='same' is not supported": '`"same"` with a stride',
               "Invalid padding string": "an unknown padding string",
               "Kernel size can't be greater": "a kernel larger than the padded input",
               "(stride|dilation): 2-tuple": "`kernel_size`, `stride`, `dilation` are ints or pairs",
               "padding: (2-tuple|'valid')": '`padding` an int, a pair, `"valid"` or `"same"`'}),
    "avg_pool_as_conv": dict(
        hidden=AVG_HIDDEN,
        named={"Output size is too small": "If the kernel is larger than the input in either dimension (kh > H or "
                                           "kw > W), raise `ValueError` with a message"}),
    "conv_transpose2d": dict(
        hidden=transpose_hidden(),
        named={r"expected input\[.*\] to have \d+ channels": "`x.shape[1]` differs from `weight.shape[0]`",
               "non-positive stride": "a stride below 1", "negative padding": "a negative padding",
               "Output size is too small": "padding that leaves no output"}),
})
