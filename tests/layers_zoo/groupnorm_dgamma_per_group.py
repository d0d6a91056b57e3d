"""Layer zoo: dgamma summed over the channels too."""

import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, G, C // G, H, W)            # channel c is in group c // (C / G)
    mu = groups.mean(axis=(2, 3, 4), keepdims=True)   # (N, G, 1, 1, 1)
    std = np.sqrt(groups.var(axis=(2, 3, 4), keepdims=True) + eps)   # (N, G, 1, 1, 1)
    x_hat = ((groups - mu) / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta                        # (N, C, H, W)
    return out, (G, x_hat, std, gamma)


def spatial_groupnorm_backward(dout, cache):
    G, x_hat, std, gamma = cache
    N, C, H, W = x_hat.shape
    m = C // G * H * W
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)                  # (1, C, 1, 1)
    dgamma = (dout * x_hat).sum(axis=(0, 1, 2, 3), keepdims=True)       # (1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, G, C // G, H, W)
    x_hat = x_hat.reshape(N, G, C // G, H, W)
    axes = (2, 3, 4)
    dx = (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)
    return dx.reshape(N, C, H, W), dgamma, dbeta
