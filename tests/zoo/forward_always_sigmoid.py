"""Bug zoo: forward and backward take `hidden_activation`; the backward uses it, the forward always applies
the sigmoid."""

import numpy as np

F = {"sigmoid": lambda A: A * (1 - A), "tanh": lambda A: 1 - A * A, "relu": lambda A: (A > 0) * 1.0,
     "identity": lambda A: np.ones_like(A)}


def forward(weights, biases, X, hidden_activation="sigmoid"):
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(1 / (1 + np.exp(-(activations[-1] @ W + b))))
    return activations


def backward(weights, biases, activations, targets, hidden_activation="sigmoid"):
    if hidden_activation not in F:
        raise NotImplementedError(hidden_activation)
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
            delta = (delta @ weights[l].T) * F[hidden_activation](A_prev)
    return dW, db
