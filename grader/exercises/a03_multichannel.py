"""03_multichannel: corr2d, conv2d, conv_output_shape, avg_pool_as_conv."""
import torch
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.spec import Example, Exercise

ASSIGNMENT = "03_multichannel"

X1 = torch.tensor([[0.0, 1, 2], [3, 4, 5], [6, 7, 8]])
K1 = torch.tensor([[0.0, 1], [2, 3]])
X2 = torch.tensor([[[0.0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1.0, 2, 3], [4, 5, 6], [7, 8, 9]]])
K2 = torch.tensor([[[0.0, 1], [2, 3]], [[1.0, 2], [3, 4]]])
_gen = torch.Generator().manual_seed(0)
DIGIT = torch.randn(1, 1, 28, 28, generator=_gen)
W64, B64 = torch.randn(64, 1, 3, 3, generator=_gen), torch.randn(64, generator=_gen)

# X of the notebook's section 1: arange(16) as 4×4 and the same plus 1, as two channels.
X_POOL = torch.cat((torch.arange(16.0).reshape(1, 1, 4, 4), torch.arange(16.0).reshape(1, 1, 4, 4) + 1), dim=1)

NO_CONV = ("conv", "slow_conv", "mkldnn_conv", "cudnn_conv", "thnn_conv", "miopen_conv")
SMALL = dict(low=-1, high=1)

# A hint is called with torch's output as ``expected`` (None when torch rejects the arguments)
# and the student's output as ``got`` (None when the student's function raised).


# ---------------------------------------------------------------------------------------------
# corr2d

def reference_corr2d(x, k):
    return F.conv2d(x[None, None], k[None, None])[0, 0]


def corr_hint(case, expected, got):
    if expected is None:
        return "torch rejects a kernel larger than the input"
    if getattr(got, "shape", None) != getattr(expected, "shape", None):
        return "out has H - kh + 1 rows and W - kw + 1 columns"
    return "out[i, j] = sum of x[i:i + kh, j:j + kw] * k, without flipping k"


# ---------------------------------------------------------------------------------------------
# conv2d

def reference_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)


def conv_hint(case, expected, got):
    if expected is None:
        return ("torch rejects: channels that do not match, a bias of the wrong size, stride or dilation below 1, "
                "negative padding, 'same' with a stride, an unknown padding string, a kernel larger than the padded input")
    if got is None:
        return "torch accepts these: stride, padding and dilation may be ints or pairs, padding also 'valid' or 'same'"
    if getattr(got, "shape", None) != getattr(expected, "shape", None):
        return "out = floor((H + 2p - d(k - 1) - 1) / s) + 1 rows; 'same' keeps H; the channels are weight.shape[0]"
    if case.get("padding") == "same":
        return "'same' pads d(k - 1) in total: total // 2 on the top/left, the rest on the bottom/right"
    if case.get("dilation", 1) != 1:
        return "a dilated kernel takes every d-th element of a window that spans d(k - 1) + 1 cells"
    return "each output channel o is the sum over input channels c of corr2d(x[n, c], weight[o, c]), plus bias[o]"


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


# ---------------------------------------------------------------------------------------------
# conv_output_shape

def reference_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    weight = torch.zeros(out_channels, input_shape[1], kh, kw)
    return tuple(F.conv2d(torch.zeros(input_shape), weight, None, stride, padding, dilation).shape)


def shape_hint(case, expected, got):
    if expected is None:
        return ("torch rejects out_channels or kernel_size below 1, stride or dilation below 1, negative padding, "
                "'same' with a stride, an unknown padding string and a kernel larger than the padded input")
    if got is None:
        return "torch accepts these: kernel_size, stride, padding and dilation may be ints or pairs"
    if isinstance(got, tuple) and len(got) == 4 and got[1] != expected[1]:
        return "the output has out_channels channels, whatever C_in is"
    if case.get("padding") == "same":
        return "padding='same' keeps H and W"
    return "out = floor((H + 2p - d(k - 1) - 1) / s) + 1 for each of H and W"


SHAPE_REJECTED = [
    dict(input_shape=(1, 3, 8, 8), out_channels=0, kernel_size=3),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=0),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, stride=0),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, padding=-1),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, dilation=(1, 0)),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, stride=2, padding="same"),
    dict(input_shape=(1, 3, 8, 8), out_channels=2, kernel_size=3, padding="full"),
    dict(input_shape=(1, 3, 2, 8), out_channels=2, kernel_size=3)]


# ---------------------------------------------------------------------------------------------
# avg_pool_as_conv

