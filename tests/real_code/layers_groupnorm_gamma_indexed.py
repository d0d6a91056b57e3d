# Recipe of 0suh/cs231n_2021 assignment2/cs231n/layers.py @ 9b19719 (no licence file: not copied):
# spatial_groupnorm_forward. Written by us: the right statistics, but gamma and beta, of shape (1, C, 1, 1) in
# this interface (its own docstring says so), indexed as if they were (C,): gamma[np.newaxis, :, np.newaxis,
# np.newaxis] has 7 axes, and so has out. The real file: ERROR naming out's shape (1, 1, 1, 2, 6, 3, 4), the
# numbers right; the hint said "keepdims" before, now the broadcasting that added the axes.
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N * G, C // G * H * W).T
    std = np.sqrt(xg.var(axis=0) + eps)               # (N * G,)
    xhat = ((xg - xg.mean(axis=0)) / std).T.reshape(N, C, H, W)
    out = gamma[np.newaxis, :, np.newaxis, np.newaxis] * xhat + beta[np.newaxis, :, np.newaxis, np.newaxis]
    return out, (xhat, gamma, G, std.reshape(N, G, 1))


def spatial_groupnorm_backward(dout, cache):
    xhat, gamma, G, std = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)
    m = C // G * H * W
    dxhat = (dout * gamma).reshape(N, G, -1)
    xh = xhat.reshape(N, G, -1)
    dx = (m * dxhat - dxhat.sum(axis=2, keepdims=True) - xh * (dxhat * xh).sum(axis=2, keepdims=True)) / (m * std)
    return dx.reshape(N, C, H, W), dgamma, dbeta
