"""A buggy backward for `compare explain --backward`: one layer down it forgets the hidden sigmoid's
derivative, delta[l-1] = delta[l] @ W[l].T. The output layer's dW3 and db3 are right; dW2 is the first wrong."""

import numpy as np


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = np.sum(delta, axis=0, keepdims=True) / B
        if l > 0:
            delta = delta @ weights[l].T          # the bug: no * A * (1 - A)
    return dW, db