def reference_avg_pool_as_conv(x, kernel_size):
    return F.avg_pool2d(x, kernel_size, stride=kernel_size)


def avg_conv_hint(case, expected, got):
    if expected is None:
        return "torch rejects a kernel larger than the input (kh > H or kw > W): check it and raise ValueError"
    if got is None:
        return ("torch accepts these: kernel_size is an int or a pair (kh, kw), and the weight must have x's dtype "
                "(float64 inputs too): build it with dtype=x.dtype")
    if getattr(got, "shape", None) != getattr(expected, "shape", None):
        return ("stride = kernel_size: the output is N×C×floor(H / kh)×floor(W / kw), one channel per input channel "
                "(groups=C)")
    return ("the weight is (C, 1, kh, kw), every entry 1 / (kh·kw), with groups=C: each channel is averaged on its "
            "own, no channel mixes into another")


AVG_HIDDEN = (
    [dict(x=rand(1, 1, 1, 1), kernel_size=1), dict(x=rand(1, 1, 1, 1), kernel_size=(1, 1))]
    + grid(x=[rand(2, 3, 4, 4)], kernel_size=[1, 2, 3, 4, (2, 1), (1, 4), (3, 2)])
    + grid(x=[rand(1, 4, 7, 5)], kernel_size=[2, 3, 5, (2, 3), (7, 1), (3, 5)])
    + grid(x=[rand(3, 2, 6, 9)], kernel_size=[2, 3, 6, (4, 2), (1, 9)])
    + grid(x=[rand(2, 5, 5, 1)], kernel_size=[1, (2, 1), (5, 1)])
    + [dict(x=rand(1, 2, 3, 3), kernel_size=4), dict(x=rand(2, 3, 4, 4), kernel_size=(5, 1)),
       dict(x=rand(2, 3, 4, 4), kernel_size=(1, 5)), dict(x=rand(2, 5, 5, 1), kernel_size=2)])


