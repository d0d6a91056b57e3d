"""Layer zoo: db averaged over the batch instead of summed."""


def affine_forward(x, w, b):
    X = x.reshape(x.shape[0], -1)                     # (N, D)
    out = X @ w + b                                   # (N, M)
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, _ = cache
    X = x.reshape(x.shape[0], -1)                     # (N, D)
    dx = (dout @ w.T).reshape(x.shape)                # (N, d_1, ..., d_k)
    dw = X.T @ dout                                   # (D, M)
    db = dout.mean(axis=0)                             # (M,)
    return dx, dw, db
