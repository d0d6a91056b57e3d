"""Layer zoo (z6): batchnorm updates the running statistics in test mode too (with the test batch's own
mean and variance), though it normalises with the running ones."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    rm, rv = bn_param.get("running_mean", np.zeros(D)), bn_param.get("running_var", np.zeros(D))
    mu, var = x.mean(axis=0), x.var(axis=0)
    std = np.sqrt((var if mode == "train" else rv) + eps)
    x_hat = (x - (mu if mode == "train" else rm)) / std
    bn_param["running_mean"] = momentum * rm + (1 - momentum) * mu      # the mistake: in both modes
    bn_param["running_var"] = momentum * rv + (1 - momentum) * var
    return gamma * x_hat + beta, (x_hat, gamma, std, mode)


def batchnorm_backward(dout, cache):
    x_hat, gamma, std, mode = cache
    N = dout.shape[0]
    dgamma, dbeta = (dout * x_hat).sum(axis=0), dout.sum(axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    return gamma / (N * std) * (N * dout - dbeta - x_hat * dgamma), dgamma, dbeta
