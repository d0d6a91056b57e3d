"""The reference answer: backpropagation for the hiring committee, written to be read.

Check it (or your own copy of `backprop_template.py`) with

    python -m compare check examples/backprop_solution.py exercise3 --mode all

Layout (the seed's): W[l] has shape (inputs, outputs), so a layer computes Z = A_prev @ W + b.
A batch holds B samples, one per row. activations = [X, A1, ..., AL], AL the network's output.
"""

import numpy as np


def sigmoid(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def forward(weights, biases, X):
    """[X, A1, ..., AL]: each layer takes the previous layer's activation."""
    activations = [X]
    for W, b in zip(weights, biases):
        Z = activations[-1] @ W + b             # (B, outputs)
        activations.append(sigmoid(Z))
    return activations


def backward(weights, biases, activations, targets, loss="sum"):
    """dL/dW and dL/db of every layer, L = the batch mean of the per-sample loss.

    Per sample, loss "sum" is  sum_k (t_k - a_k)^2 / 2,  so dL/dA_L = A_L - T;
    loss "mean" also divides by the number of outputs K:   dL/dA_L = (A_L - T) / K.
    The sigmoid's derivative, written with its output: f'(Z) = A (1 - A).
    """
    B = targets.shape[0]                        # samples in this batch
    K = targets.shape[1]                        # outputs per sample
    A_L = activations[-1]
    delta = (A_L - targets) * A_L * (1 - A_L)   # dL_i/dZ_L for each sample i: (B, K)
    if loss == "mean":
        delta = delta / K
    dW = [None] * len(weights)
    db = [None] * len(weights)
    for l in reversed(range(len(weights))):     # output layer first: that is the order the chain rule goes
        A_prev = activations[l]                 # the input of layer l: (B, inputs)
        dW[l] = A_prev.T @ delta / B            # the batch average of each sample's outer product
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l > 0:
            # one layer down: through W (transposed: delta has the outputs' width), then the sigmoid
            delta = (delta @ weights[l].T) * A_prev * (1 - A_prev)
    return dW, db
