"""A correct forward and backward (loss "sum", sigmoid layers): `compare explain --backward` finds no
difference."""

import numpy as np


def forward(weights, biases, X):
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(1.0 / (1.0 + np.exp(-(activations[-1] @ W + b))))
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
