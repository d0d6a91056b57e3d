"""Layer zoo (z6): layernorm normalised with the unbiased variance (np.var(..., ddof=1)), forward and
backward consistent with it."""
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    D = x.shape[1]
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, ddof=1, keepdims=True)        # the mistake: divided by D - 1
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, std, gamma, D)


def layernorm_backward(dout, cache):
    x_hat, std, gamma, D = cache
    g = dout * gamma
    dx = (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True) / (D - 1)) / std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
