"""Bug zoo: written in the column layout (samples as columns), with the targets turned round by reshape
where a transpose was meant: reshape keeps the memory order and mixes samples with outputs. Invisible with
one sample or one output."""

import numpy as np


def backward(weights, biases, activations, targets):
    B, K = targets.shape
    Y = targets.reshape(K, B)                    # meant: targets.T
    A = [a.T for a in activations]               # (n_l, B)
    delta = (A[-1] - Y) * A[-1] * (1 - A[-1])    # (K, B)
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = (delta @ A[l].T / B).T
        db[l] = np.sum(delta, axis=1, keepdims=True).T / B
        if l > 0:
            delta = (weights[l] @ delta) * A[l] * (1 - A[l])
    return dW, db
