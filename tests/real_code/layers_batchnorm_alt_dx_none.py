# Recipe of AndersonZhangyq/cs231n-2017 assignment2/cs231n/layers.py @ f548a2f (no licence file: not copied):
# batchnorm_backward_alt half written. Written by us: dbeta and dgamma computed, dx left as the template's
# None. The real file: batchnorm_alt ERROR "dx is a NoneType; expected a NumPy array", now with "(never
# assigned? the template starts with dx = None)"; batchnorm itself OK.
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode, eps, momentum = bn_param["mode"], bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        mu, var = running_mean, running_var
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, {"x_hat": x_hat, "gamma": gamma, "std": np.sqrt(var + eps), "mode": mode}


def batchnorm_backward(dout, cache):
    x_hat, gamma, std = cache["x_hat"], cache["gamma"], cache["std"]
    N = dout.shape[0]
    dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if cache["mode"] == "test":
        return dx_hat / std, dgamma, dbeta
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * std)
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    dx, dgamma, dbeta = None, None, None
    x_hat = cache["x_hat"]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(np.multiply(x_hat, dout), axis=0)
    return dx, dgamma, dbeta
