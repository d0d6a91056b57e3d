# Recipe of 1602077/stanford-cs231n assignment2/cs231n/layers.py @ 64d2a60 (no licence file: not copied):
# conv_forward_naive, im2col style. Written by us: the output width computed with the kernel's height,
# W' = 1 + (W + 2 pad - HH) / stride, right only for square kernels (the notebook's are 3 x 3). The real file:
# conv ERROR, its IndexError shown with its line, on the case "stride 2, pad 1" (a 3 x 2 kernel).
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    pad, stride = conv_param["pad"], conv_param["stride"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_prime = int(1 + (H + 2 * pad - HH) / stride)
    W_prime = int(1 + (W + 2 * pad - HH) / stride)
    out = np.zeros((N, F, H_prime, W_prime))
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), "constant")
    W_row = w.reshape(F, C * HH * WW)
    x_col = np.zeros((C * HH * WW, H_prime * W_prime))
    for n in range(N):
        count = 0
        for i in range(0, x_pad.shape[2] - HH + 1, stride):
            for j in range(0, x_pad.shape[3] - WW + 1, stride):
                x_col[:, count] = x_pad[n, :, i:i + HH, j:j + WW].reshape(C * HH * WW)
                count += 1
        out[n] = (W_row @ x_col + b.reshape(F, 1)).reshape(F, H_prime, W_prime)
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    pad, s = conv_param["pad"], conv_param["stride"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), "constant")
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    _, _, HH, WW = w.shape
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            patch = x_pad[:, :, i * s:i * s + HH, j * s:j * s + WW]
            dw += np.einsum("nf,nchw->fchw", dout[:, :, i, j], patch)
            dx_pad[:, :, i * s:i * s + HH, j * s:j * s + WW] += np.einsum("nf,fchw->nchw", dout[:, :, i, j], w)
    return dx_pad[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]], dw, dout.sum(axis=(0, 2, 3))
