"""Layer zoo: each channel normalised on its own over H and W (instance norm), not over its group of C / G
channels (as in a real cs231n solution, 12kdh43 2022: reshape (N * G, C // G, H * W), statistics over the last
axis)."""

import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, C, 1, H, W)                 # the mistake: one channel a group
    mu = groups.mean(axis=(2, 3, 4), keepdims=True)   # (N, G, 1, 1, 1)
    std = np.sqrt(groups.var(axis=(2, 3, 4), keepdims=True) + eps)   # (N, G, 1, 1, 1)
    x_hat = ((groups - mu) / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta                        # (N, C, H, W)
    return out, (G, x_hat, std, gamma)


def spatial_groupnorm_backward(dout, cache):
    G, x_hat, std, gamma = cache
    N, C, H, W = x_hat.shape
    m = H * W
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)                  # (1, C, 1, 1)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)       # (1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, C, 1, H, W)
    x_hat = x_hat.reshape(N, C, 1, H, W)
    axes = (2, 3, 4)
    dx = (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)
    return dx.reshape(N, C, H, W), dgamma, dbeta