EXERCISES = [
    Exercise(
        "corr2d", 2, reference_corr2d, groups={"examples": 0.5, "values": 1, "gradients": 0.25, "errors": 0.25},
        examples=[
            Example("corr2d(X1, K1) (d2l's example)", dict(x=X1, k=K1), torch.tensor([[19.0, 25.0], [37.0, 43.0]])),
            Example("corr2d(X1, [[1, 0, -1]]) (a 1×3 kernel: no flip)", dict(x=X1, k=torch.tensor([[1.0, 0, -1]])),
                    torch.tensor([[-2.0], [-2.0], [-2.0]]))],
        visible=[dict(x=rand(5, 6, **SMALL), k=rand(2, 3, **SMALL))],
        hidden=[dict(x=rand(h, w, **SMALL), k=rand(kh, kw, **SMALL))
                for (h, w) in [(1, 1), (4, 4), (5, 7), (6, 3)] for (kh, kw) in [(1, 1), (2, 2), (3, 2), (1, 3), (3, 3)]
                if kh <= h and kw <= w]
        + [dict(x=rand(2, 2), k=rand(3, 3)), dict(x=rand(4, 4), k=rand(2, 5))],
        banned=NO_CONV, routes="F.conv2d, nn.Conv2d or torch.conv2d", hint=corr_hint,
        named={"Kernel size can't be greater": "If the kernel is larger than the input, raise `ValueError`"}),
    Exercise(
        "conv2d", 3, reference_conv2d, groups={"examples": 0.75, "values": 1.5, "gradients": 0.25, "errors": 0.5},
        examples=[
            Example("conv2d(X2[None], K2[None]) (d2l's two-channel example)", dict(x=X2[None], weight=K2[None]),
                    torch.tensor([[[[56.0, 72.0], [104.0, 120.0]]]])),
            Example("conv2d(X2[None], K2[None], bias=[-50])",
                    dict(x=X2[None], weight=K2[None], bias=torch.tensor([-50.0])),
                    torch.tensor([[[[6.0, 22.0], [54.0, 70.0]]]])),
            Example("64 filters 3×3, padding=1 on 1×1×28×28: 1×64×28×28",
                    dict(x=DIGIT, weight=W64, bias=B64, padding=1)),
            Example("64 filters 3×3, padding=0 on 1×1×28×28: 1×64×26×26",
                    dict(x=DIGIT, weight=W64, bias=B64, padding=0))],
        visible=[dict(x=rand(2, 3, 5, 6, **SMALL), weight=rand(4, 3, 3, 2, **SMALL), bias=rand(4, **SMALL),
                      stride=(2, 1), padding=1),
                 dict(x=rand(1, 2, 5, 5, **SMALL), weight=rand(3, 2, 2, 2, **SMALL), padding="same")],
        hidden=conv_hidden(),
        banned=NO_CONV, routes="F.conv2d, nn.Conv2d or torch.conv2d", hint=conv_hint,
        named={r"expected input\[.*\] to have \d+ channels": "channel counts that do not match",
               "expected bias to be": "a bias of the wrong size",
               "non-positive (stride|dilation)|dilation should be greater than zero": "stride or dilation below 1",
               "negative padding": "negative padding", "padding='same' is not supported": '`"same"` with a stride',
               "Invalid padding string": "an unknown padding string",
               "Kernel size can't be greater": "a kernel larger than the padded input",
               "padding: (2-tuple|'valid')|dilation: 2-tuple": '`stride`, `padding` and `dilation` are ints or pairs; '
                                                                '`padding` may also be `"valid"` or `"same"`'}),
    Exercise(
        "conv_output_shape", 2, reference_shape, groups={"examples": 0.5, "values": 1, "errors": 0.5},
        examples=[
            Example("conv_output_shape((1, 1, 28, 28), 64, 3, stride=1, padding=1)",
                    dict(input_shape=(1, 1, 28, 28), out_channels=64, kernel_size=3, stride=1, padding=1),
                    (1, 64, 28, 28)),
            Example("conv_output_shape((1, 1, 28, 28), 64, 3, stride=1, padding=0)",
                    dict(input_shape=(1, 1, 28, 28), out_channels=64, kernel_size=3, stride=1, padding=0),
                    (1, 64, 26, 26)),
            Example('conv_output_shape((8, 3, 32, 32), 16, 5, padding="same")',
                    dict(input_shape=(8, 3, 32, 32), out_channels=16, kernel_size=5, padding="same"),
                    (8, 16, 32, 32))],
        visible=grid(input_shape=[(2, 3, 9, 7)], out_channels=[4], kernel_size=[3, (2, 3)], stride=[1, 2], padding=[1],
                     dilation=[1, 2]),
        hidden=grid(input_shape=[(1, 1, 1, 1), (2, 3, 7, 10), (4, 2, 5, 1)], out_channels=[6],
                    kernel_size=[1, 2, 3, (2, 5)], stride=[1, 2, (3, 1)], padding=[0, 1, (0, 2), "valid", "same"],
                    dilation=[1, (1, 3)])
        + grid(input_shape=[(1, 1, 28, 28)], out_channels=[64], kernel_size=[3], stride=[1, 2], padding=[0, 1])
        + SHAPE_REJECTED,
        banned=NO_CONV, routes="F.conv2d or nn.Conv2d on a tensor of zeros", hint=shape_hint,
        dtypes=(torch.float32,), grad=False,
        named={"expected weight to be at least 1|kernel size should be greater than": "out_channels or kernel below 1",
               "non-positive stride|dilation should be greater than zero": "stride or dilation below 1",
               "negative padding": "negative padding", "padding='same' is not supported": '`"same"` with a stride',
               "Invalid padding string": "an unknown padding string",
               "Kernel size can't be greater": "a kernel larger than the padded input",
               "(stride|dilation): 2-tuple": "`kernel_size`, `stride`, `dilation` are ints or pairs",
               "padding: (2-tuple|'valid')": '`padding` an int, a pair, `"valid"` or `"same"`'}),
    Exercise(
        "avg_pool_as_conv", 2, reference_avg_pool_as_conv,
        groups={"examples": 0.5, "values": 1, "gradients": 0.25, "errors": 0.25},
        examples=[
            Example("avg_pool_as_conv(X, 2) (X of section 1: 2 channels of 4×4)", dict(x=X_POOL, kernel_size=2)),
            Example("avg_pool_as_conv(X, (1, 2)) (1×2 windows)", dict(x=X_POOL, kernel_size=(1, 2))),
            Example("avg_pool_as_conv(X, 3) (3 does not divide 4: the last row and column are dropped)",
                    dict(x=X_POOL, kernel_size=3))],
        visible=grid(x=[rand(2, 3, 6, 5)], kernel_size=[2, (3, 2)]),
        hidden=AVG_HIDDEN,
        banned=("avg_pool", "adaptive_avg_pool"), routes="F.avg_pool2d, nn.AvgPool2d or F.adaptive_avg_pool2d",
        hint=avg_conv_hint,
        named={"Output size is too small": "If the kernel is larger than the input in either dimension (kh > H or "
                                           "kw > W), raise `ValueError` with a message"}),
]
