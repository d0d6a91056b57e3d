"""Correct layers the way many cs231n solutions build them: fully vectorised, caches as dicts, and the
later normalisations reusing batchnorm's code by reshaping (layernorm = batchnorm of x.T, spatial batchnorm
= batchnorm of an (N*H*W, C) matrix, group norm = layernorm of an (N*G, C/G*H*W) matrix)."""

import numpy as np


def relu_forward(x):
    return x * (x > 0), {"x": x}


def relu_backward(dout, cache):
    return np.where(cache["x"] > 0, dout, 0.0)


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mean, var = np.mean(x, axis=0), np.var(x, axis=0)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_norm = (x - mean) * inv_std
    return gamma * x_norm + beta, {"x_norm": x_norm, "inv_std": inv_std, "gamma": gamma, "train": mode == "train"}


def batchnorm_backward_alt(dout, cache):
    x_norm, inv_std, gamma = cache["x_norm"], cache["inv_std"], cache["gamma"]
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_norm, axis=0)
    dx_norm = dout * gamma
    if not cache["train"]:
        return dx_norm * inv_std, dgamma, dbeta
    dx = inv_std / N * (N * dx_norm - np.sum(dx_norm, axis=0) - x_norm * np.sum(dx_norm * x_norm, axis=0))
    return dx, dgamma, dbeta


batchnorm_backward = batchnorm_backward_alt


def layernorm_forward(x, gamma, beta, ln_param):
    # each sample's features normalised = batchnorm of the transposed batch, without scale and shift
    bn_param = {"mode": "train", "eps": ln_param.get("eps", 1e-5)}
    x_norm_T, bn_cache = batchnorm_forward(x.T, np.ones(x.shape[0]), np.zeros(x.shape[0]), bn_param)
    x_norm = x_norm_T.T
    return gamma * x_norm + beta, {"bn": bn_cache, "x_norm": x_norm, "gamma": gamma}


def layernorm_backward(dout, cache):
    dgamma = np.sum(dout * cache["x_norm"], axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_T, _, _ = batchnorm_backward_alt((dout * cache["gamma"]).T, cache["bn"])
    return dx_T.T, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    flat = x.transpose(0, 2, 3, 1).reshape(-1, C)             # one row per (n, h, w)
    out, cache = batchnorm_forward(flat, gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    N, C, H, W = x.shape
    rows = x.reshape(N * G, -1)                               # one row per (sample, group)
    x_norm_rows, ln_cache = layernorm_forward(rows, np.ones(rows.shape[1]), np.zeros(rows.shape[1]), gn_param)
    x_norm = x_norm_rows.reshape(N, C, H, W)
    return gamma * x_norm + beta, {"ln": ln_cache, "x_norm": x_norm, "gamma": gamma, "G": G}


def spatial_groupnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dgamma = np.sum(dout * cache["x_norm"], axis=(0, 2, 3), keepdims=True)
    dbeta = np.sum(dout, axis=(0, 2, 3), keepdims=True)
    drows = (dout * cache["gamma"]).reshape(N * cache["G"], -1)
    dx_rows, _, _ = layernorm_backward(drows, cache["ln"])
    return dx_rows.reshape(N, C, H, W), dgamma, dbeta


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    mask = None
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    else:
        out = x
    return out, {"param": dropout_param, "mask": mask}


def dropout_backward(dout, cache):
    return dout * cache["mask"] if cache["param"]["mode"] == "train" else dout


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    out = x.reshape(N * T, D).dot(w).reshape(N, T, -1) + b
    return out, {"x": x, "w": w}


def temporal_affine_backward(dout, cache):
    x, w = cache["x"], cache["w"]
    N, T, D = x.shape
    M = w.shape[1]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M))
    return dx, dw, dout.sum(axis=(0, 1))


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    x_flat, y_flat, mask_flat = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)
