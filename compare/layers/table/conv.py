"""The table's convolutional layers (cs231n assignment 2, `layers.py`): conv (naive), max_pool (naive),
spatial_batchnorm, spatial_groupnorm."""

from __future__ import annotations

from compare.layers.table.dense import BN_TEST, BN_TRAIN, NORM_MISTAKES, UNCENTRED
from compare.layers.table.types import Case, Layer, Mistake

CONV_SHAPES = {"x": "(N, C, H, W)", "w": "(F, C, HH, WW)", "b": "(F,)",
               "conv_param": "dict: stride, pad (zeros on each side of H and W)",
               "out": "(N, F, H', W'), H' = 1 + (H + 2 pad - HH) / stride, W' = 1 + (W + 2 pad - WW) / stride",
               "dout": "out's shape", "dx": "x's shape (the padding cropped off)"}
POOL_SHAPES = {"x": "(N, C, H, W)", "pool_param": "dict: pool_height, pool_width, stride (no padding)",
               "out": "(N, C, H', W'), H' = 1 + (H - pool_height) / stride, W' = 1 + (W - pool_width) / stride",
               "dout": "out's shape", "dx": "x's shape"}
SBN_SHAPES = {"x": "(N, C, H, W)", "gamma": "(C,)", "beta": "(C,)", "out": "x's shape", "dout": "x's shape",
              "bn_param": "dict: mode, eps, momentum, running_mean (C,), running_var (C,)"}
GN_SHAPES = {"x": "(N, C, H, W)", "gamma": "(1, C, 1, 1)", "beta": "(1, C, 1, 1)",
             "G": "int, the number of groups (divides C; group g holds channels g C/G ... (g + 1) C/G - 1)",
             "gn_param": "dict: eps", "out": "x's shape", "dout": "x's shape", "dgamma": "gamma's shape"}

