"""A compact, independent, correct set of the cs231n layers (for the layer check's own tests)."""

import numpy as np


def affine_forward(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    return (dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(0)


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def softmax_loss(x, y):
    z = x - x.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    N = len(y)
    dx = np.exp(logp)
    dx[np.arange(N), y] -= 1
    return -logp[np.arange(N), y].mean(), dx / N


def svm_loss(x, y):
    N = len(y)
    m = np.maximum(0, x - x[np.arange(N), y][:, None] + 1)
    m[np.arange(N), y] = 0
    dx = (m > 0).astype(float)
    dx[np.arange(N), y] -= dx.sum(1)
    return m.sum() / N, dx / N


def _norm_forward(x, gamma, beta, axes, eps):
    mu = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    istd = 1 / np.sqrt(var + eps)
    xhat = (x - mu) * istd
    return gamma * xhat + beta, (xhat, istd, gamma, axes)


def _norm_backward(dout, cache, param_axes, shape):
    xhat, istd, gamma, axes = cache
    dxhat = dout * gamma
    n = np.prod([xhat.shape[a] for a in axes])
    dx = istd / n * (n * dxhat - dxhat.sum(axes, keepdims=True) - xhat * (dxhat * xhat).sum(axes, keepdims=True))
    return dx, (dout * xhat).sum(param_axes).reshape(shape), dout.sum(param_axes).reshape(shape)


def batchnorm_forward(x, gamma, beta, bn_param):
    eps, m = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    rm = bn_param.get("running_mean", np.zeros(x.shape[1]))
    rv = bn_param.get("running_var", np.zeros(x.shape[1]))
    if bn_param["mode"] == "test":
        return gamma * (x - rm) / np.sqrt(rv + eps) + beta, None
    out, cache = _norm_forward(x, gamma, beta, (0,), eps)
    bn_param["running_mean"] = m * rm + (1 - m) * x.mean(0)
    bn_param["running_var"] = m * rv + (1 - m) * x.var(0)
    return out, cache


def batchnorm_backward(dout, cache):
    return _norm_backward(dout, cache, (0,), cache[2].shape)


batchnorm_backward_alt = batchnorm_backward


def layernorm_forward(x, gamma, beta, ln_param):
    return _norm_forward(x, gamma, beta, (1,), ln_param.get("eps", 1e-5))


def layernorm_backward(dout, cache):
    return _norm_backward(dout, cache, (0,), cache[2].shape)


def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout


def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = 1 + (xp.shape[2] - HH) // s, 1 + (xp.shape[3] - WW) // s
    out = np.zeros((x.shape[0], F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i * s:i * s + HH, j * s:j * s + WW]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", patch, w) + b
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param["stride"], conv_param["pad"]
    F, C, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            patch = xp[:, :, i * s:i * s + HH, j * s:j * s + WW]
            dw += np.einsum("nchw,nf->fchw", patch, dout[:, :, i, j])
            dxp[:, :, i * s:i * s + HH, j * s:j * s + WW] += np.einsum("fchw,nf->nchw", w, dout[:, :, i, j])
    return dxp[:, :, p:xp.shape[2] - p, p:xp.shape[3] - p], dw, dout.sum((0, 2, 3))


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    out = np.zeros((N, C, 1 + (H - ph) // s, 1 + (W - pw) // s))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max((2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    a, bb = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * s + a, j * s + bb] += dout[n, c, i, j]
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)
    mu, var = xg.mean(2, keepdims=True), xg.var(2, keepdims=True)
    istd = 1 / np.sqrt(var + gn_param.get("eps", 1e-5))
    xhat = ((xg - mu) * istd).reshape(x.shape)
    return gamma * xhat + beta, (xhat, istd, gamma, G)


def spatial_groupnorm_backward(dout, cache):
    xhat, istd, gamma, G = cache
    N, C, H, W = dout.shape
    dgamma = (dout * xhat).sum((0, 2, 3), keepdims=True)
    dbeta = dout.sum((0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, G, -1)
    xh = xhat.reshape(N, G, -1)
    n = xh.shape[2]
    dx = istd / n * (n * dxhat - dxhat.sum(2, keepdims=True) - xh * (dxhat * xh).sum(2, keepdims=True))
    return dx.reshape(dout.shape), dgamma, dbeta


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return h, (x, prev_h, Wx, Wh, h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, h = cache
    da = dnext_h * (1 - h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(0)


def rnn_forward(x, h0, Wx, Wh, b):
    h, caches, hs = h0, [], []
    for t in range(x.shape[1]):
        h, c = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
        caches.append(c)
    return np.stack(hs, 1), caches


def rnn_backward(dh, caches):
    dx = np.zeros((dh.shape[0], dh.shape[1], caches[0][0].shape[1]))
    dWx, dWh, db = np.zeros_like(caches[0][2]), np.zeros_like(caches[0][3]), 0
    dprev = np.zeros_like(dh[:, 0])
    for t in reversed(range(dh.shape[1])):
        dx[:, t], dprev, a, bb, c = rnn_step_backward(dh[:, t] + dprev, caches[t])
        dWx, dWh, db = dWx + a, dWh + bb, db + c
    return dx, dprev, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, np.einsum("ntd,ntm->dm", x, dout), dout.sum((0, 1))


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    z = x.reshape(N * T, V)
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    yf, mf = y.reshape(-1), mask.reshape(-1)
    loss = -(mf * logp[np.arange(N * T), yf]).sum() / N
    dx = np.exp(logp)
    dx[np.arange(N * T), yf] -= 1
    return loss, (dx * mf[:, None] / N).reshape(N, T, V)


def _sig(a):
    return 1 / (1 + np.exp(-a))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o, g = _sig(a[:, :H]), _sig(a[:, H:2 * H]), _sig(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    c = f * prev_c + i * g
    h = o * np.tanh(c)
    return h, c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, c = cache
    tc = np.tanh(c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.hstack([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o),
                    dc * i * (1 - g ** 2)])
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(0)


def lstm_forward(x, h0, Wx, Wh, b):
    h, c, caches, hs = h0, np.zeros_like(h0), [], []
    for t in range(x.shape[1]):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, 1), caches


def lstm_backward(dh, caches):
    N, T, H = dh.shape
    dx = np.zeros((N, T, caches[0][0].shape[1]))
    dWx, dWh, db = np.zeros_like(caches[0][3]), np.zeros_like(caches[0][4]), 0
    dprev_h, dprev_c = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dprev_c, a, bb, cc = lstm_step_backward(dh[:, t] + dprev_h, dprev_c, caches[t])
        dWx, dWh, db = dWx + a, dWh + bb, db + cc
    return dx, dprev_h, dWx, dWh, db
