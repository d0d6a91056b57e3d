"""Bug zoo: the output layer's gradients averaged over the batch, the hidden layers' not. Invisible with one
sample per batch."""

import numpy as np


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    L = len(weights)
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)
    dW = [None] * L
    db = [None] * L
    for l in reversed(range(L)):
        A_prev = activations[l]
        scale = B if l == L - 1 else 1
        dW[l] = A_prev.T @ delta / scale
        db[l] = np.sum(delta, axis=0, keepdims=True) / scale
        if l > 0:
            delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    return dW, db
