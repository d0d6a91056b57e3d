"""Bug zoo, checked with --l2 0.1: the L2 term counted twice (added to the gradient in two places)."""
import numpy as np

LAMBDA = 0.1


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):
        A_prev = activations[l]
        dW[l] = A_prev.T @ delta / B + LAMBDA * weights[l]
        db[l] = np.sum(delta, axis=0, keepdims=True) / B
        if l > 0:
            delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    dW = [g + LAMBDA * W for g, W in zip(dW, weights)]          # ... and once more
    return dW, db
