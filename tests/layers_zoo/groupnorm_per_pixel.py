"""Layer zoo: each pixel normalised over its group's C / G channels alone (layernorm over the channels of an
(N * H * W, C / G) reshape, as in real cs231n solutions: 1999ADEK 2019, 6217Steve99 2020), not over the group's
C / G x H x W values."""

import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    groups = x.reshape(N, G, C // G, H, W)
    mu = groups.mean(axis=2, keepdims=True)           # (N, G, 1, H, W): the mistake, per pixel
    std = np.sqrt(groups.var(axis=2, keepdims=True) + eps)
    x_hat = ((groups - mu) / std).reshape(N, C, H, W)
    out = gamma * x_hat + beta                        # (N, C, H, W)
    return out, (G, x_hat, std, gamma)


def spatial_groupnorm_backward(dout, cache):
    G, x_hat, std, gamma = cache
    N, C, H, W = x_hat.shape
    m = C // G
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)                  # (1, C, 1, 1)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)       # (1, C, 1, 1)
    dx_hat = (dout * gamma).reshape(N, G, m, H, W)
    x_hat = x_hat.reshape(N, G, m, H, W)
    dx = (m * dx_hat - dx_hat.sum(axis=2, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=2, keepdims=True)) / (m * std)
    return dx.reshape(N, C, H, W), dgamma, dbeta
