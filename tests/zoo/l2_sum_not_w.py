"""Bug zoo: takes every keyword, but adds 0.05 * np.sum(W) to every element of dW, a sum where cs231n's L2
gradient reg * W was meant (as in a real cs231n FullyConnectedNet, 7forz 2019)."""
import numpy as np


def fprime(name, Z, A):
    if name == "sigmoid":
        return A * (1 - A)
    if name == "tanh":
        return 1 - A ** 2
    if name in ("relu", "leaky_relu"):
        return np.where(Z > 0, 1.0, 0.0 if name == "relu" else 0.01)
    return np.ones_like(A)


def backward(weights, biases, activations, targets, loss="sum", hidden_activation="sigmoid",
             output_activation="sigmoid", leaky_slope=0.01):
    B, K = targets.shape
    Zs = [activations[l] @ W + b for l, (W, b) in enumerate(zip(weights, biases))]
    A = activations[-1]
    if loss in ("bce", "cross_entropy"):
        delta = (A - targets) / (K if loss == "bce" else 1)
    else:
        delta = (A - targets) * fprime(output_activation, Zs[-1], A) / (K if loss == "mean" else 1)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B + 0.05 * np.sum(weights[l])   # reg * np.sum(W) for reg * W
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = delta @ weights[l].T * fprime(hidden_activation, Zs[l - 1], activations[l])
    return dW, db
