"""Correct, one sample at a time (vectors, not matrices), gradients averaged at the end; with a forward."""

import numpy as np


def forward(weights, biases, X):
    activations = [X]
    for W, b in zip(weights, biases):
        activations.append(1.0 / (1.0 + np.exp(-(activations[-1] @ W + b))))
    return activations


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    dW = [np.zeros_like(W) for W in weights]
    db = [np.zeros((1, W.shape[1])) for W in weights]
    for i in range(B):
        a = [A[i] for A in activations]              # this sample's activations, 1-D
        delta = (a[-1] - targets[i]) * a[-1] * (1 - a[-1])
        for l in range(len(weights) - 1, -1, -1):
            dW[l] += np.outer(a[l], delta)
            db[l] += delta
            if l > 0:
                delta = (weights[l] @ delta) * a[l] * (1 - a[l])
    return [g / B for g in dW], [g / B for g in db]
