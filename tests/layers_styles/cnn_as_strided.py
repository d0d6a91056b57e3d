"""Correct convolutional layers with no loop over output positions, through np.lib.stride_tricks.as_strided:
the convolution's forward and dw as tensordots over a strided view of the padded input, dx as the "full"
correlation of the stride-dilated, padded dout with the flipped kernel (the textbook identity), max pooling
as an argmax over a strided view of windows with its gradient scattered by np.add.at, spatial batchnorm
with keepdims over (0, 2, 3) and group norm through a (N, G, -1) view, its cache a dict."""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def _windows(a, hh, ww, stride):
    """(N, C, H', W', hh, ww): a read-only view of every hh x ww window of a (N, C, H, W), moved by stride."""
    N, C, H, W = a.shape
    sn, sc, sh, sw = a.strides
    Ho, Wo = (H - hh) // stride + 1, (W - ww) // stride + 1
    return as_strided(a, (N, C, Ho, Wo, hh, ww), (sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = _windows(np.ascontiguousarray(x_pad), HH, WW, stride)        # (N, C, H', W', HH, WW)
    out = np.tensordot(cols, w, axes=([1, 4, 5], [1, 2, 3]))             # (N, H', W', F)
    out = out.transpose(0, 3, 1, 2) + b[None, :, None, None]
    return out, {"x_pad": x_pad, "w": w, "stride": stride, "pad": pad}


def conv_backward_naive(dout, cache):
    x_pad, w, stride, pad = cache["x_pad"], cache["w"], cache["stride"], cache["pad"]
    F, C, HH, WW = w.shape
    N, _, Hp, Wp = x_pad.shape
    _, _, Ho, Wo = dout.shape
    db = dout.sum(axis=(0, 2, 3))
    cols = _windows(np.ascontiguousarray(x_pad), HH, WW, stride)
    dw = np.tensordot(dout, cols, axes=([0, 2, 3], [0, 2, 3]))           # (F, C, HH, WW)
    # dx_pad = full correlation of the dilated dout with the flipped kernel
    dilated = np.zeros((N, F, (Ho - 1) * stride + 1, (Wo - 1) * stride + 1))
    dilated[:, :, ::stride, ::stride] = dout
    # pad so that every window of the result covers x_pad's shape (a right edge the stride never reached
    # gets a zero gradient)
    framed = np.zeros((N, F, Hp + HH - 1, Wp + WW - 1))
    framed[:, :, HH - 1:HH - 1 + dilated.shape[2], WW - 1:WW - 1 + dilated.shape[3]] = dilated
    flipped = w[:, :, ::-1, ::-1]
    dx_pad = np.tensordot(_windows(framed, HH, WW, 1), flipped, axes=([1, 4, 5], [0, 2, 3]))  # (N, Hp, Wp, C)
    dx = dx_pad.transpose(0, 3, 1, 2)[:, :, pad:Hp - pad, pad:Wp - pad]
    return np.ascontiguousarray(dx), dw, db


def max_pool_forward_naive(x, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    win = _windows(np.ascontiguousarray(x), ph, pw, stride)
    N, C, Ho, Wo = win.shape[:4]
    flat = win.reshape(N, C, Ho, Wo, ph * pw)
    arg = flat.argmax(axis=-1)                                           # the first maximum, row-major
    out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    return out, (arg, x.shape, pool_param)


def max_pool_backward_naive(dout, cache):
    arg, x_shape, pool_param = cache
    pw, stride = pool_param["pool_width"], pool_param["stride"]
    N, C, Ho, Wo = dout.shape
    n, c, i, j = np.indices((N, C, Ho, Wo))
    rows = i * stride + arg // pw
    cols = j * stride + arg % pw
    dx = np.zeros(x_shape)
    np.add.at(dx, (n, c, rows, cols), dout)           # overlapping windows add up
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    C = x.shape[1]
    rm = bn_param.get("running_mean", np.zeros(C))
    rv = bn_param.get("running_var", np.zeros(C))
    g, bt = gamma.reshape(1, C, 1, 1), beta.reshape(1, C, 1, 1)
    if mode == "train":
        mu = x.mean(axis=(0, 2, 3), keepdims=True)
        var = ((x - mu) ** 2).mean(axis=(0, 2, 3), keepdims=True)
        bn_param["running_mean"] = momentum * rm + (1 - momentum) * mu.ravel()
        bn_param["running_var"] = momentum * rv + (1 - momentum) * var.ravel()
    else:
        mu, var = rm.reshape(1, C, 1, 1), rv.reshape(1, C, 1, 1)
    std = np.sqrt(var + eps)
    x_hat = (x - mu) / std
    return g * x_hat + bt, (x_hat, std, g, mode)


def spatial_batchnorm_backward(dout, cache):
    x_hat, std, g, mode = cache
    m = dout.shape[0] * dout.shape[2] * dout.shape[3]
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3))
    dxh = dout * g
    if mode != "train":
        return dxh / std, dgamma, dbeta
    dx = (m * dxh - dxh.sum(axis=(0, 2, 3), keepdims=True)
          - x_hat * (dxh * x_hat).sum(axis=(0, 2, 3), keepdims=True)) / (m * std)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)                       # consecutive channels: G blocks of C/G * H * W values
    mu = xg.mean(axis=2, keepdims=True)
    var = xg.var(axis=2, keepdims=True)
    inv = 1.0 / np.sqrt(var + eps)
    x_hat = ((xg - mu) * inv).reshape(N, C, H, W)
    out = gamma * x_hat + beta
    return out, {"x_hat": x_hat, "inv": inv, "gamma": gamma, "G": G}


def spatial_groupnorm_backward(dout, cache):
    x_hat, inv, gamma, G = cache["x_hat"], cache["inv"], cache["gamma"], cache["G"]
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    dxh = (dout * gamma).reshape(N, G, -1)
    xh = x_hat.reshape(N, G, -1)
    dx = inv * (dxh - dxh.mean(axis=2, keepdims=True) - xh * (dxh * xh).mean(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta
