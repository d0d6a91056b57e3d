"""Layer zoo: the loss masked but dx not: masked steps get a gradient."""

import numpy as np


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    shifted = x_flat - x_flat.max(axis=1, keepdims=True)                      # (N*T, V)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))      # (N*T, V)
    rows = np.arange(N * T)
    loss = -(mask_flat * log_p[rows, y_flat]).sum() / N
    dx_flat = np.exp(log_p)                                                   # p, (N*T, V)
    dx_flat[rows, y_flat] -= 1
    dx_flat /= N
    if verbose:
        print("dx_flat:", dx_flat.shape)
    return loss, dx_flat.reshape(N, T, V)
