"""Layer zoo: running_var updated with var + eps (as in a real cs231n solution, 1602077 2021): test mode then
adds eps a second time."""

import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0)                           # (D,)
        var = x.var(axis=0)                           # (D,), divided by N
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * (var + eps)
    elif mode == "test":
        mu, var = running_mean, running_var           # constants: x's gradient has no mean or variance term
    else:
        raise ValueError(f"batchnorm_forward: mode must be 'train' or 'test', found {mode!r}")
    std = np.sqrt(var + eps)                          # (D,)
    x_hat = (x - mu) / std                            # (N, D)
    out = gamma * x_hat + beta                        # (N, D)
    return out, (mode, x, mu, std, x_hat, gamma)


def batchnorm_backward(dout, cache):
    mode, x, mu, std, x_hat, gamma = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)                          # (D,)
    dgamma = (dout * x_hat).sum(axis=0)              # (D,)
    dx_hat = dout * gamma                             # (N, D)
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    xmu = x - mu                                      # (N, D)
    dinv = (dx_hat * xmu).sum(axis=0)                 # (D,)
    dvar = dinv * -0.5 / std**3                       # (D,)
    dxmu = dx_hat / std + dvar * 2 * xmu / N          # (N, D)
    dmu = -dxmu.sum(axis=0)                           # (D,)
    dx = dxmu + dmu / N                               # (N, D)
    return dx, dgamma, dbeta
