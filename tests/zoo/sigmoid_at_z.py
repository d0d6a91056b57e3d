"""Bug zoo: the sigmoid's derivative taken at Z (Z (1 - Z)) instead of at A = sigmoid(Z) (A (1 - A))."""

import numpy as np


def dsigmoid(Z):
    return Z * (1 - Z)


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    Zs = [A @ W + b for A, W, b in zip(activations[:-1], weights, biases)]
    delta = (activations[-1] - targets) * dsigmoid(Zs[-1])
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):
        dW[l] = activations[l].T @ delta / B
        db[l] = np.sum(delta, axis=0, keepdims=True) / B
        if l > 0:
            delta = (delta @ weights[l].T) * dsigmoid(Zs[l - 1])
    return dW, db
