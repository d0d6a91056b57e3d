"""Correct, taking the experiment's settings through **kwargs, returning tuples and 1-D bias gradients."""

import numpy as np


def backward(weights, biases, activations, targets, **settings):
    loss = settings.get("loss", "sum")
    hidden = settings.get("hidden_activation", "sigmoid")
    output = settings.get("output_activation", "sigmoid")
    slope = settings.get("leaky_slope", 0.01)

    def fprime(name, A, Z):
        if name == "sigmoid":
            return A * (1 - A)
        if name == "tanh":
            return (1 - A) * (1 + A)
        if name in ("relu", "leaky_relu"):
            return np.where(Z > 0, 1.0, 0.0 if name == "relu" else slope)
        return np.ones_like(A)

    B, K = targets.shape
    Zs = [activations[l] @ W + b for l, (W, b) in enumerate(zip(weights, biases))]
    A = activations[-1]
    if loss == "cross_entropy":
        delta = A - targets
    elif loss == "bce":
        delta = (A - targets) / K
    else:
        delta = (A - targets) * fprime(output, A, Zs[-1]) / (K if loss == "mean" else 1)
    dW, db = [], []
    for l in range(len(weights) - 1, -1, -1):
        dW.insert(0, activations[l].T @ delta / B)
        db.insert(0, delta.mean(axis=0))
        if l > 0:
            delta = delta @ weights[l].T * fprime(hidden, activations[l], Zs[l - 1])
    return tuple(dW), tuple(db)
