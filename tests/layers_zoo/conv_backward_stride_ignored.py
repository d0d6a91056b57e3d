"""Layer zoo: the backward's windows at stride 1 whatever the forward's stride."""

import numpy as np


def _output_size(size, window, stride, pad, what):
    span = size + 2 * pad - window
    if span < 0 or span % stride:
        raise ValueError(f"{what}: size {size} + 2*{pad} - window {window} is not a multiple of stride {stride}")
    return 1 + span // stride


def conv_forward_naive(x, w, b, conv_param):
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
    x, w, _, conv_param = cache
    pad = conv_param["pad"]
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))       # (N, C, H + 2 pad, W + 2 pad)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)                                             # (F, C, HH, WW)
    for i in range(H_out):
        for j in range(W_out):
            rows, cols = slice(i, i + HH), slice(j, j + WW)
            d = dout[:, :, i, j]                                      # (N, F)
            dx_pad[:, :, rows, cols] += np.tensordot(d, w, axes=(1, 0))              # (N, C, HH, WW)
            dw += np.tensordot(d, x_pad[:, :, rows, cols], axes=(0, 0))             # (F, C, HH, WW)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]                       # (N, C, H, W)
    db = dout.sum(axis=(0, 2, 3))                                     # (F,)
    return dx, dw, db