CONV_LAYERS = (
    Layer("conv", "pair", "conv_forward_naive", ("x", "w", "b", "conv_param"), ("x", "w", "b"), ("out",),
          "conv_backward_naive", ("dout",), ("dx", "dw", "db"), ("x", "w", "b"), CONV_SHAPES,
          "(x, w, b, conv_param)",
          "torch.nn.functional.conv2d(x, w, b, stride, padding=pad): a cross-correlation (the kernel not flipped)",
          (Case("stride 2, pad 1", "a 3 x 2 kernel on a 9 x 6 image, stride 2, pad 1: nothing square, every "
                "axis its own length", {"x": (2, 3, 9, 6), "w": (4, 3, 3, 2), "b": (4,), "dout": (2, 4, 5, 4)},
                {"conv_param": {"stride": 2, "pad": 1}}, seed=21),
           Case("3 x 3 kernel", "a square kernel (a transposed or flipped kernel runs, and differs), stride 1, pad 1",
                {"x": (3, 2, 5, 4), "w": (3, 2, 3, 3), "b": (3,), "dout": (3, 3, 5, 4)},
                {"conv_param": {"stride": 1, "pad": 1}}, seed=22),
           Case("no padding", "pad 0 (a crop written x[..., pad:-pad] is empty here), stride 3: rows between the "
                "windows, columns shared by two", {"x": (2, 2, 8, 7), "w": (3, 2, 2, 4), "b": (3,),
                                                    "dout": (2, 3, 3, 2)},
                {"conv_param": {"stride": 3, "pad": 0}}, seed=28)),
          (Mistake("flipped-kernel", ("out", "dx", "dw"), "the kernel is flipped (a convolution in the "
                   "mathematical sense); the layer is a cross-correlation, as torch's conv2d"),
           Mistake("dw-flipped", ("dw",), "dw is flipped in both spatial axes (dw[f, c, HH-1-i, WW-1-j])", "flip"),
           Mistake("transposed-kernel", ("out", "dx", "dw"), "the kernel's spatial axes are swapped (w[f, c, j, i])",
                   case="3 x 3 kernel"),
           Mistake("pad-not-cropped", ("dx",), "dx still has the padding: crop pad rows and columns from each "
                   "side", "crop", "pad"),
           Mistake("db-axis", ("db",), "db summed over the wrong axis: it sums dout over N, H' and W' (axes 0, 2, "
                   "3)"),
           Mistake("stride-ignored", ("dx", "dw"), "the backward's windows move by 1 whatever the stride: output "
                   "position (i, j) reads the input window starting at (i stride, j stride)"),
           Mistake("dx-overwritten", ("dx",), "where windows overlap, dx is overwritten window by window instead of "
                   "accumulated (+=)"),
           Mistake("dw-overwritten", ("dw",), "dw is overwritten at each output position instead of accumulated "
                   "(+=): only the last position's contribution is left"))),
    Layer("max_pool", "pair", "max_pool_forward_naive", ("x", "pool_param"), ("x",), ("out",),
          "max_pool_backward_naive", ("dout",), ("dx",), ("x",), POOL_SHAPES, "(x, pool_param)",
          "torch.nn.functional.max_pool2d(x, (pool_height, pool_width), stride): the gradient goes to the "
          "window's maximum; where two tie, to the first in row-major order",
          (Case("2 x 3 windows, stride 2", "overlapping windows (width 3, stride 2): a maximum shared by two "
                "windows gets both gradients", {"x": (2, 3, 6, 7), "dout": (2, 3, 3, 3)},
                {"pool_param": {"pool_height": 2, "pool_width": 3, "stride": 2}}, seed=23, design="shared"),
           Case("ties (torch's rule)", "windows with tied maxima: pins torch's rule, the gradient to the first "
                "maximum in row-major order", {"x": (2, 2, 4, 4), "dout": (2, 2, 2, 2)},
                {"pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}}, seed=24, design="ties",
                convention=True)),
          (Mistake("whole-window", ("dx",), "dx sends dout to every element of the window; it goes to the "
                   "maximum only"),
           Mistake("average", ("dx",), "dx spreads dout evenly over the window (average pooling's gradient)"),
           Mistake("overwritten", ("dx",), "where windows overlap, dx is overwritten instead of accumulated "
                   "(+=): a maximum shared by two windows gets both gradients"),
           Mistake("window-assigned", ("dx",), "where windows overlap, each window's gradient is assigned whole "
                   "(dx[window] = dout x mask): a later window overwrites an earlier one's gradient there, its "
                   "zeros included"),
           Mistake("all-ties", ("dx",), "tied maxima each get the gradient; torch gives it to the first in "
                   "row-major order", case="ties (torch's rule)"),
           Mistake("last-tie", ("dx",), "of tied maxima the last in row-major order gets the gradient (argmax "
                   "over a reversed window); torch gives it to the first", case="ties (torch's rule)"),
           Mistake("split-ties", ("dx",), "tied maxima share the gradient equally (dout / their count, a mask "
                   "divided by its sum); torch gives it all to the first in row-major order",
                   case="ties (torch's rule)"))),
    Layer("spatial_batchnorm", "pair", "spatial_batchnorm_forward", ("x", "gamma", "beta", "bn_param"),
          ("x", "gamma", "beta"), ("out",), "spatial_batchnorm_backward", ("dout",), ("dx", "dgamma", "dbeta"),
          ("x", "gamma", "beta"), SBN_SHAPES, "anything the backward needs",
          "batchnorm per channel over (N, H, W): torch.nn.functional.batch_norm with the interface's running "
          "statistics (momentum on the old value, biased variance)",
          (Case("train, N=2, C=3", "per-channel offsets, N H W = 20 values per channel, non-zero running stats",
                {"x": (2, 3, 2, 5), "gamma": (3,), "beta": (3,), "bn_param.running_mean": (3,),
                 "bn_param.running_var": (3,), "dout": (2, 3, 2, 5)}, BN_TRAIN, seed=25, design="offset"),
           Case("test mode", "mode 'test': the running statistics",
                {"x": (2, 3, 2, 5), "gamma": (3,), "beta": (3,), "bn_param.running_mean": (3,),
                 "bn_param.running_var": (3,)}, BN_TEST, seed=26, design="offset", forward_only=True)),
          NORM_MISTAKES + (
              UNCENTRED,
              Mistake("over-batch-only", ("out", "dx", "dgamma"), "normalised over N only (each channel and pixel "
                      "on its own); spatial batchnorm normalises each channel over N, H and W"),
              Mistake("count-n", ("dx",), "dx's mean and variance terms divide by N (the batch) where each "
                      "channel's statistics are over N x H x W values: batchnorm's backward reused with "
                      "N = dout.shape[0]"),
              Mistake("torch-momentum", ("running_mean", "running_var"), "running = (1 - momentum) x running + "
                      "momentum x batch: torch's meaning of momentum (torch's 0.1 is the interface's 0.9)"),
              Mistake("running-var-eps", ("running_var",), "running_var updated with var + eps (the eps meant for "
                      "the square root): test mode then adds eps a second time"),
              Mistake("test-eps-outside-sqrt", ("out",), "in test mode eps is added outside the square root "
                      "(sqrt(running_var) + eps); the interface divides by sqrt(running_var + eps)",
                      case="test mode")),
          state=("running_mean", "running_var"), state_in="bn_param"),
    Layer("spatial_groupnorm", "pair", "spatial_groupnorm_forward", ("x", "gamma", "beta", "G", "gn_param"),
          ("x", "gamma", "beta"), ("out",), "spatial_groupnorm_backward", ("dout",), ("dx", "dgamma", "dbeta"),
          ("x", "gamma", "beta"), GN_SHAPES, "anything the backward needs",
          "torch.nn.functional.group_norm(x, G, eps=eps) (contiguous groups of C/G channels), then gamma x + beta",
          (Case("C=6, G=2", "groups of 3 contiguous channels (interleaved groups give other statistics)",
                {"x": (2, 6, 3, 4), "gamma": (1, 6, 1, 1), "beta": (1, 6, 1, 1), "dout": (2, 6, 3, 4)},
                {"G": 2, "gn_param": {"eps": 1e-5}}, seed=27, design="offset"),),
          tuple(m for m in NORM_MISTAKES if m.id != "dgamma-axis") + (
              Mistake("dgamma-all-axes", ("dgamma", "dbeta"), "summed over the channel axis too (one number); "
                      "dgamma and dbeta sum over axes 0, 2 and 3, one number per channel"),
              Mistake("dgamma-shape", ("dgamma", "dbeta"), "the right numbers in another shape: return them in "
                      "gamma's shape (1, C, 1, 1)", "reshape"),
              Mistake("group-count-swapped", ("out", "dx", "dgamma"), "C/G groups of G channels: there are G "
                      "groups of C/G contiguous channels each (x.reshape(N, G, C // G, H, W))"),
              Mistake("interleaved-groups", ("out", "dx", "dgamma"), "the groups interleaved (channel c in group c "
                      "mod G); groups hold contiguous channels: g C/G ... (g + 1) C/G - 1"),
              Mistake("per-pixel", ("out", "dx", "dgamma"), "each pixel normalised over its group's C/G channels "
                      "alone (layernorm over the channels of a (N H W, C/G) reshape): a group's statistics are over "
                      "its C/G channels x H x W values"),
              Mistake("per-channel", ("out", "dx", "dgamma"), "each channel normalised on its own over H and W "
                      "(instance norm: statistics over H x W values); a group's statistics are over its C/G "
                      "channels x H x W values"),)),
)
