"""Layer zoo: dx left as (N, D) instead of x's shape (N, d_1, ..., d_k)."""


def affine_forward(x, w, b):
    X = x.reshape(x.shape[0], -1)                     # (N, D)
    out = X @ w + b                                   # (N, M)
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, _ = cache
    X = x.reshape(x.shape[0], -1)                     # (N, D)
    dx = dout @ w.T                # (N, d_1, ..., d_k)
    dw = X.T @ dout                                   # (D, M)
    db = dout.sum(axis=0)                             # (M,)
    return dx, dw, db
