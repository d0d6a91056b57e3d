"""Wrong: the seed's T - A delta returned as the gradient (the exact negative)."""


def backward(weights, biases, activations, targets):
    B = targets.shape[0]
    A = activations[-1]
    delta = (targets - A) * A * (1 - A)
    dW, db = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        dW[l] = activations[l].T @ delta / B
        db[l] = delta.sum(axis=0, keepdims=True) / B
        if l:
            delta = (delta @ weights[l].T) * activations[l] * (1 - activations[l])
    return dW, db
