"""Right layers written the ways real solutions write them: relu's mask from its output, max-pooling's
gradient to the LAST tied maximum, backwards returning lists, extra keyword arguments (cs231n's
`verbose=False`), a dict cache, parameter dictionaries read with .get and their defaults."""
import numpy as np


def affine_forward(x, w, b, verbose=False):
    out = x.reshape(x.shape[0], -1) @ w + b
    if verbose:
        print("affine", out.shape)
    return out, {"x": x, "w": w}


def affine_backward(dout, cache, **unused):
    x, w = cache["x"], cache["w"]
    return [(dout @ w.T).reshape(x.shape), x.reshape(x.shape[0], -1).T @ dout, dout.sum(axis=0)]


def relu_forward(x):
    out = np.maximum(0, x)
    return out, out                                   # the output is the cache: out > 0 exactly where x > 0


def relu_backward(dout, cache):
    return [dout * (cache > 0)]


def max_pool_forward_naive(x, pool_param):
    ph, pw = pool_param.get("pool_height", 2), pool_param.get("pool_width", 2)
    s = pool_param.get("stride", 2)
    N, C, H, W = x.shape
    out = np.zeros((N, C, 1 + (H - ph) // s, 1 + (W - pw) // s))
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            out[:, :, i, j] = x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3))
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
                    last = window.size - 1 - np.argmax(window.ravel()[::-1])    # the last maximum
                    k, m = np.unravel_index(last, window.shape)
                    dx[n, c, i * s + k, j * s + m] += dout[n, c, i, j]
    return dx


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    flat, yf, mf = x.reshape(N * T, V), y.reshape(N * T), mask.reshape(N * T)
    probs = np.exp(flat - np.max(flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mf * np.log(probs[np.arange(N * T), yf])) / N
    dx = probs.copy()
    dx[np.arange(N * T), yf] -= 1
    dx = dx / N * mf[:, None]
    if verbose:
        print("dx_flat: ", dx.shape)
    return loss, dx.reshape(N, T, V)
