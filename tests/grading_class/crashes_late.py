"""Right, but its process ends on the 8th call: the checks it completed keep their points, the rest score 0."""
import os

CALLS = [0]


def backward(weights, biases, activations, targets):
    CALLS[0] += 1
    if CALLS[0] == 8:
        os._exit(3)
    B = targets.shape[0]
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
