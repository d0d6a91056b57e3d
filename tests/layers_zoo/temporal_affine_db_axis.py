"""Layer zoo: db summed over the batch only, (T, M)."""


def temporal_affine_forward(x, w, b):
    out = x @ w + b                                   # (N, T, M)
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    x, w, _, _ = cache
    N, T, D = x.shape
    dx = dout @ w.T                                   # (N, T, D)
    dw = x.reshape(N * T, D).T @ dout.reshape(N * T, -1)   # (D, M)
    db = dout.sum(axis=0)                        # (M,)
    return dx, dw, db
