"""Layer zoo (z6): the temporal loss and its dx divided by N * T (a mean over every step, masked ones included)
instead of by N."""
import numpy as np


def temporal_softmax_loss(x, y, mask, verbose=False):
    N, T, V = x.shape
    scores = x.reshape(N * T, V)
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    rows, labels, m = np.arange(N * T), y.reshape(N * T), mask.reshape(N * T)
    loss = -np.sum(m * np.log(probs[rows, labels])) / (N * T)     # the mistake: / N
    dx = probs.copy()
    dx[rows, labels] -= 1
    dx *= m[:, None] / (N * T)
    return loss, dx.reshape(N, T, V)
