"""Wrong for batches only: sums over the batch instead of averaging (right when B = 1)."""


def backward(weights, biases, activations, targets):
    A = activations[-1]
    delta = (A - targets) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta
        db[l] = delta.sum(axis=0, keepdims=True)
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
