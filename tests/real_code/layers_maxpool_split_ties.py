# Recipe of 0Kelvins/cs231n-assignment assignment2/cs231n/layers.py @ 92ca7c2 (no licence file: not copied):
# max_pool_backward_naive. Written by us: per window and channel, a mask of the window's maxima divided by its
# sum, so tied maxima share dout equally (a valid subgradient). The real file: max_pool FAILED at the ties case
# before; now OK with a note naming the rule (its other 10 layers but spatial batchnorm OK).
import numpy as np


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    Ho, Wo = 1 + (H - ph) // s, 1 + (W - pw) // s
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, Ho, Wo = dout.shape
    dx = np.zeros(x.shape, dtype=np.float64)
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                window = x[n, :, i * s:i * s + ph, j * s:j * s + pw]
                for c in range(C):
                    mask = np.zeros(window[c].shape)
                    mask[window[c] == np.max(window[c])] = 1
                    mask /= np.sum(mask)                  # to divide the gradient among equal maxima
                    dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += mask * dout[n, c, i, j]
    return dx
