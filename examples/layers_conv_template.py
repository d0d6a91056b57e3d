"""Your convolutional layers: fill in each pair of functions, then check them against torch's autograd:

    python -m compare check examples/layers_conv_template.py
    python -m compare check examples/layers_conv_template.py --layer conv

The convolutional layers of cs231n's assignment 2 (cs231n/layers.py), with its names and signatures
(docs/layers-interface.md describes them all). Images are (N, C, H, W): N samples of C channels, H rows,
W columns; a bank of F filters w is (F, C, HH, WW). Each layer is a pair
    *_forward(inputs...) -> (out, cache)      *_backward(dout, cache) -> gradients
the gradients in the order of the forward's inputs, each of its input's shape; `cache` is anything your
backward needs, handed back unchanged. Until a function is filled in, it raises NotImplementedError.
"""

import numpy as np  # noqa: F401  (you will need it)


def conv_forward_naive(x, w, b, conv_param):
    """A convolutional layer, as torch's conv2d (a cross-correlation: the kernel is NOT flipped):

        out[n, f, i, j] = b[f] + sum over c, k, l of  x_pad[n, c, i*stride + k, j*stride + l] * w[f, c, k, l]

    x: (N, C, H, W)      w: (F, C, HH, WW)      b: (F,)
    conv_param: a dict with
      - stride: the step between neighbouring windows, in both directions
      - pad: zeros added on every side of H and W (x_pad is (N, C, H + 2 pad, W + 2 pad)); do not modify x
    Returns out (N, F, H', W'), H' = 1 + (H + 2 pad - HH) / stride, W' = 1 + (W + 2 pad - WW) / stride,
    and cache (cs231n keeps (x, w, b, conv_param)).
    """
    raise NotImplementedError("conv_forward_naive")


def conv_backward_naive(dout, cache):
    """dout: (N, F, H', W'). Returns (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)).
    dx is x's gradient, without the padding (the padded zeros are not inputs).
    """
    raise NotImplementedError("conv_backward_naive")


def max_pool_forward_naive(x, pool_param):
    """Max pooling, no padding: out[n, c, i, j] = the maximum of x[n, c] over the window of rows
    i*stride .. i*stride + pool_height - 1 and columns j*stride .. j*stride + pool_width - 1.

    x: (N, C, H, W)      pool_param: a dict with pool_height, pool_width, stride
    Returns out (N, C, H', W'), H' = 1 + (H - pool_height) / stride, W' = 1 + (W - pool_width) / stride,
    and cache (cs231n keeps (x, pool_param)).
    """
    raise NotImplementedError("max_pool_forward_naive")


def max_pool_backward_naive(dout, cache):
    """dout: (N, C, H', W'). Returns dx (N, C, H, W). Windows may overlap (stride < pool size)."""
    raise NotImplementedError("max_pool_backward_naive")


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization per channel: each channel's statistics over the batch and every position,
    N * H * W values (the biased variance).

    x: (N, C, H, W)      gamma, beta: (C,)
    bn_param: as batchnorm_forward's: mode ('train' | 'test', required), eps (1e-5), momentum (0.9),
      running_mean and running_var of shape (C,), updated in bn_param in train mode with
      running = momentum * running + (1 - momentum) * batch statistic
    Returns out (N, C, H, W) and cache.
    """
    raise NotImplementedError("spatial_batchnorm_forward")


def spatial_batchnorm_backward(dout, cache):
    """dout: (N, C, H, W). Returns (dx (N, C, H, W), dgamma (C,), dbeta (C,))."""
    raise NotImplementedError("spatial_batchnorm_backward")


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization: each sample's C channels split into G groups of C / G CONSECUTIVE channels
    (channels 0 .. C/G - 1 form group 0); each group normalised over its (C / G) * H * W values (the biased
    variance), then out = gamma * x_hat + beta per channel. No running statistics.

    x: (N, C, H, W)      gamma, beta: (1, C, 1, 1)      G: the number of groups, a divisor of C
    gn_param: a dict with eps (default 1e-5)
    Returns out (N, C, H, W) and cache.
    """
    raise NotImplementedError("spatial_groupnorm_forward")


def spatial_groupnorm_backward(dout, cache):
    """dout: (N, C, H, W). Returns (dx (N, C, H, W), dgamma (1, C, 1, 1), dbeta (1, C, 1, 1))."""
    raise NotImplementedError("spatial_groupnorm_backward")
