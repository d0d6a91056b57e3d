"""Second set (z6): layernorm's backward scales the cached x_hat in place (x_hat *= proj) to save a
temporary; its numbers are right, but the cache is no longer what the forward returned."""
import numpy as np


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, {"x_hat": x_hat, "std": std, "gamma": gamma}


def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache["x_hat"], cache["std"], cache["gamma"]
    D = dout.shape[1]
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    g = dout * gamma
    proj = (g * x_hat).sum(axis=1, keepdims=True) / D
    x_hat *= proj                                     # the mistake: in place, on the cache's own array
    dx = (g - g.mean(axis=1, keepdims=True) - x_hat) / std
    return dx, dgamma, dbeta
