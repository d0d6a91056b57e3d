"""Bug zoo in deeplearning.ai's style, checked with --bce-outputs sum: linear_backward's db forgets the 1/m."""
import dlai_style
import numpy as np


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = np.sum(dZ, axis=1, keepdims=True)                          # the mistake: no 1 / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def backward(weights, biases, activations, targets, **settings):
    dlai_style.linear_backward = linear_backward
    return dlai_style.backward(weights, biases, activations, targets, **settings)
