"""Layer zoo: the input and forget gates read from each other's block (f, i, o, g instead of i, f, o, g)."""

import numpy as np


def sigmoid(a):
    z = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + z), z / (1 + z))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b                      # (N, 4H)
    f, i, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])   # the mistake: f first
    g = np.tanh(a[:, 3 * H:])                         # (N, H)
    next_c = f * prev_c + i * g                       # (N, H)
    next_h = o * np.tanh(next_c)                      # (N, H)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tanh_c = np.tanh(next_c)                          # (N, H)
    dc = dnext_c + dnext_h * o * (1 - tanh_c**2)      # (N, H)
    do = dnext_h * tanh_c
    di, df, dg = dc * g, dc * prev_c, dc * i
    da = np.hstack([df * f * (1 - f), di * i * (1 - i), do * o * (1 - o), dg * (1 - g**2)])   # (N, 4H)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
