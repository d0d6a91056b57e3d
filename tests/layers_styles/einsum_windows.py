"""Correct layers written with np.einsum: the convolution over sliding_window_view's windows (no loop over
output positions; the backward loops over the kernel's offsets only), the affine maps and the recurrent
steps as index contractions."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def affine_forward(x, w, b):
    X = x.reshape(len(x), -1)
    return np.einsum("nd,dm->nm", X, w) + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    X = x.reshape(len(x), -1)
    return np.einsum("nm,dm->nd", dout, w).reshape(x.shape), np.einsum("nd,nm->dm", X, dout), np.einsum("nm->m", dout)


def _windows(x, HH, WW, stride, pad):
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]   # (N, C, H', W', HH, WW)


def conv_forward_naive(x, w, b, conv_param):
    win = _windows(x, w.shape[2], w.shape[3], conv_param["stride"], conv_param["pad"])
    out = np.einsum("nchwkl,fckl->nfhw", win, w) + b[:, None, None]
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache):
    x, w, conv_param = cache
    s, pad = conv_param["stride"], conv_param["pad"]
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    win = _windows(x, HH, WW, s, pad)
    dw = np.einsum("nfhw,nchwkl->fckl", dout, win)
    dwin = np.einsum("nfhw,fckl->nchwkl", dout, w)           # each window's gradient, (N, C, H', W', HH, WW)
    dx_pad = np.zeros((x.shape[0], x.shape[1], H + 2 * pad, W + 2 * pad))
    for k in range(HH):                                      # offset (k, l) of every window at once
        for l in range(WW):
            dx_pad[:, :, k:k + s * H_out:s, l:l + s * W_out:s] += dwin[..., k, l]
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, np.einsum("nfhw->f", dout)


def temporal_affine_forward(x, w, b):
    return np.einsum("ntd,dm->ntm", x, w) + b, (x, w)


def temporal_affine_backward(dout, cache):
    x, w = cache
    return np.einsum("ntm,dm->ntd", dout, w), np.einsum("ntd,ntm->dm", x, dout), np.einsum("ntm->m", dout)


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(0.5 * a))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = (np.einsum("nd,dk->nk", x, Wx) + np.einsum("nh,hk->nk", prev_h, Wh) + b).reshape(-1, 4, H)
    i, f, o = _sigmoid(a[:, 0]), _sigmoid(a[:, 1]), _sigmoid(a[:, 2])
    g = np.tanh(a[:, 3])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, np.stack([i, f, o, g], axis=1), next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, gates, next_c = cache
    i, f, o, g = gates[:, 0], gates[:, 1], gates[:, 2], gates[:, 3]
    t = np.tanh(next_c)
    dc = dnext_c + dnext_h * o * (1 - t * t)
    dgates = np.stack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * t * o * (1 - o),
                       dc * i * (1 - g * g)], axis=1).reshape(x.shape[0], -1)   # (N, 4H), blocks i, f, o, g
    return (np.einsum("nk,dk->nd", dgates, Wx), np.einsum("nk,hk->nh", dgates, Wh), dc * f,
            np.einsum("nd,nk->dk", x, dgates), np.einsum("nh,nk->hk", prev_h, dgates), np.einsum("nk->k", dgates))


def lstm_forward(x, h0, Wx, Wh, b):
    hs, caches = [], []
    h, c = h0, np.zeros_like(h0)
    for t in range(x.shape[1]):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def lstm_backward(dh, cache):
    dx = []
    dh_next, dc_next = np.zeros_like(dh[:, 0]), np.zeros_like(dh[:, 0])
    grads = None
    for t in reversed(range(dh.shape[1])):
        dx_t, dh_next, dc_next, *dparams = lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        grads = dparams if grads is None else [a + d for a, d in zip(grads, dparams)]
        dx.append(dx_t)
    return np.stack(dx[::-1], axis=1), dh_next, *grads
