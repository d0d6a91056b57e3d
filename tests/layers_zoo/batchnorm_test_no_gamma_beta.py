"""Layer zoo (audit): batchnorm's test mode normalises with the running statistics but forgets gamma and
beta (found in a public solution; the assignment's notebook tests test mode with gamma = 1, beta = 0)."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.zeros(D))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        std = np.sqrt(var + eps)
        x_hat = (x - mu) / std
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        std = np.sqrt(running_var + eps)
        x_hat = (x - running_mean) / std
        out = x_hat                                   # gamma and beta forgotten
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, (x_hat, std, gamma, mode)


def batchnorm_backward(dout, cache):
    x_hat, std, gamma, mode = cache
    N = dout.shape[0]
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    dx = gamma / (N * std) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
