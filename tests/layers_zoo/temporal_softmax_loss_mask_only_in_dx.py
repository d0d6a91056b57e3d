"""Layer zoo (z6): the temporal loss sums every step's cross-entropy (the mask forgotten in the loss) while dx
applies it."""
import numpy as np


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    xf, yf, mf = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    p = np.exp(xf - xf.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.sum(np.log(p[np.arange(N * T), yf])) / N          # the mistake: no mask here
    dxf = p.copy()
    dxf[np.arange(N * T), yf] -= 1
    dxf *= mf[:, None] / N
    return loss, dxf.reshape(N, T, V)
