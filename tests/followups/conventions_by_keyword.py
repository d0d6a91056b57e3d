"""Correct, sigmoid and the seed's loss "sum" only (the template's setting), and it NAMES the loss's
conventions: `l2` (the loss gains l2/2 sum W^2, so dW gains l2 W) and `reduction` ("sum": the per-sample
losses added, no division by the batch). Right only when it receives them: `check FILE.py --l2 0.1
--reduction sum` must pass them in-process and in an isolated process alike."""


def backward(weights, biases, activations, targets, l2=0.0, reduction="mean"):
    B = targets.shape[0] if reduction == "mean" else 1
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)          # (B, K): dL_i/dZ_L
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in reversed(range(len(weights))):
        A_prev = activations[l]                          # (B, n_l)
        dW[l] = A_prev.T @ delta / B + l2 * weights[l]
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    return dW, db
