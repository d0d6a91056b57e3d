"""Bug zoo: a forward pass that forgets the bias of the last layer (the backward itself is right)."""

import numpy as np


def forward(weights, biases, X):
    activations = [X]
    for l, (W, b) in enumerate(zip(weights, biases)):
        Z = activations[-1] @ W + (0 if l == len(weights) - 1 else b)
        activations.append(1 / (1 + np.exp(-Z)))
    return activations


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
    return dW, db
