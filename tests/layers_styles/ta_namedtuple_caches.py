"""Correct fully connected layers written as a TA might for a solutions handout: caches as namedtuples and
tuples whose order differs from the arguments', the loss through log-sum-exp, the margins through a count
of positive margins per row, in-place edits on copies (never on an argument or on the cache), batchnorm's
backward once as a staged graph and once as the one-line formula, layernorm with keepdims everywhere and
dropout keeping a boolean mask and p apart."""

from collections import namedtuple

import numpy as np

BNCache = namedtuple("BNCache", "xc inv_std x_hat gamma train")


def affine_forward(x, w, b):
    flat = np.reshape(x, (x.shape[0], -1))
    out = np.dot(flat, w) + b
    return out, (b, w, x)          # not the arguments' order: the cache is ours


def affine_backward(dout, cache):
    b, w, x = cache
    dx = np.dot(dout, w.T).reshape(*x.shape)
    dw = np.dot(np.reshape(x, (x.shape[0], -1)).T, dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def relu_forward(x):
    out = x.copy()
    out[out < 0] = 0
    return out, x


def relu_backward(dout, cache):
    dx = dout.copy()
    dx[cache <= 0] = 0
    return dx


def softmax_loss(x, y):
    N = x.shape[0]
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_z = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_z
    loss = -np.mean(log_probs[np.arange(N), y])
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1.0
    dx /= N
    return loss, dx


def svm_loss(x, y):
    N = x.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0.0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0.0
    loss = margins.sum() / N
    positive = (margins > 0).astype(x.dtype)
    positive[rows, y] = -positive.sum(axis=1)
    return loss, positive / N


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mu = x.mean(axis=0)
        xc = x - mu
        var = (xc ** 2).mean(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = xc * inv_std
        out = gamma * x_hat + beta
        cache = BNCache(xc, inv_std, x_hat, gamma, True)
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
        out = gamma * x_hat + beta
        cache = BNCache(None, inv_std, x_hat, gamma, False)     # test mode: x_hat is linear in x
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """The graph walked back one node at a time: out = gamma * x_hat + beta, x_hat = xc * inv_std,
    inv_std = (var + eps)^(-1/2), var = mean(xc^2), xc = x - mean(x)."""
    xc, inv_std, x_hat, gamma, train = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if not train:
        return dx_hat * inv_std, dgamma, dbeta
    dinv_std = (dx_hat * xc).sum(axis=0)
    dvar = dinv_std * -0.5 * inv_std ** 3
    dxc = dx_hat * inv_std + 2.0 * xc * dvar / N
    dmu = -dxc.sum(axis=0)
    dx = dxc + dmu / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    xc, inv_std, x_hat, gamma, train = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.einsum("nd,nd->d", dout, x_hat)
    if not train:
        return gamma * inv_std * dout, dgamma, dbeta
    dx = (gamma * inv_std / N) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, [x_hat, std, gamma]   # a list is a cache as good as a tuple


def layernorm_backward(dout, cache):
    x_hat, std, gamma = cache
    D = dout.shape[1]
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    g = dout * gamma
    dx = (g - g.mean(axis=1, keepdims=True) - x_hat * (g * x_hat).sum(axis=1, keepdims=True) / D) / std
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    keep = None
    if mode == "train":
        keep = np.random.rand(*x.shape) < p
        out = np.where(keep, x / p, 0.0)
    else:
        out = x.copy()
    return out, (keep, p, mode)


def dropout_backward(dout, cache):
    keep, p, mode = cache
    if mode == "train":
        return np.where(keep, dout / p, 0.0)
    return dout
