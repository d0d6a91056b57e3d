"""Layer zoo: dout sent to every element of the window instead of its maximum."""

import numpy as np


def _output_size(size, window, stride, pad, what):
    span = size + 2 * pad - window
    if span < 0 or span % stride:
        raise ValueError(f"{what}: size {size} + 2*{pad} - window {window} is not a multiple of stride {stride}")
    return 1 + span // stride


def max_pool_forward_naive(x, pool_param):
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
            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += dout[:, :, i, j, None, None]
    return dx
