"""Bug zoo: the loop over the layers stops one layer early: dW1 and db1 stay the zeros they were created as."""

import numpy as np


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)
    dW = [np.zeros_like(W) for W in weights]
    db = [np.zeros_like(b) for b in biases]
    for l in range(len(weights) - 1, 0, -1):     # meant: down to 0
        A_prev = activations[l]
        dW[l] = A_prev.T @ delta / B
        db[l] = np.sum(delta, axis=0, keepdims=True) / B
        delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    return dW, db
