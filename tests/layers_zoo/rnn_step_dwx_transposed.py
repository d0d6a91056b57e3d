"""Layer zoo (audit): rnn_step's dWx transposed, (H, D) where Wx is (D, H)."""
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)  # (N, H)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h ** 2)                  # (N, H)
    dx = da.dot(Wx.T)
    dprev_h = da.dot(Wh.T)
    dWx = da.T.dot(x)                                 # (H, D): transposed
    dWh = prev_h.T.dot(da)
    db = da.sum(axis=0)
    return dx, dprev_h, dWx, dWh, db
