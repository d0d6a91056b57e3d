"""Layer zoo (audit): layernorm's forward right, its dx summed over the batch (axis 0) as batchnorm's is."""
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)                # (N, 1)
    var = x.var(axis=1, keepdims=True)                # (N, 1)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std                            # (N, D)
    return gamma * x_hat + beta, (x_hat, std, gamma)


def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache
    N = x_hat.shape[0]
    dgamma = np.sum(dout * x_hat, axis=0)             # (D,)
    dbeta = np.sum(dout, axis=0)                      # (D,)
    dx_hat = dout * gamma                             # (N, D)
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    return dx, dgamma, dbeta
