"""Layer zoo (z6): spatial batchnorm updates its running statistics in local variables and never writes them
back into bn_param."""
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    C = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(C))
    running_var = bn_param.get("running_var", np.zeros(C))
    if mode == "train":
        mu = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3))
        running_mean = momentum * running_mean + (1 - momentum) * mu     # the mistake: never stored back
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    std = np.sqrt(var + eps)[None, :, None, None]
    x_hat = (x - mu[None, :, None, None]) / std
    return gamma[None, :, None, None] * x_hat + beta[None, :, None, None], (x_hat, std, gamma, mode)


def spatial_batchnorm_backward(dout, cache):
    x_hat, std, gamma, mode = cache
    m = dout.size // dout.shape[1]
    dgamma, dbeta = (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
    g = dout * gamma[None, :, None, None]
    if mode != "train":
        return g / std, dgamma, dbeta
    dx = (g - g.sum(axis=(0, 2, 3), keepdims=True) / m
          - x_hat * (g * x_hat).sum(axis=(0, 2, 3), keepdims=True) / m) / std
    return dx, dgamma, dbeta
