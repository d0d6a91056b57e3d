"""Layer zoo (z6): group norm's dgamma and dbeta returned as (C,) arrays; gamma is (1, C, 1, 1)."""
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mu = xg.mean(axis=(2, 3, 4), keepdims=True)
    std = np.sqrt(xg.var(axis=(2, 3, 4), keepdims=True) + eps)
    x_hat = ((xg - mu) / std).reshape(N, C, H, W)
    return gamma * x_hat + beta, (x_hat, std, gamma, G)


def spatial_groupnorm_backward(dout, cache):
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3))     # the mistake: (C,), not keepdims
    dbeta = np.sum(dout, axis=(0, 2, 3))
    g = (dout * gamma).reshape(N, G, C // G, H, W)
    xh = x_hat.reshape(N, G, C // G, H, W)
    m = (C // G) * H * W
    dx = (g - g.sum(axis=(2, 3, 4), keepdims=True) / m
          - xh * (g * xh).sum(axis=(2, 3, 4), keepdims=True) / m) / std
    return dx.reshape(N, C, H, W), dgamma, dbeta
