"""A group norm whose gamma broadcast blows its output up to seven axes (gamma taken as (C,) and expanded,
where the interface gives (1, C, 1, 1)), beside a right relu: with --isolate too, the group norm alone is
in error."""
import numpy as np


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    N, C, H, W = x.shape
    gamma = np.expand_dims(gamma, (0, -1, -2))        # (1, 1, C, 1, 1, 1, 1) from (1, C, 1, 1)
    xg = x.reshape(N, G, -1)
    x_hat = ((xg - xg.mean(2, keepdims=True)) / np.sqrt(xg.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    return gamma * x_hat + beta, (x_hat, gamma)


def spatial_groupnorm_backward(dout, cache):
    x_hat, gamma = cache
    return dout, dout.sum(axis=(0, 2, 3), keepdims=True), dout.sum(axis=(0, 2, 3), keepdims=True)
