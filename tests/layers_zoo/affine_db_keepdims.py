"""Layer zoo (audit): db summed with keepdims=True, a (1, M) row where b is (M,)."""
import numpy as np


def affine_forward(x, w, b):
    N = x.shape[0]
    out = x.reshape(N, -1).dot(w) + b                 # (N, M)
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)               # (N, d_1, ..., d_k)
    dw = x.reshape(N, -1).T.dot(dout)                 # (D, M)
    db = np.sum(dout, axis=0, keepdims=True)          # (1, M): the kept axis
    return dx, dw, db
