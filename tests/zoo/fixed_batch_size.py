"""Bug zoo: divides by a hard-coded batch size 3 instead of the batch's own length: wrong only on a last,
partial batch (the seed's mini-batch answer fixed batch_size in one place and used it in another)."""

import numpy as np


def backward(weights, biases, activations, targets):
    BATCH_SIZE = 3
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):
        A_prev = activations[l]
        dW[l] = A_prev.T @ delta / BATCH_SIZE
        db[l] = np.sum(delta, axis=0, keepdims=True) / BATCH_SIZE
        if l > 0:
            delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    return dW, db
