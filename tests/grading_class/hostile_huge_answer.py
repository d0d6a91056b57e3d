"""Hostile: answers with arrays far larger than the question (the grader must not allocate what it likes)."""
import numpy as np


def backward(weights, biases, activations, targets):
    return [np.zeros(10**6) for W in weights], [np.zeros_like(b) for b in biases]
