"""A buggy forward for `compare explain --backward`: the first layer subtracts its bias. Its backward is
right for the activations it is given, so the first wrong quantity is A1, in the forward pass."""

import numpy as np


def forward(weights, biases, X):
    activations = [X]
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = activations[-1] @ W + (-b if l == 0 else b)     # the bug: -b1
        activations.append(1.0 / (1.0 + np.exp(-Z)))
    return activations


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
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
