"""Layer zoo (audit): group norm with eps added outside the square root, sqrt(var) + eps."""
import numpy as np


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, C // G, H, W)
    mu = xg.mean(axis=(2, 3, 4), keepdims=True)
    var = xg.var(axis=(2, 3, 4), keepdims=True)
    std = np.sqrt(var) + eps                          # eps outside the root
    x_hat = ((xg - mu) / std).reshape(N, C, H, W)
    return gamma * x_hat + beta, (x_hat, std, gamma, G)


def spatial_groupnorm_backward(dout, cache):
    x_hat, std, gamma, G = cache
    N, C, H, W = dout.shape
    dgamma = np.sum(dout * x_hat, axis=(0, 2, 3), keepdims=True)     # (1, C, 1, 1)
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    dxh = (dout * gamma).reshape(N, G, -1)
    xh = x_hat.reshape(N, G, -1)
    m = xh.shape[2]
    dx = (m * dxh - dxh.sum(2, keepdims=True) - xh * (dxh * xh).sum(2, keepdims=True)) / (m * std.reshape(N, G, 1))
    return dx.reshape(N, C, H, W), dgamma, dbeta
