"""Layer zoo: statistics over the batch (axis 0, batchnorm's) instead of over each sample's features (axis 1)."""

import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=0, keepdims=True)
    std = np.sqrt(x.var(axis=0, keepdims=True) + eps)
    x_hat = (x - mu) / std                            # (N, D)
    out = gamma * x_hat + beta                        # (N, D)
    return out, (x_hat, std, gamma)


def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache
    D = x_hat.shape[1]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * x_hat).sum(axis=0)               # (D,)
    dx_hat = dout * gamma                             # (N, D)
    dx = (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True)) / (D * std)
    return dx, dgamma, dbeta
