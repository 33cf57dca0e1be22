"""03_multichannel: corr2d, conv2d, conv_output_shape, avg_pool_as_conv, conv_transpose2d.

The public part of the spec, all that a learner's check reads. grader/exercises/a03_multichannel.py
adds the hidden cases and what the exercise's text names for them; only trusted grading imports it.
"""
import torch
import torch.nn.functional as F

from grader.runtime.cases import grid, rand
from grader.runtime.messages import N_
from grader.runtime.spec import Arg, Example, Exercise, Hint, Tensors

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

# Hints are data (grader.runtime.spec.Hint); a condition sees the case, torch's output ``expected`` (None when
# torch rejects the arguments) and the student's output ``got`` (None when the student's function raised).


# ---------------------------------------------------------------------------------------------
# corr2d

def reference_corr2d(x, k):
    return F.conv2d(x[None, None], k[None, None])[0, 0]


CORR_HINT = Hint(
    rejected=N_("torch rejects a kernel larger than the input"),
    shape=N_("out has H - kh + 1 rows and W - kw + 1 columns"),
    default=N_("out[i, j] = sum of x[i:i + kh, j:j + kw] * k, without flipping k"))


# ---------------------------------------------------------------------------------------------
# conv2d

def reference_conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)


SAME = Arg("padding", is_="same")

CONV_HINT = Hint(
    rejected=N_("torch rejects: channels that do not match, a bias of the wrong size, stride or dilation below 1, "
                "negative padding, 'same' with a stride, an unknown padding string, a kernel larger than the padded "
                "input"),
    raised=N_("torch accepts these: stride, padding and dilation may be ints or pairs, padding also 'valid' or "
              "'same'"),
    shape=N_("out = floor((H + 2p - d(k - 1) - 1) / s) + 1 rows; 'same' keeps H; the channels are weight.shape[0]"),
    when=[(SAME, N_("'same' pads d(k - 1) in total: total // 2 on the top/left, the rest on the bottom/right")),
          (Arg("dilation", not_=1, default=1),
           N_("a dilated kernel takes every d-th element of a window that spans d(k - 1) + 1 cells"))],
    default=N_("each output channel o is the sum over input channels c of corr2d(x[n, c], weight[o, c]), plus "
               "bias[o]"))


# ---------------------------------------------------------------------------------------------
# conv_output_shape

def reference_shape(input_shape, out_channels, kernel_size, stride=1, padding=0, dilation=1):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    weight = torch.zeros(out_channels, input_shape[1], kh, kw)
    return tuple(F.conv2d(torch.zeros(input_shape), weight, None, stride, padding, dilation).shape)


def channels_differ(case, expected, got):
    """The student's shape has four sizes, the channels not torch's."""
    return isinstance(got, tuple) and len(got) == 4 and got[1] != expected[1]


SHAPE_HINT = Hint(
    rejected=N_("torch rejects out_channels or kernel_size below 1, stride or dilation below 1, negative padding, "
                "'same' with a stride, an unknown padding string and a kernel larger than the padded input"),
    raised=N_("torch accepts these: kernel_size, stride, padding and dilation may be ints or pairs"),
    when=[(channels_differ, N_("the output has out_channels channels, whatever C_in is")),
          (SAME, N_("padding='same' keeps H and W"))],
    default=N_("out = floor((H + 2p - d(k - 1) - 1) / s) + 1 for each of H and W"))


# ---------------------------------------------------------------------------------------------
# avg_pool_as_conv

def reference_avg_pool_as_conv(x, kernel_size):
    return F.avg_pool2d(x, kernel_size, stride=kernel_size)


AVG_CONV_HINT = Hint(
    rejected=N_("torch rejects a kernel larger than the input (kh > H or kw > W): check it and raise ValueError"),
    raised=N_("torch accepts these: kernel_size is an int or a pair (kh, kw), and the weight must have x's dtype "
              "(float64 inputs too): build it with dtype=x.dtype"),
    shape=N_("stride = kernel_size: the output is N×C×floor(H / kh)×floor(W / kw), one channel per input channel "
             "(groups=C)"),
    default=N_("the weight is (C, 1, kh, kw), every entry 1 / (kh·kw), with groups=C: each channel is averaged on "
               "its own, no channel mixes into another"))


