"""Layer zoo: the backward's count is N, the batch (batchnorm's backward reused with N = dout.shape[0]), where
each channel's mean and variance are over N * H * W values (as in a real cs231n solution, 0Kelvins 2020)."""

import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    C = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(C, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(C, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=(0, 2, 3))                   # (C,)
        var = x.var(axis=(0, 2, 3))                   # (C,), divided by N * H * W
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mu, var = running_mean, running_var
    else:
        raise ValueError(f"spatial_batchnorm_forward: mode must be 'train' or 'test', found {mode!r}")
    std = np.sqrt(var + eps)[:, None, None]           # (C, 1, 1)
    x_hat = (x - mu[:, None, None]) / std             # (N, C, H, W)
    out = gamma[:, None, None] * x_hat + beta[:, None, None]
    return out, (mode, x_hat, std, gamma)


def spatial_batchnorm_backward(dout, cache):
    mode, x_hat, std, gamma = cache
    N, _, H, W = x_hat.shape
    m = N                                             # the mistake: N * H * W values per channel
    axes = (0, 2, 3)
    dbeta = dout.sum(axis=axes)                       # (C,)
    dgamma = (dout * x_hat).sum(axis=axes)            # (C,)
    dx_hat = dout * gamma[:, None, None]              # (N, C, H, W)
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    dx = (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
          - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)
    return dx, dgamma, dbeta
