# Recipe of 1602077/stanford-cs231n assignment3/cs231n/rnn_layers.py @ 64d2a60 (rnn_backward: dprev_h +=
# dh[:, t] before each step) and AndersonZhangyq/cs231n-2017 assignment3/cs231n/rnn_layers.py @ f548a2f
# (word_embedding_backward: a loop over n and t with dW[x[n, t]] += dout[n, t]); no licence files: not copied.
# Written by us in those styles. The real files: all 7 layers OK.
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h, cache, prev = np.zeros((N, T, h0.shape[1])), [], h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        cache.append(c)
    return h, cache


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx, dWx, dWh, db = np.zeros((N, T, D)), np.zeros((D, H)), np.zeros((H, H)), np.zeros((H,))
    dprev_h = np.zeros((N, H))
    for i in range(T - 1, -1, -1):
        dprev_h += dh[:, i, :]
        dx_i, dprev_h, dWx_i, dWh_i, db_i = rnn_step_backward(dprev_h, cache[i])
        dx[:, i, :] = dx_i
        dWx += dWx_i
        dWh += dWh_i
        db += db_i
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W.shape)


def word_embedding_backward(dout, cache):
    x, shape = cache
    dW = np.zeros(shape)
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t], :] += dout[n, t, :]
    return dW
