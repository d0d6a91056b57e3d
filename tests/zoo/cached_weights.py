"""Bug zoo: state carried between calls: the weights are cached on the first call and that stale copy is
used to send delta down ever after. Right at update 1, wrong from update 2."""

import numpy as np

_cache = {}


def backward(weights, biases, activations, targets):
    if "W" not in _cache or any(c.shape != w.shape for c, w in zip(_cache["W"], weights)):
        _cache["W"] = [w.copy() for w in weights]
    W = _cache["W"]
    B = targets.shape[0]
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):
        A_prev = activations[l]
        dW[l] = A_prev.T @ delta / B
        db[l] = np.sum(delta, axis=0, keepdims=True) / B
        if l > 0:
            delta = (delta @ W[l].T) * A_prev * (1 - A_prev)
    return dW, db
