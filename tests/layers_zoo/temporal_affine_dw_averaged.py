"""Layer zoo (z6): temporal affine's dw divided by N (averaged over the batch); dx and db right."""


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    return x.reshape(N * T, D).dot(w).reshape(N, T, -1) + b, (x, w, b)


def temporal_affine_backward(dout, cache):
    x, w, b = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = x.reshape(N * T, D).T.dot(dout.reshape(N * T, M)) / N      # the mistake: / N
    db = dout.sum(axis=(0, 1))
    return dx, dw, db
