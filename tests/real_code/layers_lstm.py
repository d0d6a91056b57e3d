# Recipe of 12kdh43/cs231n assignment3/cs231n/rnn_layers.py @ a8def2e (no licence file: not copied):
# lstm_step_forward / lstm_step_backward. Written by us in its style: the sigmoid applied to a's first 3H
# columns and tanh to the last H in place, then the four blocks unpacked as i, f, o, g. The real file: all 8
# layers OK. Its wrong variant (tests/test_real_code_layers.py) unpacks them as f, i, o, g.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    N, H = prev_h.shape
    a = prev_h.dot(Wh) + x.dot(Wx) + b
    a[:, :3 * H] = sigmoid(a[:, :3 * H])      # i, f, o gates
    a[:, 3 * H:] = np.tanh(a[:, 3 * H:])      # g gate
    i, f, o, g = (a[:, k * H:(k + 1) * H] for k in range(4))
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    dc = dnext_c + dnext_h * o * (1 - np.tanh(next_c) ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * np.tanh(next_c) * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), da.sum(axis=0)
