"""The reference answer for the convolutional layers of cs231n's assignment 2 (cs231n/layers.py), written
to be read. Check it (or your own file with these names) against torch with

    python -m compare check examples/layers_conv_solution.py
    python -m compare check examples/layers_conv_solution.py --layer conv

Conventions (cs231n's): images are (N, C, H, W); a filter bank w is (F, C, HH, WW). Each layer is a pair
`*_forward(...) -> (out, cache)` and `*_backward(dout, cache) -> gradients`. The naive forms loop over the
output positions, and are vectorised over the batch and the filters at each position.
"""

import numpy as np


def _output_size(size, window, stride, pad, what):
    """1 + (size + 2 pad - window) / stride, which must be a whole number (every input row is covered)."""
    span = size + 2 * pad - window
    if span < 0 or span % stride:
        raise ValueError(f"{what}: size {size} + 2*{pad} - window {window} is not a multiple of stride {stride}")
    return 1 + span // stride


def conv_forward_naive(x, w, b, conv_param):
    """out[n, f, i, j] = b[f] + sum_{c, k, l} x_pad[n, c, i*stride + k, j*stride + l] * w[f, c, k, l]

    (a cross-correlation, as torch's conv2d: the kernel is not flipped). x (N, C, H, W); w (F, C, HH, WW);
    b (F,); conv_param: stride, pad (zeros on every side of H and W). out (N, F, H', W') with
    H' = 1 + (H + 2 pad - HH) / stride, W' = 1 + (W + 2 pad - WW) / stride. cache = (x, w, b, conv_param).
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, _, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = _output_size(H, HH, stride, pad, "conv height")
    W_out = _output_size(W, WW, stride, pad, "conv width")
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))       # (N, C, H + 2 pad, W + 2 pad)
    out = np.empty((N, F, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]   # (N, C, HH, WW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b    # (N, F)
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """Each output out[n, f, i, j] used one window of x_pad and all of w[f]:

        dx_pad[window] += sum_f dout[n, f, i, j] * w[f]        dw[f] += sum_n dout[n, f, i, j] * window
        db[f] = sum over n, i, j of dout

    then dx = dx_pad with the padding cropped off (the padded zeros are no input). dout (N, F, H', W').
    Returns dx (N, C, H, W), dw (F, C, HH, WW), db (F,).
    """
    x, w, _, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))       # (N, C, H + 2 pad, W + 2 pad)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)                                             # (F, C, HH, WW)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i * stride, i * stride + HH), slice(j * stride, j * stride + WW)
            d = dout[:, :, i, j]                                      # (N, F)
            dx_pad[:, :, rows, cols] += np.tensordot(d, w, axes=(1, 0))              # (N, C, HH, WW)
            dw += np.tensordot(d, x_pad[:, :, rows, cols], axes=(0, 0))             # (F, C, HH, WW)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]                       # (N, C, H, W)
    db = dout.sum(axis=(0, 2, 3))                                     # (F,)
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """out[n, c, i, j] = max of x[n, c] over the window at rows i*stride .. i*stride + pool_height - 1 and
    columns j*stride .. j*stride + pool_width - 1 (no padding).

    x (N, C, H, W); pool_param: pool_height, pool_width, stride. out (N, C, H', W') with
    H' = 1 + (H - pool_height) / stride, W' = 1 + (W - pool_width) / stride. cache = (x, pool_param).
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = _output_size(H, ph, stride, 0, "max pool height")
    W_out = _output_size(W, pw, stride, 0, "max pool width")
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """Only the maximum of each window moved the output: dout[n, c, i, j] goes to that one element, and
    overlapping windows add up. On a tie, the first maximum in row-major order gets it (torch's rule).
    dout (N, C, H', W'); returns dx (N, C, H, W).
    """
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, _, _ = x.shape
    _, _, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")     # (N, C) each
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]   # (N, C, ph, pw)
            k, l = np.unravel_index(window.reshape(N, C, -1).argmax(axis=2), (ph, pw))  # (N, C) each
            dx[n, c, i * stride + k, j * stride + l] += dout[:, :, i, j]
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batchnorm per channel: the statistics over the batch and every position, axes (0, 2, 3), i.e. over
    N * H * W values per channel (biased variance, as batchnorm_forward). x (N, C, H, W); gamma, beta (C,);
    bn_param as batchnorm_forward's (mode, eps, momentum, running_mean, running_var, each of shape (C,)).
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    C = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=(0, 2, 3))                   # (C,)
        var = x.var(axis=(0, 2, 3))                   # (C,), divided by N * H * W
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mu, var = running_mean, running_var
    else:
        raise ValueError(f"spatial_batchnorm_forward: mode must be 'train' or 'test', found {mode!r}")
    std = np.sqrt(var + eps)[:, None, None]           # (C, 1, 1)
    x_hat = (x - mu[:, None, None]) / std             # (N, C, H, W)
    out = gamma[:, None, None] * x_hat + beta[:, None, None]
    return out, (mode, x_hat, std, gamma)


def spatial_batchnorm_backward(dout, cache):
    """batchnorm_backward_alt's formulas with m = N * H * W values per channel, sums over axes (0, 2, 3):

        dx = (1 / (m std)) * (m dx_hat - sum dx_hat - x_hat * sum dx_hat * x_hat),   dx_hat = dout * gamma
    """
    mode, x_hat, std, gamma = cache
    N, _, H, W = x_hat.shape
    m = N * H * W
    axes = (0, 2, 3)
    dbeta = dout.sum(axis=axes)                       # (C,)
    dgamma = (dout * x_hat).sum(axis=axes)            # (C,)
    dx_hat = dout * gamma[:, None, None]              # (N, C, H, W)
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    dx = (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization: each sample's C channels split into G contiguous groups of C / G channels;
    each group normalized over its (C / G) * H * W values (biased variance), then scaled and shifted per
    channel. x (N, C, H, W); gamma, beta (1, C, 1, 1); G divides C; gn_param: eps (1e-5).
    """
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, G, C // G, H, W)            # channel c is in group c // (C / G)
    mu = groups.mean(axis=(2, 3, 4), keepdims=True)   # (N, G, 1, 1, 1)
    std = np.sqrt(groups.var(axis=(2, 3, 4), keepdims=True) + eps)   # (N, G, 1, 1, 1)
    x_hat = ((groups - mu) / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta                        # (N, C, H, W)
    return out, (G, x_hat, std, gamma)


def spatial_groupnorm_backward(dout, cache):
    """dgamma, dbeta sum over axes (0, 2, 3) and keep gamma's shape (1, C, 1, 1); dx is
    batchnorm_backward_alt's formula within each group, m = (C / G) * H * W values.
    """
    G, x_hat, std, gamma = cache
    N, C, H, W = x_hat.shape
    m = C // G * H * W
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)                  # (1, C, 1, 1)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)       # (1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, G, C // G, H, W)
    x_hat = x_hat.reshape(N, G, C // G, H, W)
    axes = (2, 3, 4)
    dx = (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)
    return dx.reshape(N, C, H, W), dgamma, dbeta