EXERCISES = [
    Exercise(
        "corr2d", 2, reference_corr2d, groups={"examples": 0.5, "values": 1, "gradients": 0.25, "errors": 0.25},
        examples=[
            Example("corr2d(X1, K1) (d2l's example)", dict(x=X1, k=K1), torch.tensor([[19.0, 25.0], [37.0, 43.0]])),
            Example("corr2d(X1, [[1, 0, -1]]) (a 1×3 kernel: no flip)", dict(x=X1, k=torch.tensor([[1.0, 0, -1]])),
                    torch.tensor([[-2.0], [-2.0], [-2.0]]))],
        visible=[dict(x=rand(5, 6, **SMALL), k=rand(2, 3, **SMALL))],
        banned=NO_CONV, routes="F.conv2d, nn.Conv2d or torch.conv2d", hint=CORR_HINT),
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
        banned=NO_CONV, routes="F.conv2d, nn.Conv2d or torch.conv2d", hint=CONV_HINT),
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
        banned=NO_CONV, routes="F.conv2d or nn.Conv2d on a tensor of zeros", hint=SHAPE_HINT,
        kind=Tensors(dtypes=(torch.float32,), grad=False)),
    Exercise(
        "avg_pool_as_conv", 2, reference_avg_pool_as_conv,
        groups={"examples": 0.5, "values": 1, "gradients": 0.25, "errors": 0.25},
        examples=[
            Example("avg_pool_as_conv(X, 2) (X of section 1: 2 channels of 4×4)", dict(x=X_POOL, kernel_size=2)),
            Example("avg_pool_as_conv(X, (1, 2)) (1×2 windows)", dict(x=X_POOL, kernel_size=(1, 2))),
            Example("avg_pool_as_conv(X, 3) (3 does not divide 4: the last row and column are dropped)",
                    dict(x=X_POOL, kernel_size=3))],
        visible=grid(x=[rand(2, 3, 6, 5)], kernel_size=[2, (3, 2)]),
        banned=("avg_pool", "adaptive_avg_pool"), routes="F.avg_pool2d, nn.AvgPool2d or F.adaptive_avg_pool2d",
        hint=AVG_CONV_HINT),
]


# ---------------------------------------------------------------------------------------------
# conv_transpose2d

def reference_conv_transpose2d(x, weight, stride=1, padding=0):
    return F.conv_transpose2d(x, weight, None, stride, padding)


TRANSPOSE_HINT = Hint(
    rejected=N_("torch rejects: x.shape[1] != weight.shape[0], a stride below 1, negative padding, and padding that "
                "leaves no output ((H - 1)·stride + kh - 2·padding < 1)"),
    raised=N_("torch accepts these: stride and padding may be ints or pairs (height, width)"),
    shape=N_("out has (H - 1)·stride + kh - 2·padding rows and weight.shape[1] channels; weight is "
             "(C_in, C_out, kh, kw), the other way round from conv2d's"),
    when=[(Arg("padding", not_=0, default=0),
           N_("padding removes rows and columns from both sides of the full output; it adds none"))],
    default=N_("each input element adds x[n, c, i, j] · weight[c, o] to the kh×kw block of out[n, o] that starts at "
               "(i·stride, j·stride); overlapping blocks add up, and the kernel is not flipped"))


D2L_X, D2L_K = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]]), torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])

EXERCISES.append(Exercise(
    "conv_transpose2d", 3, reference_conv_transpose2d,
    groups={"examples": 0.75, "values": 1.5, "gradients": 0.25, "errors": 0.5},
    examples=[
        Example("conv_transpose2d(X, K) (d2l's example: every input element adds a scaled copy of K)",
                dict(x=D2L_X, weight=D2L_K), torch.tensor([[[[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [4.0, 12.0, 9.0]]]])),
        Example("conv_transpose2d(X, K, stride=2): the copies move 2 apart", dict(x=D2L_X, weight=D2L_K, stride=2),
                torch.tensor([[[[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 2.0, 3.0], [0.0, 2.0, 0.0, 3.0], [4.0, 6.0, 6.0, 9.0]]]])),
        Example("conv_transpose2d(X, K, padding=1): padding crops 1 from each side", dict(x=D2L_X, weight=D2L_K, padding=1),
                torch.tensor([[[[4.0]]]])),
        Example("conv_transpose2d(1×2×3×3, weight 2×3×4×4, stride=2, padding=1): 2× upsampling to 1×3×6×6",
                dict(x=torch.arange(18.0).reshape(1, 2, 3, 3) / 10, weight=torch.linspace(-1, 1, 96).reshape(2, 3, 4, 4),
                     stride=2, padding=1))],
    visible=[dict(x=rand(2, 3, 3, 4, **SMALL), weight=rand(3, 2, 3, 2, **SMALL), stride=(2, 1), padding=1),
             dict(x=rand(1, 2, 2, 2, **SMALL), weight=rand(2, 3, 4, 4, **SMALL), stride=2, padding=(1, 0)),
             dict(x=rand(1, 1, 2, 3, **SMALL), weight=rand(1, 2, 2, 2, **SMALL), stride=3),
             dict(x=rand(1, 2, 3, 3), weight=rand(3, 1, 2, 2))],
    banned=NO_CONV + ("col2im", "im2col"),
    routes="F.conv_transpose2d, nn.ConvTranspose2d, F.conv2d on a zero-stuffed input, the gradient of F.conv2d, or F.fold",
    hint=TRANSPOSE_HINT))
