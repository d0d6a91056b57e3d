"""Bug zoo: state carried between calls: the gradients accumulate from one update to the next (torch's
forgotten `zero_grad`). Right at update 1, wrong from update 2."""

import numpy as np

_sums = {}


def backward(weights, biases, activations, targets):
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
            delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    for key, grads in (("W", dW), ("b", db)):
        old = _sums.get(key)
        if old is not None and all(o.shape == g.shape for o, g in zip(old, grads)):
            grads[:] = [o + g for o, g in zip(old, grads)]
        _sums[key] = grads
    return dW, db
